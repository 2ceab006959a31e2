"""End to end: each subscriber's own time: a one-tap zone on /subscribe, typed settings."""

from __future__ import annotations

from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import Clock, button_data, buttons, press, push_round, say
from tgbot.fakeapi import FakeBotAPI

MARIA = 3001  # a Filipino supporter in Manila
GROUP, ADMIN, MEMBER = -100777, 3101, 3102


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
