"""A stand-in for api.timepad.ru/v1 on 127.0.0.1: answers `events` and `events/{id}/orders` in
Timepad's JSON shapes, pages with `skip`/`limit` (Timepad's limits: 100 events, 250 orders), checks
the Bearer token, and can be told to answer with HTTP errors.

    with FakeTimepadApi() as timepad:
        event = timepad.add_event(starts_at="2024-03-15T19:00:00+03:00", ...)
        timepad.add_order(event["id"], mail="a@example.com", tickets=[...])
        refresh(base_url=timepad.base_url, ...)
        timepad.calls  # [(path, query), …]
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE_LIMITS = {"events": 100, "orders": 250}


class FakeTimepadApi:
    def __init__(self, organization_id: int = 123, token: str = "fake-timepad-token") -> None:
        self.organization_id = organization_id
        self.token = token
        self.events: list[dict[str, Any]] = []
        self.orders: dict[int, list[dict[str, Any]]] = {}
        self.statuses: list[int] = []  # HTTP statuses for the next calls, then normal answers
        self.always_status: int | None = None
        self.calls: list[tuple[str, dict[str, str]]] = []
        self._next_id = 1000
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # --- building the organisation ----------------------------------------------------------
    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def add_event(
        self,
        name: str,
        starts_at: str,
        ends_at: str | None = None,
        *,
        city: str = "Москва",
        address: str | None = "ул. Тверская, 1",
        status: str = "ok",
        registration_open: bool = True,
        tickets_total: int | None = 100,
    ) -> dict[str, Any]:
        event_id = self._id()
        location: dict[str, Any] = {"country": "Россия", "city": city}
        if address is not None:
            location["address"] = address
        event = {
            "id": event_id,
            "starts_at": starts_at,
            "name": name,
            "url": f"https://org{self.organization_id}.timepad.ru/event/{event_id}/",
            "poster_image": {"default_url": "https://ucare.timepad.ru/x/-/preview/"},
            "categories": [{"id": 462, "name": "Другие события"}],
            "moderation_status": "shown",
            "status": status,
            "location": location,
            "registration_data": {
                "is_registration_open": registration_open,
                "tickets_total": tickets_total,
                "sale_ends_at": starts_at,
            },
        }
        if ends_at is not None:
            event["ends_at"] = ends_at
        self.events.append(event)
        self.orders[event_id] = []
        return event

    def add_order(
        self,
        event_id: int,
        created_at: str,
        *,
        mail: str,
        tickets: list[dict[str, Any]],
        status: str = "paid",
        utm_source: str | None = None,
    ) -> dict[str, Any]:
        """tickets: answers (name, surname, mail, phone…) plus optional `checked_in_at`."""
        order: dict[str, Any] = {
            "id": self._id(),
            "created_at": created_at,
            "status": {"name": status, "title": STATUS_TITLES.get(status, status)},
            "mail": mail,
            "payment": {"amount": "0.00", "discount": "0.00"},
            "tickets": [self._ticket(**t) for t in tickets],
            "event": {"id": event_id},
        }
        if utm_source is not None:
            order["utm"] = {"utm_source": utm_source, "utm_medium": "post", "utm_campaign": "x"}
        self.orders[event_id].append(order)
        return order

    def _ticket(
        self, checked_in_at: str | None = None, ticket_type: str = "Входной", **answers: Any
    ) -> dict[str, Any]:
        ticket_id = self._id()
        return {
            "id": ticket_id,
            "number": f"{ticket_id}-{ticket_id % 97}",
            "price_nominal": "0.00",
            "answers": answers,
            "ticket_type": {"id": 1, "name": ticket_type, "price": "0.00"},
            "attendance": {"starts_at": checked_in_at} if checked_in_at else None,
            "codes": {"ean13": "1234567890123"},
        }

    # --- the server -------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def orders_read(self) -> list[int]:
        """Event ids whose orders were asked for, in call order (each page counts)."""
        return [int(path.split("/")[2]) for path, _ in self.calls if path.endswith("/orders")]

    def start(self) -> FakeTimepadApi:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                path = url.path.removeprefix("/v1")
                status, body = fake._answer(path, query, self.headers.get("Authorization"))
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeTimepadApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(
        self, path: str, query: dict[str, str], authorization: str | None
    ) -> tuple[int, Any]:
        with self._lock:
            self.calls.append((path, query))
            if self.always_status is not None:
                return self.always_status, _error(self.always_status)
            if self.statuses:
                status = self.statuses.pop(0)
                return status, _error(status)
        if authorization != f"Bearer {self.token}":
            return 401, _error(401)
        parts = path.strip("/").split("/")
        if parts == ["events"]:
            if query.get("organization_ids") != str(self.organization_id):
                return 200, {"total": 0, "values": []}
            events = sorted(self.events, key=lambda e: e["starts_at"])
            return 200, _page(events, query, PAGE_LIMITS["events"])
        if len(parts) == 3 and parts[0] == "events" and parts[2] == "orders":
            orders = self.orders.get(int(parts[1]))
            if orders is None:
                return 404, _error(404)
            return 200, _page(orders, query, PAGE_LIMITS["orders"])
        return 404, _error(404)


STATUS_TITLES = {
    "paid": "оплачено",
    "booked": "забронировано",
    "ok": "бесплатно",
    "rejected": "отклонено",
    "inactive": "отменено",
    "not_paid": "не оплачено",
}


def _page(items: list[dict[str, Any]], query: dict[str, str], most: int) -> dict[str, Any]:
    skip = int(query.get("skip", 0))
    limit = min(int(query.get("limit", 10)), most)
    page = items[skip : skip + limit]
    answer: dict[str, Any] = {"total": len(items)}
    if page:  # Timepad leaves `values` out of an empty page
        answer["values"] = page
    return answer


def _error(status: int) -> dict[str, Any]:
    messages = {
        401: "Unauthorized: invalid token",
        403: "Forbidden",
        404: "Not found",
        429: "Too Many Requests",
        500: "Internal Server Error",
    }
    return {
        "response_status": {"error_code": status, "message": messages.get(status, "Error")},
        "message": messages.get(status, "Error"),
    }
