"""Every channel at once, as a manager runs it: exports through `ingest`, the Telegram Bot API and
VK through `refresh` against local servers, all landing in one core model and one set of KPIs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, app_test
from tests.fake_telegram_api import FakeTelegram, supergroup, user
from tests.fake_vk_api import FakeVkApi
from warehouse.connection import read_connection

DISCORD_EXPORT = REPO_ROOT / "tests" / "fixtures" / "discord" / "volunteers-general.json"
TG_TOKEN_ENV, VK_TOKEN_ENV = "PULSE_TEST_TG_TOKEN", "PULSE_TEST_VK_TOKEN"
GROUP = supergroup(-1001555000111, "Волонтёры — чат")
VK_GROUP = 777
NOW = int(time.time())


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(
        [sys.executable, "-m", "pipelines", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def rows(sql: str) -> list[tuple]:
    with read_connection() as con:
        return con.execute(sql).fetchall()


def slack_zip(path: Path) -> Path:
    """A small Slack workspace export whose one member has an e-mail."""
    users = [
        {
            "id": "U1",
            "name": "anna",
            "real_name": "Анна Петрова",
            "deleted": False,
            "is_bot": False,
            "profile": {"display_name": "anna", "email": "Anna.Petrova@example.org"},
        },
    ]
    channels = [{"id": "C1", "name": "general", "created": NOW - 86400 * 3, "members": ["U1"]}]
    day = time.strftime("%Y-%m-%d", time.gmtime(NOW - 86400))
    messages = [
        {
            "type": "message",
            "subtype": "channel_join",
            "user": "U1",
            "text": "joined",
            "ts": f"{NOW - 86400}.000100",
        },
        {
            "type": "message",
            "user": "U1",
            "text": "Когда субботник?",
            "ts": f"{NOW - 86000}.000200",
        },
    ]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("users.json", json.dumps(users))
        archive.writestr("channels.json", json.dumps(channels))
        archive.writestr(f"general/{day}.json", json.dumps(messages))
    return path


def members_csv(path: Path) -> Path:
    """The manager's own list: the same Анна, by e-mail, and someone no platform knows yet."""
    path.write_text(
        "ФИО;Почта;Дата вступления\n"
        "Анна Петрова;anna.petrova@example.org;01.03.2024\n"
        "Иван Сидоров;ivan@example.org;02.03.2024 12:30\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeTelegram, FakeVkApi]]:
    telegram = FakeTelegram()
    with telegram.running(), FakeVkApi(VK_GROUP) as vk:
        telegram.add_chat(GROUP, members=40)
        boris = user(501, "Борис", "Иванов")
        question = telegram.message(GROUP, boris, "Кто идёт в субботу?", "2024-05-02 10:00")
        telegram.message(GROUP, user(502, "Вера"), "Я иду", "2024-05-02 10:20", reply_to=question)
        telegram.message(GROUP, user(504, "Анна", "Петрова"), "Привет всем", "2024-05-02 11:00")
        for member_id in range(1, 6):
            vk.add_member(member_id)
        vk.add_post(NOW - 3600, "Субботник в субботу!")
        monkeypatch.setenv(TG_TOKEN_ENV, telegram.token)
        monkeypatch.setenv(VK_TOKEN_ENV, vk.token)
        yield telegram, vk


def configure(data_dir: Path, telegram: FakeTelegram, vk: FakeVkApi, csv: Path) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "pulse.toml").write_text(
        f"""
[[sources]]
kind = "telegram-bot"
name = "chat"
base_url = "{telegram.base_url}"
token_env = "{TG_TOKEN_ENV}"
chat_ids = [{GROUP["id"]}]

[[sources]]
kind = "vk"
name = "group"
group_id = {VK_GROUP}
base_url = "{vk.base_url}"
token_env = "{VK_TOKEN_ENV}"
min_interval = 0
retry_backoff = 0.001
retries = 1

[[sources]]
kind = "csv"
path = "{csv}"
what = "members"
channel = "Список волонтёров"
""",
        encoding="utf-8",
    )


