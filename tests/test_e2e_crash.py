"""A broadcast killed with SIGKILL and started again: nobody is missed, nobody gets two
messages beyond the few that were in flight at the kill."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from tests.helpers.harness import ACTIONS, ROOT
from tgbot.delivery import Deliverer
from tgbot.fakeapi import FakeBotAPI
from tgbot.store import Store

SUBSCRIBERS = 150
IN_FLIGHT = 8  # the Deliverer's concurrency: at most this many can be sent twice


async def subscribe_all(db: Path, chat_ids: list[int]) -> None:
    store = await Store.open(db)
    try:
        for chat_id in chat_ids:
            await store.set_language(chat_id, "private", "en", dt.date(2027, 10, 1))
            await store.set_subscribed(chat_id, "private", True, dt.date(2027, 10, 1))
    finally:
        await store.close()


def push(fake: FakeBotAPI, db: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": str(db), "TGBOT_CAMPAIGN": str(ACTIONS), "TGBOT_CLAIM_TIMEOUT": "1",
           "TGBOT_LOCALES": str(ROOT / "locales")}
    return subprocess.Popen([sys.executable, "-m", "tgbot.cli", "push", "--date", "2027-11-05"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_kill_9_mid_broadcast_then_restart(tmp_path: Path) -> None:
    chat_ids = list(range(50_000, 50_000 + SUBSCRIBERS))
    db = tmp_path / "bot.sqlite3"
    with FakeBotAPI() as fake:
        for chat_id in chat_ids:
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(db, chat_ids))
        first = push(fake, db)
        fake.wait_for(lambda c: c.method == "sendMessage", timeout=20)
        deadline = time.monotonic() + 20
        while len(fake.calls_to("sendMessage")) < SUBSCRIBERS // 3:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)  # reaps it and closes its pipes
        sent_before = len(fake.calls_to("sendMessage"))
        assert sent_before < SUBSCRIBERS  # it really died mid-broadcast
        time.sleep(1.1)  # the dead sender's claims time out (TGBOT_CLAIM_TIMEOUT=1)
        second = push(fake, db)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
        assert "sent:" in out
        received = Counter(c.params["chat_id"] for c in fake.calls_to("sendMessage") if c.ok)
    assert set(received) == {str(c) for c in chat_ids} or set(received) == set(chat_ids)
    doubles = [chat for chat, n in received.items() if n > 1]
    assert len(doubles) <= IN_FLIGHT, doubles
    assert max(received.values()) <= 2
    assert Deliverer.__init__.__kwdefaults__["concurrency"] == IN_FLIGHT
