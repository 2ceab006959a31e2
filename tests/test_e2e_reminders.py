"""End to end: opt-in reminders through the outbox, at their minute, only if not done."""

from __future__ import annotations

from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    count_rows,
    press,
    push_round,
    say,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.ops.metrics import REGISTRY

CAMPAIGN = load_campaign(ACTIONS)
REMINDER = "still waiting for you"
GROUP, ADMIN = -100888, 3201


def reminders_to(fake: FakeBotAPI, chat_id: int) -> list[dict]:
    return [c.result for c in fake.calls if c.ok and c.method == "sendMessage"
            and c.params.get("chat_id") in (chat_id, str(chat_id))
            and REMINDER in c.result.get("text", "")]


def delivered(kind: str) -> float:
    """The messages of one kind sent so far, as /metrics counts them (this process's)."""
    return REGISTRY.get_sample_value("tgbot_delivered_total",
                                     {"kind": kind, "outcome": "sent"}) or 0.0


async def test_a_reminder_fires_at_its_minute_once_and_not_after_i_did_it(
        fake: FakeBotAPI, bot: Application, clock: Clock) -> None:
    confirmed = await say(fake, ALICE, "/remind 21:00")
    assert "Reminder set for 21:00 (Toronto)" in confirmed["text"]
    today = await say(fake, BRUNO, "/today")
    bruno = await press(fake, BRUNO, today, button_data(today, "⏰"),
                        expect="sendMessage")
    assert "20:00" in bruno["text"]  # in Portuguese, with the time
    await bot.bot_data.store.set_reminder(BRUNO, "21:00", clock().timestamp())
    await press(fake, BRUNO, today, button_data(today, "✅"), expect="editMessageReplyMarkup")
    clock.set_local("2027-11-05", "20:59")
    await push_round(bot)
    assert reminders_to(fake, ALICE) == []
    clock.set_local("2027-11-05", "21:00")
    mark = fake.mark()
    counted = {kind: delivered(kind) for kind in ("push", "reminder")}
    await push_round(bot)
    await push_round(bot)
    sent = reminders_to(fake, ALICE)
    # /metrics counts it as a reminder, not as the day's push
    assert delivered("reminder") - counted["reminder"] == 1
    assert delivered("push") == counted["push"]
    assert len(sent) == 1 and CAMPAIGN.action_for_day(5).title in sent[0]["text"]
    assert any("I did it" in b["text"] for b in buttons(sent[0]))
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"
                and c.params.get("chat_id") in (BRUNO, str(BRUNO))]  # Bruno did it already
    assert (await bot.bot_data.store.delivery_states(2027)) == {}  # not the push's outbox
    # the next day it fires again, for that day
    clock.set_local("2027-11-06", "21:00")
    await push_round(bot)
    assert len(reminders_to(fake, ALICE)) == 2


async def test_remind_off_forget_and_the_campaign_end(fake: FakeBotAPI, bot: Application,
                                                      clock: Clock) -> None:
    await say(fake, ALICE, "/remind 21:00")
    stopped = await say(fake, ALICE, "/remind off")
    assert "Reminder at 21:00 (Toronto) stopped" in stopped["text"]
    assert "/remind 21:00" in (await say(fake, ALICE, "/remind"))["text"]
    await say(fake, BRUNO, "/remind 21:00")
    assert "21:00" in (await say(fake, BRUNO, "/mydata"))["text"]
    confirm = await say(fake, BRUNO, "/forget")
    await press(fake, BRUNO, confirm, button_data(confirm, "🗑"), expect="sendMessage")
    for table in ("reminders", "reminder_deliveries"):
        assert count_rows(bot.bot_data.settings.db, table, "chat_id", BRUNO) == 0, table
    fake.add_user(3003)
    await say(fake, 3003, "/remind 22:00")
    clock.set_local("2027-11-05", "21:30")
    await push_round(bot)
    clock.set_local("2027-11-24", "22:30")  # the campaign is over
    await push_round(bot)
    assert reminders_to(fake, ALICE) == [] and reminders_to(fake, BRUNO) == []
    assert reminders_to(fake, 3003) == []


async def test_reminders_are_for_private_chats(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ADMIN)
    fake.add_group(GROUP, admins=[ADMIN])
    answer = await say(fake, ADMIN, "/remind 21:00", chat_id=GROUP)
    assert "private chat" in answer["text"]
    assert count_rows(bot.bot_data.settings.db, "reminders", "chat_id", GROUP) == 0
    settings = await say(fake, ALICE, "/settings")
    assert any("Remind me tonight" in b["text"] for b in buttons(settings))
    await press(fake, ALICE, settings, button_data(settings, "Remind me tonight"),
                expect="sendMessage")
    settings = await say(fake, ALICE, "/settings")
    await press(fake, ALICE, settings, button_data(settings, "Stop the reminder at 20:00"),
                expect="sendMessage")
    assert await bot.bot_data.store.reminder(ALICE) is None


async def test_a_reminder_follows_a_new_time_zone(fake: FakeBotAPI, bot: Application,
                                                  clock: Clock) -> None:
    clock.set_local("2027-11-05", "07:00")  # 20:00 in Manila
    await say(fake, ALICE, "/remind 21:00")
    await push_round(bot)  # planned for 21:00 in Toronto
    assert "(Manila)" in (await say(fake, ALICE, "/settings Asia/Manila"))["text"]
    clock.set_local("2027-11-05", "21:00", "Asia/Manila")
    await push_round(bot)
    await push_round(bot)
    sent = reminders_to(fake, ALICE)
    assert len(sent) == 1 and CAMPAIGN.action_for_day(5).title in sent[0]["text"]
    clock.set_local("2027-11-05", "21:00")  # Toronto's 21:00 is no reminder time any more
    await push_round(bot)
    assert len(reminders_to(fake, ALICE)) == 1
