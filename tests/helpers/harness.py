"""Run the real Application (polling or webhook) against the loopback Bot API, on a real file.

Only the transport is a double: the fake Bot API is a real HTTP server on 127.0.0.1 and the
bot reaches it through python-telegram-bot's own HTTP stack. Time is a `Clock` the test moves.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shutil
import socket
import sqlite3
import subprocess
import time
import zoneinfo
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from telegram.ext import Application

from tgbot.app import Webhook, build_application, running
from tgbot.config import Settings
from tgbot.context import Services
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.backends import is_postgres_url
from tgbot.storage.store import Store

ROOT = Path(__file__).resolve().parent.parent.parent
ACTIONS = ROOT / "actions.yaml"
WEBHOOK_SECRET = "test-secret_123"
NO_LAG_ALERTS = 30 * 24 * 3600.0  # seconds: longer than any test's clock moves


@dataclass
class Clock:
    """The bot's notion of now; tests set it to any moment of the campaign."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now

    def set_local(self, date: str, time: str, zone: str = "America/Toronto") -> None:
        local = dt.datetime.fromisoformat(f"{date}T{time}")
        self.now = local.replace(tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(dt.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settings_for(fake: FakeBotAPI, tmp_path: Path, **overrides: object) -> Settings:
    """The settings of an in-process bot: the loopback API, a new SQLite file, one organiser.

    Most tests' clock stands hours after the day's push time, so what a test queues was due
    long ago, and a beat between queueing and sending would tell the organiser that sending
    is behind, a message the test did not expect: lag alerts come only where a test sets
    `alert_lag` (tests/test_e2e_operations.py).
    """
    settings = Settings(token=fake.token, api_url=fake.root_url, db=str(tmp_path / "bot.sqlite3"),
                        campaign=ACTIONS, locales=ROOT / "locales", admins=frozenset({4242}),
                        alert_lag=NO_LAG_ALERTS)
    for name, value in overrides.items():
        setattr(settings, name, value)
    return settings


@asynccontextmanager
async def running_bot(fake: FakeBotAPI, tmp_path: Path, clock: Clock, *, webhook: bool = False,
                      **overrides: object) -> AsyncIterator[Application]:
    """The bot as `tgbot run` runs it, started and stopped inside the test's event loop."""
    settings = settings_for(fake, tmp_path, **overrides)
    application = build_application(settings, load_campaign(settings.campaign))
    services: Services = application.bot_data
    services.clock = clock
    hook = None
    if webhook:
        port = free_port()
        hook = Webhook(f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET, "127.0.0.1", port)
    async with running(application, webhook=hook, poll_timeout=dt.timedelta(seconds=1)):
        yield application


async def say(fake: FakeBotAPI, user_id: int, text: str, *, chat_id: int | None = None,
              timeout: float = 5.0) -> dict:
    """Send a message as a user and return the bot's first answer in that chat."""
    mark = fake.mark()
    fake.send_message(user_id, text, chat_id=chat_id)
    return await fake.async_wait_for_message(chat_id or user_id, after=mark, timeout=timeout)


async def press(fake: FakeBotAPI, user_id: int, message: dict, data: str, *,
                expect: str = "answerCallbackQuery", timeout: float = 5.0) -> dict:
    """Press a button of a bot message; wait for the bot's `expect` call and return its result."""
    mark = fake.mark()
    fake.press_button(user_id, message["chat"]["id"], message["message_id"], data)
    call = await fake.async_wait_for(lambda c: c.method == expect and c.ok, after=mark,
                                     timeout=timeout)
    return call.result


async def forget_everything(fake: FakeBotAPI, user_id: int, confirm: dict) -> dict:
    """Press "Yes, delete everything" under /forget's question; the bot's answer once all is
    deleted (the day's push or an announcement may come before it)."""
    mark = fake.mark()
    fake.press_button(user_id, confirm["chat"]["id"], confirm["message_id"],
                      button_data(confirm, "Yes, delete everything"))
    return await fake.async_wait_for_message(user_id, after=mark,
                                             text_contains="I have deleted everything")


async def author_cannot_approve(fake: FakeBotAPI, author: int, question: dict,
                                waiting: dict) -> str:
    """The author presses Approve under their own request, which is refused; /stats' text."""
    mark = fake.mark()
    fake.press_button(author, author, question["message_id"], button_data(waiting, "Approve"))
    refused = await fake.async_wait_for(lambda c: c.method == "answerCallbackQuery",
                                        after=mark)
    assert refused.params["text"] == "You wrote it: another organiser must approve it."
    return (await say(fake, author, "/stats"))["text"]


def buttons(message: dict) -> list[dict]:
    """Every inline button of a message, flattened."""
    markup = message.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def button_data(message: dict, label_part: str) -> str:
    for button in buttons(message):
        if label_part in button["text"]:
            return button["callback_data"]
    raise AssertionError(f"no button with {label_part!r}: {[b['text'] for b in buttons(message)]}")


async def push_round(application: Application) -> object:
    """One delivery round of the running bot (waits if the scheduler's round is running)."""
    deliverer = application.bot_data.deliverer
    for _ in range(200):
        summary = await deliverer.run_round()
        if summary is not None:
            return summary
        await asyncio.sleep(0.05)
    raise TimeoutError("the scheduler's delivery round did not finish")


def sent_to(fake: FakeBotAPI, chat_id: int, text: str) -> list[dict]:
    """Every message the bot sent to a chat (as sent, not as edited) containing `text`."""
    return [c.result for c in fake.calls if c.ok and c.method in ("sendMessage", "sendPhoto")
            and c.params.get("chat_id") in (chat_id, str(chat_id))
            and text in (c.result.get("text") or c.result.get("caption") or "")]


async def subscribe_all(db: str, chat_ids: list[int]) -> None:
    """Subscribers in English, written straight into the database before a bot starts."""
    store = await Store.open(db)
    try:
        for chat_id in chat_ids:
            await store.set_language(chat_id, "private", "en", dt.date(2027, 10, 1))
            await store.set_subscribed(chat_id, "private", True, dt.date(2027, 10, 1))
    finally:
        await store.close()


def count_rows(db: str, table: str, column: str, value: int) -> int:
    """Rows of a table with `column = value`, read beside the bot with the database's own
    client (sqlite3, or PostgreSQL's psql)."""
    query = f"SELECT COUNT(*) FROM {table} WHERE {column} = {int(value)}"
    if is_postgres_url(db):
        return int(subprocess.run(["psql", db, "-At", "-c", query], check=True,
                                  capture_output=True, text=True).stdout)
    with sqlite3.connect(db) as connection:
        return connection.execute(query).fetchone()[0]


def database_bytes(db: str) -> bytes:
    """Everything the database holds: the SQLite file and its WAL, or a PostgreSQL dump."""
    if is_postgres_url(db):
        return subprocess.run(["pg_dump", "--data-only", db], check=True,
                              capture_output=True).stdout
    wal = Path(db + "-wal")
    return Path(db).read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def campaign_starting(text: str, start: dt.date) -> str:
    """A campaign file's text moved to begin on `start`, as long as before, in that edition."""
    text = re.sub(r"(?m)^  edition: \d+", f"  edition: {start.year}", text)
    begun = re.search(r"(?m)^  start_date: (\S+)", text)
    ended = re.search(r"(?m)^  end_date: (\S+)", text)  # without it, the actions set the end
    assert begun, "a campaign file has a start_date"
    text = re.sub(r"(?m)^  start_date: \S+", f"  start_date: {start.isoformat()}", text)
    if ended is None:
        return text
    end = start + (dt.date.fromisoformat(ended[1]) - dt.date.fromisoformat(begun[1]))
    return re.sub(r"(?m)^  end_date: \S+", f"  end_date: {end.isoformat()}", text)


def campaign_copy(folder: Path, text: str) -> Path:
    """A campaign file with `text` in `folder`, beside a copy of the campaign's images."""
    if not (folder / "images").exists():
        shutil.copytree(ROOT / "images", folder / "images")
    path = folder / "actions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def eventually(condition: Callable[[], Awaitable[object]], timeout: float,
                     what: str) -> None:
    """Wait until `condition()` comes true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def queue_announcement(db: str, subscribers: int) -> None:
    """An announcement started for every subscribed chat (`subscribers` of them)."""
    store = await Store.open(db)
    try:
        announcement = await store.create_announcement("Vigil tonight", None,
                                                     dt.date(2027, 11, 5))
        assert await store.start_announcement(announcement, now=time.time()) == subscribers
    finally:
        await store.close()
