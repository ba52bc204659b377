"""Tests for pipelines.demo: deterministic Telegram Desktop export generator."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.demo import main, write_chat_export, write_demo_exports

END = date(2025, 6, 30)
MOSCOW = ZoneInfo("Europe/Moscow")
LOCAL_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
USER_RE = re.compile(r"^user\d{9,10}$")
SERVICE_ACTIONS = {
    "create_group",
    "join_group_by_link",
    "invite_members",
    "remove_members",
    "pin_message",
}


def _load(path: Path) -> dict:
    with path.open(encoding="utf-8") as f:
        return json.load(f)


def _moscow(unixtime: str) -> str:
    return datetime.fromtimestamp(int(unixtime), MOSCOW).strftime("%Y-%m-%dT%H:%M:%S")


def _plain_text(msg: dict) -> str:
    text = msg["text"]
    if isinstance(text, str):
        return text
    return "".join(p if isinstance(p, str) else p["text"] for p in text)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("demo")
    paths = write_demo_exports(out, end=END)
    return {"dir": out, "paths": paths, "chat": _load(paths[0]), "channel": _load(paths[1])}


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> dict:
    path = tmp_path_factory.mktemp("bench") / "bench_result.json"
    write_chat_export(path, messages=5000, end=END)
    return _load(path)


def _exports(demo: dict, bench: dict) -> list[dict]:
    return [demo["chat"], demo["channel"], bench]


# --------------------------------------------------------------------------- files & shape


def test_file_names_and_top_level_shape(demo: dict) -> None:
    chat_path, channel_path = demo["paths"]
    assert chat_path == demo["dir"] / "telegram_chat_result.json"
    assert channel_path == demo["dir"] / "telegram_channel_result.json"
    chat, channel = demo["chat"], demo["channel"]
    for export, kind in ((chat, "private_supergroup"), (channel, "public_channel")):
        assert list(export) == ["name", "type", "id", "messages"]
        assert export["type"] == kind
        assert isinstance(export["name"], str) and export["name"]
        assert isinstance(export["id"], int) and export["id"] > 0
        assert isinstance(export["messages"], list)
    assert chat["id"] != channel["id"]
    # Written as UTF-8 without \u escapes (ensure_ascii=False).
    raw = chat_path.read_text(encoding="utf-8")
    assert "Волонтёры" in raw and "\\u04" not in raw


def test_demo_size(demo: dict) -> None:
    assert 8_000 <= len(demo["chat"]["messages"]) <= 15_000
    # 2-5 posts a week for a year plus create_channel.
    assert 52 * 2 <= len(demo["channel"]["messages"]) <= 53 * 5 + 1


def test_same_arguments_give_identical_bytes(tmp_path: Path, demo: dict) -> None:
    again = write_demo_exports(tmp_path / "again", end=END)
    for first, second in zip(demo["paths"], again, strict=True):
        assert first.read_bytes() == second.read_bytes()
    other = write_demo_exports(tmp_path / "other", end=END, seed=8)
    assert other[0].read_bytes() != demo["paths"][0].read_bytes()


def test_chat_export_deterministic_and_exact_count(tmp_path: Path) -> None:
    a = write_chat_export(tmp_path / "a.json", messages=3000, end=END, seed=3)
    b = write_chat_export(tmp_path / "b.json", messages=3000, end=END, seed=3)
    assert a.read_bytes() == b.read_bytes()
    assert len(_load(a)["messages"]) == 3000


@pytest.mark.parametrize("n", [0, 1, 2, 7, 40, 333])
def test_chat_export_tiny_counts_are_exact_and_valid(tmp_path: Path, n: int) -> None:
    export = _load(write_chat_export(tmp_path / "tiny.json", messages=n, end=END))
    assert len(export["messages"]) == n
    if n:
        assert export["messages"][0]["action"] == "create_group"


# --------------------------------------------------------------------------- message invariants


def test_ids_unique_and_increasing_with_time(demo: dict, bench: dict) -> None:
    for export in _exports(demo, bench):
        msgs = export["messages"]
        ids = [m["id"] for m in msgs]
        assert all(isinstance(i, int) for i in ids)
        assert all(a < b for a, b in zip(ids, ids[1:], strict=False))
        times = [int(m["date_unixtime"]) for m in msgs]
        assert times == sorted(times)


def test_dates_are_moscow_local_time_of_unixtime(demo: dict, bench: dict) -> None:
    end_of_export = datetime(2025, 6, 30, 23, 59, 59, tzinfo=MOSCOW).timestamp()
    for export in _exports(demo, bench):
        for m in export["messages"]:
            assert isinstance(m["date_unixtime"], str) and m["date_unixtime"].isdigit()
            assert LOCAL_RE.match(m["date"])
            assert m["date"] == _moscow(m["date_unixtime"])
            assert int(m["date_unixtime"]) <= end_of_export
            if "edited" in m:
                assert isinstance(m["edited_unixtime"], str)
                assert m["edited"] == _moscow(m["edited_unixtime"])
                assert int(m["edited_unixtime"]) >= int(m["date_unixtime"])
    first = datetime.fromisoformat(demo["chat"]["messages"][0]["date"]).date()
    last = datetime.fromisoformat(demo["chat"]["messages"][-1]["date"]).date()
    assert last == END
    assert 360 <= (END - first).days <= 366


def test_messages_have_telegram_fields(demo: dict, bench: dict) -> None:
    for export in _exports(demo, bench):
        for m in export["messages"]:
            assert m["type"] in ("message", "service")
            assert isinstance(m["text_entities"], list)
            if m["type"] == "service":
                assert m["text"] == "" and m["text_entities"] == []
                assert {"actor", "actor_id", "action"} <= m.keys()
                continue
            assert isinstance(m["from"], str) and m["from"]
            if export["type"] == "public_channel":
                assert m["from_id"] == f"channel{export['id']}"
                assert "views" not in m
            else:
                assert USER_RE.match(m["from_id"])
            # text_entities always lists every piece; concatenations agree.
            entities_text = "".join(e["text"] for e in m["text_entities"])
            assert entities_text == _plain_text(m)
            if isinstance(m["text"], list):
                assert len(m["text"]) == len(m["text_entities"])
                for piece, entity in zip(m["text"], m["text_entities"], strict=True):
                    if isinstance(piece, str):
                        assert entity == {"type": "plain", "text": piece}
                    else:
                        assert piece["type"] in {"bold", "link", "mention", "hashtag"}
                        assert entity == piece
            if m["text"] == "":
                assert m["text_entities"] == []
                assert "photo" in m or "file" in m
            if m.get("media_type") == "sticker":
                assert m["sticker_emoji"] and m["file"].startswith("(File not included")
            if m.get("media_type") == "voice_message":
                assert isinstance(m["duration_seconds"], int)


def test_content_mix_is_realistic(demo: dict) -> None:
    msgs = [m for m in demo["chat"]["messages"] if m["type"] == "message"]
    n = len(msgs)
    rich = sum(isinstance(m["text"], list) for m in msgs)
    assert 0.05 * n <= rich <= 0.15 * n
    assert sum("reply_to_message_id" in m for m in msgs) > 0.15 * n
    assert sum("reactions" in m for m in msgs) > 0.2 * n
    assert sum("edited" in m for m in msgs) > 0.02 * n
    assert sum("forwarded_from" in m for m in msgs) > 0
    assert sum("photo" in m for m in msgs) > 0
    kinds = Counter(m.get("media_type") for m in msgs)
    assert kinds["sticker"] > 0 and kinds["voice_message"] > 0
    # Texts are Russian.
    assert sum(bool(re.search("[а-яё]", _plain_text(m))) for m in msgs) > 0.7 * n


def test_one_name_per_user_id(demo: dict, bench: dict) -> None:
    for export in (demo["chat"], bench):
        names: dict[str, set[str]] = {}
        for m in export["messages"]:
            if m["type"] == "message":
                names.setdefault(m["from_id"], set()).add(m["from"])
            else:
                names.setdefault(m["actor_id"], set()).add(m["actor"])
            for r in m.get("reactions", []):
                for who in r["recent"]:
                    names.setdefault(who["from_id"], set()).add(who["from"])
        assert all(len(v) == 1 for v in names.values())


def test_replies_point_to_earlier_messages(demo: dict, bench: dict) -> None:
    for export in (demo["chat"], bench):
        seen: set[int] = set()
        replies = 0
        for m in export["messages"]:
            if "reply_to_message_id" in m:
                replies += 1
                assert m["reply_to_message_id"] in seen
            if m.get("action") == "pin_message":
                assert m["message_id"] in seen
            seen.add(m["id"])
        assert replies > 0


def test_reactions_shape_and_reactors(demo: dict, bench: dict) -> None:
    checked = 0
    for export in _exports(demo, bench):
        for m in export["messages"]:
            reactors: list[str] = []
            for r in m.get("reactions", []):
                checked += 1
                assert r["type"] == "emoji" and r["emoji"]
                assert 1 <= len(r["recent"]) <= 3
                assert r["count"] >= len(r["recent"])
                for who in r["recent"]:
                    assert USER_RE.match(who["from_id"])
                    assert who["from_id"] != m.get("from_id")
                    assert LOCAL_RE.match(who["date"]) and who["date"] >= m["date"]
                    reactors.append(who["from_id"])
            assert len(reactors) == len(set(reactors))  # one reaction per person
    assert checked > 1000


def test_channel_reactors_are_chat_people(demo: dict) -> None:
    chat_ids = set()
    for m in demo["chat"]["messages"]:
        chat_ids.add(m.get("from_id") or m.get("actor_id"))
    reactors = {
        who["from_id"]
        for m in demo["channel"]["messages"]
        for r in m.get("reactions", [])
        for who in r["recent"]
    }
    assert len(reactors) > 20
    assert reactors <= chat_ids


def test_channel_export_shape(demo: dict) -> None:
    channel = demo["channel"]
    first, posts = channel["messages"][0], channel["messages"][1:]
    assert first["type"] == "service" and first["action"] == "create_channel"
    assert first["actor_id"] == f"channel{channel['id']}"
    assert all(m["type"] == "message" for m in posts)
    assert sum("reactions" in m for m in posts) > 0.6 * len(posts)
    assert any("author" in m for m in posts)
    team = set(demo["chat"]["messages"][0]["members"])
    assert all(any(m["author"] in name for name in team) for m in posts if "author" in m)


# --------------------------------------------------------------------------- membership story


def test_service_messages(demo: dict, bench: dict) -> None:
    for export in (demo["chat"], bench):
        msgs = export["messages"]
        create = msgs[0]
        assert create["action"] == "create_group"
        assert create["title"] == export["name"]
        assert 3 <= len(create["members"]) <= 7
        assert create["actor"] in create["members"]
        actions = Counter(m["action"] for m in msgs if m["type"] == "service")
        assert set(actions) == SERVICE_ACTIONS
        assert actions["create_group"] == 1
        joins = actions["join_group_by_link"] + actions["invite_members"]
        assert joins > actions["remove_members"] > 0  # growing, with churn
        for m in msgs:
            if m.get("action") == "join_group_by_link":
                assert m["inviter"] == "Group"
            elif m.get("action") == "invite_members":
                assert m["members"] and all(isinstance(x, str) for x in m["members"])
                assert m["actor"] not in m["members"]
            elif m.get("action") == "remove_members":
                assert len(m["members"]) == 1


def test_bench_export_has_every_service_kind(bench: dict) -> None:
    assert len(bench["messages"]) == 5000
    kinds = {m["action"] for m in bench["messages"] if m["type"] == "service"}
    assert kinds == SERVICE_ACTIONS
    assert bench["type"] == "private_supergroup"
    left_self = [
        m
        for m in bench["messages"]
        if m.get("action") == "remove_members" and m["members"] == [m["actor"]]
    ]
    assert left_self


def test_members_join_before_posting(demo: dict) -> None:
    msgs = demo["chat"]["messages"]
    founders = set(msgs[0]["members"])
    joined_at: dict[str, int] = {}
    left: dict[str, int] = {}
    first_post: dict[str, int] = {}
    for m in msgs:
        ts = int(m["date_unixtime"])
        if m.get("action") == "join_group_by_link":
            joined_at.setdefault(m["actor_id"], ts)
        elif m.get("action") == "remove_members" and m["members"] == [m["actor"]]:
            left[m["actor_id"]] = ts
        elif m["type"] == "message":
            first_post.setdefault(m["from_id"], ts)
    for uid, ts in joined_at.items():
        if uid in first_post:
            assert first_post[uid] >= ts
    for uid, ts in left.items():
        last_post = max(
            (int(m["date_unixtime"]) for m in msgs if m.get("from_id") == uid), default=0
        )
        assert last_post <= ts
    posters = {m["from"] for m in msgs if m["type"] == "message"}
    assert founders <= posters  # the team is active
    ids = {m["actor_id"] for m in msgs if m["type"] == "service"} | {
        m["from_id"] for m in msgs if m["type"] == "message"
    }
    assert 150 <= len(ids) <= 300


def test_questions_mostly_answered(demo: dict) -> None:
    msgs = demo["chat"]["messages"]
    questions = [m for m in msgs if m["type"] == "message" and _plain_text(m).endswith("?")]
    regular = [m for m in msgs if m["type"] == "message"]
    assert 0.07 * len(regular) <= len(questions) <= 0.2 * len(regular)
    by_id = {m["id"]: m for m in msgs}
    answered = set()
    for m in msgs:
        target = by_id.get(m.get("reply_to_message_id"))
        if target is not None and target["from_id"] != m["from_id"]:
            answered.add(target["id"])
    n_answered = sum(q["id"] in answered for q in questions)
    assert 0.6 * len(questions) <= n_answered < len(questions)  # most, not all


@pytest.mark.parametrize("days", [30, 90])
def test_recent_window_is_alive(demo: dict, bench: dict, days: int) -> None:
    cutoff = datetime(2025, 6, 30, 23, 59, 59, tzinfo=MOSCOW).timestamp() - days * 86400
    for export in (demo["chat"], bench):
        recent = [m for m in export["messages"] if int(m["date_unixtime"]) > cutoff]
        actions = Counter(m.get("action") for m in recent)
        assert actions["join_group_by_link"] + actions["invite_members"] > 0
        assert actions["remove_members"] > 0
        assert sum(m["type"] == "message" and _plain_text(m).endswith("?") for m in recent) > 5
        assert sum("reactions" in m for m in recent) > 10


def test_activity_grows_over_the_year(demo: dict) -> None:
    months = Counter(m["date"][:7] for m in demo["chat"]["messages"])
    ordered = [months[k] for k in sorted(months)]
    assert len(ordered) >= 12
    assert sum(ordered[-3:]) > 1.5 * sum(ordered[:3])
    evening = sum(1 for m in demo["chat"]["messages"] if 18 <= int(m["date"][11:13]) <= 22)
    night = sum(1 for m in demo["chat"]["messages"] if 2 <= int(m["date"][11:13]) <= 6)
    assert evening > 5 * night


# --------------------------------------------------------------------------- CLI


def test_cli_messages_writes_bench_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    rc = main([str(tmp_path), "--messages", "1200", "--end", "2025-01-15", "--seed", "5"])
    assert rc == 0
    export = _load(tmp_path / "bench_result.json")
    assert len(export["messages"]) == 1200
    assert export["messages"][-1]["date"].startswith("2025-01-15")
    assert "bench_result.json" in capsys.readouterr().out


def test_cli_demo_default_end_is_today(tmp_path: Path) -> None:
    assert main([str(tmp_path), "--members", "60"]) == 0
    chat = _load(tmp_path / "telegram_chat_result.json")
    channel = _load(tmp_path / "telegram_channel_result.json")
    last = datetime.fromisoformat(chat["messages"][-1]["date"]).date()
    today = datetime.now(MOSCOW).date()
    assert (today - last).days <= 1
    assert channel["type"] == "public_channel"
