"""Partners: validation named by field, stages, reminders with a fixed "today", and what joint
projects brought (new members, registrations, reach, uplift, goal vs actual) on a hand-built
community loaded through the real loaders. Every number is worked out by hand in a comment.

The community (times UTC, community time zone UTC):

- Telegram group (Bot API): Вера joins 02.05 09:00 through the invite link https://t.me/+AbCd
  named «Школа №5», then writes on 03.05, 04.05, 10.05 and 01.06; Жора joins 02.05 10:00 through
  another link.
- Zoom meeting E0 (20.03), registrations by Google Form: Анна registered 15.03 and came.
- Meeting E1 (15.05): the form asks "Откуда вы узнали о встрече?": Анна 05.05 "School5", Борис
  06.05 "school5", Гена 07.05 "ВКонтакте"; only Анна came.
- Meeting E2 (20.05), co-hosted with the school: Анна and Дима came (Дима never seen before);
  Лёша registered for it by form on 18.05 (his first activity) and came.
- Form E3: Егор registered 01.07 with "school5", after project P's window.
- VK group: posts with views 150 (03.05, the invite link), 50 (04.05, utm_source=school5),
  999 (05.05, no code) and 1000 (01.07, the link, after the window).

Partners: «Школа №5» (school, moved to active) and «Городские новости» (media, negotiating).
Project P «Неделя волонтёра» with the school, 01.05–10.05 (window 01.05 – 10.06 exclusive),
codes invite_link https://t.me/+AbCd and utm school5, goal new_members 4. Project Q «Сбор для
приюта» with the media partner, 10.05–12.05, promo code GOODNEWS, goal donations 10 000 RUB.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from pipelines.ingest import build, ingest_file, refresh_api
from tests.fake_telegram_api import TOKEN, FakeTelegram, supergroup, user
from tests.fake_vk_api import FakeVkApi
from tests.test_event_kpis import zoom_report
from warehouse import partners, queries
from warehouse.accounts import OPERATOR
from warehouse.connection import read_connection
from warehouse.events import InvalidEntry
from warehouse.partners import (
    AgreementDraft,
    InteractionDraft,
    OutcomeDraft,
    PartnerDraft,
    ProjectDraft,
)
from warehouse.periods import Period

USER = OPERATOR  # the command line; role rules are tested in test_access.py
TG_TOKEN_ENV = "PULSE_TEST_PARTNERS_TG_TOKEN"
VK_TOKEN_ENV = "PULSE_TEST_PARTNERS_VK_TOKEN"
GROUP = supergroup(-1005555555555, "Волонтёры города")
VERA, ZHORA = user(333, "Вера"), user(334, "Жора")
INVITE = {"invite_link": "https://t.me/+AbCd", "name": "Школа №5"}
SOURCE_QUESTION = "Откуда вы узнали о встрече?"
TOMORROW = date.today() + timedelta(days=2)


def form(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A Russian-locale Google Form: (timestamp, name, e-mail, where they heard of it)."""
    lines = [f"Отметка времени,Адрес электронной почты,Имя,{SOURCE_QUESTION}"]
    lines += [f"{stamp},{email},{name},{source}" for stamp, name, email, source in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def unix(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def load_sources(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for proxy in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    telegram = FakeTelegram()
    telegram.add_chat(GROUP, members=40)
    telegram.join(GROUP, VERA, "2024-05-02 09:00", invite_link=INVITE)
    telegram.join(GROUP, ZHORA, "2024-05-02 10:00", invite_link={"invite_link": "t.me/+Other"})
    for day in ("2024-05-03", "2024-05-04", "2024-05-10", "2024-06-01"):
        telegram.message(GROUP, VERA, "Привет!", f"{day} 12:00")
    monkeypatch.setenv(TG_TOKEN_ENV, TOKEN)
    with telegram.running():
        options = {"base_url": telegram.base_url, "token_env": TG_TOKEN_ENV}
        result = refresh_api("telegram-bot", {"name": "main", **options, "chat_ids": [GROUP["id"]]})
        assert not result.failed, result.messages

    with FakeVkApi(4242) as vk:
        monkeypatch.setenv(VK_TOKEN_ENV, vk.token)
        monkeypatch.setattr("pipelines.vk._now", lambda: unix("2024-07-02 12:00"))
        vk.add_post(unix("2024-05-03 08:00"), "Неделя волонтёра: https://t.me/+AbCd", views=150)
        vk.add_post(unix("2024-05-04 08:00"), "Запись: x.org/?utm_source=school5", views=50)
        vk.add_post(unix("2024-05-05 08:00"), "Просто новость", views=999)
        vk.add_post(unix("2024-07-01 08:00"), "Снова https://t.me/+AbCd", views=1000)
        options = {"base_url": vk.base_url, "token_env": VK_TOKEN_ENV, "min_interval": 0}
        result = refresh_api("vk", {"name": "group", "group_id": 4242, **options})
        assert not result.failed, result.messages

    loads = [
        ("zoom-participants", zoom_report(folder / "e0.csv", "100 200 300", "03/20/2024",
                                          [("Анна", "anna@example.org", "10:00", "11:00")]), {}),
        ("google-forms", form(folder / "e0_form.csv",
                              [("15.03.2024 09:00:00", "Анна", "anna@example.org", "")]),
         {"event_id": "zoom:100200300"}),
        ("zoom-participants", zoom_report(folder / "e1.csv", "111 222 333", "05/15/2024",
                                          [("Анна", "anna@example.org", "10:00", "11:00")]), {}),
        ("google-forms", form(folder / "e1_form.csv", [
            ("05.05.2024 09:00:00", "Анна", "anna@example.org", "School5"),
            ("06.05.2024 09:00:00", "Борис", "boris@example.org", "school5"),
            ("07.05.2024 09:00:00", "Гена", "gena@example.org", "ВКонтакте"),
        ]), {"event_id": "zoom:111222333"}),
        ("zoom-participants", zoom_report(folder / "e2.csv", "444 555 666", "05/20/2024", [
            ("Анна", "anna@example.org", "10:00", "11:00"),
            ("Дима", "dima@example.org", "10:00", "11:30"),
            ("Лёша", "lesha@example.org", "10:05", "11:00"),
        ]), {}),
        ("google-forms", form(folder / "e2_form.csv",
                              [("18.05.2024 09:00:00", "Лёша", "lesha@example.org", "")]),
         {"event_id": "zoom:444555666"}),
        ("google-forms", form(folder / "e3_form.csv",
                              [("01.07.2024 09:00:00", "Егор", "egor@example.org", "school5")]),
         {"event_id": "zoom:777888999"}),
    ]  # fmt: skip
    for kind, path, options in loads:
        result = ingest_file(kind, path, **options)
        assert not result.failed, result.messages
    build()


def enter_partnerships() -> dict[str, str]:
    school = partners.save_partner(
        PartnerDraft("Школа №5", "school", owner="Аня", contact="director@school5.ru"), USER
    ).id
    media = partners.save_partner(
        PartnerDraft("Городские новости", "media", stage="negotiating"), USER
    ).id
    partners.change_stage(school, "active", USER, note="договорились о неделе волонтёра")
    partners.set_cohosts("zoom:444555666", [school], USER)
    p = partners.save_project(
        ProjectDraft(
            "Неделя волонтёра",
            "event",
            [school],
            date(2024, 5, 1),
            date(2024, 5, 10),
            goal_metric="new_members",
            goal_target=4,
            tracking_codes=[("invite_link", "https://t.me/+AbCd"), ("utm", "school5")],
        ),
        USER,
    ).id
    q = partners.save_project(
        ProjectDraft(
            "Сбор для приюта",
            "charity",
            [media],
            date(2024, 5, 10),
            date(2024, 5, 12),
            goal_metric="donations",
            goal_target=10_000,
            goal_unit="rub",
            tracking_codes=[("promo_code", "GOODNEWS")],
        ),
        USER,
    ).id
    for metric, value, unit in (
        ("donations", "3000", "RUB"),
        ("donations", "2 500", "rub"),
        ("donations", "100", "EUR"),
        ("leads", "7", ""),
    ):
        partners.record_outcome(q, OutcomeDraft(metric, value, unit, date(2024, 5, 13)), USER)
    return {"school": school, "media": media, "P": p, "Q": q}


@pytest.fixture(scope="module")
def community_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """Loaded once for the module (it takes seconds); the tests only read it."""
    folder = tmp_path_factory.mktemp("partners")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_DATA_DIR", str(folder / "data"))
        patch.delenv("PULSE_CONFIG", raising=False)
        queries.clear_cache()
        load_sources(folder, patch)
        ids = enter_partnerships()
    queries.clear_cache()
    yield folder / "data", ids


@pytest.fixture
def community(
    community_dir: tuple[Path, dict], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    monkeypatch.setenv("PULSE_DATA_DIR", str(community_dir[0]))  # instead of the empty one
    queries.clear_cache()
    return community_dir[1]


def outcome_values(project_id: str) -> dict[tuple[str, str], float | None]:
    listed = partners.outcomes(project_id)
    return {
        (row["source"], row["metric"]): row["value"]
        for row in listed.iter_rows(named=True)
        if row["source"] == "computed"
    }


# ------------------------------------------------------------------ computed outcomes


def test_project_brings_members_registrations_reach_and_uplift(community: dict) -> None:
    # new members of P: Вера (her first activity is the join through its invite link), Борис
    # (his first activity is the registration with "school5"), Дима (his first attended event,
    # E2, is co-hosted with the school and nobody saw him before 01.05) and Лёша (the same, first
    # seen registering for E2) = 4. Анна is no new member (first seen registering for E0 on
    # 15.03), nor are Жора (another link), Гена (another source) and Егор (01.07, after the
    # window closed on 10.06).
    # registrations through P's codes: Анна and Борис for E1 = 2.
    # reach: VK posts in the window carrying a code: 150 (the link) + 50 (utm_source=school5) =
    # 200; the 999-view post names no code, the 1000-view one is after the window.
    # uplift (activities 60 days before / after each member's first touch of P):
    #   Вера: pivot the join 02.05; before 0; after her 4 messages -> 100 × (4/1 − 1) = 300
    #   Анна: pivot the registration 05.05 09:00; before: E0 registration and attendance = 2;
    #         after: attended E1 and E2 = 2 (the registration itself is the pivot)
    #         -> 100 × (2/2 − 1) = 0
    #   Борис: pivot his registration; nothing before or after -> 100 × (0/1 − 1) = −100
    #   Дима: pivot attending E2; nothing before or after -> −100
    #   Лёша: pivot registering for E2 (18.05); after: attending it -> 100 × (1/1 − 1) = 0
    #   average (300 + 0 − 100 − 100 + 0) / 5 = 20.0
    assert outcome_values(community["P"]) == {
        ("computed", "new_members"): 4.0,
        ("computed", "registrations"): 2.0,
        ("computed", "reach"): 200.0,
        ("computed", "uplift_pct"): 20.0,
    }
    # Q: its promo code appears nowhere, no partner of it co-hosted an event: nothing brought,
    # no reach known (no content carries the code), no participant to average
    assert outcome_values(community["Q"]) == {
        ("computed", "new_members"): 0.0,
        ("computed", "registrations"): 0.0,
        ("computed", "reach"): None,
        ("computed", "uplift_pct"): None,
    }


def test_who_was_brought_and_how(community: dict) -> None:
    with read_connection() as con:
        rows = con.execute(
            "select m.display_name, p.came_via, p.is_new_member, p.activities_before,"
            " p.activities_after from core.project_participants as p"
            " join core.members as m using (member_id) where p.project_id = ?"
            " order by m.display_name",
            [community["P"]],
        ).fetchall()
    assert rows == [
        ("Анна", ["co_hosted_event", "registration"], False, 2, 2),
        ("Борис", ["registration"], True, 0, 0),
        ("Вера", ["invite_link"], True, 0, 4),
        ("Дима", ["co_hosted_event"], True, 0, 0),
        ("Лёша", ["co_hosted_event"], True, 0, 1),
    ]


def test_goal_vs_actual(community: dict) -> None:
    p = partners.project(community["P"])
    # goal new_members 4, actual the computed 4 -> 100 %
    assert (p["goal_metric"], p["goal_target"], p["goal_actual"], p["goal_pct"]) == (
        "new_members",
        4.0,
        4.0,
        100.0,
    )
    assert {(c["kind"], c["code"]) for c in p["tracking_codes"]} == {
        ("invite_link", "https://t.me/+AbCd"),
        ("utm", "school5"),
    }
    q = partners.project(community["Q"])
    # donations in RUB: 3000 + 2500 = 5500 (the 100 EUR and the 7 leads count towards no RUB
    # goal) -> 100 × 5500 / 10000 = 55 %
    assert (q["goal_metric"], q["goal_unit"], q["goal_actual"], q["goal_pct"]) == (
        "donations",
        "RUB",
        5500.0,
        55.0,
    )
    entered = partners.outcomes(community["Q"]).filter(source="entered")
    assert sorted(zip(entered["metric"], entered["value"], entered["unit"], strict=True)) == [
        ("donations", 100.0, "EUR"),
        ("donations", 2500.0, "RUB"),
        ("donations", 3000.0, "RUB"),
        ("leads", 7.0, None),
    ]


def test_scorecard_and_highlights(community: dict) -> None:
    card = {row["name"]: row for row in partners.scorecard(date(2024, 6, 1)).iter_rows(named=True)}
    school, media = card["Школа №5"], card["Городские новости"]
    # the school: P's 4 new members, 2 registrations, uplift 20.0 (its only project)
    assert (school["stage"], school["projects"], school["new_members"]) == ("active", 1, 4)
    assert (school["registrations"], school["uplift_pct"]) == (2, 20.0)
    assert (media["stage"], media["projects"], media["new_members"]) == ("negotiating", 1, 0)
    assert media["uplift_pct"] is None

    may = partners.highlights(Period.from_inclusive("2024-05-01", "2024-05-31"))
    # active partners: the school; running in May: P and Q; new members first seen in May:
    # Вера 02.05, Борис 06.05, Лёша 18.05, Дима 20.05 = 4; coded registrations made in May:
    # 05.05, 06.05 = 2 (Лёша's registration names no code)
    assert {k: v for k, v in may.items() if k != "top_partners"} == {
        "active_partners": 1,
        "projects_running": 2,
        "new_members": 4,
        "registrations": 2,
    }
    assert may["top_partners"].rows() == [("Школа №5", 4, 2)]
    march = partners.highlights(Period.from_inclusive("2024-03-01", "2024-03-31"))
    assert (march["projects_running"], march["new_members"], march["registrations"]) == (0, 0, 0)
    assert march["top_partners"].is_empty()


def test_cohosted_events_are_on_core_events(community: dict) -> None:
    assert partners.event_partner_ids("zoom:444555666") == [community["school"]]
    assert partners.event_partner_ids("zoom:111222333") == []


# ------------------------------------------------------------------ validation


@pytest.fixture
def school() -> str:
    build()  # an empty warehouse, built
    return partners.save_partner(PartnerDraft("Школа №5", "school"), USER).id


@pytest.fixture(scope="module")
def validation_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, str]]:
    """One warehouse with a partner and a project for the validation tests, which save nothing."""
    folder = tmp_path_factory.mktemp("validation") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PULSE_DATA_DIR", str(folder))
        patch.delenv("PULSE_CONFIG", raising=False)
        queries.clear_cache()
        build()
        school = partners.save_partner(PartnerDraft("Школа №5", "school"), USER).id
        draft = project_draft(school, title="Другой проект", tracking_codes=[("utm", "other")])
        project = partners.save_project(draft, USER).id
    queries.clear_cache()
    yield folder, school, project


@pytest.fixture
def shared(
    validation_dir: tuple[Path, str, str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """(partner id, project id) in the shared validation warehouse."""
    monkeypatch.setenv("PULSE_DATA_DIR", str(validation_dir[0]))
    queries.clear_cache()
    return validation_dir[1], validation_dir[2]


def audit_lines() -> int:
    with read_connection() as con:
        return con.execute("select count(*) from app.audit_log").fetchone()[0]


def test_the_first_partner_can_be_added_before_any_data_is_loaded() -> None:
    saved = partners.save_partner(PartnerDraft("Фонд «Рука помощи»", "ngo"), USER)
    assert saved.applied
    assert partners.partner(saved.id)["name"] == "Фонд «Рука помощи»"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "школа №5"}, "name"),  # the same name in another case
        ({"partner_type": "club"}, "partner_type"),
        ({"stage": "married"}, "stage"),
        ({"contact": "x" * 501}, "contact"),
        ({"our_offer": "x" * 2001}, "our_offer"),
    ],
)
@pytest.mark.usefixtures("shared")  # its partner is "Школа №5"
def test_invalid_partner_is_named_by_field(changes: dict, field: str) -> None:
    before = audit_lines()
    values = {"name": "Библиотека", "partner_type": "ngo", **changes}
    with pytest.raises(InvalidEntry) as refused:
        partners.save_partner(PartnerDraft(**values), USER)
    assert field in refused.value.errors
    assert audit_lines() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_on": None}, "occurred_on"),
        ({"occurred_on": TOMORROW}, "occurred_on"),
        ({"kind": "fax"}, "kind"),
        ({"summary": " "}, "summary"),
        ({"summary": "x" * 2001}, "summary"),
        ({"next_step": "", "next_step_due": date(2024, 5, 10)}, "next_step"),
        ({"next_step": "Позвонить", "next_step_due": date(2024, 4, 30)}, "next_step_due"),
        ({"next_step": "x" * 501}, "next_step"),
    ],
)
def test_invalid_interaction_is_named_by_field(shared: tuple, changes: dict, field: str) -> None:
    school = shared[0]
    before = audit_lines()
    values = {"occurred_on": date(2024, 5, 1), "kind": "call", "summary": "Созвонились"}
    with pytest.raises(InvalidEntry) as refused:
        partners.log_interaction(school, InteractionDraft(**{**values, **changes}), USER)
    assert field in refused.value.errors
    assert audit_lines() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"our_responsibilities": "", "partner_responsibilities": ""}, "our_responsibilities"),
        ({"starts_on": date(2024, 5, 2), "ends_on": date(2024, 5, 1)}, "ends_on"),
        ({"signed_on": TOMORROW}, "signed_on"),
        ({"document_url": "javascript:alert(1)"}, "document_url"),
    ],
)
def test_invalid_agreement_is_named_by_field(shared: tuple, changes: dict, field: str) -> None:
    school = shared[0]
    before = audit_lines()
    values = {"title": "Неделя волонтёра", "our_responsibilities": "Волонтёры", **changes}
    with pytest.raises(InvalidEntry) as refused:
        partners.save_agreement(school, AgreementDraft(**values), USER)
    assert field in refused.value.errors
    assert audit_lines() == before


