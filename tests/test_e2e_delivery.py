"""End to end: a day's action is for its day only, in the chat's own zone; announcements for
their lifetime; the subscription message shows what the person did; the organiser sees an
announcement finish; a stop does not wait for a broadcast."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import zoneinfo
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
    subscribe_all,
)
from tgbot.domain import schedule
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outbox import Due
from tgbot.fakeapi import FakeBotAPI
from tgbot.ops import metrics
from tgbot.storage.store import Store

CAMPAIGN = load_campaign(ACTIONS)
KIRITIMATI = "Pacific/Kiritimati"  # UTC+14: a day ends 19 hours before Toronto's does
ORGANISER = 4242


def day_end(zone: str, day: int) -> float:
    return schedule.day_ends_at(zoneinfo.ZoneInfo(zone), CAMPAIGN, day)


async def subscribers(fake: FakeBotAPI, db: str, first: int, count: int) -> list[int]:
    """`count` subscribers the fake knows, and the organiser."""
    chat_ids = list(range(first, first + count))
    for chat_id in (*chat_ids, ORGANISER):
        fake.add_user(chat_id)
    await subscribe_all(db, chat_ids)
    return chat_ids


async def queue(db: str, rows: list[Due]) -> None:
    """Outbox rows left pending by a bot that stopped before sending them."""
    store = await Store.open(db)
    try:
        await store.enqueue(CAMPAIGN.edition, rows)
    finally:
        await store.close()


async def test_a_row_pending_across_midnight_is_never_sent(fake: FakeBotAPI, tmp_path: Path,
                                                           clock: Clock, database: str) -> None:
    """Rows of 5 November (one with its lifetime, one queued before rows had lifetimes) meet
    a bot started at 00:00:30 on 6 November: both expire; 6 November comes at 09:00."""
    fake.add_user(ORGANISER)
    await subscribe_all(database, [ALICE, BRUNO])
    await queue(database, [Due(ALICE, 5, day_end("America/Toronto", 5), 0.0), (BRUNO, 5)])
    clock.set_local("2027-11-06", "00:00:30")
    async with running_bot(fake, tmp_path, clock, db=database) as bot:
        await push_round(bot)
        assert not sent_to(fake, ALICE, "Day 5 of 23") and not sent_to(fake, BRUNO, "Day 5")
        store = bot.bot_data.store
        assert await store.delivery_states(2027, 5) == {"expired": 2}
        clock.set_local("2027-11-06", "09:00:05")
        await push_round(bot)
        assert len(sent_to(fake, ALICE, "Day 6 of 23")) == 1
        stats = await say(fake, ORGANISER, "/stats")
    assert "Last push (day 6): sent 2, pending 0, expired 0" in stats["text"]


async def test_a_chat_far_ahead_of_the_campaign_zone(fake: FakeBotAPI, tmp_path: Path,
                                                     clock: Clock, database: str) -> None:
    """At 06:00 in Toronto on 5 November it is already 6 November in Kiritimati: that chat's
    row of day 5 expires while a Toronto chat's is sent; Kiritimati gets day 6 at its own
    09:00 (19:00 UTC on 5 November), Toronto still on day 5."""
    await subscribe_all(database, [ALICE, BRUNO])
    store = await Store.open(database)
    await store.set_push_settings(BRUNO, push_time=None, timezone=KIRITIMATI)
    await store.enqueue(2027, [Due(ALICE, 5, day_end("America/Toronto", 5)),
                               Due(BRUNO, 5, day_end(KIRITIMATI, 5))])
    await store.close()
    clock.set_local("2027-11-05", "06:00")
    async with running_bot(fake, tmp_path, clock, db=database) as bot:
        await push_round(bot)
        assert len(sent_to(fake, ALICE, "Day 5 of 23")) == 1
        assert not sent_to(fake, BRUNO, "Day 5")
        clock.set_local("2027-11-06", "09:00:05", KIRITIMATI)
        await push_round(bot)
        assert len(sent_to(fake, BRUNO, "Day 6 of 23")) == 1
        assert not sent_to(fake, ALICE, "Day 6")  # 14:00 on 5 November in Toronto
        assert await bot.bot_data.store.delivery_states(2027, 5) == {"sent": 1, "expired": 1}


def push(fake: FakeBotAPI, db: str, *args: str) -> str:
    """`tgbot push`, as its own process; its output."""
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS)}
    result = subprocess.run([sys.executable, "-m", "tgbot", "push", *args], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def days_received(fake: FakeBotAPI, chat_ids: list[int], after: int) -> dict[int, list[str]]:
    """The campaign days each chat received since `after`, in order ("Day N of 23")."""
    received: dict[int, list[str]] = {chat_id: [] for chat_id in chat_ids}
    for call in fake.calls[after:]:
        if call.ok and call.method in ("sendMessage", "sendPhoto") and \
                int(call.params["chat_id"]) in received:
            text = call.result.get("text") or call.result.get("caption") or ""
            received[int(call.params["chat_id"])] += [word for word in
                                                      ("Day 2 ", "Day 4 ", "Day 5 ", "Day 7 ")
                                                      if word in text]
    return received


async def test_a_push_for_a_later_day_closes_the_earlier_days(fake: FakeBotAPI, database: str
                                                              ) -> None:
    """20 people subscribed on day 2 and the bot stopped with their rows pending; a group
    subscribed on day 4 likewise. `tgbot push --date` of a later day sends that day alone
    (the wall clock, before the campaign, says none of the old rows is over), and the old
    rows close as expired."""
    people = await subscribers(fake, database, 60_000, 20)
    group = -100_777
    fake.add_group(group, admins=[ORGANISER])
    await queue(database, [Due(chat, 2, day_end("America/Toronto", 2)) for chat in people])
    mark = fake.mark()
    assert "sent: 20," in push(fake, database, "--date", "2027-11-05")
    assert days_received(fake, people, mark) == {chat: ["Day 5 "] for chat in people}

    store = await Store.open(database)
    try:
        await store.set_subscribed(group, "supergroup", True, dt.date(2027, 11, 4))
        await store.enqueue(2027, [Due(group, 4, day_end("America/Toronto", 4))])
        mark = fake.mark()
        assert "sent: 21," in push(fake, database, "--date", "2027-11-07")
        assert days_received(fake, [group], mark) == {group: ["Day 7 "]}
        assert await store.delivery_states(2027, 2) == {"expired": 20}
        assert await store.delivery_states(2027, 4) == {"expired": 1}
    finally:
        await store.close()


async def test_a_day_queued_behind_a_later_one_is_not_sent(fake: FakeBotAPI, database: str
                                                          ) -> None:
    """Day 2 queued after day 5 (a transaction that overlapped `push --date`, as PostgreSQL
    runs them side by side, could not see day 5): the sender sends day 5 alone and closes
    day 2 as expired."""
    people = await subscribers(fake, database, 62_000, 5)
    await queue(database, [Due(chat, 5, day_end("America/Toronto", 5)) for chat in people])
    await queue(database, [Due(chat, 2, day_end("America/Toronto", 2)) for chat in people])
    mark = fake.mark()
    assert "sent: 5, skipped: 0, failed: 0, expired: 5," in push(fake, database)
    assert days_received(fake, people, mark) == {chat: ["Day 5 "] for chat in people}


async def test_subscribing_after_doing_the_action_shows_undo(fake: FakeBotAPI,
                                                             bot: Application) -> None:
    action = await say(fake, ALICE, "/today")
    await press(fake, ALICE, action, button_data(action, "I did it"),
                expect="editMessageReplyMarkup")
    mark = fake.mark()
    fake.send_message(ALICE, "/subscribe")
    pushed = await fake.async_wait_for_message(ALICE, after=mark, timeout=10,
                                               text_contains="Day 5 of 23")
    labels = [b["text"] for b in buttons(pushed)]
    assert "↩️ Undo" in labels and "✅ I did it" not in labels
    markup = await press(fake, ALICE, pushed, button_data(pushed, "Undo"),
                         expect="editMessageReplyMarkup")
    assert "✅ I did it" in [b["text"] for b in buttons(markup)]  # that message, updated
    assert await bot.bot_data.store.completed(ALICE, 2027) == set()


async def test_a_stale_i_did_it_button_is_brought_up_to_date(fake: FakeBotAPI,
                                                             bot: Application) -> None:
    """Two copies of the day's action; done on one, the other still says "I did it": a
    press there changes nothing recorded and shows Undo."""
    first = await say(fake, ALICE, "/today")
    second = await say(fake, ALICE, "/today")
    await press(fake, ALICE, first, button_data(first, "I did it"),
                expect="editMessageReplyMarkup")
    markup = await press(fake, ALICE, second, button_data(second, "I did it"),
                         expect="editMessageReplyMarkup")
    assert "↩️ Undo" in [b["text"] for b in buttons(markup)]
    assert len(await bot.bot_data.store.completed(ALICE, 2027)) == 1


async def test_an_announcement_expires_after_its_lifetime(fake: FakeBotAPI, tmp_path: Path,
                                                          clock: Clock, database: str) -> None:
    """/announce 2h: chats not reached within two hours (the bot was down) never get it."""
    fake.add_user(ORGANISER)
    await subscribe_all(database, [ALICE, BRUNO])
    store = await Store.open(database)
    announcement = await store.create_announcement("Vigil at 18:00", None, clock.now.date(),
                                                   2 * 3600)
    started = clock.now - dt.timedelta(hours=2, seconds=1)  # then the bot was down
    assert await store.start_announcement(announcement, now=started.timestamp()) == 2
    await store.close()
    async with running_bot(fake, tmp_path, clock, db=database) as bot:
        store = bot.bot_data.store
        await push_round(bot)
        assert not sent_to(fake, ALICE, "Vigil") and not sent_to(fake, BRUNO, "Vigil")
        assert await store.announcement_states(announcement) == {"expired": 2}
        mark = fake.mark()
        fake.send_message(ORGANISER, "/announce 6h Vigil tomorrow")
        question = await fake.async_wait_for_message(ORGANISER, after=mark, timeout=5,
                                                     text_contains="Send it?")
        replies = [c.result for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok
                   and str(c.params.get("chat_id")) == str(ORGANISER)]
    assert "Vigil tomorrow" in replies[0]["text"]
    assert "within 6 hours" in question["text"]


async def test_the_organiser_sees_finished_though_sending_stalls(fake: FakeBotAPI,
                                                                 bot: Application) -> None:
    """Sends answered 429 for a while: the progress stays unchanged for several beats (once
    an edit "not modified" ended the report), then reads Finished."""
    await subscribers(fake, bot.bot_data.settings.db, 70_000, 10)
    mark = fake.mark()
    fake.send_message(ORGANISER, "/announce Meet at the courthouse")
    question = await fake.async_wait_for_message(ORGANISER, after=mark, timeout=5,
                                                 text_contains="Send it?")
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", count=3,
                   parameters={"retry_after": 5})
    mark = fake.mark()
    await press(fake, ORGANISER, question, button_data(question, "Send"))
    finished = await fake.async_wait_for(
        lambda c: c.method == "editMessageText" and "Finished" in c.params.get("text", ""),
        after=mark, timeout=40)
    assert "10 of 10 sent" in finished.params["text"]
    assert "Not delivered: 0." in finished.params["text"]


async def test_a_stop_does_not_wait_for_a_broadcast(fake: FakeBotAPI, tmp_path: Path,
                                                    clock: Clock, database: str) -> None:
    """300 chats at 20 a second would hold the bot for 15 s; it stops within its
    STOP_TIMEOUT, leaving the rest in the outbox for the next start."""
    await subscribers(fake, database, 80_000, 300)
    fake.set_rate_limits(per_second=20, per_chat_per_second=1, per_group_per_minute=20)
    async with running_bot(fake, tmp_path, clock, db=database, rate=20.0) as bot:
        store = bot.bot_data.store
        announcement = await store.create_announcement("Rally", None, clock.now.date())
        await store.start_announcement(announcement, now=clock.now.timestamp())
        bot.bot_data.deliverer.wake()
        await fake.async_wait_for(lambda c: c.method == "sendMessage", timeout=10)
        stopping = time.monotonic()
    stopped = time.monotonic() - stopping
    store = await Store.open(database)
    states = await store.announcement_states(announcement)
    await store.close()
    assert stopped < 10.0, stopped  # the old report task held it for the whole broadcast
    assert states.get("pending", 0) > 0 and "sending" not in states
    assert states.get("sent", 0) + states["pending"] == 300


async def test_a_paid_push_goes_past_the_free_limit(fake: FakeBotAPI, tmp_path: Path,
                                                    clock: Clock, database: str) -> None:
    """TGBOT_PAID_BROADCAST=1 with TGBOT_RATE=1000: every push message passes
    allow_paid_broadcast, nothing is refused, 300 messages take far less than the 10 s that
    30 a second would; a reply meanwhile is a free message; /stats shows the Stars."""
    chat_ids = await subscribers(fake, database, 85_000, 300)
    fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    sample = metrics.REGISTRY.get_sample_value
    sent_before = sample("tgbot_delivered_total", {"kind": "push", "outcome": "sent"})
    stars_before = sample("tgbot_stars_spent_total")
    async with running_bot(fake, tmp_path, clock, db=database, rate=1000.0,
                           paid_broadcast=True) as bot:
        await push_round(bot)
        assert sample("tgbot_sender") == 1
        answer = await say(fake, ALICE, "/why")
        refused = fake.rate_limited
        stats = await say(fake, ORGANISER, "/stats")
    pushed = [c for c in fake.calls_to("sendMessage") if int(c.params["chat_id"]) in chat_ids]
    assert len(pushed) == 300 and all(c.ok for c in pushed)
    assert all(c.params.get("allow_paid_broadcast") is True for c in pushed)
    assert refused == 0
    assert pushed[-1].at - pushed[0].at < 300 / 30
    reply = next(c for c in fake.calls_to("sendMessage") if c.result == answer)
    assert "allow_paid_broadcast" not in reply.params
    assert "Stars spent on the last push: 30" in stats["text"]
    assert sample("tgbot_delivered_total", {"kind": "push", "outcome": "sent"}) \
        == sent_before + 300
    assert sample("tgbot_stars_spent_total") == pytest.approx(stars_before + 30)


def test_a_rate_above_30_needs_paid_broadcasts(tmp_path: Path) -> None:
    env = {**os.environ, "TGBOT_TOKEN": "1234567:" + "A" * 35, "TGBOT_RATE": "100",
           "TGBOT_DB": str(tmp_path / "bot.sqlite3")}
    result = subprocess.run([sys.executable, "-m", "tgbot", "run"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "TGBOT_PAID_BROADCAST=1" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()
