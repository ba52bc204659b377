"""The pages benchmark's generator at a toy scale, so `make bench-pages` cannot silently rot: the
community it writes must build with the real models, hold exactly the requested scale, and give
every page its data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import build
from tests.benchmarks.pages import (
    CHANNELS,
    PAGE_DATA,
    Scale,
    bench_periods,
    events_data,
    generate,
    models_fingerprint,
    reusable,
    write_meta,
)
from warehouse.periods import Period

MEMBERS, ACTIVITIES = 200, 5_000
END = date(2026, 6, 30)


def _one(data_dir: Path, sql: str) -> int:
    con = duckdb.connect(str(data_dir / "pulse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


def test_a_toy_community_builds_at_the_requested_scale(data_dir: Path) -> None:
    facts = generate(data_dir, Scale(MEMBERS, ACTIVITIES, end=END))
    build()

    # every generated person is one member (their Telegram, Discord, Slack and registration
    # accounts linked by e-mail), plus the VK group, which posts as itself (a team member)
    assert _one(data_dir, "select count(*) from core.members") == MEMBERS + 1
    # channel activities plus event registrations and attendances: exactly as requested
    assert _one(data_dir, "select count(*) from core.activities") == ACTIVITIES
    assert facts["channel_activities"] + facts["event_activities"] == ACTIVITIES
    assert _one(data_dir, "select count(*) from core.channels") == len(CHANNELS)

    # the shape the pages need: message, reply, post, comment, reaction, join, leave,
    # registration and attendance; posts with views; questions, some answered
    assert _one(data_dir, "select count(distinct activity_type) from core.activities") == 9
    assert _one(data_dir, "select count(*) from core.content where views > 0") > 0
    assert _one(data_dir, "select count(*) from core.content where is_question") > 0
    answered = "select count(*) from marts.question_responses where answered_at is not null"
    assert _one(data_dir, answered) > 0
    assert _one(data_dir, "select count(*) from core.members where is_team") >= 1
    # events across the two years with attendance, and some planned after the data ends
    assert _one(data_dir, "select count(*) from core.events where starts_at >= '2026-06-30'") == 4
    assert _one(data_dir, "select sum(attendees) from marts.event_outcomes") > 0
    assert _one(data_dir, "select count(*) from app.feedback") > 0
    # nothing is done in a channel after the data ends
    late = "select count(*) from core.channel_activities where occurred_at >= '2026-06-30'"
    assert _one(data_dir, late) == 0

    # the periods timed: the last 30 days of the data, and the quarter of its last day
    periods = bench_periods(facts)
    assert periods["30 days"] == Period(date(2026, 5, 31), END, "Europe/Moscow")
    assert periods["quarter"] == Period(date(2026, 4, 1), date(2026, 7, 1), "Europe/Moscow")
    # every page's data computes; the Events page lists the weekly events of those 30 days
    for page, compute in PAGE_DATA.items():
        assert compute(periods["30 days"]) is not None, page
    listed, _overdue = events_data(periods["30 days"])
    assert 4 <= listed.height <= 5


def test_only_a_community_of_the_same_scale_is_reused(data_dir: Path) -> None:
    facts = generate(data_dir, Scale(MEMBERS, ACTIVITIES, end=END))
    # generated, not built yet: the bench reuses it and only builds
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES, end=END))["built"] is False
    write_meta(data_dir, {**facts, "built": True, "models": models_fingerprint()})
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES))["built"] is True  # any end day will do
    # built by other models (before a mart was added, say): the community stays, the build reruns
    write_meta(data_dir, {**facts, "built": True, "models": "older-models"})
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES))["built"] is False
    write_meta(data_dir, {**facts, "built": True, "models": models_fingerprint()})
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES, end=END)) is not None
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES + 1)) is None
    assert reusable(data_dir, Scale(MEMBERS + 1, ACTIVITIES)) is None
    assert reusable(data_dir, Scale(MEMBERS, ACTIVITIES, end=date(2026, 7, 1))) is None


def test_too_few_activities_for_the_members_are_refused(data_dir: Path) -> None:
    # joins alone (about 1.6 channels per person) take more than 300 activities
    with pytest.raises(ValueError, match="too few"):
        generate(data_dir, Scale(MEMBERS, 300, end=END))
