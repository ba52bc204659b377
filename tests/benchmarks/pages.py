"""`make bench-pages`: the time each page's data takes, cold and warm, at scale.

The community is generated: 100,000 members and 10,000,000 activities by default.

Run from the repository root: `python -m tests.benchmarks.pages [--members N] [--activities N]
[--data-dir PATH] [--regenerate] [--json]`.

1. **Generate** the community straight into the raw tables of three sources with DuckDB SQL
   (`range()` and hash-based pseudo-randomness with a fixed seed, so the same scale gives the
   same rows): the CSV source (two Telegram chats, a Discord forum and a Discord chat, event
   registrations), a Slack workspace channel (its users carry the team and bot flags and the
   e-mails that link them to their CSV accounts) and a VK broadcast group (posts with views,
   comments, likes, member counts). Events, follow-ups and feedback go into the app tables, as
   the forms would write them. A data folder that already holds a community made by the same
   generator version at the same scale is reused (`--regenerate` forces a new one).
2. **Build** every model with the real runner (`python -m pipelines build`, timed in a child
   process with its peak RSS; DuckDB's memory_limit is BUILD_MEMORY, see there).
3. **Time each page's data** (`PAGE_DATA`: exactly what each page calls) for the last 30 days of
   the data and for the calendar quarter of its last day. Cold = a fresh Python process with an
   empty results cache (the first call, after imports); warm = the same call again in that
   process (served by `warehouse.queries.cached`, as a page rerun is); recomputed = the call
   again after `queries.clear_cache()` in the warm process (the cost when the data changed).

Targets are recorded, never asserted: the exit code is non-zero only when a step fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from tests.benchmarks.ingest import (
    BENCHMARKS_MD,
    ChildRun,
    StepFailed,
    code_version,
    machine_info,
    run_child,
)
from warehouse.periods import Period, quarter_of

GENERATOR_VERSION = 2  # bump whenever the generated rows change: a stale folder is regenerated
DEFAULT_MEMBERS = 100_000
DEFAULT_ACTIVITIES = 10_000_000
DEFAULT_DATA_DIR = Path("/tmp/pulse-bench-pages")
SEED = 7
SPAN_DAYS = 730  # two years of history
TIMEZONE = "Europe/Moscow"
GENERATE_MEMORY = "2GB"  # DuckDB's limit while generating (it spills past it)
# DuckDB's limit for the build (PULSE_DUCKDB_MEMORY): at 10,000,000 activities the app's default
# (512MB) runs out of memory in core.content, so the bench names its own
BUILD_MEMORY = "2GB"
META_FILE = "bench-community.json"
TARGET_WARM_S, TARGET_COLD_S = 1.0, 5.0  # the Overview's, from the issue
MD_START = "<!-- bench-pages:start (written by `make bench-pages`; edit outside these markers) -->"
MD_END = "<!-- bench-pages:end -->"
VK_GROUP = 100_001
VK_USER_BASE = 500_000_000  # VK ids of the generated people: VK_USER_BASE + person number


@dataclass(frozen=True)
class Channel:
    channel_id: str
    source: str  # csv | slack | vk
    platform: str
    name: str
    kind: str
    share: float  # of the activity budget that source's streams spread over its channels


# ~6 channels on four platforms: chats, a forum, a broadcast channel with views.
CHANNELS = (
    Channel("telegram:community", "csv", "telegram", "Pulse Community", "chat", 0.55),
    Channel("telegram:jobs", "csv", "telegram", "Pulse Jobs", "chat", 0.12),
    Channel("discord:forum", "csv", "discord", "Pulse Forum", "forum", 0.20),
    Channel("discord:help", "csv", "discord", "Pulse Help", "chat", 0.13),
    Channel("slack:C0PULSE", "slack", "slack", "general", "chat", 0.0),
    Channel(f"vk:{VK_GROUP}", "vk", "vk", "Pulse VK", "broadcast", 0.0),
)
CSV_CHANNELS = tuple(c for c in CHANNELS if c.source == "csv")
# Shares of the activity left after joins, leaves and events (the CSV channels take the rest).
VK_COMMENT_SHARE, VK_LIKE_SHARE, VK_POST_SHARE = 0.10, 0.08, 0.0002
SLACK_MESSAGE_SHARE, SLACK_REACTION_SHARE = 0.08, 0.04
# of a CSV channel's activity: messages, replies, posts and comments; the rest are reactions
CONTENT_SHARE = 0.6


@dataclass(frozen=True)
class Scale:
    members: int = DEFAULT_MEMBERS
    activities: int = DEFAULT_ACTIVITIES
    seed: int = SEED
    end: date | None = None  # the data ends at this day's 00:00 UTC; default today

    def resolved(self) -> Scale:
        return Scale(self.members, self.activities, self.seed, self.end or datetime.now(UTC).date())


# ----------------------------------------------------------------------------- the generator

_MACROS = """
create or replace temp macro unif(tag, i) as
    (hash(i, tag, getvariable('seed')) >> 11) / 9007199254740992.0;
-- the moment at fraction x of the two years
create or replace temp macro at_us(x) as
    getvariable('start_us') + cast(floor(getvariable('span_us') * x) as bigint);
-- the k-th of n rows of a stream: activity grows linearly with time, so rows thin out early on
create or replace temp macro stream_x(k, n) as sqrt((k + 0.5) / n);
-- the index of the latest of n stream rows at or before fraction x (-1: none yet)
create or replace temp macro stream_index(n, x) as cast(floor(n * x * x - 0.5) as bigint);
-- how many of a channel's members have arrived by x: a fifth were there before the data starts
create or replace temp macro arrived(pop, x) as pop * (0.2 + 0.8 * x * x);
-- who acts, as an arrival rank among n members: nearly every action (99 %) comes from the
-- engaged core, the earliest 8 %, and within it mostly from the earliest (u²); the rest from
-- anyone. So most members lurk, as in real communities (90-9-1).
create or replace temp macro engaged_rank(n, tag, i) as
    cast(floor(n * if(unif(tag || ':core', i) < 0.99,
        0.08 * pow(unif(tag, i), 2), unif(tag, i))) as bigint);
-- who acts at x: among the channel's members arrived by then
create or replace temp macro actor_rank(pop, x, tag, i) as
    engaged_rank(arrived(pop, x), tag, i);
