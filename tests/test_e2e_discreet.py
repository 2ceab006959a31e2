"""End to end: discreet mode (silent, protected, neutral pushes deleted on time through the
deletion outbox), the auto-delete hint, /forget deleting the bot's messages, and a deleter
killed with SIGKILL."""

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

import pytest
from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    buttons,
    count_rows,
    eventually,
    press,
    push_round,
    say,
    subscribe_all,
)
from tgbot.delivery.deleter import CONCURRENCY
from tgbot.domain.deletions import Kept
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

CARLA = 1003  # subscribed, not discreet
HOUR = 3600.0
NEUTRAL = "📝 Your daily note"
HINT = "turn on auto-delete"


def kept(fake: FakeBotAPI, chat_id: int) -> set[int]:
    """The ids of the bot's messages still in a chat (not deleted)."""
    return {m["message_id"] for m in fake.messages(chat_id)}


def advance(clock: Clock, fake: FakeBotAPI, seconds: float) -> None:
    """The bot's clock and the loopback API's move together."""
    clock.now += dt.timedelta(seconds=seconds)
    fake.advance_clock(seconds)


def day_push(fake: FakeBotAPI, chat_id: int, day: int) -> dict:
    """The sendMessage call that pushed a campaign day to a chat."""
    calls = [c for c in fake.calls_to("sendMessage") if c.ok
             and str(c.params.get("chat_id")) == str(chat_id)
             and f"Day {day} of 23" in c.params["text"]]
    assert len(calls) == 1, [c.params["text"][:40] for c in calls]
    return {"params": calls[0].params, "message": calls[0].result}


async def test_a_discreet_push_is_silent_protected_neutral_and_deleted_on_time(
        fake: FakeBotAPI, bot: Application, clock: Clock) -> None:
    fake.add_user(CARLA, language_code="en")
    await say(fake, CARLA, "/subscribe")
    subscribed = await say(fake, ALICE, "/subscribe")
    await push_round(bot)  # today's action, at once for a new subscriber
    # discreet mode is offered at /subscribe; on, where the chat has no auto-delete timer,
    # the bot says once how to set it
    hint = await press(fake, ALICE, subscribed, button_data(subscribed, "🤫 Discreet mode"),
                       expect="sendMessage")
    assert HINT in hint["text"]
    menu = next(m for m in fake.messages(ALICE) if m["message_id"] == subscribed["message_id"])
    assert "delete them after 24 hours" in menu["text"]  # the settings menu says what it does
    # Bruno has set Telegram's timer: no hint
    fake.set_auto_delete_time(BRUNO, 86400)
    menu = await say(fake, BRUNO, "/settings")
    mark = fake.mark()
    await press(fake, BRUNO, menu, button_data(menu, "🤫"), expect="editMessageText")
    await asyncio.to_thread(fake.wait_for, lambda c: c.method == "getChat", after=mark)
    await asyncio.sleep(1.0)  # time for a hint that must not come
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"
                and str(c.params["chat_id"]) == str(BRUNO)]
    assert (await bot.bot_data.store.chat(BRUNO)).discreet
    # the next day's push
    day5 = day_push(fake, ALICE, 5)["message"]["message_id"]  # before discreet mode: stays
    advance(clock, fake, 23 * HOUR)  # 6 November, 09:00 in Toronto
    await bot.bot_data.deliverer.deleter.run()
    assert hint["message_id"] in kept(fake, ALICE)  # sent 23 hours ago: not yet
    await push_round(bot)
    alice, carla = day_push(fake, ALICE, 6), day_push(fake, CARLA, 6)
    assert alice["params"]["disable_notification"] is True
    assert alice["params"]["protect_content"] is True
    assert "disable_notification" not in carla["params"]
    assert "protect_content" not in carla["params"]
    assert alice["params"]["text"].split("\n")[0] == NEUTRAL
    assert alice["params"]["text"].endswith(carla["params"]["text"])
    assert buttons(alice["message"]) == buttons(carla["message"])  # the buttons stay
    pushed = alice["message"]["message_id"]
    # deleted 24 hours later on the loopback clock, not before
    advance(clock, fake, 24 * HOUR - 60)
    await bot.bot_data.deliverer.deleter.run()
    assert pushed in kept(fake, ALICE)
    assert hint["message_id"] not in kept(fake, ALICE)  # a reply in a discreet chat goes too
    advance(clock, fake, 60)
    await eventually(lambda: asyncio.sleep(0, pushed not in kept(fake, ALICE)), 15,
                     "the discreet push was not deleted")
    assert day5 in kept(fake, ALICE)  # sent before discreet mode: not deleted
    assert day_push(fake, CARLA, 6)["message"]["message_id"] in kept(fake, CARLA)
    # Telegram was never asked to delete what it would refuse
    deletions = [c for c in fake.calls if c.method in ("deleteMessage", "deleteMessages")]
    assert all(c.ok for c in deletions)