def project_draft(school: str, **changes: object) -> ProjectDraft:
    values: dict = {
        "title": "Неделя волонтёра",
        "kind": "event",
        "partner_ids": [school],
        "starts_on": date(2024, 5, 1),
        "ends_on": date(2024, 5, 10),
        "tracking_codes": [("utm", "school5")],
    }
    return ProjectDraft(**{**values, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "party"}, "kind"),
        ({"partner_ids": []}, "partner_ids"),
        ({"partner_ids": ["partner:nope"]}, "partner_ids"),
        ({"starts_on": None}, "starts_on"),
        ({"ends_on": date(2024, 4, 30)}, "ends_on"),
        ({"goal_target": 10}, "goal_metric"),
        ({"goal_metric": "leads"}, "goal_target"),
        ({"goal_metric": "leads", "goal_target": -1}, "goal_target"),
        ({"budget": "много"}, "budget"),
        ({"tracking_codes": [("utm", "School5"), ("utm", "school5")]}, "tracking_codes"),
        ({"tracking_codes": [("utm", "ab")]}, "tracking_codes"),
        ({"tracking_codes": [("promo_code", "GOOD NEWS")]}, "tracking_codes"),
        ({"tracking_codes": [("qr", "abc")]}, "tracking_codes"),
    ],
)
def test_invalid_project_is_named_by_field(shared: tuple, changes: dict, field: str) -> None:
    school = shared[0]
    before = audit_lines()
    with pytest.raises(InvalidEntry) as refused:
        partners.save_project(project_draft(school, **changes), USER)
    assert field in refused.value.errors
    assert audit_lines() == before


