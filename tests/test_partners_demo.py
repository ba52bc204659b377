"""The demo's partners (`python -m pipelines demo`): four partners at their stages, joint projects
whose tracked answers in the real registration forms are counted, a co-hosted meeting months ago
whose uplift is known, and the reminders a manager would see."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl

from pipelines.demo import FORMS_DIR
from tests.test_demo_events import by_key, demo, demo_dir  # noqa: F401 - fixtures
from warehouse import partners


def answers(demo: Path, answer: str) -> int:  # noqa: F811 - the fixture's name
    """How many registrants of the past субботник said they heard of it from `answer`."""
    form = sorted((demo / "demo" / FORMS_DIR).glob("*_subbotnik.csv"))[0]  # the earlier one
    with form.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("Откуда вы узнали о субботнике?")
    return sum(1 for row in rows[1:] if row[column] == answer)


def test_the_demo_partners_and_what_they_brought(demo: Path) -> None:  # noqa: F811
    card = {row["name"]: row for row in partners.scorecard().iter_rows(named=True)}
    assert {name: row["stage"] for name, row in card.items()} == {
        "Экоцентр «Зелёный город»": "active",
        "Школа №5": "negotiating",
        "Городские новости": "completed",
        "Приют «Верный друг»": "active",
    }
    projects = {row["title"]: row for row in partners.projects().iter_rows(named=True)}
    sokolniki = projects["Субботник в Сокольниках"]
    # every registrant whose answer is the eco-centre's name came through its tracked code
    heard = answers(demo, "Экоцентр «Зелёный город»")
    assert heard > 0 and sokolniki["registrations"] == heard
    assert sokolniki["goal_actual"] == heard and sokolniki["goal_target"] == 12
    assert projects["Репост анонса субботника"]["registrations"] == answers(
        demo, "Городские новости"
    )
    # the eco-centre co-hosts both субботники; people it brought include first-timers there
    found = by_key(demo)
    for key in ("past", "upcoming"):
        assert partners.event_partner_ids(found[key]["event_id"]) == [
            card["Экоцентр «Зелёный город»"]["partner_id"]
        ]
    assert card["Экоцентр «Зелёный город»"]["new_members"] > 0
    # the shelter's meeting was months ago: its people's 60 days are over, the uplift is known
    shelter = projects["Онлайн-встреча с «Верным другом»"]
    assert shelter["new_members"] > 0 and shelter["uplift_pct"] is not None
    outcomes = partners.outcomes(sokolniki["project_id"]).filter(pl.col("source") == "entered")
    assert sorted(outcomes["metric"]) == ["items_collected", "volunteers"]

    reminders = partners.reminders()
    listed = set(zip(reminders["reminder"], reminders["partner_name"], strict=True))
    assert listed == {
        ("no_contact", "Приют «Верный друг»"),
        ("no_contact", "Школа №5"),
        ("overdue_step", "Школа №5"),
        ("no_thanks", "Городские новости"),
    }