async def test_the_sender_takes_back_at_once_deletions_a_stopped_sender_left(
        fake: FakeBotAPI, bot: Application, clock: Clock) -> None:
    """Rows claimed by an instance whose last heartbeat says it sends go back at the sender's
    next run, without waiting for that heartbeat to age: holding the sender lock, this process
    knows the other stopped. A live instance that only replies keeps its claim (its /forget)."""
    store: Store = bot.bot_data.store
    now, wall = clock.now.timestamp(), time.time()
    alice, bruno = await say(fake, ALICE, "/start"), await say(fake, BRUNO, "/start")
    await store.deletions.keep([Kept(ALICE, alice["message_id"], now, now),
                                Kept(BRUNO, bruno["message_id"], now, now)])
    for owner, chat_id, sending in (("stopped", ALICE, True), ("replier", BRUNO, False)):
        await store.heartbeat(owner, started_at=wall, sending=sending, reply_lease=0,
                              version="0", now=wall)
        assert len(await store.deletions.claim(now, 10, owner=owner, chat_id=chat_id)) == 1
    await push_round(bot)  # this process takes the sender lock
    await bot.bot_data.deliverer.deleter.run()
    assert alice["message_id"] not in kept(fake, ALICE)
    assert bruno["message_id"] in kept(fake, BRUNO)  # still the replier's to delete
    assert [c.params["chat_id"] for c in fake.calls if c.method.startswith("deleteMessage")] \
        == [ALICE]


async def test_forget_deletes_what_telegram_allows_and_counts_the_rest(
        fake: FakeBotAPI, bot: Application, clock: Clock) -> None:
    await say(fake, ALICE, "/subscribe")  # day 5 comes at once
    await push_round(bot)
    day5 = day_push(fake, ALICE, 5)["message"]["message_id"]
    advance(clock, fake, 30 * HOUR)  # 6 November, 16:00 in Toronto
    await push_round(bot)
    day6 = day_push(fake, ALICE, 6)["message"]["message_id"]
    advance(clock, fake, 20 * HOUR)  # 7 November, 12:00: day 5 is 50 hours old
    await push_round(bot)
    day7 = day_push(fake, ALICE, 7)["message"]["message_id"]
    question = await say(fake, ALICE, "/forget")
    answer = await press(fake, ALICE, question, button_data(question, "🗑"),
                         expect="sendMessage")
    assert "I also deleted 3 of my messages" in answer["text"]  # days 6, 7 and the question
    assert "1 older message of mine could not be deleted" in answer["text"]
    assert kept(fake, ALICE) >= {day5} and not kept(fake, ALICE) & {day6, day7,
                                                                     question["message_id"]}
    assert count_rows(bot.bot_data.settings.db, "deletions", "chat_id", ALICE) == 0
    # someone who never got a pushed message: only the question goes, nothing to count
    question = await say(fake, BRUNO, "/forget")
    answer = await press(fake, BRUNO, question, button_data(question, "🗑"),
                         expect="sendMessage")
    assert "Também apaguei 1 das minhas mensagens" in answer["text"]
    assert "48" not in answer["text"]


def bot_run(fake: FakeBotAPI, db: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tgbot", *args],
        env={**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
             "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS),
             "TGBOT_LOCALES": str(ROOT / "locales"), **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


async def make_discreet(db: str, chat_ids: list[int]) -> None:
    store = await Store.open(db)
    try:
        for chat_id in chat_ids:
            assert await store.set_discreet(chat_id, True)
    finally:
        await store.close()


@pytest.mark.long
def test_kill_9_mid_deletion_neither_loses_nor_repeats_deletions(database: str) -> None:
    """`tgbot push` sends a day to 200 discreet chats, due for deletion seconds later; a real
    `tgbot run` deletes them, is killed with SIGKILL midway, and the next one finishes: every
    message is deleted, and only the calls in flight at the kill can be asked for again."""
    chats = list(range(70_000, 70_200))
    with FakeBotAPI() as fake:
        for chat_id in chats:
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(database, chats))
        asyncio.run(make_discreet(database, chats))
        quick = {"TGBOT_DISCREET_HOURS": "0.001"}  # deleted 3.6 seconds after sending
        out, _ = bot_run(fake, database, "push", "--date", "2027-11-05", **quick).communicate(
            timeout=120)
        assert "sent: 200" in out, out
        assert all(len(kept(fake, chat_id)) == 1 for chat_id in chats)
        first = bot_run(fake, database, "run", **quick)
        deadline = time.monotonic() + 60
        while len(fake.calls_to("deleteMessage")) < 40:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        before = len(fake.calls_to("deleteMessage"))
        assert before < len(chats)  # it really died midway
        second = bot_run(fake, database, "run", **quick)
        try:
            deadline = time.monotonic() + 90
            while any(kept(fake, chat_id) for chat_id in chats):
                assert time.monotonic() < deadline and second.poll() is None, \
                    sum(1 for chat_id in chats if kept(fake, chat_id))
                time.sleep(0.1)
        finally:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        asked = Counter(int(c.params["chat_id"]) for c in fake.calls_to("deleteMessage"))
    assert set(asked) == set(chats)
    assert len([chat for chat, n in asked.items() if n > 1]) <= CONCURRENCY
    assert max(asked.values()) <= 2


def test_discreet_hours_past_telegrams_48_are_one_clear_line(tmp_path: Path) -> None:
    for hours in ("48", "0", "a day"):
        env = {**os.environ, "TGBOT_TOKEN": "1234567:" + "A" * 35,
               "TGBOT_DB": str(tmp_path / "bot.sqlite3"), "TGBOT_DISCREET_HOURS": hours}
        result = subprocess.run([sys.executable, "-m", "tgbot", "run"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 2, result.stderr
        assert "TGBOT_DISCREET_HOURS" in result.stderr and "48 hours" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert not (tmp_path / "bot.sqlite3").exists()