def test_a_code_belongs_to_one_project(school: str) -> None:
    first = partners.save_project(project_draft(school), USER).id
    # the same utm given as a link still is "school5", and is the first project's
    link = "https://example.org/join?utm_source=School5&utm_medium=post"
    with pytest.raises(InvalidEntry) as refused:
        partners.save_project(
            project_draft(school, title="Другая", tracking_codes=[("utm", link)]), USER
        )
    assert "Неделя волонтёра" in refused.value.errors["tracking_codes"]
    # editing the first project keeps its own code without complaint, and can swap it
    partners.save_project(
        project_draft(school, tracking_codes=[("promo_code", "SCHOOL-5")]), USER, first
    )
    codes = partners.project(first)["tracking_codes"]
    assert [(c["kind"], c["code"]) for c in codes] == [("promo_code", "SCHOOL-5")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"metric": "new_members"}, "metric"),  # computed, never typed
        ({"value": "семь"}, "value"),
        ({"value": ""}, "value"),
        ({"value": "-5"}, "value"),
        ({"metric": "donations", "unit": ""}, "unit"),
        ({"metric": "donations", "unit": "рубли"}, "unit"),
        ({"recorded_on": TOMORROW}, "recorded_on"),
    ],
)
def test_invalid_outcome_is_named_by_field(shared: tuple, changes: dict, field: str) -> None:
    project = shared[1]
    before = audit_lines()
    values = {"metric": "leads", "value": "7", **changes}
    with pytest.raises(InvalidEntry) as refused:
        partners.record_outcome(project, OutcomeDraft(**values), USER)
    assert field in refused.value.errors
    assert audit_lines() == before


