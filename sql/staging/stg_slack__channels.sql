-- One row per public or private Slack channel in the exports (direct messages are never loaded).
-- The export does not name the workspace's domain, so there is no link to the channel.
select
    'slack:' || channel_id as channel_id,
    'slack' as platform,
    channel_id as external_id,
    name,
    'chat' as kind,
    cast(null as varchar) as url
from raw_slack.channels
