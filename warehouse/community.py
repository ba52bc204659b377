"""Community settings kept in the warehouse: the time zone and the engagement level thresholds."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from warehouse.accounts import require_role
from warehouse.app_tables import ensure_app_tables
from warehouse.connection import has_table, write_connection
from warehouse.i18n import _
from warehouse.models import mark_data_changed, run_models

DEFAULT_TIMEZONE = "UTC"

# Engagement levels (DESIGN.md "core_members and levels"): a member's score in a month is
# sum(weight × 0.9^months_ago) over the last 12 months (message 2, reply 3, reaction 1,
# attendance 8, ...); a steady monthly weight w scores about 7.2 × w. Chat activity is skewed
# (roughly 1 % of people write most, 9 % write now and then, the rest read), so:
# - Leading ≥ 200: ~28 points every month for a year, i.e. several messages or replies a week
#   all year round: the handful of regulars who carry a chat of a few hundred people;
# - Contributing ≥ 50: ~7 points a month, about a message a week (or one very busy month);
# - Participating ≥ 10: a few messages, or an event attended, in recent months;
# - Exploring: any score above 0 below that (a reaction, a message).
# sql/marts/member_levels.sql repeats these defaults for a warehouse where none is set.
LEVEL_DEFAULTS: dict[str, float] = {
    "level_leading": 200.0,
    "level_contributing": 50.0,
    "level_participating": 10.0,
}
SETTING_KEYS: tuple[str, ...] = ("timezone", *LEVEL_DEFAULTS)


def get_setting(con: duckdb.DuckDBPyConnection, key: str, default: str) -> str:
    if not has_table(con, "app", "settings"):
        return default
    row = con.execute("select value from app.settings where key = ?", [key]).fetchone()
    return row[0] if row else default


def community_timezone(con: duckdb.DuckDBPyConnection) -> str:
    return get_setting(con, "timezone", DEFAULT_TIMEZONE)


def validate_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            _("unknown time zone {name} (use an IANA name like Europe/Moscow)", name=repr(name))
        ) from None
    return name


def level_thresholds(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """level_leading, level_contributing, level_participating: stored values or the defaults."""
    return {key: float(get_setting(con, key, repr(d))) for key, d in LEVEL_DEFAULTS.items()}


def _threshold(key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise ValueError(
            _("{key} must be a positive number, got {value}", key=key, value=repr(value))
        )
    return number


def validate_level_thresholds(thresholds: dict[str, float]) -> None:
    """Leading above Contributing above Participating, all positive."""
    leading, contributing, participating = (thresholds[key] for key in LEVEL_DEFAULTS)
    if not leading > contributing > participating > 0:
        raise ValueError(
            _(
                "level thresholds must decrease: level_leading > level_contributing > "
                "level_participating > 0, got {leading} > {contributing} > {participating}",
                leading=f"{leading:g}",
                contributing=f"{contributing:g}",
                participating=f"{participating:g}",
            )
        )


def set_setting(key: str, value: str, actor: str) -> None:
    """Change a community setting: admins only (or the operator at the command line)."""
    require_role(actor, "admin")
    if key == "timezone":
        validate_timezone(value)
    elif key in LEVEL_DEFAULTS:
        number = _threshold(key, value)
        value = str(int(number)) if number.is_integer() else repr(number)  # as SQL reads it
    else:
        known = ", ".join(SETTING_KEYS)
        raise ValueError(_("unknown setting {key}; known: {known}", key=repr(key), known=known))
    with write_connection() as con:
        ensure_app_tables(con)
        if key in LEVEL_DEFAULTS:
            validate_level_thresholds({**level_thresholds(con), key: float(value)})
        con.execute("INSERT OR REPLACE INTO app.settings VALUES (?, ?)", [key, value])
        _rebuild_models_reading_settings(con)
    mark_data_changed()  # cached numbers depend on the day boundaries and the levels


def _rebuild_models_reading_settings(con: duckdb.DuckDBPyConnection) -> None:
    """Models built from settings (levels by month in the community's time zone) follow a
    change at once; before the first build there is nothing to redo."""
    if not has_table(con, "core", "activities"):
        return
    from pipelines.sources import all_raw_tables  # a full build needs every source's raw tables

    run_models(con, all_raw_tables(), changed_app_tables={"app.settings"})
