"""End to end: groups, supergroups with topics, and channels."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ROOT,
    Clock,
    button_data,
    buttons,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n

GROUP, ADMIN, MEMBER = -1001234, 3001, 3002
I18N = I18n(ROOT / "locales")
INTRO = ("👋 Hello! I bring one simple action a day to end impunity for crimes against "
         "journalists, and answer questions about the campaign.")


def add_people(fake: FakeBotAPI) -> None:
    fake.add_user(ADMIN, language_code="es")
    fake.add_user(MEMBER, language_code="en")
    fake.add_group(GROUP, admins=[ADMIN], members=[MEMBER, ALICE, BRUNO])


async def test_added_introduces_itself_removed_unsubscribes(fake: FakeBotAPI,
                                                           bot: Application) -> None:
    add_people(fake)
    mark = fake.mark()
    fake.chat_member_update(GROUP, by_user_id=ADMIN, new_status="member", old_status="left")
    intro = await fake.async_wait_for_message(GROUP, after=mark)
    spanish = I18N.get("es").gettext(INTRO)
    assert spanish != INTRO and spanish in intro["text"]  # in the language of who added it
    await say(fake, ADMIN, "/subscribe", chat_id=GROUP)
    assert (await bot.bot_data.store.chat(GROUP)).subscribed
    fake.chat_member_update(GROUP, by_user_id=ADMIN, new_status="kicked", old_status="member")
    await fake.async_wait_for(lambda c: c.method == "getUpdates", after=fake.mark())
    for _ in range(50):
        if not (await bot.bot_data.store.chat(GROUP)).subscribed:
            break
        await asyncio.sleep(0.05)
    assert not (await bot.bot_data.store.chat(GROUP)).subscribed
    await push_round(bot)
    assert sent_to(fake, GROUP, "Día 5") == []


async def test_only_admins_change_group_settings(fake: FakeBotAPI, bot: Application) -> None:
    add_people(fake)
    refusal = await say(fake, MEMBER, "/subscribe", chat_id=GROUP)
    assert "Only the group's admins" in refusal["text"]
    assert fake.calls_to("getChatMember")  # asked Telegram, did not trust the message
    assert not (await bot.bot_data.store.chat(GROUP)).subscribed
    refusal = await say(fake, MEMBER, "/language", chat_id=GROUP)
    assert "Only the group's admins" in refusal["text"]
    ok = await say(fake, ADMIN, "/subscribe", chat_id=GROUP)
    assert "Subscribed!" in ok["text"]
    assert (await bot.bot_data.store.chat(GROUP)).subscribed


async def test_anonymous_admin_posts_as_the_group(fake: FakeBotAPI, bot: Application) -> None:
    add_people(fake)
    fake.add_user(1087968824, first_name="Group", is_bot=True, language_code=None)
    mark = fake.mark()
    fake.send_message(1087968824, "/subscribe", chat_id=GROUP, sender_chat_id=GROUP)
    await fake.async_wait_for_message(GROUP, after=mark)
    assert (await bot.bot_data.store.chat(GROUP)).subscribed


async def test_commands_for_other_bots_and_chatter_are_ignored(fake: FakeBotAPI,
                                                               bot: Application) -> None:
    add_people(fake)
    mark = fake.mark()
    fake.send_message(MEMBER, "/today@some_other_bot", chat_id=GROUP)
    fake.send_message(MEMBER, "who organises this? anyone?", chat_id=GROUP)
    fake.send_message(MEMBER, "/why@tgbot_demo_bot", chat_id=GROUP)
    answer = await fake.async_wait_for_message(GROUP, after=mark)
    assert "Maguindanao" in answer["text"]
    await asyncio.sleep(0.5)
    assert len([m for m in fake.messages(GROUP)]) == 1
    mentioned = await say(fake, MEMBER, "@tgbot_demo_bot who organises this?", chat_id=GROUP)
    assert "IFEX" in mentioned["text"]


async def test_forum_topic_gets_the_push(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                                         database: str) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_group(GROUP, is_forum=True, admins=[ADMIN])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        fake.send_message(ADMIN, "/subscribe", chat_id=GROUP, thread_id=77)
        await fake.async_wait_for_message(GROUP, after=mark)
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
    push = sent_to(fake, GROUP, "Day 5 of 23")
    assert len(push) == 1 and push[0]["message_thread_id"] == 77


async def test_channel_subscribed_both_ways_gets_a_link_not_buttons(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_channel(-1005001, admins=[ADMIN], username="pressfreedom")
    fake.add_channel(-1005002, admins=[ADMIN], username="other")
    fake.add_channel(-1005003, admins=[BRUNO], username="notyours")
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        fake.post_in_channel(-1005001, "/subscribe")
        await fake.async_wait_for_message(-1005001, after=mark)
        answer = await say(fake, ADMIN, "/subscribe @other")
        assert "is subscribed" in answer["text"]
        refused = await say(fake, ADMIN, "/subscribe @notyours")
        assert "administrators of the channel" in refused["text"]
        store = app.bot_data.store
        assert (await store.chat(-1005002)).subscribed
        assert (await store.chat(-1005003)) is None or not (await store.chat(-1005003)).subscribed
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
    post = sent_to(fake, -1005001, "Day 5 of 23")[0]
    labels = [b["text"] for b in buttons(post)]
    assert not any("I did it" in label for label in labels)
    link = next(b["url"] for b in buttons(post) if "Open in the bot" in b["text"])
    assert link == "https://t.me/tgbot_demo_bot?start=day5"


async def test_channel_link_opens_the_day_in_a_private_chat(fake: FakeBotAPI,
                                                            bot: Application) -> None:
    opened = await say(fake, ALICE, "/start day5")
    assert "Day 5 of 23" in opened["text"]
    assert await bot.bot_data.store.start_sources() == {"day5": 1}


async def test_group_counter_counts_people_and_edits_are_throttled(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    add_people(fake)
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        app.bot_data.edits.interval = 1.0
        await say(fake, ADMIN, "/language", chat_id=GROUP)
        await app.bot_data.store.set_language(GROUP, "supergroup", "en", clock.now.date())
        await say(fake, ADMIN, "/subscribe", chat_id=GROUP)
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
        push = sent_to(fake, GROUP, "Day 5 of 23")[0]
        done = button_data(push, "I did it")
        mark = fake.mark()
        for user in (ADMIN, MEMBER, ALICE, BRUNO, MEMBER):  # MEMBER twice: counted once
            fake.press_button(user, GROUP, push["message_id"], done)
        await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                                  and "4 people here did it" in c.result["text"],
                                  after=mark, timeout=6)
        edits = [c for c in fake.calls[mark:] if c.method == "editMessageText"]
        assert 1 <= len(edits) <= 3  # five presses, collapsed
        gaps = [b.at - a.at for a, b in zip(edits, edits[1:], strict=False)]
        assert all(gap >= 0.9 for gap in gaps)
        assert len(await app.bot_data.store.completed(ALICE, 2027)) == 1  # as a person too


async def test_migrated_group_keeps_language_and_subscription(
        fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ADMIN, language_code="es")
    fake.add_group(-4321, type="group", admins=[ADMIN])
    await say(fake, ADMIN, "/subscribe", chat_id=-4321)
    fake.migrate_group(-4321, -1004321)
    for _ in range(100):  # the move is one transaction: the old id goes as the new one comes
        if await bot.bot_data.store.chat(-4321) is None:
            break
        await asyncio.sleep(0.05)
    moved = await bot.bot_data.store.chat(-1004321)
    assert moved is not None and moved.subscribed and moved.language == "es"