def test_event_co_hosts_must_be_partners(school: str) -> None:
    from tests.test_events_page import new_event
    from warehouse import events

    event_id = new_event(3, partner_ids=[school])
    assert partners.event_partner_ids(event_id) == [school]
    with pytest.raises(InvalidEntry) as refused:
        new_event(3, partner_ids=["partner:nope"])
    assert "partner_ids" in refused.value.errors
    assert events.event(event_id)["title"] == "Субботник в парке"


# ------------------------------------------------------------------ stages, undo, reminders


def test_stage_changes_are_kept_and_listed_on_the_timeline(school: str) -> None:
    partners.change_stage(school, "contacted", USER)
    partners.change_stage(school, "negotiating", USER, note="ждём ответа директора")
    assert partners.partner(school)["stage"] == "negotiating"
    with pytest.raises(InvalidEntry) as refused:
        partners.change_stage(school, "negotiating", USER)
    assert "stage" in refused.value.errors
    with pytest.raises(InvalidEntry):
        partners.change_stage(school, "friends", USER)
    stages = partners.timeline(school).filter(item_kind="stage")["text"].to_list()
    assert stages == ["negotiating: ждём ответа директора", "contacted", "prospect"]

    # editing the partner with another stage is a stage change too
    draft = PartnerDraft("Школа №5", "school", stage="agreed", owner="Аня")
    partners.save_partner(draft, USER, school)
    assert partners.timeline(school).filter(item_kind="stage")["text"][0] == "agreed"
    with read_connection() as con:
        audit = con.execute(
            "select changed_by, table_name from app.audit_log order by changed_at"
        ).fetchall()
    assert (USER, "app.partner_stage_changes") in audit


