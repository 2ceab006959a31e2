"""End to end: spreading the word. "You are not alone" counts, inline sharing."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    database_bytes,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.telegram_html import parse_html

CAMPAIGN = load_campaign(ACTIONS)
DAY5 = CAMPAIGN.action_for_day(5)
CARLA, DIEGO = 1003, 1004
STRANGER = 777_000_001  # has never started the bot
GROUP, ADMIN_OF_GROUP = -100999, 3301


async def ask_inline(fake: FakeBotAPI, user_id: int, query: str = "", **kwargs: str) -> dict:
    """Type "@bot query" as `user_id`; return the bot's answerInlineQuery."""
    mark = fake.mark()
    update = fake.inline_query(user_id, query, **kwargs)
    call = await fake.async_wait_for(lambda c: c.method == "answerInlineQuery", after=mark)
    assert call.ok, call.error
    answer = fake.inline_answer(update["inline_query"]["id"])
    assert answer is not None
    return answer


def card(answer: dict, card_id: str) -> dict:
    return next(r for r in answer["results"] if r["id"] == card_id)


async def test_counts_after_several_people_act(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(CARLA, language_code="fr")
    fake.add_user(DIEGO, language_code="ru")
    first = await say(fake, ALICE, "/today")
    assert "done this so far" not in first["text"]  # nobody yet: no line at all
    for person in (ALICE, BRUNO, CARLA):
        action = await say(fake, person, "/today")
        await press(fake, person, action, button_data(action, "✅"),
                    expect="editMessageReplyMarkup")
    assert "🌍 3 people have done this so far." in (await say(fake, ALICE, "/today"))["text"]
    assert "3 personnes" in (await say(fake, CARLA, "/today"))["text"]
    assert "3 человека" in (await say(fake, DIEGO, "/today"))["text"]
    # an earlier day done by one more person counts in the campaign's total, not in today's
    day2 = CAMPAIGN.action_for_day(2)
    await bot.bot_data.store.set_completed(DIEGO, 2027, day2.id, True,
                                           CAMPAIGN.date_of(2))
    assert "🌍 3 pessoas" in (await say(fake, BRUNO, "/today"))["text"]
    progress = await say(fake, ALICE, "/progress")
    assert "Together, supporters have taken 4 actions in this campaign." in progress["text"]
    undone = await say(fake, ALICE, "/today")
    await press(fake, ALICE, undone, button_data(undone, "Undo"),
                expect="editMessageReplyMarkup")
    assert "🌍 2 people have done this so far." in (await say(fake, ALICE, "/today"))["text"]


async def test_daily_push_counts_at_send_time(fake: FakeBotAPI, bot: Application) -> None:
    store = bot.bot_data.store
    await store.set_completed(BRUNO, 2027, DAY5.id, True, CAMPAIGN.date_of(5))
    await say(fake, ALICE, "/subscribe")
    pushed = await fake.async_wait_for_message(ALICE, text_contains="Day 5 of 23")
    assert "🌍 1 person has done this so far." in pushed["text"]
    await push_round(bot)
    assert len(sent_to(fake, ALICE, "Day 5 of 23")) == 1


async def test_a_stranger_shares_today_in_their_language_and_nothing_is_stored(
        fake: FakeBotAPI, bot: Application, database: str) -> None:
    await bot.bot_data.store.set_completed(BRUNO, 2027, DAY5.id, True, CAMPAIGN.date_of(5))
    answer = await ask_inline(fake, STRANGER, language_code="es")
    assert answer["is_personal"] is True and 0 < answer["cache_time"] <= 300
    ids = [r["id"] for r in answer["results"]]
    assert ids[:2] == ["today", "invite"]
    assert [i for i in ids if i.startswith("faq-")] == [f"faq-{e.id}" for e in CAMPAIGN.faq]
    today = card(answer, "today")
    text = today["input_message_content"]["message_text"]
    assert "Día 5 de 23" in text and "1 persona ya lo ha hecho." in text
    parse_html(text)  # valid Telegram HTML (the fake judged it too)
    links = [b["url"] for b in buttons(today)]
    assert "https://t.me/tgbot_demo_bot?start=inline" in links
    assert not [b for b in buttons(today) if "callback_data" in b]  # nobody's own state
    # nothing about the stranger: no row with their id anywhere
    assert await bot.bot_data.store.user_data(STRANGER) == {
        "chat": None, "completions": [], "not_safe": [], "deliveries": 0, "reminder": None,
        "group_presses": [], "announcements": 0, "partner": None,
        "kept_messages": 0}
    assert str(STRANGER).encode() not in database_bytes(database)
    # the friend taps the card's button: the source is counted like any other
    fake.add_user(CARLA, language_code="fr")
    await say(fake, CARLA, "/start inline")
    assert (await bot.bot_data.store.start_sources())["inline"] == 1


async def test_inline_cards_follow_the_stored_language_and_the_words_typed(
        fake: FakeBotAPI, bot: Application) -> None:
    await say(fake, ALICE, "/start")
    await bot.bot_data.store.set_language(ALICE, "private", "fr", CAMPAIGN.date_of(5))
    answer = await ask_inline(fake, ALICE, language_code="en")  # the stored choice wins
    assert "Jour 5 sur 23" in card(answer, "today")["input_message_content"]["message_text"]
    # typed words filter the cards, typos tolerated, in the person's language
    stranger = await ask_inline(fake, STRANGER, "who organsies the campain", language_code="en")
    top = stranger["results"][0]
    assert top["id"].startswith("faq-") and "organis" in top["title"].lower()
    assert len(stranger["results"]) < 2 + len(CAMPAIGN.faq)


async def test_inline_before_the_campaign_shares_the_countdown(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    clock.set_local("2027-10-20", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database):
        answer = await ask_inline(fake, STRANGER, language_code="ru")
    assert [r["id"] for r in answer["results"]][:2] == ["countdown", "invite"]
    assert "12 дней" in card(answer, "countdown")["input_message_content"]["message_text"]


async def test_inline_mode_off_is_one_line_in_the_log(
        tmp_path: Path, clock: Clock, database: str, caplog: pytest.LogCaptureFixture) -> None:
    with FakeBotAPI(inline_mode=False) as fake, caplog.at_level(logging.WARNING):
        async with running_bot(fake, tmp_path, clock, db=database):
            pass
        with pytest.raises(ValueError, match="inline mode is off"):
            fake.inline_query(STRANGER, "")
    hints = [r.getMessage() for r in caplog.records if "/setinline" in r.getMessage()]
    assert len(hints) == 1 and "@BotFather" in hints[0]


async def test_posts_for_any_platform(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                                      database: str) -> None:
    day = next(a for a in CAMPAIGN.actions if a.tweet)
    post = f"{day.tweet} {CAMPAIGN.hashtag}".strip()
    clock.set_local(CAMPAIGN.date_of(day.day).isoformat(), "10:00")
    fake.add_user(ADMIN_OF_GROUP)
    fake.add_group(GROUP, admins=[ADMIN_OF_GROUP])
    async with running_bot(fake, tmp_path, clock, db=database):
        action = await say(fake, ALICE, "/today")
        urls = {b["text"]: b.get("url", "") for b in buttons(action)}
        telegram = next(u for label, u in urls.items() if "Telegram" in label)
        assert telegram.startswith("https://t.me/share/url?url=")
        assert parse_qs(urlsplit(telegram).query)["text"] == [post]
        x = next(u for label, u in urls.items() if "X" in label.split())
        # the accounts to tag exist on X only: they go to X's composer, nowhere else
        assert parse_qs(urlsplit(x).query)["text"] == [f"{post} {day.x_accounts}".strip()]
        copied = await press(fake, ALICE, action, button_data(action, "Copy the post"),
                             expect="sendMessage")
        code = [e for e in copied["entities"] if e["type"] == "code"]
        units = copied["text"].encode("utf-16-le")  # entity offsets count UTF-16 units
        start, length = code[0]["offset"] * 2, code[0]["length"] * 2
        assert len(code) == 1 and units[start:start + length].decode("utf-16-le") == post
        in_group = await say(fake, ADMIN_OF_GROUP, "/today", chat_id=GROUP)
    labels = [b["text"] for b in buttons(in_group)]
    assert not [b for b in labels if "Copy the post" in b]  # a press would answer everyone
    assert [b for b in labels if "Telegram" in b]
