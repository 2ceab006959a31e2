"""End to end: announcements at each chat's local time, and four eyes (TGBOT_APPROVALS=2)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.helpers.harness import (
    ACTIONS,
    Clock,
    author_cannot_approve,
    button_data,
    buttons,
    press,
    push_round,
    running_bot,
    say,
)
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
SECOND = 4343  # the second organiser of the four-eyes tests
TODAY = dt.date(2027, 11, 5)
# Chats in three zones, and when 18:00 comes in each from 15:00 UTC on 5 November 2027.
ZONES = {7101: "Europe/Paris", 7102: "America/Toronto", 7103: "Asia/Manila"}
EIGHTEEN = {7101: dt.datetime(2027, 11, 5, 17, 0, tzinfo=dt.UTC),  # CET
            7102: dt.datetime(2027, 11, 5, 22, 0, tzinfo=dt.UTC),  # EDT, until the 7th
            7103: dt.datetime(2027, 11, 6, 10, 0, tzinfo=dt.UTC)}  # today's 18:00 has passed


async def subscribe(store: Store, chat_id: int, language: str, zone: str | None = None) -> None:
    await store.set_language(chat_id, "private", language, TODAY)
    await store.set_subscribed(chat_id, "private", True, TODAY)
    if zone:
        await store.set_push_settings(chat_id, push_time=None, timezone=zone)


def received(fake: FakeBotAPI, chat_id: int, text: str) -> int:
    """How many messages with exactly `text` the chat got."""
    return sum(1 for m in fake.messages(chat_id) if m.get("text") == text)


async def question_for(fake: FakeBotAPI, user_id: int, command: str) -> dict:
    """Send /announce as an organiser; return the question under the preview."""
    mark = fake.mark()
    fake.send_message(user_id, command)
    asked = await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok
                                      and bool(buttons(c.result)), after=mark)
    return asked.result


async def test_a_scheduled_announcement_reaches_each_zone_at_its_own_18(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    store = await Store.open(database)
    for chat_id, zone in ZONES.items():
        fake.add_user(chat_id)
        await subscribe(store, chat_id, "en", zone)
    await store.close()
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        question = await question_for(fake, ORGANISER, "/announce at 18:00 Vigil at six")
        assert "3 subscribed chats" in question["text"]
        assert "at 18:00 in each chat's own time zone" in question["text"]
        await press(fake, ORGANISER, question, button_data(question, "Send"),
                    expect="editMessageText")
        for chat_id, due in sorted(EIGHTEEN.items(), key=lambda item: item[1]):
            clock.now = due - dt.timedelta(minutes=1)
            await push_round(app)
            assert received(fake, chat_id, "Vigil at six") == 0, ZONES[chat_id]
            clock.now = due
            await push_round(app)
            got = {other: received(fake, other, "Vigil at six") for other in ZONES}
            assert got == {other: int(EIGHTEEN[other] <= due) for other in ZONES}
        clock.now += dt.timedelta(days=2)
        await push_round(app)
        assert [received(fake, chat_id, "Vigil at six") for chat_id in ZONES] == [1, 1, 1]


async def test_a_time_that_is_not_one_is_explained(fake: FakeBotAPI, tmp_path: Path,
                                                   clock: Clock) -> None:
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock) as app:
        answer = await say(fake, ORGANISER, "/announce at 25:00 Vigil")
        assert answer["text"] == ("Write the time as hours and minutes on a 24-hour clock, "
                                  "for example: /announce at 18:00 Your text.")
        assert await app.bot_data.store.announcement(1) is None


async def test_four_eyes_the_author_cannot_approve_and_a_restart_changes_nothing(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    store = await Store.open(database)
    for chat_id, language in ((7201, "en"), (7202, "pt")):
        fake.add_user(chat_id)
        await subscribe(store, chat_id, language)
    await store.set_language(SECOND, "private", "fr", TODAY)  # asked in their own language
    await store.close()
    fake.add_user(ORGANISER)
    fake.add_user(SECOND, language_code="fr")
    four_eyes = {"db": database, "approvals": 2, "admins": frozenset({ORGANISER, SECOND})}
    async with running_bot(fake, tmp_path, clock, **four_eyes) as app:
        question = await question_for(fake, ORGANISER, "/announce Vigil tonight")
        mark = fake.mark()
        waiting = await press(fake, ORGANISER, question, button_data(question, "Send"),
                              expect="editMessageText")
        assert "Waiting for another organiser" in waiting["text"]
        request = await fake.async_wait_for_message(SECOND, after=mark,
                                                    text_contains="abonné")
        assert "Vigil tonight" in [m["text"] for m in fake.messages(SECOND)]
        stats = await author_cannot_approve(fake, ORGANISER, question, waiting)
        assert "Waiting for a second organiser's approval: announcement 1" in stats
        await push_round(app)
        assert received(fake, 7201, "Vigil tonight") == 0
    async with running_bot(fake, tmp_path, clock, **four_eyes) as app:  # a restart between
        await push_round(app)
        assert received(fake, 7201, "Vigil tonight") == 0
        approved = await press(fake, SECOND, request, button_data(request, "✅"),
                               expect="editMessageText")
        assert approved["chat"]["id"] == SECOND
        await push_round(app)
        assert [received(fake, chat_id, "Vigil tonight") for chat_id in (7201, 7202)] == [1, 1]
        status = [m for m in fake.messages(ORGANISER)
                  if m["message_id"] == question["message_id"]]
        assert "of 2 sent" in status[0]["text"]  # the author follows the progress


async def test_four_eyes_cancel_by_the_second_organiser_sends_nothing(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    store = await Store.open(str(tmp_path / "bot.sqlite3"))
    fake.add_user(7201)
    await subscribe(store, 7201, "en")
    await store.close()
    fake.add_user(ORGANISER)
    fake.add_user(SECOND)
    async with running_bot(fake, tmp_path, clock, approvals=2,
                           admins=frozenset({ORGANISER, SECOND})) as app:
        question = await question_for(fake, ORGANISER, "/announce Vigil tonight")
        mark = fake.mark()
        await press(fake, ORGANISER, question, button_data(question, "Send"),
                    expect="editMessageText")
        request = await fake.async_wait_for_message(SECOND, after=mark,
                                                    text_contains="approve")
        mark = fake.mark()
        fake.press_button(SECOND, SECOND, request["message_id"], button_data(request, "Cancel"))
        shown = await fake.async_wait_for(
            lambda c: c.method == "editMessageText" and c.params.get("chat_id") in
            (ORGANISER, str(ORGANISER)), after=mark)
        assert shown.result["text"] == "Cancelled: nothing was sent."
        assert not buttons(shown.result)
        gone = await press(fake, ORGANISER, question, button_data(question, "Send"),
                           expect="editMessageText")
        assert gone["text"] == "This announcement was already sent or cancelled."
        await push_round(app)
        assert received(fake, 7201, "Vigil tonight") == 0
        assert await app.bot_data.store.waiting_approvals() == []


def test_four_eyes_needs_two_organisers_and_means_one_or_two(tmp_path: Path) -> None:
    def stats(**env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tgbot", "stats"], capture_output=True,
                              text=True, timeout=60, check=False,
                              env={**os.environ, "TGBOT_DB": str(tmp_path / "bot.sqlite3"),
                                   **env})

    alone = stats(TGBOT_APPROVALS="2", TGBOT_ADMINS="4242")
    assert alone.returncode == 2
    assert "TGBOT_APPROVALS=2 needs at least 2 organisers in TGBOT_ADMINS, not 1" in alone.stderr
    three = stats(TGBOT_APPROVALS="3", TGBOT_ADMINS="4242,4343,4444")
    assert three.returncode == 2 and "TGBOT_APPROVALS must be 1 or 2" in three.stderr
    accepted = stats(TGBOT_APPROVALS="2", TGBOT_ADMINS="4242,4343")
    assert "TGBOT_APPROVALS" not in accepted.stderr and "no database" in accepted.stderr


def test_four_eyes_survive_a_kill_between_request_and_approval(
        fake: FakeBotAPI, tmp_path: Path, database: str) -> None:
    """Real `tgbot run` processes: the first is killed (-9) after Send; the request waits in
    the database, and the second organiser's Approve to the next process sends it once."""
    asyncio.run(_subscribe_all(database, {7301: "en", 7302: "pt"}))
    fake.add_user(ORGANISER)
    fake.add_user(SECOND)
    for chat_id in (7301, 7302):
        fake.add_user(chat_id)
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": database, "TGBOT_CAMPAIGN": str(ACTIONS),
           "TGBOT_ADMINS": f"{ORGANISER},{SECOND}", "TGBOT_APPROVALS": "2"}

    def start() -> subprocess.Popen[str]:
        mark = fake.mark()
        process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env, text=True,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        fake.wait_polling(after=mark, timeout=60)
        return process

    first = start()
    mark = fake.mark()
    fake.send_message(ORGANISER, "/announce Vigil tonight")
    question = fake.wait_for(lambda c: c.method == "sendMessage" and c.ok
                             and bool(buttons(c.result)), after=mark, timeout=30).result
    mark = fake.mark()
    fake.press_button(ORGANISER, ORGANISER, question["message_id"],
                      button_data(question, "Send"))
    request = fake.wait_for_message(SECOND, after=mark, text_contains="approve", timeout=30)
    first.kill()
    first.communicate(timeout=30)
    assert not [m for chat_id in (7301, 7302) for m in fake.messages(chat_id)
                if m.get("text") == "Vigil tonight"]
    second = start()
    try:
        mark = fake.mark()
        fake.press_button(SECOND, SECOND, request["message_id"], button_data(request, "✅"))
        for chat_id in (7301, 7302):
            fake.wait_for_message(chat_id, after=mark, text_contains="Vigil tonight",
                                  timeout=30)
        time.sleep(1.0)  # a second copy would have come by now
        assert [received(fake, chat_id, "Vigil tonight") for chat_id in (7301, 7302)] == [1, 1]
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 0, output


async def _subscribe_all(database: str, chats: dict[int, str]) -> None:
    store = await Store.open(database)
    try:
        for chat_id, language in chats.items():
            await subscribe(store, chat_id, language)
    finally:
        await store.close()
