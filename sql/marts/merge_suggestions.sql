-- Pairs of members who may be one person: the same handle, the same full name, or very similar
-- full names, on two platforms. Shown to the manager to decide (Members page); never merged
-- automatically. The same e-mail or phone never appears here: core.identities already links
-- those accounts into one member, so there is no pair left to suggest (undoing such an automatic
-- link is not offered). A pair the manager merged is one member too and drops out; undoing the
-- merge brings the suggestion back.
-- A handle or name that more than 4 members go by ("admin", "Александр Иванов" in a community of
-- 100,000) says nothing about who is whom and suggests nothing: otherwise its holders would make
-- pairs by the thousand.
with accounts as (
    select
        member_id,
        platform,
        nullif(lower(trim(leading '@' from handle)), '') as handle,
        lower(regexp_replace(trim(display_name), '\s+', ' ', 'g')) as name
    from core.identities
    where not is_bot
),

distinctive_handles as (
    select handle
    from accounts
    where handle is not null
    group by handle
    having count(distinct member_id) between 2 and 4
),

-- a single word ("Anna") is too common to suggest anything
distinctive_names as (
    select name
    from accounts
    where contains(name, ' ')
    group by name
    having count(distinct member_id) <= 4
),

matches as (
    select a.member_id as member_a, b.member_id as member_b, 'same handle' as reason, a.handle as value
    from accounts as a
    semi join distinctive_handles as d on d.handle = a.handle
    join accounts as b
        on a.handle = b.handle and a.platform <> b.platform and a.member_id < b.member_id
    union
    select a.member_id, b.member_id, 'same name', a.name
    from accounts as a
    semi join distinctive_names as d on d.name = a.name
    join accounts as b
        on a.name = b.name and a.platform <> b.platform and a.member_id < b.member_id
),

-- Very similar names: the same words in another order ("Petrov Ivan" / "Ivan Petrov"), or one
-- typo in one word: a letter missing, extra or wrong, or two neighbours swapped ("Sergey" /
-- "Sergei", "Фролова" / "Фроова"). Names of two or more words, letters only, ё as е; their words
-- sorted, so that the order does not matter.
name_words as (
    select distinct
        a.member_id,
        a.platform,
        a.name,
        list_sort(
            list_filter(
                string_split(
                    regexp_replace(replace(a.name, 'ё', 'е'), '[^\p{L}\p{N} ]', '', 'g'), ' '
                ),
                lambda word: word <> ''
            )
        ) as words
    from accounts as a
    semi join distinctive_names as d on d.name = a.name
),

name_word as (
    select
        member_id,
        platform,
        name,
        array_to_string(list_concat(words[:position - 1], words[position + 1:]), ' ')
            as other_words,
        words[position] as word
    from (
        select member_id, platform, name, words, unnest(range(1, len(words) + 1)) as position
        from name_words
        where len(words) >= 2
    )
),

-- Comparing every pair of 100,000 members is 5·10⁹ comparisons. Instead each name gets keys
-- that two names one typo apart always share: its other words, plus one word as it is or with
-- one letter deleted (words of 4 letters or more; "sergey" and "sergei" both give "serge").
-- About 15 keys a name; an equality join on them finds the candidates. Which letters the two
-- keys deleted tells the typo, letter by letter (DuckDB's edit distances count bytes, and a
-- Cyrillic letter is two): none in one of them, a letter inserted; the same place, a letter
-- replaced; neighbouring places and the same letter, two letters swapped; anything else is two
-- typos. Measured on 100,000 members (120,000 accounts) with a real spread of Russian names:
-- 1.6·10⁶ keys, 10⁴ pairs found, the whole model 1.5 s on 2 CPUs. (A whole-name similarity
-- score within blocks of a word and initials compared 2·10⁶ pairs, took 30 s, and found
-- "Василий Александров" and "Владимир Александров" alike.)
typo_keys as (
    select
        member_id,
        platform,
        name,
        deleted,
        substr(word, deleted, 1) as removed,
        other_words || '|' || case
            when deleted = 0 then word
            else left(word, deleted - 1) || substr(word, deleted + 1)
        end as typo_key
    from (
        select
            member_id, platform, name, other_words, word,
            unnest(range(0, case when length(word) >= 4 then length(word) + 1 else 1 end))
                as deleted
        from name_word
    )
),

similar_names as (
    select distinct
        a.member_id as member_a, b.member_id as member_b, a.name as name_a, b.name as name_b
    from typo_keys as a
    join typo_keys as b
        on a.typo_key = b.typo_key and a.platform <> b.platform and a.member_id < b.member_id
    -- equal names are "same name" above
    where a.name <> b.name
        and (
            a.deleted = 0
            or b.deleted = 0
            or a.deleted = b.deleted
            or (abs(a.deleted - b.deleted) = 1 and a.removed = b.removed)
        )
),

all_matches as (
    select member_a, member_b, reason, value from matches
    union
    select member_a, member_b, 'similar name', name_a || ' ~ ' || name_b from similar_names
)

select member_a, member_b, string_agg(reason || ': ' || value, '; ' order by reason) as reasons
from all_matches
group by member_a, member_b
