"""End to end: who may press what; forged and stray button presses change nothing."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import (
    Clock,
    button_data,
    buttons,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.fakeapi import FakeBotAPI
from tgbot.fakeapi.state import CallbackState

CHANNEL, GROUP, ADMIN, MALLORY = -1005001, -1001234, 3001, 6666
STALE = "This button is from an earlier campaign."


async def answer_to(fake: FakeBotAPI, update: dict, timeout: float = 5.0) -> dict:
    """The bot's answerCallbackQuery parameters for a press."""
    query_id = update["callback_query"]["id"]
    for _ in range(int(timeout / 0.05)):
        if (answer := fake.callback_answer(query_id)) is not None:
            return answer
        await asyncio.sleep(0.05)
    raise TimeoutError(f"press {update['callback_query']['data']!r} was not answered")


def edits_in(fake: FakeBotAPI, chat_id: int, after: int) -> list:
    return [c for c in fake.calls[after:] if c.method.startswith("edit")
            and c.params.get("chat_id") in (chat_id, str(chat_id))]


async def test_a_channel_gets_no_settings_button_and_its_readers_change_nothing(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_user(MALLORY, first_name="Mallory", language_code="en")
    fake.add_channel(CHANNEL, admins=[ADMIN], username="pressfreedom")
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        fake.post_in_channel(CHANNEL, "/subscribe")
        subscribed = await fake.async_wait_for_message(CHANNEL, after=mark)
        assert [b for b in buttons(subscribed) if "callback_data" in b] == []
        store = app.bot_data.store
        await push_round(app)  # the first round, which plans every subscribed chat anew, is over
        before = await store.chat(CHANNEL)
        mark = fake.mark()
        # a reader with a modified client presses what an old reply offered, and worse
        for data in ("settings", "time:07:00", "tz:0", "languages", "lang:fr", "unsub"):
            answer = await answer_to(fake, fake.press_button(
                MALLORY, CHANNEL, subscribed["message_id"], data))
            assert answer.get("text") == STALE
        assert await store.chat(CHANNEL) == before
        assert before is not None and before.subscribed
        assert edits_in(fake, CHANNEL, mark) == []
        assert sent_to(fake, CHANNEL, "") == [subscribed]
        # a genuine Settings button, as replies before this version carried one
        old = await app.bot.send_message(CHANNEL, "Subscribed", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("⚙️ Settings", callback_data="settings")]]))
        answer = await answer_to(fake, fake.press_button(MALLORY, CHANNEL, old.message_id,
                                                         "settings"))
        assert answer.get("text") == "Only the channel's admins can change this."


async def test_a_channel_sets_its_time_and_zone_by_typing_in_a_post(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    fake.add_channel(CHANNEL, admins=[ADMIN], username="pressfreedom")
    clock.set_local("2027-10-30", "12:00")  # before the campaign: no action follows /subscribe
    async with running_bot(fake, tmp_path, clock) as app:
        for post in ("/subscribe", "/settings 07:00", "/settings Lagos", "/settings"):
            mark = fake.mark()
            fake.post_in_channel(CHANNEL, post)
            answer = await fake.async_wait_for_message(CHANNEL, after=mark)
            assert [b for b in buttons(answer) if "callback_data" in b] == [], post
        assert "for example: /settings 21:30" in answer["text"]  # bare: how to type them
        record = await app.bot_data.store.chat(CHANNEL)
        assert (record.push_time, record.timezone) == ("07:00", "Africa/Lagos")


async def test_a_forged_press_does_not_rewrite_a_groups_shared_message(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_user(MALLORY, first_name="Mallory", language_code="en")
    fake.add_group(GROUP, admins=[ADMIN], members=[MALLORY])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await say(fake, ADMIN, "/subscribe", chat_id=GROUP)
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
        push = sent_to(fake, GROUP, "Day 5 of 23")[0]
        campaign = app.bot_data.campaign
        day2 = campaign.action_for_day(2)
        assert day2 is not None
        forged = button_data(push, "I did it").replace(campaign.action_for_day(5).id, day2.id)
        mark = fake.mark()
        for data in (forged, "faq:why", "forget", "today"):
            answer = await answer_to(fake, fake.press_button(MALLORY, GROUP, push["message_id"],
                                                             data))
            assert answer.get("text") == STALE, data
        await asyncio.sleep(0.3)  # a counter edit runs in the background
        assert edits_in(fake, GROUP, mark) == []
        assert await app.bot_data.store.group_count(GROUP, campaign.edition, 2) == 0
        assert not await app.bot_data.store.completed(MALLORY, campaign.edition)
        honest = await answer_to(fake, fake.press_button(MALLORY, GROUP, push["message_id"],
                                                         button_data(push, "I did it")))
        assert honest.get("text") != STALE  # the button the message carries still counts


async def test_an_impossible_reminder_time_is_refused_without_an_error(
        fake: FakeBotAPI, bot: Application) -> None:
    menu = await say(fake, ALICE, "/start")
    mark = fake.mark()
    answer = await answer_to(fake, fake.press_button(ALICE, ALICE, menu["message_id"],
                                                     "remind:99:99"))
    assert answer.get("text") == STALE
    await asyncio.sleep(0.3)
    assert [c for c in fake.calls[mark:] if c.method == "sendMessage"] == []
    assert await bot.bot_data.store.reminder(ALICE) is None


async def test_a_press_without_a_chat_changes_nothing(fake: FakeBotAPI,
                                                     bot: Application) -> None:
    await say(fake, ALICE, "/subscribe")
    query_id = "4999999999999999999"
    fake._state.callbacks[query_id] = CallbackState(ALICE, 0, 0, "unsub")  # as Telegram would
    update = fake.inject_update({"callback_query": {
        "id": query_id, "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"},
        "inline_message_id": "AgAAAFq1AAAAAAAA", "chat_instance": "-1", "data": "unsub"}})
    answer = await answer_to(fake, update)
    assert answer.get("text") == STALE
    assert (await bot.bot_data.store.chat(ALICE)).subscribed
