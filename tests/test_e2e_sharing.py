"""End to end: spreading the word. "You are not alone" counts, inline sharing."""

from __future__ import annotations

from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import ACTIONS, button_data, press, push_round, say, sent_to
from tgbot.campaign import load_campaign
from tgbot.fakeapi import FakeBotAPI

CAMPAIGN = load_campaign(ACTIONS)
DAY5 = CAMPAIGN.action_for_day(5)
CARLA, DIEGO = 1003, 1004


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