def test_a_deleted_partner_can_be_restored_with_its_history(school: str) -> None:
    draft = InteractionDraft(date(2024, 5, 1), "call", "Первый звонок")
    partners.log_interaction(school, draft, USER)
    partners.delete_partner(school, USER)
    assert partners.partner(school) is None
    with pytest.raises(partners.UnknownPartner):
        partners.log_interaction(school, draft, USER)
    partners.restore_partner(school, USER)
    assert partners.partner(school)["name"] == "Школа №5"
    assert partners.timeline(school).filter(item_kind="interaction")["text"].to_list() == [
        "Первый звонок"
    ]


def test_reminders_as_of_a_fixed_day(school: str) -> None:
    media = partners.save_partner(PartnerDraft("Городские новости", "media"), USER).id
    partners.change_stage(school, "active", USER)
    partners.change_stage(media, "negotiating", USER)
    step = partners.log_interaction(
        school,
        InteractionDraft(
            date(2024, 5, 1), "meeting", "Обсудили неделю", "Прислать афишу", date(2024, 5, 3)
        ),
        USER,
    ).id
    partners.log_interaction(
        school, InteractionDraft(date(2024, 5, 11), "thanks", "Спасибо за неделю!"), USER
    )
    partners.log_interaction(media, InteractionDraft(date(2024, 3, 1), "call", "Знакомство"), USER)
    partners.save_project(project_draft(school), USER)  # 01.05–10.05, thanked 11.05
    partners.save_project(
        project_draft(media, title="Сбор", ends_on=date(2024, 5, 12), tracking_codes=[]), USER
    )

    on = date(2024, 6, 1)
    listed = partners.reminders(on)
    # overdue step: due 03.05, 29 days by 01.06; the media partner: last contact 01.03, 92 days
    # (negotiating: we chase it); its project ended 12.05, thanks due 13.05, none logged: 19
    # days. The school's project was thanked on 11.05 (on or after its last day): no reminder.
    assert listed.select("reminder", "partner_name", "detail", "since_on", "days").rows() == [
        ("no_contact", "Городские новости", None, date(2024, 3, 1), 92),
        ("overdue_step", "Школа №5", "Прислать афишу", date(2024, 5, 3), 29),
        ("no_thanks", "Городские новости", "Сбор", date(2024, 5, 13), 19),
    ]
    # one day before the contact turns 60 days old, and before the step is due: neither
    early = partners.reminders(date(2024, 4, 29))["reminder"].to_list()
    assert early == []

    card = {r["name"]: r for r in partners.scorecard(on).iter_rows(named=True)}
    # the school: contacts 01.05 and 11.05, both within the 90 days to 01.06; last 21 days ago
    assert (card["Школа №5"]["interactions_90d"], card["Школа №5"]["days_since_contact"]) == (2, 21)
    assert card["Школа №5"]["overdue_steps"] == 1
    # the media partner: 01.03 is 92 days back, outside the 90
    assert (
        card["Городские новости"]["interactions_90d"],
        card["Городские новости"]["days_since_contact"],
    ) == (0, 92)

    partners.mark_step_done(step, USER, date(2024, 5, 20))
    assert "overdue_step" not in partners.reminders(on)["reminder"].to_list()
    partners.reopen_step(step, USER)
    assert "overdue_step" in partners.reminders(on)["reminder"].to_list()
    partners.delete_interaction(step, USER)
    assert "overdue_step" not in partners.reminders(on)["reminder"].to_list()
    partners.delete_interaction(step, USER, deleted=False)  # undo
    assert "overdue_step" in partners.reminders(on)["reminder"].to_list()


