"""End to end: today's action, completions, progress, subscriptions and the daily push."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    campaign_copy,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI

CAMPAIGN = load_campaign(ACTIONS)
DAY5 = CAMPAIGN.action_for_day(5)


async def test_countdown_before_the_campaign(fake: FakeBotAPI, tmp_path: Path,
                                             clock: Clock, database: str) -> None:
    clock.set_local("2026-11-25", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database):
        answer = await say(fake, ALICE, "/today")
    assert "The 2027 campaign starts on 1 November 2027: 341 days to go." in answer["text"]


async def test_before_the_campaign_a_subscriber_is_not_asked_to_subscribe(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    clock.set_local("2026-11-25", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database):
        await say(fake, ALICE, "/subscribe")
        answer = await say(fake, ALICE, "/today")
        progress = await say(fake, ALICE, "/progress")
    assert "341 days to go" in answer["text"]
    assert "You are subscribed: the first action comes to you on day one." in answer["text"]
    assert not buttons(answer)
    assert "The first action comes on 1 November 2027." in progress["text"]
    assert "/today" not in progress["text"]


async def test_today_did_it_undo_and_progress(fake: FakeBotAPI, bot: Application) -> None:
    action = await say(fake, ALICE, "/today")
    assert "Day 5 of 23" in action["text"] and DAY5.title in action["text"]
    done = button_data(action, "I did it")
    markup = await press(fake, ALICE, action, done, expect="editMessageReplyMarkup")
    assert "Undo" in " ".join(b["text"] for b in buttons(markup))
    toast = fake.calls_to("answerCallbackQuery")[-1].params.get("text", "")
    assert "1 action done" in toast
    mark = fake.mark()
    await press(fake, ALICE, action, done)  # twice: nothing changes, nothing breaks
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
    progress = await say(fake, ALICE, "/progress")
    assert "completed 1 action of 23" in progress["text"].replace("<b>", "")
    assert "Still open: days 1, 2, 3 and 4." in progress["text"]
    assert await bot.bot_data.store.completed(ALICE, 2027) == {DAY5.id}
    await press(fake, ALICE, action, button_data(markup, "Undo"),
                expect="editMessageReplyMarkup")
    assert await bot.bot_data.store.completed(ALICE, 2027) == set()


async def test_completion_belongs_to_the_person_not_the_chat(fake: FakeBotAPI,
                                                             bot: Application) -> None:
    action = await say(fake, ALICE, "/today")
    await press(fake, BRUNO, action, button_data(action, "I did it"))
    assert await bot.bot_data.store.completed(BRUNO, 2027) == {DAY5.id}
    assert await bot.bot_data.store.completed(ALICE, 2027) == set()


async def test_actions_list_hides_days_not_reached(fake: FakeBotAPI, bot: Application) -> None:
    listing = await say(fake, ALICE, "/actions")
    assert CAMPAIGN.action_for_day(5).title in listing["text"]
    assert CAMPAIGN.action_for_day(6).title not in listing["text"]
    assert "Opens on 6 November" in listing["text"]
    assert [b["text"] for b in buttons(listing)] == ["1", "2", "3", "4", "5"]
    day3 = await press(fake, ALICE, listing, button_data(listing, "3"), expect="sendMessage")
    assert CAMPAIGN.action_for_day(3).title in day3["text"]


async def test_action_command_arguments(fake: FakeBotAPI, bot: Application) -> None:
    assert CAMPAIGN.action_for_day(2).title in (await say(fake, ALICE, "/action 2"))["text"]
    assert "opens on 7 November 2027" in (await say(fake, ALICE, "/action 7"))["text"]
    for bad in ("/action", "/action abc", "/action 99", "/action -1"):
        answer = await say(fake, ALICE, bad)
        assert "a day number from 1 to 23" in answer["text"], bad


async def test_letter_is_ready_to_copy(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                                       database: str) -> None:
    letter_day = next(a for a in CAMPAIGN.actions if a.letter)
    clock.set_local(CAMPAIGN.date_of(letter_day.day).isoformat(), "10:00")
    async with running_bot(fake, tmp_path, clock, db=database):
        action = await say(fake, ALICE, "/today")
        letter = await press(fake, ALICE, action, button_data(action, "Show the letter"),
                             expect="sendMessage")
    assert any(e["type"] == "pre" for e in letter.get("entities", []))
    assert "[Your name]" in letter["text"]


async def test_after_the_campaign_thanks_with_the_result(fake: FakeBotAPI, tmp_path: Path,
                                                          clock: Clock, database: str) -> None:
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await app.bot_data.store.set_completed(ALICE, 2027, DAY5.id, True, dt.date(2027, 11, 5))
        clock.set_local("2027-11-30", "10:00")
        answer = await say(fake, ALICE, "/today")
    assert "The 2027 campaign is over" in answer["text"]
    assert "You completed 1 action of 23." in answer["text"]


async def test_subscribing_mid_campaign_sends_today_at_once_and_only_once(
        fake: FakeBotAPI, bot: Application) -> None:
    await say(fake, ALICE, "/subscribe")
    await fake.async_wait_for_message(ALICE, text_contains="Day 5 of 23")
    await push_round(bot)
    await push_round(bot)
    assert len(sent_to(fake, ALICE, "Day 5 of 23")) == 1
    again = await say(fake, ALICE, "/subscribe")
    assert "already subscribed" in again["text"]


async def test_daily_push_at_each_chats_local_time_and_catch_up(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(2001, language_code="fr")
    clock.set_local("2027-10-30", "12:00")  # subscribe before the campaign
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        for user in (ALICE, BRUNO, 2001):
            await say(fake, user, "/subscribe")
        store = app.bot_data.store
        await store.set_push_settings(BRUNO, push_time="20:00", timezone="Asia/Manila")
        await store.set_push_settings(2001, push_time="07:00", timezone="Europe/Paris")
        # The bot was down on days 1-4. Day 5, 08:59 Toronto = 21:59 Manila, 14:59 Paris
        clock.set_local("2027-11-05", "08:59")
        await push_round(app)
        assert sent_to(fake, ALICE, "Day 5") == []
        assert sent_to(fake, 2001, "5 novembre")  # Paris: 07:00 has passed, in French
        assert len(sent_to(fake, BRUNO, "Dia 5")) == 1  # Manila: 20:00 passed; Portuguese
        clock.set_local("2027-11-05", "09:00")
        await push_round(app)
        await push_round(app)
        assert len(sent_to(fake, ALICE, "Day 5 of 23")) == 1
        for user in (ALICE, BRUNO, 2001):  # caught up with today, not the missed days
            assert not any("Day 4" in (m.get("text") or "") or "Dia 4" in (m.get("text") or "")
                           for m in fake.messages(user))
        assert await store.delivery_states(2027) == {"sent": 3}


async def test_blocked_and_vanished_chats_are_unsubscribed(fake: FakeBotAPI, tmp_path: Path,
                                                           clock: Clock, database: str) -> None:
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await say(fake, ALICE, "/subscribe")
        await say(fake, BRUNO, "/subscribe")
        store = app.bot_data.store
        await store.set_subscribed(-999, "group", True, dt.date(2027, 10, 30))  # gone group
        fake.block(BRUNO)
        clock.set_local("2027-11-05", "10:00")
        summary = await push_round(app)
        assert (summary.sent, summary.gone) == (1, 2)
        assert [(await store.chat(c)).subscribed for c in (ALICE, BRUNO, -999)] == \
            [True, False, False]
        clock.set_local("2027-11-06", "10:00")
        mark = fake.mark()
        await push_round(app)
        tried = {c.params["chat_id"] for c in fake.calls[mark:] if c.method == "sendMessage"
                 and c.params["chat_id"] not in app.bot_data.settings.admins}  # (lag alerts)
        assert tried == {ALICE}


async def test_group_that_became_a_supergroup_still_gets_the_push(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_group(-4001, type="group", admins=[ALICE])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await say(fake, ALICE, "/subscribe", chat_id=-4001)
        fake.migrate_group(-4001, -1004001)
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
        # a round that read the chat list just before the migration landed queues nothing
        # for the moved chat; the next round (every 30 s) does
        await push_round(app)
        chat = await app.bot_data.store.chat(-1004001)
    assert chat is not None and chat.subscribed
    assert len(sent_to(fake, -1004001, "Day 5 of 23")) == 1


async def test_flood_wait_and_network_errors_are_retried(fake: FakeBotAPI, tmp_path: Path,
                                                         clock: Clock, database: str) -> None:
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await say(fake, ALICE, "/subscribe")
        await say(fake, BRUNO, "/subscribe")
        # each failure names its chat, so that no other message (an organiser's alert) can
        # take a subscriber's
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1",
                       parameters={"retry_after": 1}, chat_id=ALICE)
        fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=BRUNO)
        clock.set_local("2027-11-05", "10:00")
        first = await push_round(app)
        # the 429 is waited out in place (retry_after, by the rate limiter); the 502 goes
        # back to the outbox with a backoff
        failed = {(int(c.params["chat_id"]), c.error_code)
                  for c in fake.calls_to("sendMessage") if not c.ok}
        assert {(ALICE, 429), (BRUNO, 502)} <= failed
        assert (first.sent, first.retried) == (1, 1)
        await asyncio.sleep(2.1)  # network backoff: 2 s
        await push_round(app)
    assert len(sent_to(fake, ALICE, "Day 5 of 23")) == 1
    assert len(sent_to(fake, BRUNO, "Dia 5")) == 1


async def test_infographic_is_uploaded_once_then_reused(fake: FakeBotAPI, tmp_path: Path,
                                                        clock: Clock, database: str) -> None:
    image = tmp_path / "infographic.png"
    image.write_bytes(PNG)
    text = ACTIONS.read_text(encoding="utf-8")
    # Day 8 has no letter or post: its caption stays within the 1024 characters of a photo.
    marker = "  - day: 8\n"
    assert marker in text
    start = text.index(marker)
    body_at = text.index("    body:", start)
    campaign = campaign_copy(tmp_path, text[:body_at] + "    image: infographic.png\n"
                             + text[body_at:])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        await say(fake, ALICE, "/subscribe")
        await say(fake, BRUNO, "/subscribe")
        clock.set_local("2027-11-08", "10:00")
        await push_round(app)
    photos = fake.calls_to("sendPhoto")
    assert len(photos) == 2 and all(c.ok for c in photos)
    assert not isinstance(photos[0].params["photo"], str)  # uploaded
    assert photos[1].params["photo"] == photos[0].result["photo"][-1]["file_id"]  # reused
    # each in its chat's language, whichever was sent first
    caption = {int(c.params["chat_id"]): c.result["caption"] for c in photos}
    assert "Day 8 of 23" in caption[ALICE] and "Dia 8 de 23" in caption[BRUNO]


# A 1x1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


async def test_a_broken_image_fails_that_delivery_alone(fake: FakeBotAPI, tmp_path: Path,
                                                        clock: Clock, database: str) -> None:
    """A bug on one row (here an image deleted after the check) does not stop the round."""
    image = tmp_path / "infographic.png"
    image.write_bytes(PNG)
    text = ACTIONS.read_text(encoding="utf-8")
    body_at = text.index("    body:", text.index("  - day: 5\n"))
    campaign = campaign_copy(tmp_path, text[:body_at] + "    image: infographic.png\n"
                             + text[body_at:])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        await say(fake, ALICE, "/subscribe")
        image.unlink()
        clock.set_local("2027-11-05", "10:00")
        summary = await push_round(app)
        assert summary.failed == 1
        assert await app.bot_data.store.delivery_states(2027) == {"failed": 1}
        assert "Maguindanao" in (await say(fake, ALICE, "/why"))["text"]  # still serving
