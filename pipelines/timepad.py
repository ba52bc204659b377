"""An organisation's events and registrations on Timepad (api.timepad.ru) → raw_timepad.* tables.

Endpoints used (`<base_url>/…`, header `Authorization: Bearer <token>`), both paged with
`skip`/`limit` until the answer's `total`:

- `events?organization_ids=<id>&fields=location,registration_data&sort=+starts_at`: every event
  of the organisation, read on each refresh (one cheap list);
- `events/{id}/orders`: the orders of one event, each with its tickets (one per ticket holder,
  with the registration form's answers and the check-in, `attendance`).

Orders change until an event is over (new registrations, cancellations, check-ins), so they are
read again on every refresh for upcoming events and for events that ended in the last
`recent_days` (30). Events that ended before that and whose orders were fully loaded are kept in
dlt resource state and not read again (the state only moves when the load succeeds).

HTTP 401/403 stop the source with a message saying where to set a new token; 429, 5xx and network
timeouts are retried with capped exponential backoff, then fail naming the endpoint. The token
is only ever sent in the header and is scrubbed from every message.

    # pulse.toml
    [[sources]]
    kind = "timepad"
    name = "org"
    organization_id = 123
    # optional: token_env = "TIMEPAD_TOKEN", recent_days = 30, timeout = 30, retries = 4,
    # retry_backoff = 1, timezone (for times Timepad gives without an offset), base_url

The token: env SOURCES__TIMEPAD__TOKEN (or the variable named by token_env), or
`[sources.timepad] token = "…"` in .dlt/secrets.toml.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa

from pipelines.batches import key, primary_keys
from pipelines.csv_import import BadValue, normalize_email, normalize_handle, normalize_phone
from pipelines.errors import SourceError
from pipelines.sources import ApiSource, MissingSecret, secret

log = logging.getLogger("pipelines.timepad")

SOURCE = "timepad"
DATASET = "raw_timepad"
DEFAULT_BASE_URL = "https://api.timepad.ru/v1"
DAY = 86_400
EVENTS_PAGE = 100  # Timepad's largest page of events
ORDERS_PAGE = 250  # … and of orders
# registration-form answers that hold a Telegram (or other messenger) handle
HANDLE_ANSWERS = ("telegram", "tg", "telegram_username", "telegram_nick")

# Primary-key fields come first in every schema: rows are kept unique on that prefix.
TABLES: dict[str, pa.Schema] = {
    "events": pa.schema(
        [
            key("event_id", pa.int64()),
            ("organization_id", pa.int64()),
            ("name", pa.string()),
            ("starts_unixtime", pa.int64()),
            ("ends_unixtime", pa.int64()),
            ("country", pa.string()),
            ("city", pa.string()),
            ("address", pa.string()),
            ("url", pa.string()),
            ("status", pa.string()),  # Timepad's own: ok | inactive | deleted | …
            ("is_registration_open", pa.bool_()),
            ("tickets_total", pa.int64()),
            ("fetched_unixtime", pa.int64()),
        ]
    ),
    "orders": pa.schema(
        [
            key("event_id", pa.int64()),
            key("order_id", pa.int64()),
            ("status", pa.string()),  # status.name: paid | booked | ok | rejected | inactive | …
            ("status_title", pa.string()),
            ("created_unixtime", pa.int64()),
            ("mail", pa.string()),  # lower-cased when it is an e-mail address
            ("utm_source", pa.string()),
            ("utm", pa.string()),  # the order's utm/referrer object, as JSON
        ]
    ),
    "tickets": pa.schema(
        [
            key("event_id", pa.int64()),
            key("order_id", pa.int64()),
            key("ticket_id", pa.int64()),
            ("number", pa.string()),
            ("ticket_type", pa.string()),
            ("email", pa.string()),  # normalised (lower-case); NULL if the answer is not one
            ("phone", pa.string()),  # normalised, e.g. +79123456789
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("handle", pa.string()),
            ("attended", pa.bool_()),
            ("checked_in_unixtime", pa.int64()),
            ("answers", pa.string()),  # every answer of the form, as JSON
        ]
    ),
}
PRIMARY_KEYS = primary_keys(TABLES)


def _now() -> int:
    """Epoch seconds of this refresh (tests replace it to control time)."""
    return int(time.time())


class TimepadError(SourceError):
    """Timepad answered an endpoint with an error, or not usably."""


class TimepadTokenRejected(SourceError):
    """HTTP 401/403: only a new (or better-scoped) token helps."""


@dataclass
class TimepadReport:
    name: str
    events: int = 0
    events_read: int = 0  # events whose orders were read this time
    orders: int = 0
    tickets: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return list(self.notes)

    def summary(self) -> str:
        settled = self.events - self.events_read
        return (
            f"{self.name}: {self.events} events ({settled} long finished, not read again); "
            f"{self.orders} orders with {self.tickets} tickets loaded."
        )


@dataclass(frozen=True)
class TimepadOptions:
    """A Timepad source's table in pulse.toml (the token is never there: see `secret`)."""

    name: str
    organization_id: int
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    retries: int = 4  # extra tries after a timeout, rate limit or server error
    retry_backoff: float = 1.0  # first wait; doubles per try
    max_backoff: float = 30.0
    recent_days: float = 30.0
    timezone: str | None = None

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> TimepadOptions:
        name = str(options.get("name") or options.get("kind") or SOURCE)
        target = f"Timepad source '{name}'"

        def bad(key: str, what: str) -> SourceError:
            return SourceError(target, f"option `{key}` must be {what} (got {options[key]!r})")

        def number(key: str, default: float, minimum: float = 0) -> float:
            value = options.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
                raise bad(key, f"a number ≥ {minimum}")
            return float(value)

        org = options.get("organization_id")
        if org is None or org == "":
            raise SourceError(
                target,
                "no `organization_id`: set it in pulse.toml to the number Timepad shows in your "
                "organisation's settings (or in the API's /introspect answer)",
            )
        if isinstance(org, str) and org.strip().isdigit():
            org = int(org.strip())
        if isinstance(org, bool) or not isinstance(org, int):
            raise bad("organization_id", "a number")
        base_url = options.get("base_url", DEFAULT_BASE_URL)
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise bad("base_url", "an http(s) URL")
        zone = options.get("timezone")
        if zone is not None:
            try:
                ZoneInfo(str(zone))
            except (ZoneInfoNotFoundError, ValueError):
                raise bad("timezone", "an IANA time zone like Europe/Moscow") from None
        return cls(
            name=name,
            organization_id=org,
            base_url=base_url.rstrip("/"),
            timeout=number("timeout", 30.0, 0.01),
            retries=int(number("retries", 4)),
            retry_backoff=number("retry_backoff", 1.0),
            max_backoff=number("max_backoff", 30.0),
            recent_days=number("recent_days", 30.0),
            timezone=str(zone) if zone is not None else None,
        )


