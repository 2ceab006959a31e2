"""Two real `tgbot run` processes in webhook mode on one database, as behind a load balancer.

One of them sends the daily push; it is killed with SIGKILL mid-broadcast (or stopped with
SIGTERM, as in a rolling deploy) and the other takes over within seconds: every subscriber
gets the day's action, none twice beyond the rows that were in flight (none at all after
SIGTERM), and the Bot API never sees the broadcast go faster than 30 messages a second.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    WEBHOOK_SECRET,
    campaign_copy,
    campaign_starting,
    free_port,
    subscribe_all,
)
from tgbot.fakeapi import FakeBotAPI

# The second instance sends for longer than its lock checks are apart, and the broadcast
# outlasts the second's start and first answer (which waits for the sender to read its
# share) on a loaded machine
SUBSCRIBERS = 600
IN_FLIGHT = 8  # the Deliverer's concurrency: at most this many can be sent twice
WRITERS = (77, 78)  # supporters who write to the bot during the broadcast


def campaign_running_today(folder: Path) -> Path:
    """actions.yaml with its 23 days around today (UTC) and the push due at midnight."""
    today = dt.datetime.now(dt.UTC).date()
    first_of_year, last_of_year = dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    back = max(22 - (last_of_year - today).days, min(4, (today - first_of_year).days))
    start = today - dt.timedelta(days=back)
    text = ACTIONS.read_text(encoding="utf-8")
    text = campaign_starting(text, start)
    text = re.sub(r'(?m)^  timezone: "[^"]+"', '  timezone: "UTC"', text)
    text = re.sub(r'(?m)^  push_time: "[^"]+"', '  push_time: "00:00"', text)
    return campaign_copy(folder, text)


def start_instance(fake: FakeBotAPI, db: str, campaign: Path, log: Path
                   ) -> subprocess.Popen[bytes]:
    port = free_port()
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(campaign),
           "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_WEBHOOK_SECRET": WEBHOOK_SECRET}
    with log.open("wb") as stream:
        return subprocess.Popen(
            [sys.executable, "-m", "tgbot", "run", "--listen", "127.0.0.1", "--port",
             str(port), "--webhook", f"http://127.0.0.1:{port}/hook"],
            env=env, stdout=stream, stderr=subprocess.STDOUT)


def broadcast(fake: FakeBotAPI, chat_ids: set[int]) -> list:
    return [c for c in fake.calls_to("sendMessage")
            if int(c.params["chat_id"]) in chat_ids]


def ask_why(fake: FakeBotAPI, writer: int) -> str:
    """A supporter's question, answered by whichever instance the webhook reaches."""
    mark = fake.mark()
    fake.send_message(writer, "/why")
    return fake.wait_for_message(writer, after=mark, timeout=20)["text"]


def busiest_second(calls: list) -> int:
    """The most calls in any one-second window."""
    times = sorted(c.at for c in calls)
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
@pytest.mark.long
def test_two_instances_the_sender_stops_mid_broadcast(database: str, tmp_path: Path,
                                                      stop: signal.Signals) -> None:
    chat_ids = list(range(60_000, 60_000 + SUBSCRIBERS))
    subscribers = set(chat_ids)
    campaign = campaign_running_today(tmp_path)
    with FakeBotAPI() as fake:
        for chat_id in (*chat_ids, *WRITERS):
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(database, chat_ids))
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        first = start_instance(fake, database, campaign, tmp_path / "first.log")
        second = None
        try:
            wait_until(lambda: len(broadcast(fake, subscribers)) >= 20, 60,
                       "the first instance never started the daily push")
            assert "Maguindanao" in ask_why(fake, WRITERS[0])  # the sender answers as it sends
            second = start_instance(fake, database, campaign, tmp_path / "second.log")
            # its setWebhook makes it the one the updates reach: it answers while not sending
            wait_until(lambda: len(fake.calls_to("setWebhook")) >= 2, 60,
                       "the second instance never started")
            assert "Maguindanao" in ask_why(fake, WRITERS[1])
            assert "sends the daily push" not in (tmp_path / "second.log").read_text()
            wait_until(lambda: len(broadcast(fake, subscribers)) >= SUBSCRIBERS // 3, 60,
                       "the broadcast stalled")
            killed_at = time.monotonic()
            first.send_signal(stop)
            first.wait(timeout=15)  # SIGTERM: the rows in flight finish, then it exits
            sent_before = len(broadcast(fake, subscribers))
            assert sent_before < SUBSCRIBERS  # it really died mid-broadcast
            wait_until(lambda: len(broadcast(fake, subscribers)) > sent_before + 5, 30,
                       "nobody took over")
            takeover = min(c.at for c in broadcast(fake, subscribers)[sent_before:])
            assert takeover - killed_at < 10  # (the fake stamps calls with time.monotonic())
            wait_until(lambda: {int(c.params["chat_id"]) for c in broadcast(fake, subscribers)
                                if c.ok} == subscribers, 60, "some subscribers were missed")
            time.sleep(1.0)  # nothing more comes
            assert not fake.calls_to("deleteWebhook")  # a stopping instance leaves it be
            log = (tmp_path / "second.log").read_text()
            assert log.count("sends the daily push") == 1  # took over once, and kept it
            assert "lost the sender lock" not in log
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.wait(timeout=20)
        calls = broadcast(fake, subscribers)
        # replies from both fit beside the broadcast (if not: which call, where and when)
        assert fake.rate_limited == 0, [
            (c.method, c.params.get("chat_id"), c.description, round(c.at - killed_at, 2))
            for c in fake.calls if c.error_code == 429]
    received = Counter(int(c.params["chat_id"]) for c in calls if c.ok)
    doubles = [chat for chat, n in received.items() if n > 1]
    assert len(doubles) <= (IN_FLIGHT if stop == signal.SIGKILL else 0), doubles
    assert busiest_second(calls) <= 30