def core_counts() -> dict[str, int]:
    tables = ("channels", "identities", "members", "activities", "content", "channel_snapshots")
    return {t: rows(f"select count(*) from core.{t}")[0][0] for t in tables}


def test_every_channel_feeds_the_same_core_and_kpis(
    servers: tuple[FakeTelegram, FakeVkApi], data_dir: Path, tmp_path: Path
) -> None:
    telegram, vk = servers
    configure(data_dir, telegram, vk, members_csv(tmp_path / "members.csv"))

    for kind, path in (
        ("discord-export", DISCORD_EXPORT),
        ("slack-export", slack_zip(tmp_path / "slack.zip")),
    ):
        loaded = cli("ingest", kind, str(path))
        assert loaded.returncode == 0, loaded.stderr
    refreshed = cli("refresh")
    assert refreshed.returncode == 0, refreshed.stderr

    platforms = {r[0] for r in rows("select platform from core.channels")}
    assert platforms == {"telegram", "vk", "discord", "slack", "csv"}
    # the bot's chat id -1001555000111 is the export's 1555000111: one channel from either source
    assert rows("select name from core.channels where channel_id = 'telegram:1555000111'") == [
        ("Волонтёры — чат",)
    ]
    assert rows(
        "select followers from core.channel_snapshots where channel_id = 'telegram:1555000111'"
    ) == [(40,)]
    # Анна from Slack and Анна from the manager's CSV share an e-mail: one member
    anna = rows(
        "select count(distinct member_id), count(*) from core.identities"
        " where lower(email) = 'anna.petrova@example.org'"
    )
    assert anna == [(1, 2)]
    # …while Анна Петрова on Telegram shares only the name: a suggestion, not a merge
    suggested = rows("select reasons from marts.merge_suggestions")
    assert suggested == [("same name: анна петрова",)]

    # the same KPI query answers for every channel, and the Overview lists them side by side
    for (channel_id,) in rows("select channel_id from core.channels"):
        out = cli("kpis", "--start", "2024-01-01", "--end", "2100-01-01", "--channel", channel_id)
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["kpis"]["members_total"] is not None
    at = app_test()
    at.query_params.update({"period": "custom", "from": "2024-01-01", "to": "2099-12-31"})
    at.run()
    assert not at.exception
    assert set(at.dataframe[0].value["platform"]) == platforms
    at.switch_page("pages/members.py").run()  # merge suggestions are on the Members page
    assert not at.exception
    shown = at.dataframe[-1].value.iloc[0]
    assert "Петрова" in shown["name_a"] + shown["name_b"]
    assert "telegram" in shown["platforms_a"] + shown["platforms_b"]

    # refreshing again, with nothing new anywhere, changes nothing
    before = core_counts()
    assert cli("refresh").returncode == 0
    assert core_counts() == before


def test_a_broken_source_leaves_the_others_refreshed_and_says_so(
    servers: tuple[FakeTelegram, FakeVkApi], data_dir: Path, tmp_path: Path
) -> None:
    telegram, vk = servers
    configure(data_dir, telegram, vk, members_csv(tmp_path / "members.csv"))
    assert cli("refresh").returncode == 0
    telegram.message(GROUP, user(503, "Гена"), "Новенький тут", "2024-05-03 09:00")

    broken = cli("refresh", env={VK_TOKEN_ENV: "expired-token"})

    assert broken.returncode == 1
    assert "group" in broken.stderr and "token" in broken.stderr
    assert "expired-token" not in broken.stderr
    assert rows("select count(*) from core.content where text = 'Новенький тут'") == [(1,)]
    at = app_test().run()
    at.switch_page("pages/data.py").run()
    sources = at.dataframe[0].value.set_index("source")
    assert sources.loc["vk", "last_status"] == "failed"
    assert "token" in sources.loc["vk", "last_error"]
    assert sources.loc["telegram-bot", "last_status"] == "ok"
