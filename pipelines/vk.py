"""A VK community (group or public page) through the VK API → raw_vk.* tables.

Methods used (`<base_url>/<method>`, `v=5.199`; the token goes in the POST body, never a URL):

- groups.getById: the group's numeric id (a screen name works as `group_id` too), name, address;
- groups.getMembers: the member list, paged by offset. VK keeps no join history, so joins and
  leaves are found by comparing each refresh's list with the previous one, which is kept in
  raw_vk.membership_changes. The first refresh records everyone as 'present' (when they joined is
  unknown): no join activity is invented for them;
- wall.get: posts, newest first. A refresh pages back only to the newest post already loaded
  minus a re-check window (likes, views and comments of recent posts still change); that cursor
  lives in dlt resource state, so it only moves when the load succeeds;
- wall.getComments: comments, and the replies in their threads, for posts that have any;
- likes.getList: who liked a post. VK does not say when, so staging dates a like at its post;
- stats.get: daily page views and reach. It needs a group administrator's user token; if VK
  refuses, stats are skipped with a warning and everything else still loads.

VK errors come as HTTP 200 `{"error": {"error_code", "error_msg"}}`. "Too many requests" (6),
VK's internal errors (10), HTTP 5xx and network timeouts are retried with capped exponential
backoff; an invalid or expired token (5) stops the source with a message saying where to put a
new one; any other error names the method. The token is scrubbed from every message.

    # pulse.toml
    [[sources]]
    kind = "vk"
    name = "volunteers"
    group_id = 12345            # or the group's address: the part after vk.com/
    # optional: token_env = "VK_TOKEN", recheck_days = 7, history_days (first refresh: all),
    # stats_days = 90, comments / likers / stats = true, timeout = 30, retries = 4,
    # min_interval = 0.34 (seconds between calls), base_url

The token: env SOURCES__VK__TOKEN (or the variable named by token_env), or
`[sources.vk] token = "…"` in .dlt/secrets.toml.
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
from typing import Any

import pyarrow as pa

from pipelines.errors import SourceError
from pipelines.sources import ApiSource, secret

log = logging.getLogger("pipelines.vk")

SOURCE = "vk"
DATASET = "raw_vk"
DEFAULT_BASE_URL = "https://api.vk.com/method"
API_VERSION = "5.199"
DAY = 86_400
# VK's largest page per method
MEMBERS_PAGE = 1000
WALL_PAGE = 100
COMMENTS_PAGE = 100
THREAD_PREVIEW = 10  # replies VK inlines per comment (thread_items_count, at most 10)
LIKES_PAGE = 1000
# stats of the last few days are still revised by VK, so they are fetched again
STATS_RECHECK_DAYS = 3

RETRIED_CODES = {6: "too many requests per second", 10: "internal server error"}
AUTH_FAILED = 5
# stats.get refuses tokens that are not a group administrator's user token with one of these
STATS_DENIED = {7, 15, 20, 27, 28}
# groups.getMembers refuses when the group hides its member list
MEMBERS_HIDDEN = {15, 203}
COMMENTS_CLOSED = {212}


def _key(name: str) -> pa.Field:
    """A primary-key column: VK ids are all integers."""
    return pa.field(name, pa.int64(), nullable=False)


# Primary-key fields come first in every schema: the row buffers key rows by that prefix.
TABLES: dict[str, pa.Schema] = {
    "groups": pa.schema(
        [
            _key("group_id"),
            ("name", pa.string()),
            ("screen_name", pa.string()),
            ("group_type", pa.string()),  # group | page | event
            ("is_closed", pa.int64()),
            ("members_count", pa.int64()),
            ("fetched_unixtime", pa.int64()),
        ]
    ),
    # one row per refresh: how many members VK counted, and how many ids it listed (NULL when the
    # group hides its member list, so no membership changes could be found)
    "member_snapshots": pa.schema(
        [
            _key("group_id"),
            _key("snapshot_unixtime"),
            ("members_count", pa.int64()),
            ("members_listed", pa.int64()),
        ]
    ),
    # change_type: 'present' (listed by the first refresh: joined at an unknown time),
    # 'join' or 'leave' (found by comparing a refresh with the one before)
    "membership_changes": pa.schema(
        [
            _key("group_id"),
            _key("user_id"),
            _key("changed_unixtime"),
            ("change_type", pa.string()),
        ]
    ),
    # users (positive id) and communities (negative id) as VK last described them
    "profiles": pa.schema(
        [
            _key("profile_id"),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("name", pa.string()),
            ("screen_name", pa.string()),
            ("deactivated", pa.string()),
        ]
    ),
    "posts": pa.schema(
        [
            _key("owner_id"),
            _key("post_id"),
            ("group_id", pa.int64()),
            ("from_id", pa.int64()),
            ("signer_id", pa.int64()),
            ("created_by", pa.int64()),
            ("date_unixtime", pa.int64()),
            ("edited_unixtime", pa.int64()),
            ("post_type", pa.string()),
            ("text", pa.string()),
            ("is_pinned", pa.bool_()),
            ("media_type", pa.string()),
            ("copied_from", pa.string()),  # '<owner>_<post>' of a repost's original
            ("likes", pa.int64()),
            ("reposts", pa.int64()),
            ("comments", pa.int64()),
            ("views", pa.int64()),
        ]
    ),
    "comments": pa.schema(
        [
            _key("owner_id"),
            _key("post_id"),
            _key("comment_id"),
            ("group_id", pa.int64()),
            ("from_id", pa.int64()),
            ("date_unixtime", pa.int64()),
            ("text", pa.string()),
            ("thread_root_id", pa.int64()),  # the top-level comment of a reply's thread
            ("reply_to_comment", pa.int64()),
            ("reply_to_user", pa.int64()),
            ("likes", pa.int64()),
            ("media_type", pa.string()),
        ]
    ),
    "post_likers": pa.schema(
        [
            _key("owner_id"),
            _key("post_id"),
            _key("liker_id"),
            ("group_id", pa.int64()),
        ]
    ),
    "stats_days": pa.schema(
        [
            _key("group_id"),
            _key("period_from"),
            ("period_to", pa.int64()),
            ("views", pa.int64()),
            ("visitors", pa.int64()),
            ("mobile_views", pa.int64()),
            ("reach", pa.int64()),
            ("reach_subscribers", pa.int64()),
            ("mobile_reach", pa.int64()),
            ("likes", pa.int64()),
            ("comments", pa.int64()),
            ("copies", pa.int64()),
            ("subscribed", pa.int64()),
            ("unsubscribed", pa.int64()),
            ("hidden", pa.int64()),
        ]
    ),
}
PRIMARY_KEYS = {name: [f.name for f in schema if not f.nullable] for name, schema in TABLES.items()}


def _now() -> int:
    """Epoch seconds of this refresh (tests replace it to control time)."""
    return int(time.time())


class VkError(SourceError):
    """VK answered a method with an error, or did not answer usably."""

    def __init__(self, source: str, method: str, reason: str, code: int | None = None) -> None:
        super().__init__(f"VK source '{source}', {method}", reason)
        self.method = method
        self.code = code


class VkTokenRejected(SourceError):
    """VK refused the token (error 5): only a new token helps."""


@dataclass
class VkReport:
    name: str
    members: int | None = None
    joined: int = 0
    left: int = 0
    first_snapshot: bool = False
    posts: int = 0
    comments: int = 0
    likes: int = 0
    stats_days: int = 0
    deleted_comments: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return list(self.notes)

    def summary(self) -> str:
        if self.members is None:
            members = "member list hidden"
        elif self.first_snapshot:
            members = f"{self.members} members (first member list: no joins counted yet)"
        else:
            members = f"{self.members} members (+{self.joined} joined, -{self.left} left)"
        return (
            f"{self.name}: {members}; {self.posts} posts, {self.comments} comments, "
            f"{self.likes} likes and {self.stats_days} days of stats loaded."
        )


@dataclass(frozen=True)
class VkOptions:
    """A VK source's table in pulse.toml (the token is never there: see `secret`)."""

    name: str
    group: int | str  # numeric id, or a screen name resolved by groups.getById
    base_url: str = DEFAULT_BASE_URL
    api_version: str = API_VERSION
    timeout: float = 30.0  # seconds per request
    retries: int = 4  # extra tries after a timeout, rate limit or server error
    retry_backoff: float = 1.0  # first wait; doubles per try
    max_backoff: float = 30.0
    min_interval: float = 0.34  # VK allows about 3 requests per second per token
    recheck_days: float = 7.0
    history_days: float | None = None  # first refresh: how far back to read the wall (all)
    stats_days: int = 90  # first refresh: days of stats to fetch
    comments: bool = True
    likers: bool = True
    stats: bool = True

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> VkOptions:
        name = str(options.get("name") or options.get("kind") or SOURCE)

        def bad(key: str, what: str) -> SourceError:
            return SourceError(
                f"VK source '{name}'", f"option `{key}` must be {what} (got {options[key]!r})"
            )

        def number(key: str, default: float | None, minimum: float = 0) -> float | None:
            value = options.get(key, default)
            if value is None:
                return None
            if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum:
                raise bad(key, f"a number ≥ {minimum}")
            return float(value)

        def flag(key: str, default: bool) -> bool:
            value = options.get(key, default)
            if not isinstance(value, bool):
                raise bad(key, "true or false")
            return value

        group = options.get("group_id")
        if group is None or group == "":
            raise SourceError(
                f"VK source '{name}'",
                "no `group_id`: set it to the group's numeric id or its address "
                "(the part after vk.com/) in pulse.toml",
            )
        if isinstance(group, str) and group.strip().lstrip("-").isdigit():
            group = int(group.strip())
        if isinstance(group, bool) or not isinstance(group, int | str):
            raise bad("group_id", "a number or the group's address")
        if isinstance(group, int):
            group = abs(group)  # owner ids of groups are negative; people copy them as such
        base_url = options.get("base_url", DEFAULT_BASE_URL)
        if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
            raise bad("base_url", "an http(s) URL")
        return cls(
            name=name,
            group=group,
            base_url=base_url.rstrip("/"),
            api_version=str(options.get("api_version", API_VERSION)),
            timeout=number("timeout", 30.0, 0.01),
            retries=int(number("retries", 4)),
            retry_backoff=number("retry_backoff", 1.0),
            max_backoff=number("max_backoff", 30.0),
            min_interval=number("min_interval", 0.34),
            recheck_days=number("recheck_days", 7.0),
            history_days=number("history_days", None),
            stats_days=int(number("stats_days", 90, 1)),
            comments=flag("comments", True),
            likers=flag("likers", True),
            stats=flag("stats", True),
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
    """A failure worth trying again: timeout, dropped connection, HTTP 5xx."""


class VkClient:
    """Calls VK methods: throttled, retried where that can help, errors in words, token hidden."""

    def __init__(self, opts: VkOptions, token: str, token_places: str) -> None:
        self.opts = opts
        self._token = token
        self._token_places = token_places
        self._last_call = 0.0
        self.calls = 0

    def scrub(self, text: str) -> str:
        return text.replace(self._token, "***") if self._token else text

    def error(self, method: str, reason: str, code: int | None = None) -> VkError:
        return VkError(self.opts.name, method, self.scrub(reason), code)

    def call(self, method: str, **params: Any) -> Any:
        """The `response` of one method call."""
        attempts = self.opts.retries + 1
        for attempt in range(attempts):
            self._throttle()
            try:
                body = self._post(method, params)
            except _Transient as exc:
                if attempt + 1 >= attempts:
                    reason = f"no usable answer after {attempts} tries ({exc})"
                    raise self.error(method, reason) from None
                log.info("%s: %s; trying again", method, self.scrub(str(exc)))
                self._back_off(attempt)
                continue
            if not isinstance(body, dict):
                raise self.error(method, "VK answered with JSON that is not an object")
            problem = body.get("error")
            if problem is None:
                if "response" not in body:
                    raise self.error(method, "VK's answer has neither `response` nor `error`")
                return body["response"]
            code, message = _error_fields(problem)
            if code == AUTH_FAILED:
                raise self._token_rejected(message)
            if code in RETRIED_CODES and attempt + 1 < attempts:
                log.info("%s: VK error %s (%s); waiting", method, code, RETRIED_CODES[code])
                self._back_off(attempt)
                continue
            if code in RETRIED_CODES:
                reason = (
                    f"VK error {code} ({self.scrub(message)}) persisted after {attempts} tries; "
                    "try again later, or raise `min_interval` if other tools share this token"
                )
                raise self.error(method, reason, code)
            raise self.error(method, f"VK error {code}: {message}", code)
        raise AssertionError("unreachable")  # pragma: no cover

    def _token_rejected(self, message: str) -> VkTokenRejected:
        return VkTokenRejected(
            f"VK source '{self.opts.name}'",
            f"VK rejected the access token (error 5: {self.scrub(message)}). It is invalid or "
            "has expired: get a new one (a user token of a group administrator, with the "
            "`offline` scope so it does not expire; a service token works too, without stats) "
            f"and set it in {self._token_places}.",
        )

    def _throttle(self) -> None:
        wait = self._last_call + self.opts.min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_call = time.monotonic()

    def _back_off(self, attempt: int) -> None:
        time.sleep(min(self.opts.retry_backoff * 2**attempt, self.opts.max_backoff))

    def _post(self, method: str, params: Mapping[str, Any]) -> Any:
        self.calls += 1
        form = {k: _param(v) for k, v in params.items() if v is not None}
        form.update(access_token=self._token, v=self.opts.api_version)
        request = urllib.request.Request(
            f"{self.opts.base_url}/{method}",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.opts.timeout) as answer:
                raw = answer.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code == 429:
                raise _Transient(f"HTTP {exc.code}") from None
            raise self.error(method, f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise _Transient(_network_reason(exc.reason)) from None
        except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
            raise _Transient(_network_reason(exc)) from None
        try:
            return json.loads(raw)
        except ValueError:
            raise self.error(method, "VK answered with something that is not JSON") from None


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _network_reason(reason: Any) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return "timed out"
    return str(reason) or type(reason).__name__


def _error_fields(problem: Any) -> tuple[int | None, str]:
    if not isinstance(problem, dict):
        return None, str(problem)
    code = problem.get("error_code")
    return (code if isinstance(code, int) else None), str(problem.get("error_msg") or "")


def _int(value: Any) -> int | None:
    """VK ints, tolerating numeric strings; anything else is None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _count(value: Any) -> int | None:
    """`likes`, `views`…: {"count": n} objects."""
    return _int(value.get("count")) if isinstance(value, dict) else _int(value)


def _media_type(item: Mapping[str, Any]) -> str | None:
    attachments = item.get("attachments")
    if isinstance(attachments, list) and attachments and isinstance(attachments[0], dict):
        return attachments[0].get("type")
    if item.get("copy_history"):
        return "repost"
    return None


class _Rows:
    """Rows per raw table, unique on the primary key (the last one seen wins)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[tuple, tuple]] = {table: {} for table in TABLES}
        self.profiles: dict[int, dict[str, Any]] = {}

    def add(self, table: str, row: tuple) -> None:
        self.rows[table][row[: len(PRIMARY_KEYS[table])]] = row

    def add_profile(self, profile_id: int, **fields: Any) -> None:
        known = self.profiles.setdefault(profile_id, {})
        known.update({k: v for k, v in fields.items() if v is not None})

    def add_profiles(self, response: Mapping[str, Any]) -> None:
        """`profiles` (users) and `groups` of an extended response."""
        for user in response.get("profiles") or ():
            if isinstance(user, dict) and _int(user.get("id")) is not None:
                self.add_user(user)
        for group in response.get("groups") or ():
            group_id = _int(group.get("id")) if isinstance(group, dict) else None
            if group_id is not None:
                self.add_profile(
                    -abs(group_id), name=group.get("name"), screen_name=group.get("screen_name")
                )

    def add_user(self, user: Mapping[str, Any]) -> None:
        self.add_profile(
            int(user["id"]),
            first_name=user.get("first_name"),
            last_name=user.get("last_name"),
            screen_name=user.get("screen_name"),
            deactivated=user.get("deactivated"),
        )

    def batches(self) -> Iterator[tuple[str, pa.Table]]:
        for profile_id, p in self.profiles.items():
            self.add(
                "profiles",
                (
                    profile_id,
                    p.get("first_name"),
                    p.get("last_name"),
                    p.get("name"),
                    p.get("screen_name"),
                    p.get("deactivated"),
                ),
            )
        for table, rows in self.rows.items():
            if rows:
                schema = TABLES[table]
                columns = zip(*rows.values(), strict=True)
                arrays = [pa.array(v, type=f.type) for v, f in zip(columns, schema, strict=True)]
                yield table, pa.Table.from_arrays(arrays, schema=schema)


def _pages(
    client: VkClient, method: str, params: Mapping[str, Any], page_size: int
) -> Iterator[tuple[Mapping[str, Any], list[Any]]]:
    """(response, items) per page of an offset-paged method, until VK's total is reached.

    wall.getComments counts every level in `count` but pages through one level: its
    `current_level_count` is the total to page to.
    """
    offset = 0
    while True:
        response = client.call(method, **params, offset=offset, count=page_size)
        if not isinstance(response, dict) or not isinstance(response.get("items"), list):
            raise client.error(method, "VK's answer has no `items` list")
        items = response["items"]
        total = _int(response.get("current_level_count", response.get("count")))
        yield response, items
        offset += len(items)
        if not items or total is None or offset >= total:
            return


def _require(client: VkClient, method: str, item: Any, *keys: str) -> list[int]:
    values = [_int(item.get(k)) if isinstance(item, dict) else None for k in keys]
    if any(v is None for v in values):
        missing = ", ".join(k for k, v in zip(keys, values, strict=True) if v is None)
        raise client.error(method, f"an item has no numeric {missing}: {str(item)[:200]}")
    return values  # type: ignore[return-value]


def _fetch_group(client: VkClient, rows: _Rows, now: int) -> tuple[int, int | None]:
    """(group id, VK's member count) of the configured group."""
    method = "groups.getById"
    response = client.call(method, group_id=client.opts.group, fields="members_count")
    groups = response.get("groups") if isinstance(response, dict) else response
    if not isinstance(groups, list) or not groups or not isinstance(groups[0], dict):
        raise client.error(method, f"VK returned no group for {client.opts.group!r}")
    group = groups[0]
    (group_id,) = _require(client, method, group, "id")
    members_count = _int(group.get("members_count"))
    rows.add(
        "groups",
        (
            group_id,
            group.get("name"),
            group.get("screen_name"),
            group.get("type"),
            _int(group.get("is_closed")),
            members_count,
            now,
        ),
    )
    rows.add_profile(-group_id, name=group.get("name"), screen_name=group.get("screen_name"))
    return group_id, members_count


def _fetch_members(client: VkClient, group_id: int, rows: _Rows) -> tuple[int, set[int]]:
    """(VK's member count, the ids listed) from groups.getMembers."""
    method = "groups.getMembers"
    total = 0
    listed: set[int] = set()
    params = {"group_id": group_id, "fields": "screen_name", "sort": "id_asc"}
    for response, items in _pages(client, method, params, MEMBERS_PAGE):
        total = _int(response.get("count")) or 0
        for member in items:
            if isinstance(member, dict):
                (user_id,) = _require(client, method, member, "id")
                rows.add_user(member)
            elif _int(member) is not None:
                user_id = int(member)
            else:
                raise client.error(method, f"a member is neither an id nor a user: {member!r}")
            # offsets shift when people join while we page: an id seen twice is one member
            listed.add(user_id)
    return total, listed


def _membership_before(source: str, group_id: int) -> tuple[bool, set[int]]:
    """(whether a member list was loaded before, who was present after the last one).

    Read from the raw tables rather than dlt state: they hold exactly what was loaded.
    """
    from warehouse.connection import WarehouseBusy, WarehouseEmpty, read_connection

    try:
        with read_connection() as con:
            found = {
                r[0]
                for r in con.execute(
                    "select table_name from information_schema.tables where table_schema = ?",
                    [DATASET],
                ).fetchall()
            }
            if not {"member_snapshots", "membership_changes"} <= found:
                return False, set()
            listed_before = con.execute(
                f"select count(*) from {DATASET}.member_snapshots"
                " where group_id = ? and members_listed is not null",
                [group_id],
            ).fetchone()[0]
            present = con.execute(
                f"select user_id from {DATASET}.membership_changes where group_id = ?"
                " group by user_id having arg_max(change_type, changed_unixtime) <> 'leave'",
                [group_id],
            ).fetchall()
    except WarehouseEmpty:
        return False, set()
    except WarehouseBusy as exc:  # inside dlt's extract it would otherwise arrive wrapped
        raise SourceError(f"VK source '{source}'", str(exc)) from None
    return listed_before > 0, {r[0] for r in present}


def _record_membership(
    group_id: int, listed: set[int], now: int, rows: _Rows, report: VkReport
) -> None:
    seen_before, present_before = _membership_before(report.name, group_id)
    if not seen_before:
        report.first_snapshot = True
        for user_id in listed:
            rows.add("membership_changes", (group_id, user_id, now, "present"))
        return
    joined, left = listed - present_before, present_before - listed
    for user_id in joined:
        rows.add("membership_changes", (group_id, user_id, now, "join"))
    for user_id in left:
        rows.add("membership_changes", (group_id, user_id, now, "leave"))
    report.joined, report.left = len(joined), len(left)


def _post_row(client: VkClient, group_id: int, post: Mapping[str, Any]) -> tuple:
    post_id, from_id, date = _require(client, "wall.get", post, "id", "from_id", "date")
    copies = post.get("copy_history")
    copied = copies[0] if isinstance(copies, list) and copies else None
    copied = copied if isinstance(copied, dict) else None
    # posts: in TABLES["posts"] order
    return (
        -group_id,
        post_id,
        group_id,
        from_id,
        _int(post.get("signer_id")),
        _int(post.get("created_by")),
        date,
        _int(post.get("edited")),
        post.get("post_type"),
        post.get("text") or "",
        bool(_int(post.get("is_pinned"))),
        _media_type(post),
        f"{copied.get('owner_id')}_{copied.get('id')}" if copied else None,
        _count(post.get("likes")),
        _count(post.get("reposts")),
        _count(post.get("comments")),
        _count(post.get("views")),
    )


def _load_members(
    client: VkClient,
    group_id: int,
    members_count: int | None,
    now: int,
    rows: _Rows,
    report: VkReport,
) -> None:
    try:
        total, listed = _fetch_members(client, group_id, rows)
    except VkError as exc:
        if exc.code not in MEMBERS_HIDDEN:
            raise
        report.notes.append(
            f"{client.opts.name}: VK does not show this group's member list to this token "
            f"({exc.reason}); joins and leaves are not tracked, and followers come from the "
            "group's member count."
        )
        rows.add("member_snapshots", (group_id, now, members_count, None))
        return
    rows.add("member_snapshots", (group_id, now, total, len(listed)))
    report.members = total
    _record_membership(group_id, listed, now, rows, report)


def _wall_boundary(opts: VkOptions, newest_loaded: int | None, now: int) -> int | None:
    """Posts older than this are not read again (None: read the whole wall)."""
    boundary = None
    if newest_loaded is not None:
        boundary = newest_loaded - int(opts.recheck_days * DAY)
    if opts.history_days is not None:
        cutoff = now - int(opts.history_days * DAY)
        boundary = cutoff if boundary is None else max(boundary, cutoff)
    return boundary


@dataclass(frozen=True)
class _LoadedPost:
    post_id: int
    date: int
    comments: int
    likes: int


def _fetch_wall(
    client: VkClient, group_id: int, boundary: int | None, rows: _Rows
) -> list[_LoadedPost]:
    """Wall posts, newest first, down to `boundary`; the pinned post (listed first whatever its
    age) does not end the paging."""
    method = "wall.get"
    loaded: list[_LoadedPost] = []
    params = {"owner_id": -group_id, "extended": 1, "fields": "screen_name"}
    for response, items in _pages(client, method, params, WALL_PAGE):
        rows.add_profiles(response)
        reached_old = False
        for post in items:
            row = _post_row(client, group_id, post)
            post_id, date = row[1], row[6]
            if boundary is not None and date < boundary and not _int(post.get("is_pinned")):
                reached_old = True
                continue
            rows.add("posts", row)
            loaded.append(
                _LoadedPost(
                    post_id,
                    date,
                    _count(post.get("comments")) or 0,
                    _count(post.get("likes")) or 0,
                )
            )
        if reached_old:
            break
    return loaded


def _add_comment(
    client: VkClient,
    group_id: int,
    post_id: int,
    comment: Any,
    thread_root: int | None,
    rows: _Rows,
    report: VkReport,
) -> int:
    method = "wall.getComments"
    (comment_id,) = _require(client, method, comment, "id")
    if comment.get("deleted"):
        # VK keeps a placeholder (no author, no text) so its thread still hangs together
        report.deleted_comments += 1
        return comment_id
    from_id, date = _require(client, method, comment, "from_id", "date")
    # comments: in TABLES["comments"] order
    rows.add(
        "comments",
        (
            -group_id,
            post_id,
            comment_id,
            group_id,
            from_id,
            date,
            comment.get("text") or "",
            thread_root,
            _int(comment.get("reply_to_comment")),
            _int(comment.get("reply_to_user")),
            _count(comment.get("likes")),
            _media_type(comment),
        ),
    )
    return comment_id


def _fetch_comments(
    client: VkClient, group_id: int, post_id: int, rows: _Rows, report: VkReport
) -> None:
    """Top-level comments of a post and the replies in their threads."""
    method = "wall.getComments"
    base = {
        "owner_id": -group_id,
        "post_id": post_id,
        "need_likes": 1,
        "extended": 1,
        "fields": "screen_name",
        "sort": "asc",
    }
    top_level = {**base, "thread_items_count": THREAD_PREVIEW}
    for response, items in _pages(client, method, top_level, COMMENTS_PAGE):
        rows.add_profiles(response)
        for comment in items:
            root = _add_comment(client, group_id, post_id, comment, None, rows, report)
            thread = comment.get("thread") if isinstance(comment.get("thread"), dict) else {}
            replies = thread.get("items") if isinstance(thread.get("items"), list) else []
            if (_int(thread.get("count")) or 0) > len(replies):  # VK inlined only the first few
                replies = []
                for page, items_in_thread in _pages(
                    client, method, {**base, "comment_id": root}, COMMENTS_PAGE
                ):
                    rows.add_profiles(page)
                    replies.extend(items_in_thread)
            for reply in replies:
                _add_comment(client, group_id, post_id, reply, root, rows, report)


def _fetch_likers(client: VkClient, group_id: int, post_id: int, rows: _Rows) -> None:
    method = "likes.getList"
    params = {"type": "post", "owner_id": -group_id, "item_id": post_id}
    for _, items in _pages(client, method, params, LIKES_PAGE):
        for liker in items:
            liker_id = _int(liker.get("id") if isinstance(liker, dict) else liker)
            if liker_id is None:
                raise client.error(method, f"a liker is not an id: {liker!r}")
            rows.add("post_likers", (-group_id, post_id, liker_id, group_id))


def _section(period: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = period.get(name)
    return value if isinstance(value, dict) else {}


def _fetch_stats(
    client: VkClient, group_id: int, since: int, now: int, rows: _Rows, report: VkReport
) -> bool:
    """Daily stats from `since` to now; False when VK refuses this token access to them."""
    method = "stats.get"
    try:
        periods = client.call(
            method, group_id=group_id, timestamp_from=since, timestamp_to=now, interval="day"
        )
    except VkError as exc:
        if exc.code not in STATS_DENIED:
            raise
        report.notes.append(
            f"{client.opts.name}: stats were skipped: {method} was refused ({exc.reason}). Daily "
            "views and reach need the user token of a group administrator; members, posts and "
            "comments were loaded."
        )
        return False
    if not isinstance(periods, list):
        raise client.error(method, "VK's answer is not a list of periods")
    for period in periods:
        (period_from,) = _require(client, method, period, "period_from")
        visitors = _section(period, "visitors")
        reach = _section(period, "reach")
        activity = _section(period, "activity")
        # stats_days: in TABLES["stats_days"] order
        rows.add(
            "stats_days",
            (
                group_id,
                period_from,
                _int(period.get("period_to")),
                _int(visitors.get("views")),
                _int(visitors.get("visitors")),
                _int(visitors.get("mobile_views")),
                _int(reach.get("reach")),
                _int(reach.get("reach_subscribers")),
                _int(reach.get("mobile_reach")),
                _int(activity.get("likes")),
                _int(activity.get("comments")),
                _int(activity.get("copies")),
                _int(activity.get("subscribed")),
                _int(activity.get("unsubscribed")),
                _int(activity.get("hidden")),
            ),
        )
    return True


def _comments_of(
    client: VkClient, group_id: int, posts: list[_LoadedPost], rows: _Rows, report: VkReport
) -> None:
    closed = 0
    for post in posts:
        if post.comments <= 0:
            continue
        try:
            _fetch_comments(client, group_id, post.post_id, rows, report)
        except VkError as exc:
            if exc.code not in COMMENTS_CLOSED:
                raise
            closed += 1
    if closed:
        report.notes.append(
            f"{client.opts.name}: VK did not let this token read the comments of {closed} posts "
            "(error 212: access to post comments denied)."
        )


def fetch(options: Mapping[str, Any], report: VkReport) -> Iterator[tuple[str, pa.Table]]:
    """Everything one refresh reads about the configured group, as (raw table, Arrow batch).

    Runs inside a dlt resource: cursors live in its resource state, kept only if the load
    succeeds. Raises SourceError (never showing the token) when VK or the network fails.
    """
    import dlt

    from pipelines.sources import MissingSecret

    opts = VkOptions.parse(options)
    try:
        token = secret(options)
    except MissingSecret as exc:
        raise SourceError(f"VK source '{opts.name}'", str(exc)) from None
    client = VkClient(opts, token, _token_places(options))
    now = _now()
    rows = _Rows()

    group_id, members_count = _fetch_group(client, rows, now)
    state = dlt.current.resource_state().setdefault("groups", {}).setdefault(str(group_id), {})
    _load_members(client, group_id, members_count, now, rows, report)

    newest_loaded = _int(state.get("newest_post_unixtime"))
    posts = _fetch_wall(client, group_id, _wall_boundary(opts, newest_loaded, now), rows)
    if opts.comments:
        _comments_of(client, group_id, posts, rows, report)
    if opts.likers:
        for post in posts:
            if post.likes > 0:
                _fetch_likers(client, group_id, post.post_id, rows)
    if opts.stats:
        until = _int(state.get("stats_until_unixtime"))
        since = now - opts.stats_days * DAY if until is None else until - STATS_RECHECK_DAYS * DAY
        if _fetch_stats(client, group_id, since, now, rows, report):
            state["stats_until_unixtime"] = now
    if posts:
        state["newest_post_unixtime"] = max([p.date for p in posts] + [newest_loaded or 0])

    report.posts = len(posts)
    report.comments = len(rows.rows["comments"])
    report.likes = len(rows.rows["post_likers"])
    report.stats_days = len(rows.rows["stats_days"])
    log.debug("%s: %d VK calls", opts.name, client.calls)
    yield from rows.batches()


SPEC = ApiSource(
    kind=SOURCE,
    dataset=DATASET,
    tables=TABLES,
    primary_keys=PRIMARY_KEYS,
    new_report=VkReport,
    fetch=fetch,
)