def _token_places(options: Mapping[str, Any]) -> str:
    """Where `pipelines.sources.secret` looks for this source's token, in words."""
    section = str(options.get("secret_section") or options.get("kind") or SOURCE)
    section = section.replace("-", "_")
    env_default = f"SOURCES__{section.upper()}__TOKEN"
    env_name = options.get("token_env")
    envs = f"env {env_name} (or {env_default})" if env_name else f"env {env_default}"
    return f'{envs}, or [sources.{section}] token = "…" in .dlt/secrets.toml'


class _Transient(Exception):
    """A failure worth trying again: timeout, dropped connection, HTTP 429 or 5xx."""


class TimepadClient:
    """GETs Timepad endpoints: retried where that can help, errors in words, token hidden."""

    def __init__(self, opts: TimepadOptions, token: str, token_places: str) -> None:
        self.opts = opts
        self._token = token
        self._token_places = token_places
        self.calls = 0

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def error(self, endpoint: str, reason: str) -> TimepadError:
        return TimepadError(f"Timepad source '{self.opts.name}', {endpoint}", self.scrub(reason))

    def get(self, endpoint: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """The JSON object one GET answers."""
        attempts = self.opts.retries + 1
        for attempt in range(attempts):
            try:
                body = self._get(endpoint, params)
            except _Transient as exc:
                if attempt + 1 >= attempts:
                    reason = f"no usable answer after {attempts} tries ({exc}); try again later"
                    raise self.error(endpoint, reason) from None
                log.info("%s: %s; trying again", endpoint, self.scrub(str(exc)))
                time.sleep(min(self.opts.retry_backoff * 2**attempt, self.opts.max_backoff))
                continue
            if not isinstance(body, dict):
                raise self.error(endpoint, "Timepad answered with JSON that is not an object")
            return body
        raise AssertionError("unreachable")  # pragma: no cover

    def _get(self, endpoint: str, params: Mapping[str, Any]) -> Any:
        self.calls += 1
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        request = urllib.request.Request(
            f"{self.opts.base_url}/{endpoint}?{query}",
            headers={"Authorization": f"Bearer {self._token}", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.opts.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise _Transient(f"HTTP {exc.code}") from None
            if exc.code in (401, 403):
                raise self._token_rejected(exc.code) from None
            raise self.error(endpoint, f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise _Transient(_network_reason(exc.reason)) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            raise _Transient(_network_reason(exc)) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise self.error(endpoint, "Timepad answered with something that is not JSON") from None

    def _token_rejected(self, status: int) -> TimepadTokenRejected:
        what = (
            "is invalid or has expired"
            if status == 401
            else "does not give access to this organisation's events and orders"
        )
        return TimepadTokenRejected(
            f"Timepad source '{self.opts.name}'",
            f"Timepad refused the token (HTTP {status}): it {what}. Create a token at "
            "dev.timepad.ru for an account that administers organisation "
            f"{self.opts.organization_id} (with access to orders), and set it in "
            f"{self._token_places}.",
        )


def _network_reason(reason: Any) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return str(reason) or type(reason).__name__


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text or None


def _object(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _email(value: Any) -> str | None:
    text = _text(value)
    try:
        return normalize_email(text) if text else None
    except BadValue:
        return None


def _phone(value: Any) -> str | None:
    text = _text(value)
    try:
        return normalize_phone(text) if text else None
    except BadValue:
        return None


class _Clock:
    """Timepad times as epoch seconds. Times without an offset are in the community's zone, looked
    up only if one appears."""

    def __init__(self, zone_name: str | None) -> None:
        self._zone_name = zone_name
        self._zone: ZoneInfo | None = None

    def zone(self) -> ZoneInfo:
        if self._zone is None:
            from pipelines.csv_import import community_zone_name

            self._zone = ZoneInfo(self._zone_name or community_zone_name())
        return self._zone

    def unixtime(self, value: Any) -> int | None:
        """None for a missing time; ValueError for one that cannot be read."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise ValueError(f"not a date: {value!r}")
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone())
        return int(moment.timestamp())


class _Rows:
    """Rows per raw table, unique on the primary key (the last one seen wins)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, tuple]] = {table: {} for table in TABLES}

    def add(self, table: str, row: tuple) -> None:
        self.rows[table][row[: len(PRIMARY_KEYS[table])]] = row

    def batches(self) -> Iterator[tuple[str, pa.Table]]:
        for table, rows in self.rows.items():
            if rows:
                schema = TABLES[table]
                columns = zip(*rows.values(), strict=True)
                arrays = [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)]
                yield table, pa.Table.from_arrays(arrays, schema=schema)


def _pages(
    client: TimepadClient, endpoint: str, params: Mapping[str, Any], page_size: int
) -> Iterator[list[Any]]:
    """The `values` of each page of a skip/limit-paged endpoint, until its `total` is reached."""
    skip = 0
    while True:
        body = client.get(endpoint, {**params, "limit": page_size, "skip": skip})
        values = body.get("values", [])  # Timepad leaves `values` out when there are none
        total = _int(body.get("total"))
        if not isinstance(values, list) or total is None:
            raise client.error(endpoint, "the answer has no `total` number and `values` list")
        yield values
        skip += len(values)
        if not values or skip >= total:
            return


def _require_id(client: TimepadClient, endpoint: str, item: Any, what: str) -> int:
    item_id = _int(item.get("id")) if isinstance(item, dict) else None
    if item_id is None:
        raise client.error(endpoint, f"{what} has no numeric id: {str(item)[:200]}")
    return item_id


def _time(client: TimepadClient, clock: _Clock, endpoint: str, item: Mapping, key: str) -> Any:
    try:
        return clock.unixtime(item.get(key))
    except ValueError:
        what = f"`{key}` of item {item.get('id')!r} is not a date: {str(item.get(key))[:60]!r}"
        raise client.error(endpoint, what) from None


@dataclass(frozen=True)
class _Event:
    event_id: int
    starts: int | None
    ends: int | None


def _fetch_events(client: TimepadClient, clock: _Clock, now: int, rows: _Rows) -> Iterator[_Event]:
    endpoint = "events"
    params = {
        "organization_ids": client.opts.organization_id,
        "fields": "location,registration_data",
        "sort": "+starts_at",
    }
    for values in _pages(client, endpoint, params, EVENTS_PAGE):
        for event in values:
            event_id = _require_id(client, endpoint, event, "an event")
            starts = _time(client, clock, endpoint, event, "starts_at")
            ends = _time(client, clock, endpoint, event, "ends_at")
            location = _object(event.get("location"))
            registration = _object(event.get("registration_data"))
            open_flag = registration.get("is_registration_open")
            # events: in TABLES["events"] order
            rows.add(
                "events",
                (
                    event_id,
                    client.opts.organization_id,
                    _text(event.get("name")),
                    starts,
                    ends,
                    _text(location.get("country")),
                    _text(location.get("city")),
                    _text(location.get("address")),
                    _text(event.get("url")),
                    _text(event.get("status")),
                    open_flag if isinstance(open_flag, bool) else None,
                    _int(registration.get("tickets_total")),
                    now,
                ),
            )
            yield _Event(event_id, starts, ends)


def _utm(order: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(UTM source, the order's utm/referrer object as JSON)."""
    utm = order.get("utm") if isinstance(order.get("utm"), dict) else order.get("referrer")
    if not isinstance(utm, dict):
        return None, None
    source = _text(utm.get("utm_source") or utm.get("source"))
    return (source.lower() if source else None), json.dumps(utm, ensure_ascii=False)


def _handle(answers: Mapping[str, Any]) -> str | None:
    for name in HANDLE_ANSWERS:
        text = _text(answers.get(name))
        if text:
            return normalize_handle(text) or None
    return None


def _add_ticket(
    client: TimepadClient,
    clock: _Clock,
    endpoint: str,
    event_id: int,
    order_id: int,
    ticket: Any,
    rows: _Rows,
) -> None:
    ticket_id = _require_id(client, endpoint, ticket, f"a ticket of order {order_id}")
    answers = _object(ticket.get("answers"))
    attendance = ticket.get("attendance")
    checked_in = None
    if isinstance(attendance, dict):
        checked_in = _time(client, clock, endpoint, attendance, "starts_at")
    ticket_type = _object(ticket.get("ticket_type"))
    # tickets: in TABLES["tickets"] order
    rows.add(
        "tickets",
        (
            event_id,
            order_id,
            ticket_id,
            _text(ticket.get("number")),
            _text(ticket_type.get("name")),
            _email(answers.get("mail") or answers.get("email")),
            _phone(answers.get("phone")),
            _text(answers.get("name")),
            _text(answers.get("surname")),
            _handle(answers),
            isinstance(attendance, dict),
            checked_in,
            json.dumps(answers, ensure_ascii=False) if answers else None,
        ),
    )


def _fetch_orders(
    client: TimepadClient, clock: _Clock, event_id: int, rows: _Rows, report: TimepadReport
) -> None:
    endpoint = f"events/{event_id}/orders"
    for values in _pages(client, endpoint, {}, ORDERS_PAGE):
        for order in values:
            order_id = _require_id(client, endpoint, order, "an order")
            status = _object(order.get("status"))
            utm_source, utm = _utm(order)
            # orders: in TABLES["orders"] order
            rows.add(
                "orders",
                (
                    event_id,
                    order_id,
                    _text(status.get("name")),
                    _text(status.get("title")),
                    _time(client, clock, endpoint, order, "created_at"),
                    _email(order.get("mail")),
                    utm_source,
                    utm,
                ),
            )
            report.orders += 1
            tickets = order.get("tickets") or []
            if not isinstance(tickets, list):
                raise client.error(endpoint, f"`tickets` of order {order_id} is not a list")
            for ticket in tickets:
                _add_ticket(client, clock, endpoint, event_id, order_id, ticket, rows)
                report.tickets += 1


def _settled(event: _Event, now: int, recent_days: float) -> bool:
    """Over for longer than the re-check window: its orders will not change any more."""
    end = event.ends if event.ends is not None else event.starts
    return end is not None and end < now - recent_days * DAY


def fetch(options: Mapping[str, Any], report: TimepadReport) -> Iterator[tuple[str, pa.Table]]:
    """Every event of the organisation and the orders of those not long finished, as (raw table,
    Arrow batch).

    Runs inside a dlt resource: the set of settled events lives in its resource state, kept only
    if the load succeeds. Raises SourceError (never showing the token) when Timepad or the network
    fails.
    """
    import dlt

    opts = TimepadOptions.parse(options)
    try:
        token = secret(options)
    except MissingSecret as exc:
        raise SourceError(f"Timepad source '{opts.name}'", str(exc)) from None
    client = TimepadClient(opts, token, _token_places(options))
    clock = _Clock(opts.timezone)
    now = _now()
    rows = _Rows()

    state = dlt.current.resource_state().setdefault("organizations", {})
    org_state = state.setdefault(str(opts.organization_id), {})
    settled_before = set(org_state.get("settled_event_ids", []))
    settled_now: set[int] = set()

    for event in list(_fetch_events(client, clock, now, rows)):
        report.events += 1
        if event.event_id in settled_before:
            settled_now.add(event.event_id)
            continue
        _fetch_orders(client, clock, event.event_id, rows, report)
        report.events_read += 1
        if _settled(event, now, opts.recent_days):
            settled_now.add(event.event_id)  # fully loaded after it was over: final
    org_state["settled_event_ids"] = sorted(settled_now)
    log.debug("%s: %d Timepad calls", opts.name, client.calls)
    yield from rows.batches()


SPEC = ApiSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=TimepadReport,
    fetch=fetch,
)
