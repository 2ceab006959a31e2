"""The shared budget under a strict Bot API: not one 429 when a sender hands over to another
instance mid-broadcast; a new instance takes updates from its first second, and `tgbot push`
waits for no share of replies it never sends.

Two bots run in the test's event loop, each through PTB's HTTP stack and its own webhook,
on one SQLite file (its sender lock is a real `flock`); the loopback Bot API counts every
429 it answers.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.helpers.harness import ACTIONS, ROOT, Clock, running_bot, subscribe_all
from tgbot.fakeapi import FakeBotAPI

SUBSCRIBERS = list(range(91_000, 91_600))  # 20 s of broadcast at 30 a second
SUPPORTERS = list(range(92_000, 92_008))  # each asks one question


def broadcast_sent(fake: FakeBotAPI) -> int:
    first, last = SUBSCRIBERS[0], SUBSCRIBERS[-1]
    return sum(1 for c in fake.calls_to("sendMessage")
               if c.ok and first <= int(c.params["chat_id"]) <= last)


async def until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.02)


async def announce(bot: Application, clock: Clock) -> None:
    store = bot.bot_data.store
    announcement = await store.create_announcement("Rally", None, clock.now.date())
    await store.start_announcement(announcement, now=clock.now.timestamp())
    bot.bot_data.deliverer.wake()


@pytest.mark.long
async def test_a_new_sender_keeps_its_share_while_the_one_before_still_counts(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """The sender stops mid-broadcast, after a second of full sending; the other instance
    takes over at once and has eight questions to answer. Telegram still counts the last
    second of the sender before: the new sender's answers go within its own share until
    that second is over, then the broadcast goes on, and nothing is refused."""
    db = str(tmp_path / "bot.sqlite3")
    await subscribe_all(db, SUBSCRIBERS)
    for user in (*SUBSCRIBERS, *SUPPORTERS):
        fake.add_user(user)
    fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    async with running_bot(fake, tmp_path, clock, webhook=True, db=db) as first:
        await announce(first, clock)
        await until(lambda: broadcast_sent(fake) >= 30, 20, "the broadcast never started")
        async with running_bot(fake, tmp_path, clock, webhook=True, db=db) as second:
            sender = first.bot_data.deliverer.instance
            survivor = second.bot_data.deliverer.instance
            # the sender has read the newcomer's lease, and the newcomer may use it
            await until(lambda: sender.budget.window.capacity < 30
                        and survivor.budget.window.capacity >= 2, 20, "no lease")
            await until(lambda: sender.budget.window.busy >= 25, 10, "not sending at full rate")
            sent_before = broadcast_sent(fake)
            # its rows in flight finish: the last second is full
            await first.bot_data.deliverer.stop()
            assert await survivor.is_sender()
            marks = {user: fake.mark() for user in SUPPORTERS}
            for user in SUPPORTERS:
                fake.send_message(user, "/why")
            for user in SUPPORTERS:
                await fake.async_wait_for(
                    lambda c, user=user: c.method == "sendMessage" and c.ok
                    and int(c.params["chat_id"]) == user, after=marks[user], timeout=20)
            second.bot_data.deliverer.wake()
            await until(lambda: broadcast_sent(fake) > sent_before + 60, 20,
                        "the new sender did not go on with the broadcast")
    assert fake.rate_limited == 0


async def test_an_instance_takes_updates_from_its_first_second(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """A second instance starts while the first one broadcasts: its webhook is up as soon as
    it has started (no waiting for the sender to read its lease first), and the question
    it takes is answered once the sender has left it room."""
    db = str(tmp_path / "bot.sqlite3")
    await subscribe_all(db, SUBSCRIBERS)
    supporter = SUPPORTERS[0]
    for user in (*SUBSCRIBERS, supporter):
        fake.add_user(user)
    fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    async with running_bot(fake, tmp_path, clock, webhook=True, db=db) as first:
        await announce(first, clock)
        await until(lambda: broadcast_sent(fake) >= 30, 20, "the broadcast never started")
        starting = time.monotonic()
        async with running_bot(fake, tmp_path, clock, webhook=True, db=db) as second:
            started = time.monotonic() - starting
            assert not second.bot_data.deliverer.instance.sending  # the first sends
            mark = fake.mark()
            fake.send_message(supporter, "/why")  # to the webhook set last: the second's
            answer = await fake.async_wait_for_message(supporter, after=mark, timeout=20)
        assert "Maguindanao" in answer["text"]
        assert started < 3.0, started  # it waited 6 s for the sender before its webhook
    assert fake.rate_limited == 0


async def test_push_beside_a_running_bot_does_not_wait_for_a_reply_share(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """`tgbot push --date` beside the running bot (which holds the sender lock) queues the
    day and returns: it never replies, so it asks for no share and waits for none."""
    db = str(tmp_path / "bot.sqlite3")
    await subscribe_all(db, SUBSCRIBERS[:20])
    async with running_bot(fake, tmp_path, clock, db=db):
        env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
               "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS),
               "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_LOG_LEVEL": "INFO"}
        mark = fake.mark()
        push = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tgbot", "push", "--date", "2027-11-05", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(push.communicate(), timeout=60)
        ended = time.monotonic()
    began = next(c.at for c in fake.calls[mark:] if c.method == "getMe")  # (monotonic too)
    assert push.returncode == 0, out
    assert b"another process holds the sender lock and sends them" in out
    # from its first request to its end: it used to wait 6 s there for nothing
    assert ended - began < 4.0, (ended - began, out)
