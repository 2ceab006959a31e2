"""End to end: each subscriber's own time: a one-tap zone on /subscribe, typed settings; a
server clock that was wrong for a moment."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import (
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
from tgbot.fakeapi import FakeBotAPI

MARIA = 3001  # a Filipino supporter in Manila
GROUP, ADMIN, MEMBER = -100777, 3101, 3102
ORGANISER = 4242  # TGBOT_ADMINS of the test bot


def pushed(fake: FakeBotAPI, chat_id: int, after: int) -> list[dict]:
    return [c.result for c in fake.calls[after:] if c.ok and c.params.get("chat_id")
            in (chat_id, str(chat_id)) and c.method in ("sendMessage", "sendPhoto")]


async def test_a_manila_subscriber_is_pushed_at_nine_manila_time(
        fake: FakeBotAPI, bot: Application, clock: Clock) -> None:
    fake.add_user(MARIA, language_code="tl")
    mark = fake.mark()
    subscribed = await say(fake, MARIA, "/subscribe")
    # today's action comes at once (planned in the background): then the one-tap zone
    await fake.async_wait_for_message(MARIA, after=mark, text_contains="Ika-5 araw sa 23")
    assert "Hindi ito ang time zone mo?" in subscribed["text"]  # in Filipino
    suggestion = button_data(subscribed, "Manila")
    assert any("🌍" in b["text"] for b in buttons(subscribed))  # another zone, in a tap too
    await press(fake, MARIA, subscribed, suggestion, expect="editMessageText")
    assert (await bot.bot_data.store.chat(MARIA)).timezone == "Asia/Manila"
    await push_round(bot)
    clock.set_local("2027-11-06", "08:59", "Asia/Manila")  # 19:59 in Toronto, 5 November
    mark = fake.mark()
    await push_round(bot)
    assert pushed(fake, MARIA, mark) == []
    clock.set_local("2027-11-06", "09:00", "Asia/Manila")
    await push_round(bot)
    day6 = pushed(fake, MARIA, mark)
    assert len(day6) == 1 and "Ika-6 araw sa 23" in (day6[0].get("text") or day6[0].get("caption"))


async def test_typed_times_zones_and_cities(fake: FakeBotAPI, bot: Application) -> None:
    store = bot.bot_data.store
    answer = await say(fake, ALICE, "/settings 21:30")
    assert "21:30 (Toronto)" in answer["text"]
    assert (await store.chat(ALICE)).push_time == "21:30"
    answer = await say(fake, ALICE, "/settings Asia/Manila")
    assert "21:30 (Manila)" in answer["text"]
    answer = await say(fake, ALICE, "/settings lagos")
    assert "21:30 (Lagos)" in answer["text"]
    assert (await store.chat(ALICE)).timezone == "Africa/Lagos"
    answer = await say(fake, ALICE, "/settings 7h05")
    assert "07:05 (Lagos)" in answer["text"]
    answer = await say(fake, ALICE, "/settings Atlantis")
    assert "I don't know that time or place" in answer["text"]
    assert (await store.chat(ALICE)).timezone == "Africa/Lagos"
    fake.add_user(3002, language_code="fr")
    answer = await say(fake, 3002, "/settings Manille")  # a city in the person's language
    assert "(Manille)" in answer["text"]
    assert (await store.chat(3002)).timezone == "Asia/Manila"


async def test_only_group_admins_type_settings(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ADMIN)
    fake.add_user(MEMBER)
    fake.add_group(GROUP, admins=[ADMIN], members=[MEMBER])
    refused = await say(fake, MEMBER, "/settings Manila", chat_id=GROUP)
    assert "Only the group's admins" in refused["text"]
    assert (await bot.bot_data.store.chat(GROUP)).timezone is None
    await say(fake, ADMIN, "/settings Manila", chat_id=GROUP)
    assert (await bot.bot_data.store.chat(GROUP)).timezone == "Asia/Manila"


async def test_a_clock_ahead_for_a_moment_does_not_end_the_push(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """Day 5 pushed, then the clock is on 30 November (past the campaign) for a beat: every
    chat was planned from it, with no next push at all. Once the clock is right again the
    push goes on (day 6), the organisers hear of it, and a restart after the same jump
    repairs it too (day 7)."""
    people = list(range(61_000, 61_020))
    for chat_id in (*people, ORGANISER):
        fake.add_user(chat_id)
    await subscribe_all(database, people)
    far_ahead = dt.datetime(2027, 11, 30, 15, 0, tzinfo=dt.UTC)
    async with running_bot(fake, tmp_path, clock, db=database) as bot:
        await push_round(bot)
        assert all(len(sent_to(fake, chat_id, "Day 5 of 23")) == 1 for chat_id in people)
        clock.now = far_ahead
        await push_round(bot)
        clock.set_local("2027-11-06", "09:01")
        await push_round(bot)
        assert all(len(sent_to(fake, chat_id, "Day 6 of 23")) == 1 for chat_id in people)
        alert = await fake.async_wait_for_message(ORGANISER, text_contains="clock was ahead")
        assert "planned it again" in alert["text"]
        clock.now = far_ahead
        await push_round(bot)
    clock.set_local("2027-11-07", "09:01")
    async with running_bot(fake, tmp_path, clock, db=database) as bot:
        await push_round(bot)
    assert all(len(sent_to(fake, chat_id, "Day 7 of 23")) == 1 for chat_id in people)
