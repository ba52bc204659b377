-- Every tag some member has (from member lists or added by hand), with how many have it.
select tag, count(*) as members
from (select unnest(tags) as tag from core.members)
group by tag
order by members desc, tag
