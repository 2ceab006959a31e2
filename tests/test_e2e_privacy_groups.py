"""End to end: in a group the bot answers only what is addressed to it, keeps personal data
to the private chat, and /mydata shows everything /forget would delete."""

from __future__ import annotations

import asyncio
import datetime as dt

from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import ACTIONS, button_data, buttons, forget_everything, press, say
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI

GROUP, ADMIN, MEMBER = -1007001, 3101, 3102
CAMPAIGN = load_campaign(ACTIONS)
BOT = "tgbot_demo_bot"


def add_group(fake: FakeBotAPI) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_user(MEMBER, language_code="en")
    fake.add_group(GROUP, admins=[ADMIN], members=[MEMBER, ALICE])


def private_button(message: dict) -> None:
    """The one line for a group carries one button, opening the private chat with the bot."""
    assert [b.get("url") for b in buttons(message)] == [f"https://t.me/{BOT}"]


async def test_faq_answers_only_text_addressed_to_the_bot(fake: FakeBotAPI,
                                                          bot: Application) -> None:
    add_group(fake)
    mark = fake.mark()
    said = fake.send_message(ADMIN, "Who organises the campaign this year?", chat_id=GROUP)
    fake.send_message(MEMBER, "@alice who organises this?", chat_id=GROUP)
    fake.send_message(MEMBER, "I think IFEX organises it, why?", chat_id=GROUP,
                      reply_to_message_id=said["message"]["message_id"])
    fake.send_message(MEMBER, "what do you mean", chat_id=GROUP)
    await asyncio.sleep(1.0)
    assert [c.short for c in fake.calls[mark:] if c.method == "sendMessage"] == []
    mentioned = await say(fake, MEMBER, f"@{BOT} who organises this?", chat_id=GROUP)
    assert "IFEX" in mentioned["text"]
    shouting = await say(fake, MEMBER, f"@{BOT.upper()} who organises this?", chat_id=GROUP)
    assert "IFEX" in shouting["text"]
    mark = fake.mark()
    fake.send_message(MEMBER, "why 23 november?", chat_id=GROUP,
                      reply_to_message_id=mentioned["message_id"])
    replied = await fake.async_wait_for_message(GROUP, after=mark)
    assert "Maguindanao" in replied["text"]
    unclear = await say(fake, MEMBER, f"@{BOT} blue bananas", chat_id=GROUP)
    assert unclear["text"] == ("💬 Ask me in a private chat: I answer every question about "
                               "the campaign there.")
    private_button(unclear)
    private = await say(fake, ALICE, "blue bananas")
    assert private["text"].startswith("I'm not sure what you mean.")


async def test_mydata_and_forget_in_a_group_point_to_the_private_chat(
        fake: FakeBotAPI, bot: Application) -> None:
    add_group(fake)
    await say(fake, MEMBER, "/start")
    for command in ("/mydata", f"/forget@{BOT}"):
        answer = await say(fake, MEMBER, command, chat_id=GROUP)
        assert answer["text"] == "🔐 I show and delete your data only in a private chat with me."
        assert str(MEMBER) not in answer["text"]
        private_button(answer)
    assert await bot.bot_data.store.chat(MEMBER) is not None  # nothing deleted


async def answer(fake: FakeBotAPI, user: int, text: str, contains: str) -> dict:
    """The bot's answer to `text`, which the day's push or an announcement may precede."""
    mark = fake.mark()
    fake.send_message(user, text)
    return await fake.async_wait_for_message(user, after=mark, text_contains=contains)


async def test_mydata_shows_group_presses_titles_and_the_default_push_time(
        fake: FakeBotAPI, bot: Application) -> None:
    add_group(fake)
    in_group = await say(fake, MEMBER, "/today", chat_id=GROUP)
    await press(fake, MEMBER, in_group, button_data(in_group, "I did it"))
    private = await say(fake, MEMBER, "/today")
    assert button_data(private, "Undo")  # a press in a group is the person's completion too
    await say(fake, MEMBER, "/subscribe")
    store = bot.bot_data.store
    announcement = await store.create_announcement("Vigil tonight", None, dt.date(2027, 11, 5))
    await store.start_announcement(announcement, now=bot.bot_data.clock().timestamp())
    data = await answer(fake, MEMBER, "/mydata", "What I store")
    assert "Announcements sent to you: 1" in data["text"]
    title = CAMPAIGN.action_for_day(5).title
    assert f"2027: {title} (5 November 2027)" in data["text"]
    assert f'"I did it" in groups (1):\n2027: {title} (group {GROUP})' in data["text"]
    assert CAMPAIGN.action_for_day(5).id not in data["text"]
    assert "Daily message: 09:00 Toronto (the campaign's default)" in data["text"]
    confirm = await answer(fake, MEMBER, "/forget", "Delete everything")
    await forget_everything(fake, MEMBER, confirm)
    after = await answer(fake, MEMBER, "/mydata", "What I store")
    assert "in groups" not in after["text"] and title not in after["text"]