create or replace temp macro slack_ts(us) as
    cast(us // 1000000 as varchar) || '.' || lpad(cast(us % 1000000 as varchar), 6, '0');
"""

FIRST_NAMES = [
    "Анна",
    "Иван",
    "Мария",
    "Алексей",
    "Ольга",
    "Дмитрий",
    "Елена",
    "Сергей",
    "Наталья",
    "Андрей",
    "Татьяна",
    "Михаил",
    "Юлия",
    "Павел",
    "Ирина",
    "Никита",
    "Светлана",
    "Артём",
    "Ксения",
    "Максим",
    "Олег",
    "Дарья",
    "Роман",
    "Полина",
    "Кирилл",
    "Вера",
    "Денис",
    "Алина",
    "Егор",
    "Софья",
    "Тарас",
    "Оксана",
    "Богдан",
    "Остап",
    "Леся",
    "Марина",
    "Глеб",
    "Жанна",
    "Виктор",
    "Яна",
]
LAST_NAMES = [
    "Иванова",
    "Петров",
    "Смирнова",
    "Кузнецов",
    "Попова",
    "Соколов",
    "Лебедева",
    "Козлов",
    "Новикова",
    "Морозов",
    "Волкова",
    "Алексеев",
    "Зайцева",
    "Павлов",
    "Семёнова",
    "Голубев",
    "Виноградова",
    "Богданов",
    "Воробьёва",
    "Фёдоров",
    "Шевченко",
    "Бондаренко",
    "Коваленко",
    "Ткаченко",
    "Кравченко",
    "Мельник",
    "Олейник",
    "Лысенко",
    "Руденко",
    "Марченко",
    "Орлова",
    "Макаров",
    "Никитина",
    "Захаров",
    "Зуева",
    "Соловьёв",
    "Борисова",
    "Яковлев",
    "Григорьева",
    "Романов",
    "Степанова",
    "Сорокин",
    "Андреева",
    "Киселёв",
    "Ильина",
    "Максимов",
    "Полякова",
    "Тихонов",
    "Крылова",
    "Белов",
]
QUESTIONS = [
    "Подскажите, как подключить бота?",
    "Кто-нибудь уже пробовал новую версию?",
    "Where can I find the slides from the last meetup?",
    "Есть ли запись вчерашнего эфира?",
    "Як зареєструватися на наступну зустріч?",
    "Какой дедлайн у конкурса?",
    "Does anyone know a good course on data engineering?",
    "Можно прийти без регистрации?",
]
MESSAGES = [
    "Спасибо, помогло!",
    "Всем привет 👋",
    "Отличная встреча, спасибо организаторам",
    "Поделюсь ссылкой на статью",
    "Дякую за відповідь",
    "+1, тоже интересно",
    "Great talk, thanks!",
    "Вечером выложу код",
    "Согласен",
    "Посмотрите закреплённое сообщение",
]
POSTS = [
    "Анонс: встреча сообщества в четверг",
    "Итоги месяца: что мы сделали вместе",
    "Новая подборка материалов для начинающих",
    "Открыт набор спикеров на осенний митап",
    "Розыгрыш билетов на конференцию",
]
EVENT_TITLES = [
    "Митап сообщества",
    "Вебинар: аналитика для комьюнити",
    "Воркшоп по Python",
    "Нетворкинг-вечер",
    "AMA с командой",
    "Хакатон выходного дня",
]


def _text_pick(options: list[str], tag: str, index: str) -> str:
    """SQL picking one of `options` (a literal list) by a hash of `index`."""
    literal = "[" + ", ".join("'" + o.replace("'", "''") + "'" for o in options) + "]"
    return f"{literal}[1 + cast(floor(unif('{tag}', {index}) * {len(options)}) as integer)]"


def _people(con: duckdb.DuckDBPyConnection) -> None:
    first = "[" + ", ".join(f"'{n}'" for n in FIRST_NAMES) + "]"
    last = "[" + ", ".join(f"'{n}'" for n in LAST_NAMES) + "]"
    con.execute(
        f"""
        create temp table people as
        with drawn as (
            select range as p, unif('segment', range) as s from range(getvariable('members'))
        )
        select
            p,
            -- a fifth only follow the VK group; ~1.5 % are the team (Slack admins) and bots
            case when s < 0.200 then 'vk' when s < 0.203 then 'bot' when s < 0.215 then 'team'
                else 'member' end as segment,
            'u' || p || '@example.org' as email,
            'user' || p as handle,
            -- a few go by a full name (which may be someone else's too), most by a nickname
            case when unif('full_name', p) < 0.08
                then {first}[1 + p % {len(FIRST_NAMES)}] || ' '
                    || {last}[1 + (p // {len(FIRST_NAMES)}) % {len(LAST_NAMES)}]
                else lower({first}[1 + p % {len(FIRST_NAMES)}]) || '_' || p
            end as display_name
        from drawn
        """
    )
    # Who is in which channel: everyone but the VK-only people is in the main chat; the rest by
    # chance; the team is also in Slack and more often in the others. rank = arrival order.
    con.execute(
        """
        create temp table memberships as
        with chosen as (
            select c.channel_id, c.platform, p.p, p.segment, p.email
            from people as p
            cross join channels as c
            where case c.channel_id
                when 'telegram:community' then p.segment in ('member', 'team')
                when 'telegram:jobs' then p.segment in ('member', 'team')
                    and unif('jobs', p.p) < if(p.segment = 'team', 0.5, 0.25)
                when 'discord:forum' then p.segment in ('member', 'team')
                    and unif('forum', p.p) < if(p.segment = 'team', 0.5, 0.2)
                when 'discord:help' then p.segment in ('member', 'team')
                    and unif('help', p.p) < if(p.segment = 'team', 0.5, 0.15)
                when 'slack:C0PULSE' then p.segment in ('bot', 'team')
                    or (p.segment = 'member' and unif('slack', p.p) < 0.15)
                else p.segment = 'vk'
            end
        ),

        ranked as (
            select
                *,
                row_number() over (
                    partition by channel_id order by unif('rank:' || channel_id, p)
                ) - 1 as rank,
                count(*) over (partition by channel_id) as pop
            from chosen
        )

        select
            channel_id,
            p,
            rank,
            pop,
            case platform
                when 'slack' then 'U' || p
                when 'vk' then cast(getvariable('vk_base') + p as varchar)
                else platform || ':' || email
            end as account,
            -- arrival: the first fifth were members before the data starts
            case when rank < 0.2 * pop then null else sqrt((rank / pop - 0.2) / 0.8) end
                as arrival_x,
            unif('leaves:' || channel_id, p) < 0.08 as leaves
        from ranked
        """
    )
    con.execute(
        """
        create temp table channel_pops as
        select channel_id, any_value(pop) as pop from memberships group by channel_id
        """
    )
    # channel sizes as constants: a lookup by rank must be a plain equi-join (a rank computed
    # from a joined table's column makes DuckDB fall back to a nested loop)
    pops = dict(con.execute("select channel_id, pop from channel_pops").fetchall())
    for variable, channel in (
        ("main_pop", "telegram:community"),
        ("slack_pop", "slack:C0PULSE"),
        ("vk_pop", f"vk:{VK_GROUP}"),
    ):
        con.execute(f"set variable {variable} = {int(pops[channel])}")
    # a join (or, for VK, presence at the first refresh) and for some a leave, as UTC µs
    con.execute(
        """
        create temp table membership_times as
        select
            channel_id,
            p,
            account,
            arrival_x is null as was_there,
            coalesce(
                at_us(arrival_x),
                -- members from before the data: joined in the year before it starts
                getvariable('start_us') - cast(unif('before', p) * 365 * 86400e6 as bigint)
            ) as joined_us,
            leaves
        from memberships
        """
    )


def _identities(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        insert into raw_csv.channels by name
        select channel_id, platform, split_part(channel_id, ':', 2) as external_id, name, kind,
            'bench-' || replace(channel_id, ':', '-') || '.csv' as source_file,
            getvariable('end_us') as loaded_at_us
        from channels where source = 'csv'
        """
    )
    # one CSV account per person and platform (Telegram, Discord), keyed by e-mail
    con.execute(
        """
        insert into raw_csv.identities by name
        select distinct
            m.account as identity_id,
            'bench-members.csv' as source_file,
            split_part(m.account, ':', 1) as platform,
            p.email as external_user_id,
            p.handle,
            p.display_name,
            p.email,
            cast(null as varchar) as phone,
            case when unif('tagged', p.p) < 0.02 then '["speaker"]' end as tags_json,
            p.p + 2 as first_line,
            getvariable('end_us') as loaded_at_us
        from memberships as m
        join people as p on p.p = m.p
        join channels as c on c.channel_id = m.channel_id
        where c.source = 'csv'
        """
    )
    con.execute(
        """
        insert into raw_slack.channels by name
        select 'C0PULSE' as channel_id, 'general' as name,
            getvariable('start_us') // 1000000 - 400 * 86400 as created, 'U0' as creator,
            false as is_private, false as is_archived, true as is_general,
            'Everything Pulse' as topic, 'The community workspace' as purpose,
            'channels.json' as source_file
        """
    )
    # Slack users: the team are admins, bots have no e-mail; the e-mail links the others
    con.execute(
        """
        insert into raw_slack.users by name
        select
            m.account as user_id,
            'T0PULSE' as team_id,
            p.handle as name,
            p.display_name as real_name,
            p.display_name,
            if(p.segment = 'bot', null, p.email) as email,
            cast(null as varchar) as phone,
            false as deleted,
            p.segment = 'bot' as is_bot,
            false as is_app_user,
            p.segment = 'team' as is_admin,
            false as is_owner,
            'Europe/Moscow' as tz,
            'users.json' as source_file
        from memberships as m
        join people as p on p.p = m.p
        where m.channel_id = 'slack:C0PULSE'
        """
    )
    con.execute(
        """
        insert into raw_vk.groups by name
        select getvariable('vk_group') as group_id, 'Pulse VK' as name, 'pulse_vk' as screen_name,
            'page' as group_type, 0 as is_closed,
            (select pop from channel_pops where channel_id = 'vk:' || getvariable('vk_group'))
                as members_count,
            getvariable('end_us') // 1000000 as fetched_unixtime
        """
    )
    con.execute(
        """
        insert into raw_vk.profiles by name
        select cast(m.account as bigint) as profile_id,
            split_part(p.display_name, ' ', 1) as first_name,
            nullif(split_part(p.display_name, ' ', 2), '') as last_name,
            cast(null as varchar) as name,
            p.handle as screen_name,
            cast(null as varchar) as deactivated
        from memberships as m
        join people as p on p.p = m.p
        where m.channel_id = 'vk:' || getvariable('vk_group')
        """
    )


def _joins_and_leaves(con: duckdb.DuckDBPyConnection) -> None:
    leave_at = (
        "joined_us + cast(unif('left_at:' || channel_id, p) "
        "* (getvariable('end_us') - greatest(joined_us, getvariable('start_us'))) as bigint)"
    )
    con.execute(
        f"""
        insert into raw_csv.activities by name
        with moves as (
            select channel_id, p, account, 'join' as activity_type, joined_us as occurred_us
            from membership_times
            union all
            select channel_id, p, account, 'leave', {leave_at}
            from membership_times
            where leaves
        )
        select
            channel_id || ':' || activity_type || ':' || p as activity_id,
            account as identity_id,
            channel_id,
            activity_type,
            occurred_us,
            cast(null as varchar) as content_id,
            cast(null as varchar) as parent_content_id,
            p + 2 as line,
            'bench-members.csv' as source_file,
            getvariable('end_us') as loaded_at_us
        from moves
        where channel_id in (select channel_id from channels where source = 'csv')
        """
    )
    con.execute(
        f"""
        insert into raw_slack.messages by name
        with moves as (
            select account, 'channel_join' as subtype, joined_us as us
            from membership_times where channel_id = 'slack:C0PULSE'
            union all
            select account, 'channel_leave', {leave_at}
            from membership_times where channel_id = 'slack:C0PULSE' and leaves
        )
        select 'C0PULSE' as channel_id, slack_ts(us) as ts, us as sent_us, subtype,
            account as user_id, '<@' || account || '> has ' || if(subtype = 'channel_join',
                'joined', 'left') || ' the channel' as text,
            0 as reaction_count, 'general/' || cast(make_timestamp(us) as date) || '.json'
                as day_file
        from moves
        """
    )
    # VK keeps no join history: the members listed at the first refresh are 'present'
    con.execute(
        f"""
        insert into raw_vk.membership_changes by name
        select getvariable('vk_group') as group_id, cast(account as bigint) as user_id,
            if(was_there, getvariable('start_us'), joined_us) // 1000000 as changed_unixtime,
            if(was_there, 'present', 'join') as change_type
        from membership_times where channel_id = 'vk:' || getvariable('vk_group')
        union all
        select getvariable('vk_group'), cast(account as bigint),
            greatest({leave_at}, getvariable('start_us') + 1000000) // 1000000, 'leave'
        from membership_times where channel_id = 'vk:' || getvariable('vk_group') and leaves
        """
    )


def _events(con: duckdb.DuckDBPyConnection) -> None:
    """About one event a week, four more planned after the data ends; registrations from the main
    chat (the most active come most often), about half of them attend; follow-ups and feedback."""
    weeks = SPAN_DAYS // 7
    con.execute(
        f"""
        create temp table bench_events as
        with numbered as (select range as e from range({weeks + 4}))
        select
            e,
            'app:bench-' || (e + 1) as event_id,
            e >= {weeks} as upcoming,
            -- the evening of day 3 of each week (15:00 UTC = 18:00 in Moscow); planned ones
            -- every 5 days after the data ends
            case when e < {weeks}
                then getvariable('start_us') + cast((e * 7 + 3) * 86400e6 + 15 * 3600e6 as bigint)
                else getvariable('end_us')
                    + cast(((e - {weeks} + 1) * 5) * 86400e6 + 15 * 3600e6 as bigint)
            end as starts_us,
            {_text_pick(EVENT_TITLES, "event_title", "e")} || ' #' || (e + 1) as title,
            case when unif('format', e) < 0.5 then 'online'
                when unif('format', e) < 0.85 then 'offline' else 'hybrid' end as format,
            if(e % 3 = 2, 'vk:' || getvariable('vk_group'), 'telegram:community') as channel_id
        from numbered
        """
    )
    con.execute(
        """
        create temp table bench_event_sizes as
        select
            e.*,
            least(e.starts_us, getvariable('end_us')) as seen_us,
            cast(floor(arrived(pops.pop, least(1.0, (e.starts_us - getvariable('start_us'))
                / getvariable('span_us')))) as bigint) as pool,
            greatest(3, cast(floor(arrived(pops.pop, least(1.0, (e.starts_us
                - getvariable('start_us')) / getvariable('span_us'))) * 0.004
                * (0.5 + unif('size', e.e))) as bigint)) as wanted
        from bench_events as e
        join channel_pops as pops on pops.channel_id = 'telegram:community'
        """
    )
    # s-th registrant: consecutive arrival ranks from a heavy-tailed start, so distinct people
    con.execute(
        """
        create temp table bench_registrations as
        with drawn as (
            select
                e.*,
                s.range as s,
                (cast(floor(e.pool * pow(unif('reg_start', e.e), 3)) as bigint) + s.range)
                    % e.pool as rank,
                e.starts_us - cast(30 * 86400e6 * pow(unif('ahead', e.e * 100000 + s.range), 2)
                    + 3600e6 as bigint) as registered_us
            from bench_event_sizes as e, range(least(e.wanted, e.pool)) as s
        )
        select
            d.event_id,
            d.e,
            d.s,
            p.email,
            d.registered_us,
            not d.upcoming and unif('came', d.e * 100000 + d.s) < 0.55 as attended,
            d.starts_us + cast(unif('door', d.e * 100000 + d.s) * 40 * 60e6 as bigint)
                as checked_in_us,
            case when d.s < 2 then 'speaker' when d.s = 2 then 'host' else 'guest' end
                as participant_role,
            case when unif('source', d.e * 100000 + d.s) < 0.5 then 'Pulse Community'
                when unif('source', d.e * 100000 + d.s) < 0.75 then 'vk' end as source_channel
        from drawn as d
        join memberships as m on m.channel_id = 'telegram:community' and m.rank = d.rank
        join people as p on p.p = m.p
        -- planned events: only the registrations made before the data ends
        where d.registered_us < d.seen_us
        """
    )
    con.execute(
        """
        insert into raw_csv.registrations by name
        select event_id, email as person_key, 'bench-registrations.csv' as source_file,
            'csv-registrations:' || email as identity_id, registered_us, attended,
            if(attended, checked_in_us, null) as checked_in_us, participant_role, source_channel,
            s + 2 as line, getvariable('end_us') as loaded_at_us
        from bench_registrations
        """
    )
    con.execute(
        """
        insert into raw_csv.identities by name
        select distinct 'csv-registrations:' || r.email as identity_id,
            'bench-registrations.csv' as source_file, 'csv-registrations' as platform,
            cast(null as varchar) as external_user_id, p.handle, p.display_name, r.email,
            cast(null as varchar) as phone, cast(null as varchar) as tags_json,
            cast(null as bigint) as first_line, getvariable('end_us') as loaded_at_us
        from bench_registrations as r
        join people as p on p.email = r.email
        """
    )
    con.execute(
        """
        insert into app.events by name
        select
            e.event_id,
            e.title,
            e.format,
            make_timestamp(e.starts_us) as starts_at,
            make_timestamp(e.starts_us + cast(2 * 3600e6 as bigint)) as ends_at,
            cast(null as varchar) as timezone,
            if(e.format = 'online', 'Zoom', 'Москва, Пульс-холл') as place,
            e.channel_id,
            'Команда Pulse' as organisers,
            cast(null as varchar) as co_hosts,
            -- most events have a registration target a little above what they usually get
            if(unif('target', e.e) < 0.7, cast(ceil(e.wanted * 1.1 / 10) * 10 as bigint), null)
                as registration_target,
            cast(null as decimal(14, 2)) as budget,
            cast(null as varchar) as currency,
            case when e.upcoming then 'planned' when unif('cancel', e.e) < 0.03 then 'cancelled'
                else 'done' end as status,
            if(e.upcoming, 'Пост в VK и напоминание в чате', null) as backup_actions,
            make_timestamp(e.starts_us - cast(35 * 86400e6 as bigint)) as created_at,
            make_timestamp(e.starts_us - cast(35 * 86400e6 as bigint)) as updated_at,
            cast(null as timestamp) as deleted_at
        from bench_event_sizes as e
        """
    )
    # follow-ups done for events that ended more than three weeks before the data ends
    con.execute(
        """
        insert into app.event_followups by name
        select e.event_id, item.item, 'Команда Pulse' as owner, cast(null as date) as due_on,
            cast(make_timestamp(e.starts_us + cast(3 * 86400e6 as bigint)) as date) as done_on,
            cast(null as varchar) as note,
            make_timestamp(e.starts_us + cast(3 * 86400e6 as bigint)) as updated_at
        from bench_events as e
        cross join (values ('thanks'), ('materials'), ('feedback'), ('introductions'),
            ('story'), ('invitation')) as item(item)
        where e.starts_us < getvariable('end_us') - cast(21 * 86400e6 as bigint)
        """
    )
    # feedback: one item per 50 members; most answered within three days, recent ones waiting
    con.execute(
        """
        insert into app.feedback by name
        with drawn as (
            select
                range as f,
                at_us(sqrt(unif('fb_at', range))) as received_us,
                unif('fb_about', range) as about
            from range(greatest(5, getvariable('members') // 50))
        )
        select
            'bench-' || d.f as feedback_id,
            case when d.about < 0.6 then (
                select arg_max(e.event_id, e.starts_us) from bench_events as e
                where e.starts_us < d.received_us
            ) end as event_id,
            case when d.about >= 0.6 and d.about < 0.8 then 'telegram:community' end
                as channel_id,
            m.account as identity_id,
            make_timestamp(d.received_us) as received_at,
            case when unif('fb_answered', d.f) < if(
                d.received_us < getvariable('end_us') - cast(14 * 86400e6 as bigint), 0.85, 0.4)
                then make_timestamp(d.received_us
                    + cast(unif('fb_wait', d.f) * 72 * 3600e6 as bigint))
            end as responded_at,
            1 + cast(floor(unif('fb_score', d.f) * 5) as integer) as score,
            'Отзыв #' || d.f || ': ' || if(unif('fb_score', d.f) < 0.3,
                'хотелось бы больше практики', 'всё понравилось, спасибо') as text,
            make_timestamp(d.received_us) as created_at
        from drawn as d
        join memberships as m on m.channel_id = 'telegram:community'
            and m.rank = cast(floor(unif('fb_who', d.f) * getvariable('main_pop')) as bigint)
        """
    )


def _vk(con: duckdb.DuckDBPyConnection, budget: int) -> None:
    """Posts by the group (the team) with views; comments and replies; likes, several per post."""
    posts = max(5, round(budget * VK_POST_SHARE))
    comments = round(budget * VK_COMMENT_SHARE)
    likes = round(budget * VK_LIKE_SHARE)
    con.execute(
        f"""
        create temp table vk_posts as
        with drawn as (
            select
                range as j,
                stream_x(range, {posts}) as x,
                (select pop from channel_pops where channel_id = 'vk:' || getvariable('vk_group'))
                    as pop
            from range({posts})
        )
        select
            j,
            at_us(x) as us,
            cast(floor(arrived(pop, x)) as bigint) as audience,
            cast(floor(arrived(pop, x) * (0.4 + 0.6 * unif('views', j))
                * if(unif('viral', j) < 0.05, 3, 1)) as bigint) as views,
            arrived(pop, x) * (0.5 + unif('likes', j)) as like_weight
        from drawn
        """
    )
    con.execute(
        f"""
        create temp table vk_post_likes as
        select j, least(audience, cast(floor({likes} * like_weight
            / (select sum(like_weight) from vk_posts)) as bigint)) as likes
        from vk_posts
        """
    )
    con.execute(
        f"""
        create temp table vk_comments as
        with drawn as (
            select
                range as i,
                stream_x(range, {comments}) as x,
                greatest(0, stream_index({posts}, stream_x(range, {comments}))
                    - cast(floor(3 * pow(unif('vk_post', range), 2)) as bigint)) as j
            from range({comments})
        ),

        placed as (
            select
                d.*,
                lag(d.j) over (order by d.i) as previous_j,
                m.account
            from drawn as d
            join memberships as m
                on m.channel_id = 'vk:' || getvariable('vk_group')
                and m.rank = actor_rank(getvariable('vk_pop'), d.x, 'vk_who', d.i)
        )

        select
            placed.i,
            placed.j,
            cast(placed.account as bigint) as from_id,
            -- never before its post (nor after the data ends)
            greatest(at_us(placed.x), least(p.us + 60000000, getvariable('end_us') - 1))
                // 1000000 as date_unixtime,
            -- a reply answers the comment just before it under the same post
            if(placed.previous_j = placed.j and unif('vk_reply', placed.i) < 0.3,
                placed.i, null) as replied_comment
        from placed
        join vk_posts as p on p.j = placed.j
        """
    )
    owner = "-getvariable('vk_group')"
    con.execute(
        f"""
        insert into raw_vk.posts by name
        select {owner} as owner_id, p.j + 1 as post_id, getvariable('vk_group') as group_id,
            {owner} as from_id, cast(null as bigint) as signer_id,
            cast(null as bigint) as created_by, p.us // 1000000 as date_unixtime,
            'post' as post_type, {_text_pick(POSTS, "vk_text", "p.j")} as text,
            false as is_pinned, if(p.j % 3 = 0, 'photo', null) as media_type,
            l.likes, cast(floor(l.likes * 0.1) as bigint) as reposts,
            coalesce(c.comments, 0) as comments, p.views
        from vk_posts as p
        join vk_post_likes as l on l.j = p.j
        left join (select j, count(*) as comments from vk_comments group by j) as c
            on c.j = p.j
        """
    )
    con.execute(
        f"""
        insert into raw_vk.comments by name
        select {owner} as owner_id, j + 1 as post_id, i + 1 as comment_id,
            getvariable('vk_group') as group_id, from_id, date_unixtime,
            if(unif('vk_q', i) < 0.15, {_text_pick(QUESTIONS, "vk_qt", "i")},
                {_text_pick(MESSAGES, "vk_mt", "i")}) as text,
            replied_comment + 1 as thread_root_id, replied_comment + 1 as reply_to_comment,
            0 as likes
        from vk_comments
        """
    )
    # the s-th like of a post: consecutive ranks from one drawn like an actor (mostly the core),
    # so each person likes a post once
    con.execute(
        """
        insert into raw_vk.post_likers by name
        select -getvariable('vk_group') as owner_id, l.j + 1 as post_id,
            cast(m.account as bigint) as liker_id, getvariable('vk_group') as group_id
        from vk_post_likes as l
        join vk_posts as p on p.j = l.j, range(l.likes) as s
        join memberships as m
            on m.channel_id = 'vk:' || getvariable('vk_group')
            and m.rank = (engaged_rank(p.audience, 'vk_liker', l.j) + s.range) % p.audience
        """
    )
    # the group's daily statistics: followers, page views, reach
    con.execute(
        f"""
        insert into raw_vk.member_snapshots by name
        with days as (select range as d from range({SPAN_DAYS}))
        select getvariable('vk_group') as group_id,
            getvariable('start_us') // 1000000 + (d + 1) * 86400 - 3600 as snapshot_unixtime,
            cast(floor(0.96 * arrived(pops.pop, (d + 1) / {SPAN_DAYS})) as bigint)
                as members_count,
            cast(floor(0.96 * arrived(pops.pop, (d + 1) / {SPAN_DAYS})) as bigint)
                as members_listed
        from days
        join channel_pops as pops on pops.channel_id = 'vk:' || getvariable('vk_group')
        """
    )
    con.execute(
        f"""
        insert into raw_vk.stats_days by name
        with days as (select range as d from range({SPAN_DAYS}))
        select getvariable('vk_group') as group_id,
            getvariable('start_us') // 1000000 + d * 86400 - 3 * 3600 as period_from,
            getvariable('start_us') // 1000000 + (d + 1) * 86400 - 3 * 3600 as period_to,
            cast(floor(arrived(pops.pop, d / {SPAN_DAYS}) * (0.3 + 0.4 * unif('day_views', d)))
                as bigint) as views,
            cast(floor(arrived(pops.pop, d / {SPAN_DAYS}) * 0.2) as bigint) as reach
        from days
        join channel_pops as pops on pops.channel_id = 'vk:' || getvariable('vk_group')
        """
    )


def _slack(con: duckdb.DuckDBPyConnection, budget: int) -> None:
    """Messages and thread replies in #general; reactions, several per message."""
    messages = round(budget * SLACK_MESSAGE_SHARE)
    per_message = budget * SLACK_REACTION_SHARE / max(1, messages)
    con.execute(
        f"""
        create temp table slack_messages as
        with drawn as (
            select range as k, stream_x(range, {messages}) as x from range({messages})
        )
        select
            d.k,
            d.x,
            at_us(d.x) as us,
            m.account,
            cast(floor(arrived(getvariable('slack_pop'), d.x)) as bigint) as audience,
            if(d.k > 0 and unif('sl_reply', d.k) < 0.4,
                greatest(0, d.k - 1 - cast(floor(20 * pow(unif('sl_parent', d.k), 2)) as bigint)),
                null) as parent_k,
            least(cast(floor(arrived(getvariable('slack_pop'), d.x)) as bigint),
                cast(floor(3 * {per_message} * pow(unif('sl_reactions', d.k), 2)) as bigint))
                as reactions
        from drawn as d
        join memberships as m
            on m.channel_id = 'slack:C0PULSE'
            and m.rank = actor_rank(getvariable('slack_pop'), d.x, 'sl_who', d.k)
        """
    )
    con.execute(
        f"""
        insert into raw_slack.messages by name
        select 'C0PULSE' as channel_id, slack_ts(us) as ts, us as sent_us,
            cast(null as varchar) as subtype, account as user_id,
            if(parent_k is null and unif('sl_q', k) < 0.15, {_text_pick(QUESTIONS, "sl_qt", "k")},
                {_text_pick(MESSAGES, "sl_mt", "k")}) as text,
            slack_ts(at_us(stream_x(parent_k, {messages}))) as thread_ts,
            reactions as reaction_count,
            'general/' || cast(make_timestamp(us) as date) || '.json' as day_file
        from slack_messages
        """
    )
    con.execute(
        """
        insert into raw_slack.reactors by name
        select 'C0PULSE' as channel_id, slack_ts(sm.us) as ts,
            ['+1', 'heart', 'fire'][1 + s.range % 3] as reaction, m.account as user_id
        from slack_messages as sm, range(sm.reactions) as s
        join memberships as m
            on m.channel_id = 'slack:C0PULSE'
            and m.rank = (engaged_rank(sm.audience, 'sl_reactor', sm.k) + s.range)
                % sm.audience
        """
    )


def _csv_streams(con: duckdb.DuckDBPyConnection, budget: int) -> None:
    """Exactly `budget` activities over the CSV channels: content (messages and replies in
    chats, posts and comments in the forum) and reactions to it."""
    plans, left = [], budget
    for index, channel in enumerate(CSV_CHANNELS):
        share = left if index == len(CSV_CHANNELS) - 1 else round(budget * channel.share)
        left -= share
        content = max(1, round(share * CONTENT_SHARE))
        plans.append((channel.channel_id, channel.kind, content, share - content))
    con.execute(
        "create temp table csv_plan (channel_id varchar, kind varchar, content bigint, "
        "reactions bigint)"
    )
    con.executemany("insert into csv_plan values (?, ?, ?, ?)", plans)
    # the channel's size travels with each stream row (see the note on channel sizes in _people)
    con.execute(
        "create temp table csv_streams as select plan.*, pops.pop from csv_plan as plan "
        "join channel_pops as pops on pops.channel_id = plan.channel_id"
    )
    con.execute(
        """
        create temp table csv_content as
        with drawn as (
            select plan.channel_id, plan.kind, plan.pop, s.range as k,
                stream_x(s.range, plan.content) as x
            from csv_streams as plan, range(plan.content) as s
        )
        select
            d.channel_id,
            d.kind,
            d.k,
            d.x,
            m.account,
            case
                -- a forum thread starts every 8th post; the rest comment on a recent thread
                when d.kind = 'forum' and d.k % 8 = 0 then null
                when d.kind = 'forum' then 8 * greatest(0, d.k // 8
                    - cast(floor(4 * pow(unif('thread', d.k), 2)) as bigint))
                -- in chats a third are replies to one of the last messages
                when d.k > 0 and unif('reply:' || d.channel_id, d.k) < 0.35
                    then greatest(0, d.k - 1
                        - cast(floor(25 * pow(unif('parent:' || d.channel_id, d.k), 2)) as bigint))
            end as parent_k
        from drawn as d
        join memberships as m
            on m.channel_id = d.channel_id
            and m.rank = actor_rank(d.pop, d.x, 'who:' || d.channel_id, d.k)
        """
    )
    con.execute(
        f"""
        insert into raw_csv.content by name
        select
            channel_id || ':' || k as content_id,
            channel_id,
            account as author_identity_id,
            at_us(x) as published_us,
            channel_id || ':' || parent_k as parent_content_id,
            case
                when parent_k is null and unif('question:' || channel_id, k)
                    < if(kind = 'forum', 0.4, 0.15)
                    then {_text_pick(QUESTIONS, "qt", "k")}
                when kind = 'forum' and parent_k is null then {_text_pick(POSTS, "pt", "k")}
                else {_text_pick(MESSAGES, "mt", "k")}
            end as text,
            k + 2 as line,
            'bench-' || replace(channel_id, ':', '-') || '.csv' as source_file,
            getvariable('end_us') as loaded_at_us
        from csv_content
        """
    )
    con.execute(
        """
        insert into raw_csv.activities by name
        select
            channel_id || ':' || k || ':activity' as activity_id,
            account as identity_id,
            channel_id,
            case
                when kind = 'forum' then if(parent_k is null, 'post', 'comment')
                else if(parent_k is null, 'message', 'reply')
            end as activity_type,
            at_us(x) as occurred_us,
            channel_id || ':' || k as content_id,
            channel_id || ':' || parent_k as parent_content_id,
            k + 2 as line,
            'bench-' || replace(channel_id, ':', '-') || '.csv' as source_file,
            getvariable('end_us') as loaded_at_us
        from csv_content
        """
    )
    # a reaction goes to one of the latest messages; never before it
    con.execute(
        """
        insert into raw_csv.activities by name
        with drawn as (
            select plan.channel_id, plan.content, plan.pop, s.range as i,
                stream_x(s.range, plan.reactions) as x,
                greatest(0, stream_index(plan.content, stream_x(s.range, plan.reactions))
                    - cast(floor(15 * pow(unif('reacted:' || plan.channel_id, s.range), 2))
                        as bigint)) as parent_k
            from csv_streams as plan, range(plan.reactions) as s
        )
        select
            d.channel_id || ':reaction:' || d.i as activity_id,
            m.account as identity_id,
            d.channel_id,
            'reaction' as activity_type,
            greatest(at_us(d.x), least(at_us(stream_x(d.parent_k, d.content)) + 1000000,
                getvariable('end_us') - 1)) as occurred_us,
            cast(null as varchar) as content_id,
            d.channel_id || ':' || d.parent_k as parent_content_id,
            d.i + 2 as line,
            'bench-' || replace(d.channel_id, ':', '-') || '-reactions.csv' as source_file,
            getvariable('end_us') as loaded_at_us
        from drawn as d
        join memberships as m
            on m.channel_id = d.channel_id
            and m.rank = actor_rank(d.pop, d.x, 'reactor:' || d.channel_id, d.i)
        """
    )


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])


def _channel_activities(con: duckdb.DuckDBPyConnection) -> int:
    """The activities the raw rows will make: what core.channel_activities will hold."""
    return _count(
        con,
        """
        select
            (select count(*) from raw_csv.activities)
            + (select count(*) from raw_slack.messages)
            + (select count(*) from raw_slack.reactors)
            + (select count(*) from raw_vk.posts)
            + (select count(*) from raw_vk.comments)
            + (select count(*) from raw_vk.post_likers)
            + (select count(*) from raw_vk.membership_changes where change_type <> 'present')
        """,
    )


def raw_tables_of_interest() -> list[str]:
    return [
        "raw_csv.channels",
        "raw_csv.identities",
        "raw_csv.activities",
        "raw_csv.content",
        "raw_csv.registrations",
        "raw_slack.users",
        "raw_slack.messages",
        "raw_slack.reactors",
        "raw_vk.profiles",
        "raw_vk.posts",
        "raw_vk.comments",
        "raw_vk.post_likers",
        "raw_vk.membership_changes",
        "raw_vk.member_snapshots",
        "raw_vk.stats_days",
        "app.events",
        "app.event_followups",
        "app.feedback",
    ]


def _create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every source's raw tables, exactly as the model build creates missing ones."""
    from pipelines.sources import all_raw_tables
    from warehouse.app_tables import ensure_app_tables

    for qualified, schema in all_raw_tables().items():
        con.execute(f"create schema if not exists {qualified.split('.')[0]}")
        con.register("_bench_empty", schema.empty_table())
        con.execute(f"create table {qualified} as select * from _bench_empty")
        con.unregister("_bench_empty")
    ensure_app_tables(con)


def generate(data_dir: Path, scale: Scale, memory_limit: str = GENERATE_MEMORY) -> dict[str, Any]:
    """Write a fresh community of `scale` into `data_dir` (raw and app tables, no models yet);
    returns the row count of every table written and the generation time."""
    scale = scale.resolved()
    if scale.members < 100:
        raise ValueError("the generator needs at least 100 members (every channel gets some)")
    data_dir.mkdir(parents=True, exist_ok=True)
    for stale in ("pulse.duckdb", "pulse.duckdb.wal", META_FILE, "build.stamp"):
        (data_dir / stale).unlink(missing_ok=True)
    started = time.perf_counter()
    end_us = int(datetime.combine(scale.end, datetime.min.time(), UTC).timestamp() * 1e6)
    span_us = SPAN_DAYS * 86_400_000_000
    config = {"memory_limit": memory_limit, "preserve_insertion_order": False}
    con = duckdb.connect(str(data_dir / "pulse.duckdb"), config=config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name, value in {
            "seed": scale.seed,
            "members": scale.members,
            "end_us": end_us,
            "span_us": span_us,
            "start_us": end_us - span_us,
            "vk_group": VK_GROUP,
            "vk_base": VK_USER_BASE,
        }.items():
            con.execute(f"set variable {name} = {int(value)}")
        con.execute(_MACROS)
        con.execute(
            "create temp table channels (channel_id varchar, source varchar, platform varchar, "
            "name varchar, kind varchar)"
        )
        con.executemany(
            "insert into channels values (?, ?, ?, ?, ?)",
            [(c.channel_id, c.source, c.platform, c.name, c.kind) for c in CHANNELS],
        )
        con.execute("begin transaction")
        _create_raw_tables(con)
        con.execute("insert or replace into app.settings values ('timezone', ?)", [TIMEZONE])
        _people(con)
        _identities(con)
        _joins_and_leaves(con)
        _events(con)
        event_activities = _count(
            con,
            "select count(*) + count(*) filter (where attended) from bench_registrations",
        )
        budget = scale.activities - event_activities - _channel_activities(con)
        _vk(con, budget)
        _slack(con, budget)
        csv_budget = scale.activities - event_activities - _channel_activities(con)
        if csv_budget < len(CSV_CHANNELS) * 10:
            raise ValueError(
                f"{scale.activities:,} activities are too few for {scale.members:,} members: "
                "joins, leaves and events alone take nearly all of them"
            )
        _csv_streams(con, csv_budget)
        channel_activities = _channel_activities(con)
        if channel_activities + event_activities != scale.activities:  # the generator's own bug
            raise AssertionError(
                f"generated {channel_activities + event_activities} activities, "
                f"not {scale.activities}"
            )
        counts = {t: _count(con, f"select count(*) from {t}") for t in raw_tables_of_interest()}
        con.execute("commit")
        con.execute("checkpoint")
    finally:
        con.close()
    facts = {
        "generator": GENERATOR_VERSION,
        **{k: v for k, v in asdict(scale).items() if k != "end"},
        "end": scale.end.isoformat(),
        "timezone": TIMEZONE,
        "members_expected": scale.members + 1,  # the VK group posts as itself: a team member
        "channel_activities": channel_activities,
        "event_activities": event_activities,
        "rows": counts,
        "generate_seconds": round(time.perf_counter() - started, 2),
        "built": False,
    }
    write_meta(data_dir, facts)
    return facts


def read_meta(data_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((data_dir / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def write_meta(data_dir: Path, facts: dict[str, Any]) -> None:
    (data_dir / META_FILE).write_text(json.dumps(facts, indent=2), encoding="utf-8")


def models_fingerprint() -> str:
    """Changes whenever a model, SQL test or app table definition changes."""
    from warehouse.settings import SQL_DIR

    digest = hashlib.sha256()
    for path in sorted(SQL_DIR.glob("*/*.sql")):
        if path.parent.name != "kpis":  # KPI queries run at page time, not in the build
            digest.update(path.relative_to(SQL_DIR).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def reusable(data_dir: Path, scale: Scale) -> dict[str, Any] | None:
    """The folder's facts when it holds a community of this generator version and scale
    (`built` says whether the models were built on it yet)."""
    facts = read_meta(data_dir)
    if not facts or not (data_dir / "pulse.duckdb").exists():
        return None
    # models changed since the build (a new mart, say): the raw community stays, the build reruns
    facts["built"] = bool(facts.get("built")) and facts.get("models") == models_fingerprint()
    same = (
        facts.get("generator") == GENERATOR_VERSION
        and facts.get("members") == scale.members
        and facts.get("activities") == scale.activities
        and facts.get("seed") == scale.seed
        and (scale.end is None or facts.get("end") == scale.end.isoformat())
    )
    return facts if same else None


# ----------------------------------------------------------------------------- what pages read


def _sidebar() -> None:
    """What app.py's sidebar filters read before every page: time zone and channel list."""
    from warehouse import queries

    queries.timezone()
    queries.channels()


def overview_data(period: Period) -> object:
    """pages/overview.py: the whole community, compared with the previous period."""
    from warehouse.overview import overview

    _sidebar()
    return overview(period, None, "previous")


def events_data(period: Period) -> object:
    """pages/events.py: the events of the shown period with their funnels, overdue follow-ups."""
    from warehouse import events

    _sidebar()
    return (
        events.events_between(*period.utc_bounds()),
        events.overdue_followups(period.end - timedelta(days=1)),
    )


def feedback_data(period: Period) -> object:
    """pages/feedback.py: its KPIs now and before, the pickers' lists, inbox and answered."""
    from warehouse import feedback, queries
    from warehouse.kpis import KPI_QUERIES

    cards = KPI_QUERIES["feedback"]  # the page's cards (importing a page would run it)
    _sidebar()
    return (
        queries.kpis(period, None, cards),
        queries.kpis(period.compared("previous"), None, cards),
        queries.event_choices(),
        queries.channels(),
        feedback.unanswered(),
        feedback.recently_answered(10),
    )


def growth_data(period: Period) -> object:
    """pages/growth.py: members, joins and leaves, cohorts, levels, the core; its KPI cards."""
    from warehouse import queries
    from warehouse.growth import growth

    # the page's cards, as pages/growth.py lists them (importing a page would run it)
    cards = ("members_total", "members_joined", "members_left", "net_growth", "core_members")
    _sidebar()
    return (
        growth(period, None),
        queries.kpis(period, None, cards),
        queries.kpis(period.compared("previous"), None, cards),
    )


def channels_content_data(period: Period) -> object:
    """pages/channels.py: channels side by side, top posts, series, response speed, heatmap."""
    from warehouse.channels_content import channels_content

    _sidebar()
    return channels_content(period, None)


# Page title → a call doing exactly what that page reads, for a period, all channels. Add a page
# here when it is added to app.py's navigation.
PAGE_DATA: dict[str, Callable[[Period], object]] = {
    "Overview": overview_data,
    "Growth & retention": growth_data,
    "Channels & content": channels_content_data,
    "Events": events_data,
    "Feedback": feedback_data,
}


def bench_periods(facts: dict[str, Any]) -> dict[str, Period]:
    """The last 30 days of the data, and the calendar quarter of its last day."""
    end = date.fromisoformat(facts["end"])
    zone = facts["timezone"]
    return {
        "30 days": Period(end - timedelta(days=30), end, zone),
        "quarter": quarter_of(end - timedelta(days=1), zone),
    }


def page_child(page: str, start: str, end: str, zone: str) -> int:
    """Runs in a fresh process: the page's data cold, warm (cached) and recomputed; JSON out."""
    # Streamlit has pandas loaded in the app's server; DuckDB imports it at the first
    # parameterised query, which would charge that import (~0.5 s) to the page here
    import pandas  # noqa: F401

    from warehouse import queries

    period = Period(date.fromisoformat(start), date.fromisoformat(end), zone)
    compute = PAGE_DATA[page]
    timings = {}
    for label in ("cold", "warm", "recomputed"):
        if label == "recomputed":
            queries.clear_cache()
        started = time.perf_counter()
        compute(period)
        timings[label] = time.perf_counter() - started
    print(json.dumps(timings))
    return 0


# ----------------------------------------------------------------------------- measuring


@dataclass
class PageTiming:
    page: str
    period: str
    cold: float
    warm: float
    recomputed: float
    process_seconds: float  # the child's whole life: interpreter, imports, the three calls
    peak_rss: int


@dataclass
class BenchResult:
    facts: dict[str, Any]
    reused: bool
    generation: ChildRun | None = None
    build: ChildRun | None = None
    build_runner_seconds: float | None = None
    build_memory: str | None = None  # PULSE_DUCKDB_MEMORY given to the build, if any
    pages: list[PageTiming] = field(default_factory=list)


def _child_env(data_dir: Path, build_memory: str | None = None) -> dict[str, str]:
    env = {**os.environ, "PULSE_DATA_DIR": str(data_dir)}
    env.pop("PULSE_CONFIG", None)
    if build_memory:
        env["PULSE_DUCKDB_MEMORY"] = build_memory
    return env


def _fail_unless_ok(run: ChildRun, step: str) -> None:
    if run.returncode != 0:
        tail = "\n".join(run.stderr.strip().splitlines()[-15:])
        raise StepFailed(f"{step} failed (exit {run.returncode}): {' '.join(run.command)}\n{tail}")


def generate_in_child(data_dir: Path, scale: Scale) -> tuple[ChildRun, dict[str, Any]]:
    """The generator in its own process: its memory is its own, and the driver stays small
    (children forked from a large driver would start with its RSS)."""
    command = [
        sys.executable,
        "-m",
        "tests.benchmarks.pages",
        "--generate-child",
        "--data-dir",
        str(data_dir),
        "--members",
        str(scale.members),
        "--activities",
        str(scale.activities),
    ]
    if scale.end is not None:
        command += ["--end", scale.end.isoformat()]
    run = run_child(command, _child_env(data_dir))
    _fail_unless_ok(run, "generating the community")
    return run, json.loads("\n".join(line for _, line in run.stdout))


def build_in_child(data_dir: Path, build_memory: str | None) -> tuple[ChildRun, float | None]:
    run = run_child(
        [sys.executable, "-m", "pipelines", "build"], _child_env(data_dir, build_memory)
    )
    _fail_unless_ok(run, "the model build")
    found = [line for line in run.stderr.splitlines() if "built " in line and " models " in line]
    seconds = None
    if found:
        seconds = float(found[-1].rsplit(" in ", 1)[1].split()[0])
    return run, seconds


def time_page(data_dir: Path, page: str, label: str, period: Period) -> PageTiming:
    command = [
        sys.executable,
        "-m",
        "tests.benchmarks.pages",
        "--page-child",
        page,
        "--period",
        f"{period.start.isoformat()}:{period.end.isoformat()}:{period.timezone}",
    ]
    run = run_child(command, _child_env(data_dir))
    _fail_unless_ok(run, f"the {page} page's data")
    timings = json.loads(run.stdout[-1][1])
    return PageTiming(
        page,
        label,
        timings["cold"],
        timings["warm"],
        timings["recomputed"],
        run.seconds,
        run.peak_rss,
    )


def warehouse_counts(data_dir: Path) -> dict[str, int]:
    con = duckdb.connect(str(data_dir / "pulse.duckdb"), read_only=True)
    try:
        return {
            table: _count(con, f"select count(*) from {table}")
            for table in (
                "core.members",
                "core.identities",
                "core.channels",
                "core.activities",
                "core.content",
                "core.events",
                "core.event_participants",
                "marts.question_responses",
            )
        }
    finally:
        con.close()


# ----------------------------------------------------------------------------- reporting


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def _mb(n: int) -> str:
    return f"{n / 1e6:,.0f} MB"


def report(result: BenchResult, counts: dict[str, int], info: dict[str, str]) -> str:
    facts = result.facts
    rows = facts["rows"]
    lines = [
        f"Generated community: {facts['members']:,} members, {facts['activities']:,} activities "
        f"over {SPAN_DAYS} days ending {facts['end']} (seed {facts['seed']}, generator "
        f"v{facts['generator']}, {TIMEZONE}); generated in {_s(facts['generate_seconds'])}"
        + (f", peak RSS {_mb(facts['generate_peak_rss'])}" if "generate_peak_rss" in facts else "")
        + (" (reused: generated by an earlier run)" if result.generation is None else "")
        + ".",
        "",
        "| raw table | rows |",
        "|---|--:|",
        *(f"| {table} | {n:,} |" for table, n in rows.items()),
        "",
        "| built table | rows |",
        "|---|--:|",
        *(f"| {table} | {n:,} |" for table, n in counts.items()),
        "",
    ]
    if result.build is not None:
        runner = (
            f" (the runner's own figure {_s(result.build_runner_seconds)})"
            if result.build_runner_seconds
            else ""
        )
        memory = result.build_memory or "the app's default (PULSE_DUCKDB_MEMORY unset)"
        lines += [
            f"Model build (`python -m pipelines build`, DuckDB memory_limit {memory}): "
            f"{_s(result.build.seconds)}{runner}, peak RSS {_mb(result.build.peak_rss)}.",
            "",
        ]
    else:
        lines += ["Model build: not run (the community was reused, already built).", ""]
    lines += [
        "| page | period | cold | warm (cached) | recomputed | child process | peak RSS |",
        "|---|---|--:|--:|--:|--:|--:|",
    ]
    for t in result.pages:
        lines.append(
            f"| {t.page} | {t.period} | {_s(t.cold)} | {t.warm * 1000:.1f} ms | "
            f"{_s(t.recomputed)} | {_s(t.process_seconds)} | {_mb(t.peak_rss)} |"
        )
    overview = [t for t in result.pages if t.page == "Overview" and t.period == "30 days"]
    if overview:
        t = overview[0]
        cold_ok = "meets" if t.cold < TARGET_COLD_S else "misses"
        warm_ok = "meets" if t.warm < TARGET_WARM_S else "misses"
        recomputed_ok = "under" if t.recomputed < TARGET_WARM_S else "over"
        lines += [
            "",
            f"Overview, last 30 days: cold {_s(t.cold)} (target < {TARGET_COLD_S:.0f} s: "
            f"{cold_ok}), warm {t.warm * 1000:.1f} ms (target < {TARGET_WARM_S:.0f} s: "
            f"{warm_ok}); recomputed in a warm process {_s(t.recomputed)} ({recomputed_ok} "
            f"{TARGET_WARM_S:.0f} s).",
        ]
    lines += ["", "Machine:", "", *(f"- {k}: {v}" for k, v in info.items())]
    return "\n".join(lines)


def record(text: str) -> None:
    """Rewrite the section between the bench-pages markers of BENCHMARKS.md (or append it)."""
    section = "\n".join(
        [
            MD_START,
            f"### Latest run: {datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
            "",
            text,
            "",
            "Reproduce: `make bench-pages` (or `.venv/bin/python -m tests.benchmarks.pages`; "
            "`--members 10000 --activities 1000000` for a smaller run).",
            MD_END,
        ]
    )
    current = BENCHMARKS_MD.read_text(encoding="utf-8") if BENCHMARKS_MD.exists() else ""
    if MD_START in current and MD_END in current:
        before = current[: current.index(MD_START)]
        after = current[current.index(MD_END) + len(MD_END) :]
        BENCHMARKS_MD.write_text(before + section + after, encoding="utf-8")
    else:
        BENCHMARKS_MD.write_text(current.rstrip("\n") + "\n\n" + section + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- main


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run(
    data_dir: Path,
    scale: Scale,
    regenerate: bool = False,
    build_memory: str | None = None,
    pages: list[str] | None = None,
) -> BenchResult:
    facts = None if regenerate else reusable(data_dir, scale)
    generation = None
    if facts is not None:
        built = "built" if facts["built"] else "not built yet"
        _say(f"community: reusing {data_dir} (generated for {facts['end']}, {built})")
    else:
        _say(f"community: generating {scale.members:,} members, {scale.activities:,} activities")
        generation, facts = generate_in_child(data_dir, scale)
        facts["generate_peak_rss"] = generation.peak_rss
        write_meta(data_dir, facts)
        rows = ", ".join(f"{t} {n:,}" for t, n in facts["rows"].items())
        _say(
            f"community: generated in {_s(facts['generate_seconds'])} "
            f"(peak RSS {_mb(generation.peak_rss)}): {rows}"
        )
    if facts["built"]:
        result = BenchResult(facts, reused=True)
    else:
        memory = build_memory or "the app's default"
        _say(f"build: python -m pipelines build (DuckDB memory_limit {memory}) …")
        build, runner_seconds = build_in_child(data_dir, build_memory)
        _say(f"build: {_s(build.seconds)}, peak RSS {_mb(build.peak_rss)}")
        facts["built"] = True
        facts["models"] = models_fingerprint()
        facts["build_seconds"] = round(build.seconds, 2)
        facts["build_peak_rss"] = build.peak_rss
        facts["build_memory"] = build_memory
        write_meta(data_dir, facts)
        result = BenchResult(
            facts, generation is None, generation, build, runner_seconds, build_memory
        )
    for label, period in bench_periods(facts).items():
        for page in pages or list(PAGE_DATA):
            timing = time_page(data_dir, page, label, period)
            _say(
                f"{page}, {label}: cold {_s(timing.cold)}, warm {timing.warm * 1000:.1f} ms, "
                f"recomputed {_s(timing.recomputed)}"
            )
            result.pages.append(timing)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.pages", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--members", type=int, default=DEFAULT_MEMBERS, metavar="N")
    parser.add_argument("--activities", type=int, default=DEFAULT_ACTIVITIES, metavar="N")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--regenerate", action="store_true", help="generate even if reusable")
    parser.add_argument(
        "--end", type=date.fromisoformat, help="the day the data ends (default: today, UTC)"
    )
    parser.add_argument(
        "--build-memory",
        metavar="SIZE",
        default=BUILD_MEMORY,
        help=f"DuckDB memory_limit for the build (PULSE_DUCKDB_MEMORY; default {BUILD_MEMORY}; "
        "an empty value keeps the app's default)",
    )
    parser.add_argument("--page", action="append", choices=sorted(PAGE_DATA), help="only these")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--record",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="write BENCHMARKS.md (default: only at the default scale)",
    )
    parser.add_argument("--page-child", help=argparse.SUPPRESS)
    parser.add_argument("--period", help=argparse.SUPPRESS)
    parser.add_argument("--generate-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.page_child:
        start, end, zone = args.period.split(":", 2)
        return page_child(args.page_child, start, end, zone)
    scale = Scale(args.members, args.activities, SEED, args.end)
    if args.generate_child:
        print(json.dumps(generate(args.data_dir.expanduser().resolve(), scale)))
        return 0
    default_scale = (args.members, args.activities) == (DEFAULT_MEMBERS, DEFAULT_ACTIVITIES)
    record_md = args.record if args.record is not None else default_scale
    load_before = os.getloadavg()
    code = code_version()
    data_dir = args.data_dir.expanduser().resolve()
    try:
        result = run(data_dir, scale, args.regenerate, args.build_memory or None, args.page)
    except (StepFailed, ValueError) as exc:
        _say(f"bench: {exc}")
        return 1
    counts = warehouse_counts(data_dir)
    info = {"code": code, **machine_info(load_before)}
    text = report(result, counts, info)
    if args.json:
        print(
            json.dumps(
                {
                    "community": result.facts,
                    "reused": result.reused,
                    "generate_peak_rss": result.generation.peak_rss if result.generation else None,
                    "build_seconds": result.build.seconds if result.build else None,
                    "build_peak_rss": result.build.peak_rss if result.build else None,
                    "warehouse": counts,
                    "pages": [asdict(t) for t in result.pages],
                    "machine": info,
                },
                indent=2,
            )
        )
    else:
        print(f"## Pages at {scale.activities:,} activities\n")
        print(text)
    if record_md:
        record(text)
        _say(f"recorded in {BENCHMARKS_MD}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
