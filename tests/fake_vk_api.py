"""A stand-in for api.vk.com on 127.0.0.1: answers like VK (shapes from VKCOM/vk-api-schema, in
../shared/samples/vk_api_schema/), pages by offset with VK's page limits, and can be told to
answer with errors (rate limit, expired token, access denied) or too slowly.

    with FakeVkApi() as vk:
        vk.add_member(101, "Аня", "Иванова")
        post = vk.add_post(date=..., text="Привет", likers=[101])
        vk.add_comment(post, from_id=101, date=..., text="Спасибо")
        refresh(base_url=vk.base_url, ...)
        vk.calls  # [(method, params without the token), …]
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_VERSION = "5.199"
PAGE_LIMITS = {
    "groups.getMembers": 1000,
    "wall.get": 100,
    "wall.getComments": 100,
    "likes.getList": 1000,
}
ERROR_MESSAGES = {
    5: "User authorization failed: invalid access_token (4).",
    6: "Too many requests per second",
    10: "Internal server error",
    15: "Access denied: no access to call this method",
    100: "One of the parameters specified was missing or invalid: group_id is undefined",
    203: "Access to group denied: group hide members",
    212: "Access to post comments denied",
}


@dataclass
class FakeComment:
    id: int
    from_id: int
    date: int
    text: str
    likes: int = 0
    replies: list[FakeComment] = field(default_factory=list)
    reply_to_comment: int | None = None
    reply_to_user: int | None = None
    deleted: bool = False


@dataclass
class FakePost:
    id: int
    from_id: int
    date: int
    text: str
    likes: int = 0
    reposts: int = 0
    views: int = 0
    signer_id: int | None = None
    is_pinned: bool = False
    attachment: str | None = None
    comments: list[FakeComment] = field(default_factory=list)
    likers: list[int] = field(default_factory=list)

    @property
    def comment_count(self) -> int:
        """VK counts every level, deleted comments not included."""
        return sum((not c.deleted) + sum(not r.deleted for r in c.replies) for c in self.comments)


class FakeVkApi:
    def __init__(self, group_id: int = 4242, token: str = "fake-vk-token") -> None:
        self.group_id = group_id
        self.token = token
        self.group = {
            "id": group_id,
            "name": "Волонтёры Города",
            "screen_name": "volunteers_city",
            "is_closed": 0,
            "type": "page",
            "is_admin": 0,
            "is_member": 0,
            "is_advertiser": 0,
            "photo_50": "https://sun1-1.userapi.com/s/v1/ig2/50.jpg",
            "photo_100": "https://sun1-1.userapi.com/s/v1/ig2/100.jpg",
            "photo_200": "https://sun1-1.userapi.com/s/v1/ig2/200.jpg",
        }
        self.members: list[dict[str, Any]] = []
        self.users: dict[int, dict[str, Any]] = {}  # every known user, members or not
        self.posts: list[FakePost] = []  # any order; served pinned first, then newest first
        self.stats: list[dict[str, Any]] = []
        self.errors: dict[str, list[int]] = {}  # method -> error codes for its next calls
        self.always_error: dict[str, int] = {}  # method -> error code on every call
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.served: list[tuple[str, dict[str, str], dict[str, Any]]] = []
        self._next_comment = 1
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # --- building the group -------------------------------------------------------------
    def add_user(self, user_id: int, first_name: str, last_name: str) -> dict[str, Any]:
        user = {
            "id": user_id,
            "first_name": first_name,
            "last_name": last_name,
            "can_access_closed": True,
            "is_closed": False,
            "screen_name": f"id{user_id}",
        }
        self.users[user_id] = user
        return user

    def add_member(self, user_id: int, first_name: str = "", last_name: str = "") -> None:
        user = self.users.get(user_id) or self.add_user(
            user_id, first_name or f"User{user_id}", last_name or "Test"
        )
        self.members.append(user)
        self.members.sort(key=lambda u: u["id"])  # VK's default sort: id_asc

    def remove_member(self, user_id: int) -> None:
        self.members = [m for m in self.members if m["id"] != user_id]

    def add_post(
        self, date: int, text: str = "", *, from_id: int | None = None, **kw: Any
    ) -> FakePost:
        post = FakePost(
            id=max((p.id for p in self.posts), default=0) + 1,
            from_id=-self.group_id if from_id is None else from_id,
            date=date,
            text=text,
            **kw,
        )
        post.likes = max(post.likes, len(post.likers))
        self.posts.append(post)
        return post

    def add_comment(
        self,
        post: FakePost,
        from_id: int,
        date: int,
        text: str,
        *,
        thread: FakeComment | None = None,
        **kw: Any,
    ) -> FakeComment:
        comment = FakeComment(self._next_comment, from_id, date, text, **kw)
        self._next_comment += 1
        (thread.replies if thread else post.comments).append(comment)
        return comment

    def add_stats_day(self, period_from: int, views: int, visitors: int, reach: int) -> None:
        self.stats.append(
            {
                "period_from": period_from,
                "period_to": period_from + 86_400,
                "visitors": {
                    "views": views,
                    "visitors": visitors,
                    "mobile_views": views // 2,
                    "sex": [{"value": "f", "count": visitors // 2}],
                    "age": [{"value": "18-21", "count": visitors // 3}],
                },
                "reach": {
                    "reach": reach,
                    "reach_subscribers": reach // 2,
                    "mobile_reach": reach // 3,
                },
                "activity": {
                    "likes": 3,
                    "comments": 2,
                    "copies": 1,
                    "subscribed": 2,
                    "unsubscribed": 1,
                },
            }
        )

    # --- the server -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeVkApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                self._answer(dict(urllib.parse.parse_qsl(body)))

            def do_GET(self) -> None:  # noqa: N802
                query = urllib.parse.urlsplit(self.path).query
                self._answer(dict(urllib.parse.parse_qsl(query)))

            def _answer(self, params: dict[str, str]) -> None:
                method = urllib.parse.urlsplit(self.path).path.strip("/").split("/")[-1]
                payload = fake.handle(method, params)
                if payload is None:
                    return  # the client gave up waiting
                data = json.dumps(payload, ensure_ascii=False).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeVkApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def calls_of(self, method: str) -> list[dict[str, str]]:
        return [params for name, params in self.calls if name == method]

    # --- answering ------------------------------------------------------------------------
    def handle(self, method: str, params: dict[str, str]) -> dict[str, Any] | None:
        token = params.pop("access_token", None)
        with self._lock:
            self.calls.append((method, dict(params)))
            queued = self.errors.get(method)
            code = queued.pop(0) if queued else self.always_error.get(method)
        if self.delays.get(method):
            time.sleep(self.delays[method])
        if params.get("v") != API_VERSION:
            return self._error(8, f"Invalid request: v {params.get('v')} is not supported", params)
        if token != self.token:
            return self._error(5, ERROR_MESSAGES[5], params)
        if code is not None:
            return self._error(code, ERROR_MESSAGES.get(code, "Unknown error occurred"), params)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self._error(3, "Unknown method passed", params)
        limit = PAGE_LIMITS.get(method)
        if limit is not None and int(params.get("count", 0)) > limit:
            return self._error(
                100,
                f"One of the parameters specified was missing or invalid: count > {limit}",
                params,
            )
        answer = {"response": handler(params)}
        with self._lock:
            self.served.append((method, params, answer))
        return answer

    def _error(self, code: int, message: str, params: dict[str, str]) -> dict[str, Any]:
        # like VK, the request is echoed back without the token
        echoed = [{"key": k, "value": v} for k, v in params.items()]
        return {"error": {"error_code": code, "error_msg": message, "request_params": echoed}}

    @staticmethod
    def _page(items: list[Any], params: dict[str, str]) -> list[Any]:
        offset = int(params.get("offset", 0))
        return items[offset : offset + int(params.get("count", 100))]

    def _group_short(self) -> dict[str, Any]:
        return {k: v for k, v in self.group.items() if k != "members_count"}

    def _groups_getById(self, params: dict[str, str]) -> dict[str, Any]:
        wanted = params.get("group_id", "")
        if wanted not in (str(self.group_id), self.group["screen_name"]):
            return {"groups": [], "profiles": []}
        group = self._group_short()
        if "members_count" in params.get("fields", ""):
            group["members_count"] = len(self.members)
        return {"groups": [group], "profiles": []}

    def _groups_getMembers(self, params: dict[str, str]) -> dict[str, Any]:
        page = self._page(self.members, params)
        items: list[Any] = (
            [dict(m) for m in page] if params.get("fields") else [m["id"] for m in page]
        )
        return {"count": len(self.members), "items": items}

    def _wall_post(self, post: FakePost) -> dict[str, Any]:
        item: dict[str, Any] = {
            "inner_type": "wall_wallpost",
            "id": post.id,
            "owner_id": -self.group_id,
            "from_id": post.from_id,
            "date": post.date,
            "post_type": "post",
            "text": post.text,
            "can_edit": 0,
            "can_delete": 0,
            "can_pin": 0,
            "is_favorite": False,
            "marked_as_ads": 0,
            "hash": f"h{post.id}",
            "type": "post",
            "post_source": {"type": "vk"},
            "comments": {"can_post": 1, "count": post.comment_count, "groups_can_post": True},
            "likes": {"can_like": 1, "count": post.likes, "user_likes": 0, "can_publish": 1},
            "reposts": {"count": post.reposts, "user_reposted": 0},
            "views": {"count": post.views},
            "attachments": [],
        }
        if post.attachment:
            item["attachments"] = [{"type": post.attachment, post.attachment: {"id": 1}}]
        if post.signer_id is not None:
            item["signer_id"] = post.signer_id
        if post.is_pinned:
            item["is_pinned"] = 1
        return item

    def _authors(self, ids: set[int]) -> dict[str, list[dict[str, Any]]]:
        users = [dict(self.users[i]) for i in sorted(ids) if i in self.users]
        groups = [self._group_short()] if -self.group_id in ids else []
        return {"profiles": users, "groups": groups}

    def _wall_get(self, params: dict[str, str]) -> dict[str, Any]:
        assert params.get("owner_id") == str(-self.group_id), params
        ordered = sorted(self.posts, key=lambda p: (not p.is_pinned, -p.date, -p.id))
        page = self._page(ordered, params)
        answer: dict[str, Any] = {
            "count": len(ordered),
            "items": [self._wall_post(p) for p in page],
        }
        if params.get("extended") == "1":
            ids = {p.from_id for p in page} | {p.signer_id for p in page if p.signer_id}
            answer.update(self._authors(ids))
        return answer

    def _comment(self, post: FakePost, c: FakeComment, parents: list[int]) -> dict[str, Any]:
        if c.deleted:
            return {
                "id": c.id,
                "from_id": 0,
                "date": c.date,
                "text": "",
                "deleted": True,
                "post_id": post.id,
                "owner_id": -self.group_id,
                "parents_stack": parents,
            }
        item: dict[str, Any] = {
            "id": c.id,
            "from_id": c.from_id,
            "post_id": post.id,
            "owner_id": -self.group_id,
            "parents_stack": parents,
            "date": c.date,
            "text": c.text,
            "likes": {"can_like": 1, "count": c.likes, "user_likes": 0, "can_publish": 1},
        }
        if c.reply_to_comment is not None:
            item["reply_to_comment"] = c.reply_to_comment
        if c.reply_to_user is not None:
            item["reply_to_user"] = c.reply_to_user
        return item

    def _wall_getComments(self, params: dict[str, str]) -> dict[str, Any]:
        post = next(p for p in self.posts if str(p.id) == params["post_id"])
        flags = {"can_post": True, "show_reply_button": True, "groups_can_post": True}
        if params.get("comment_id"):
            root = next(c for c in post.comments if str(c.id) == params["comment_id"])
            page = self._page(root.replies, params)
            items = [self._comment(post, r, [root.id]) for r in page]
            answer = {
                "count": len(root.replies),
                "current_level_count": len(root.replies),
                "items": items,
                **flags,
            }
            authors = {r.from_id for r in page}
        else:
            preview = int(params.get("thread_items_count", 0))
            page = self._page(post.comments, params)
            items = []
            authors = set()
            for c in page:
                item = self._comment(post, c, [])
                shown = c.replies[:preview]
                item["thread"] = {
                    "count": len(c.replies),
                    "items": [self._comment(post, r, [c.id]) for r in shown],
                    **flags,
                }
                items.append(item)
                authors |= {c.from_id} | {r.from_id for r in shown}
            answer = {
                "count": post.comment_count,
                "current_level_count": len(post.comments),
                "items": items,
                **flags,
            }
        if params.get("extended") == "1":
            answer.update(self._authors(authors))
        return answer

    def _likes_getList(self, params: dict[str, str]) -> dict[str, Any]:
        assert params.get("type") == "post", params
        post = next(p for p in self.posts if str(p.id) == params["item_id"])
        return {"count": len(post.likers), "items": self._page(post.likers, params)}

    def _stats_get(self, params: dict[str, str]) -> list[dict[str, Any]]:
        start, end = int(params["timestamp_from"]), int(params["timestamp_to"])
        chosen = [s for s in self.stats if start <= s["period_to"] and s["period_from"] <= end]
        return sorted(chosen, key=lambda s: -s["period_from"])