def test_entries_made_while_a_refresh_writes_are_queued_not_lost(
    school: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from warehouse import app_data
    from warehouse.connection import write_lock
    from warehouse.models import mark_data_changed

    monkeypatch.setattr("warehouse.connection.READ_TIMEOUT_S", 0.2)
    monkeypatch.setattr(app_data, "FORM_WRITE_TIMEOUT_S", 0.2)
    holding, release = threading.Event(), threading.Event()

    def refresh_holding_the_warehouse() -> None:
        with write_lock():
            holding.set()
            release.wait(30)

    assert partners.partner(school) is not None  # the profile was drawn before the refresh
    writer = threading.Thread(target=refresh_holding_the_warehouse)
    writer.start()
    holding.wait(10)
    # every cached answer is out of date, and the tracking codes were never read: each lookup
    # the writes make finds the warehouse busy
    mark_data_changed()
    try:
        draft = InteractionDraft(date(2024, 5, 1), "call", "Звонок во время обновления")
        logged = partners.log_interaction(school, draft, USER)
        project = partners.save_project(project_draft(school), USER)
        stage = partners.change_stage(school, "contacted", USER)
    finally:
        release.set()
        writer.join()
    assert (logged.applied, project.applied, stage.applied) == (False, False, False)
    assert len(app_data.pending_entries()) == 3
    build()  # the refresh's own build applies what waited for it
    assert partners.partner(school)["stage"] == "contacted"
    assert partners.timeline(school).filter(item_kind="interaction")["text"].to_list() == [
        "Звонок во время обновления"
    ]
    assert [p["title"] for p in partners.projects(school).iter_rows(named=True)] == [
        "Неделя волонтёра"
    ]
