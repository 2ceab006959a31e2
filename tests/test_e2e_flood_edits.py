"""End to end: the bot's edits against the strict loopback API.

An edit is one of the bot's messages a second, like a send: the loopback API counts edits
toward its `per_second` window (tgbot/fakeapi/README.md, flood control), as
python-telegram-bot's own rate limiter and the conformance judge do. A supporter pressing
"I did it" while a push fills every slot gets the edit in the next free slot, not a 429.
And an edit to what the message already shows is refused as "not modified", which is no error.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import (
    Clock,
    button_data,
    press,
    push_round,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.fakeapi import FakeBotAPI

SUBSCRIBERS = list(range(91_000, 91_180))  # six seconds of sends at 30 a second
PRESSING = SUBSCRIBERS[:4]
ORGANISER = 4242  # the harness's admin: told if the push lags


async def test_presses_answered_with_edits_during_a_push_are_not_refused(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    for chat_id in (*SUBSCRIBERS, ORGANISER):
        fake.add_user(chat_id)
    await subscribe_all(database, SUBSCRIBERS)
    fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    async with running_bot(fake, tmp_path, clock, db=database, rate=30.0) as bot:
        pushing = asyncio.create_task(push_round(bot))
        for chat_id in PRESSING:
            pushed = await fake.async_wait_for_message(chat_id, timeout=20,
                                                       text_contains="Day 5 of 23")
            await press(fake, chat_id, pushed, button_data(pushed, "I did it"),
                        expect="editMessageReplyMarkup", timeout=20)
        await pushing
    edits = [call for call in fake.calls_to("editMessageReplyMarkup") if call.ok]
    assert len(edits) == len(PRESSING)
    last_send = max(call.at for call in fake.calls_to("sendMessage"))
    assert all(edit.at < last_send for edit in edits)  # edited while the push was sending
    assert fake.rate_limited == 0, [call.short() for call in fake.calls if not call.ok]


async def test_a_double_press_edits_once_and_apologises_for_nothing(
        fake: FakeBotAPI, bot: Application) -> None:
    today = await say(fake, ALICE, "/today")
    data = button_data(today, "I did it")
    mark = fake.mark()
    for _ in range(2):  # both presses carry the message as it was: "I did it"
        fake.press_button(ALICE, ALICE, today["message_id"], data)
    refused = await fake.async_wait_for(
        lambda c: c.method == "editMessageReplyMarkup" and not c.ok, after=mark)
    assert refused.description is not None and "not modified" in refused.description
    await asyncio.sleep(0.5)  # time for an apology, if one were coming
    sent = [c.result["text"] for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok]
    assert sent == []
