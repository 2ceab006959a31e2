"""A broadcast killed with SIGKILL and started again: nobody is missed, nobody gets two
messages beyond the few that were in flight at the kill."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    campaign_copy,
    campaign_starting,
    queue_announcement,
    subscribe_all,
)
from tgbot.delivery.drain import senders_for
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

SUBSCRIBERS = 150
IN_FLIGHT = 8  # the Deliverer's concurrency: at most this many can be sent twice


def push(fake: FakeBotAPI, db: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS),
           "TGBOT_LOCALES": str(ROOT / "locales")}
    return subprocess.Popen([sys.executable, "-m", "tgbot", "push", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("what", ["daily push", "announcement"])
@pytest.mark.long
def test_kill_9_mid_broadcast_then_restart(database: str, what: str) -> None:
    """`tgbot push` sends the day's action (--date) or drains a queued announcement; the
    killed process's sender lock goes with it, so the next one takes over at once."""
    chat_ids = list(range(50_000, 50_000 + SUBSCRIBERS))
    db = database
    args = ("--date", "2027-11-05") if what == "daily push" else ()
    with FakeBotAPI() as fake:
        for chat_id in chat_ids:
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(db, chat_ids))
        if what == "announcement":
            asyncio.run(queue_announcement(db, SUBSCRIBERS))
        if what == "daily push":
            dry, _ = push(fake, db, *args, "--dry-run").communicate(timeout=60)
            assert f"would send: {SUBSCRIBERS}, already sent or queued: 0" in dry
        first = push(fake, db, *args)
        fake.wait_for(lambda c: c.method == "sendMessage", timeout=20)
        deadline = time.monotonic() + 20
        while len(fake.calls_to("sendMessage")) < SUBSCRIBERS // 3:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)  # reaps it and closes its pipes
        sent_before = len(fake.calls_to("sendMessage"))
        assert sent_before < SUBSCRIBERS  # it really died mid-broadcast
        second = push(fake, db, *args)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "sent:" in out
        received = Counter(c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok)
    assert set(received) == {str(c) for c in chat_ids} or set(received) == set(chat_ids)
    doubles = [chat for chat, n in received.items() if n > 1]
    assert len(doubles) <= IN_FLIGHT, doubles
    assert max(received.values()) <= 2
    assert senders_for(30) == IN_FLIGHT


WRITER = """
import asyncio, datetime as dt, sys
from tgbot.storage.store import Store

async def main():
    store = await Store.open(sys.argv[1])
    for user in range(1, 100_000):
        await store.set_completed(user, 2027, "day-one", True, dt.date(2027, 11, 1))
        print(user, flush=True)  # committed

asyncio.run(main())
"""


def test_kill_9_during_heavy_writes_keeps_every_committed_completion(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE,
                              text=True, cwd=ROOT)
    committed = 0
    assert writer.stdout is not None
    for line in writer.stdout:
        committed = int(line)
        if committed >= 300:
            break
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=10)
    copy = asyncio.run(count_completions(db))
    assert copy >= committed  # every completion it reported committed is there


async def count_completions(db: Path) -> int:
    store = await Store.open(db)  # opens (recovering the WAL) without complaint
    try:
        return sum(count for *_, count in await store.completions(2027))
    finally:
        await store.close()


async def test_a_busy_database_makes_the_bot_wait_not_fail(tmp_path: Path) -> None:
    """Another process holding the write lock (tgbot push beside tgbot run): writes wait."""
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    write = asyncio.create_task(store.set_completed(1, 2027, "a", True, dt.date(2027, 11, 1)))
    await asyncio.sleep(1.0)
    assert not write.done()  # waiting for the lock, not failed
    other.execute("COMMIT")
    assert await asyncio.wait_for(write, 5) is True
    other.close()
    await store.close()


def campaign_on_day(folder: Path, day: int, shift: int = 0) -> Path:
    """actions.yaml (zone UTC, push at 00:00) on which today is campaign day `day`, or day
    `day + shift` with `shift` days gone by; kept inside one calendar year, as editions are."""
    today = dt.datetime.now(dt.UTC).date()
    left = (dt.date(today.year, 12, 31) - today).days
    day = min(max(day, 23 - left), 23 - shift)
    start = today - dt.timedelta(days=day - 1 + shift)
    text = ACTIONS.read_text(encoding="utf-8")
    text = campaign_starting(text, start)
    text = re.sub(r'(?m)^  timezone: "[^"]+"', '  timezone: "UTC"', text)
    text = re.sub(r'(?m)^  push_time: "[^"]+"', '  push_time: "00:00"', text)
    (folder / f"shift{shift}").mkdir()
    return campaign_copy(folder / f"shift{shift}", text)


def bot_process(fake: FakeBotAPI, db: str, campaign: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(campaign),
           "TGBOT_LOCALES": str(ROOT / "locales")}
    return subprocess.Popen([sys.executable, "-m", "tgbot", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.long
def test_a_stopped_bot_never_sends_an_old_day_days_later(database: str, tmp_path: Path) -> None:
    """320 people subscribe within seconds (each gets today's action through the outbox), the
    bot is stopped with SIGTERM while some of those rows are pending; days later `tgbot push`
    sends the new day alone, once to each chat, and closes the old rows as expired."""
    users = list(range(90_000, 90_320))
    with FakeBotAPI() as fake:
        for user in users:
            fake.add_user(user)
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        first_day = campaign_on_day(tmp_path, 2)
        running = bot_process(fake, database, first_day, "run")
        fake.wait_polling(timeout=60)
        for user in users:
            fake.send_message(user, "/subscribe")
        fake.wait_for(lambda c: c.method == "sendMessage" and "Day " in c.params.get("text", ""),
                      timeout=60)
        time.sleep(2.0)
        running.send_signal(signal.SIGTERM)
        output, _ = running.communicate(timeout=30)
        assert running.returncode == 0, output
        old_day = re.search(r"Day (\d+) of 23", next(
            c.params["text"] for c in fake.calls_to("sendMessage") if "Day " in c.params["text"]))
        assert old_day is not None
        sent_then = len(fake.calls_to("sendMessage"))
        pending = asyncio.run(day_states(database, int(old_day[1])))
        assert pending.get("pending", 0) > 0, pending  # some were still to send at the stop
        later = campaign_on_day(tmp_path, int(old_day[1]), shift=3)
        push = bot_process(fake, database, later, "push")
        output, _ = push.communicate(timeout=120)
        assert push.returncode == 0, output
        after = [c for c in fake.calls_to("sendMessage")[sent_then:] if c.ok]
    new_day = f"Day {int(old_day[1]) + 3} of 23"
    assert not [c for c in after if old_day[0] in c.params["text"]]  # never the old day
    received = Counter(int(c.params["chat_id"]) for c in after if new_day in c.params["text"])
    assert set(received) == set(users) and max(received.values()) == 1
    states = asyncio.run(day_states(database, int(old_day[1])))
    assert states.get("expired", 0) == pending["pending"] and "pending" not in states
    assert "sent: 320" in output


async def day_states(db: str, day: int) -> dict[str, int]:
    store = await Store.open(db)
    try:
        return await store.delivery_states(dt.datetime.now(dt.UTC).year, day)
    finally:
        await store.close()
