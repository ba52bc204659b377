"""core.identities on hand-built accounts: e-mail, then phone, then the platform handle.

Every staging model core.identities reads is replaced by a hand-written one holding the accounts
of the test (the others empty), so only the linking rules are under test.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from warehouse.connection import read_connection, write_connection
from warehouse.models import run_models
from warehouse.settings import SQL_DIR

# platform → the staging model its accounts come from
STAGING = {
    "telegram": "stg_telegram__identities",
    "discord": "stg_discord__identities",
    "vk": "stg_vk__identities",
    "csv": "stg_csv__identities",
    "csv-registrations": "stg_csv__identities",
    "timepad": "stg_timepad__identities",
    "zoom": "stg_zoom__identities",
    "gforms": "stg_gforms__identities",
}
COLUMNS = "identity_id, platform, external_user_id, handle, display_name, email, phone"
Account = tuple[str, str | None, str | None, str | None]  # identity id, handle, e-mail, phone


def _literal(value: str | None) -> str:
    return "null" if value is None else "'" + value.replace("'", "''") + "'"


def link(tmp_path: Path, *accounts: Account, bots: tuple[str, ...] = ()) -> dict[str, str]:
    """Build core.identities from `accounts` ('<platform>:<id>', …); identity id → member id."""
    sql = tmp_path / "sql"
    shutil.rmtree(sql, ignore_errors=True)
    for layer in ("staging", "core", "tests"):
        (sql / layer).mkdir(parents=True)
    model = (SQL_DIR / "core" / "identities.sql").read_text(encoding="utf-8")
    shutil.copy(SQL_DIR / "core" / "identities.sql", sql / "core")
    # the manager's merges (none here) are read from the app tables
    shutil.copytree(SQL_DIR / "app", sql / "app")
    shutil.copy(SQL_DIR / "staging" / "stg_app__member_merges.sql", sql / "staging")
    by_model: dict[str, list[str]] = {
        name: [] for name in re.findall(r"staging\.(stg_\w+__identities)", model)
    }
    for identity_id, handle, email, phone in accounts:
        platform = identity_id.rsplit(":", 1)[0]
        values = (identity_id, platform, identity_id, handle, identity_id, email, phone)
        bot = "true" if identity_id in bots else "false"
        by_model[STAGING[platform]].append(f"({', '.join(map(_literal, values))}, false, {bot})")
    for name, rows in by_model.items():
        body = (
            f"select * from (values {', '.join(rows)}) as t({COLUMNS}, is_team, is_bot)"
            if rows
            else "select "
            + ", ".join(f"cast(null as varchar) as {c}" for c in COLUMNS.split(", "))
            + ", false as is_team, false as is_bot where false"
        )
        (sql / "staging" / f"{name}.sql").write_text(body, encoding="utf-8")
    with write_connection() as con:
        run_models(con, {}, sql_dir=sql)
    with read_connection() as con:
        return dict(con.execute("select identity_id, member_id from core.identities").fetchall())


def test_a_form_registrant_known_only_by_handle_joins_the_telegram_member(tmp_path: Path) -> None:
    members = link(
        tmp_path,
        ("telegram:101", "Ivan_P", None, None),
        ("telegram:102", "maria", None, None),
        ("gforms:@ivan_p", "@ivan_p", None, None),
        # a second registrant with a handle nobody in a channel has: a new person
        ("gforms:@nobody", "nobody", None, None),
    )
    assert members == {
        "telegram:101": "gforms:@ivan_p",  # the group's smallest identity id
        "gforms:@ivan_p": "gforms:@ivan_p",
        "telegram:102": "telegram:102",
        "gforms:@nobody": "gforms:@nobody",
    }


def test_an_email_match_wins_over_a_handle_pointing_elsewhere(tmp_path: Path) -> None:
    members = link(
        tmp_path,
        ("csv:anna@x.io", None, "anna@x.io", None),  # a member list
        ("telegram:201", "anna_k", None, None),  # another member with the handle
        ("timepad:anna@x.io", "anna_k", "Anna@X.io", None),  # the order: e-mail and handle
        # phone, too, comes before the handle
        ("vk:301", "boris", None, "+7 916 123-45-67"),
        ("telegram:302", "boris_b", None, None),
        ("zoom:79161234567", "boris_b", None, "+79161234567"),
    )
    assert members["timepad:anna@x.io"] == members["csv:anna@x.io"] == "csv:anna@x.io"
    assert members["telegram:201"] == "telegram:201"
    assert members["zoom:79161234567"] == members["vk:301"] == "vk:301"
    assert members["telegram:302"] == "telegram:302"


def test_an_ambiguous_handle_links_nothing(tmp_path: Path) -> None:
    members = link(
        tmp_path,
        ("telegram:401", "sasha", None, None),
        ("telegram:402", "Sasha", None, None),
        ("gforms:@sasha", "sasha", None, None),
        # one person with the handle on two channels (linked by e-mail) is not ambiguous
        ("telegram:501", "lena", "lena@x.io", None),
        ("discord:502", "lena", "lena@x.io", None),
        ("csv-registrations:@lena", "@Lena", None, None),
    )
    assert members["gforms:@sasha"] == "gforms:@sasha"
    assert {members["telegram:401"], members["telegram:402"]} == {"telegram:401", "telegram:402"}
    assert members["csv-registrations:@lena"] == "csv-registrations:@lena"  # smallest id
    assert members["telegram:501"] == members["discord:502"] == "csv-registrations:@lena"


def test_handles_between_channels_stay_suggestions(tmp_path: Path) -> None:
    members = link(
        tmp_path,
        ("telegram:601", "oleg", None, None),
        ("vk:602", "oleg", None, None),
        ("csv:oleg", "oleg", None, None),
    )
    assert members == {key: key for key in members}
    # a bot with the handle is nobody to join
    assert link(
        tmp_path,
        ("telegram:603", "helper_bot", None, None),
        ("zoom:helper", "helper_bot", None, None),
        bots=("telegram:603",),
    ) == {"telegram:603": "telegram:603", "zoom:helper": "zoom:helper"}


def test_people_known_to_two_event_systems_join_by_handle_together(tmp_path: Path) -> None:
    """A form and a Zoom call share an e-mail, nobody in a channel does: their handle still
    finds the member (e-mail and phone found no channel member, so the handle decides)."""
    members = link(
        tmp_path,
        ("telegram:701", "petr", None, None),
        ("gforms:petr@x.io", "@petr", "petr@x.io", None),
        ("zoom:petr@x.io", None, "petr@x.io", None),
    )
    assert set(members.values()) == {"gforms:petr@x.io"}


def test_walk_ins_added_in_the_app_join_by_handle_too(tmp_path: Path) -> None:
    model = (SQL_DIR / "core" / "identities.sql").read_text(encoding="utf-8")
    if "stg_app__identities" not in model:
        return  # the app's walk-ins are not in core.identities yet
    STAGING["app"] = "stg_app__identities"
    try:
        members = link(
            tmp_path, ("telegram:801", "kate", None, None), ("app:person-1", "@Kate", None, None)
        )
    finally:
        del STAGING["app"]
    assert members["telegram:801"] == "app:person-1"
