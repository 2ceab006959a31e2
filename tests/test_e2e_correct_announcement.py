"""End to end: correcting an announcement already sent, from Telegram and the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    press,
    push_round,
    running_bot,
    say,
)
from tests.test_e2e_corrections import environment, tgbot
from tests.test_e2e_four_eyes import edits_to
from tgbot.delivery.corrections import BATCH
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

ORGANISER, SECOND = 4242, 4343  # in TGBOT_ADMINS
PRIVATE = {64_001: "en", 64_002: "fr", 64_003: "fr"}
DISCREET = 64_003  # a discreet chat: its copy opens with a neutral line
GROUP, CHANNEL = -100_640_001, -100_640_002  # in English and in French
EVERYONE = (*PRIVATE, GROUP, CHANNEL)
OLD, NEW = "Vigil tonight at 18:00", "Vigil tonight at 19:00, not 18:00"
NEW_HTML = "Vigil tonight at <b>19:00</b>, not 18:00"  # the CLI's: it shows as NEW


async def _subscribe(store: Store, today: dt.date) -> None:
    chats = [(chat, "private", language) for chat, language in PRIVATE.items()]
    for chat, kind, language in [*chats, (GROUP, "supergroup", "en"), (CHANNEL, "channel", "fr")]:
        await store.set_language(chat, kind, language, today)
        await store.set_subscribed(chat, kind, True, today)
    await store.set_discreet(DISCREET, True)


def _reads(fake: FakeBotAPI, chat_id: int) -> list[str]:
    """The texts of the bot's messages about the vigil in a chat now (after edits)."""
    return [text for m in fake.messages(chat_id) if "Vigil" in (text := m.get("text", ""))]


async def _announced(fake: FakeBotAPI, app: Application, text: str) -> dict:
    """/announce `text`, Send, one round: the status message (its progress)."""
    mark = fake.mark()
    fake.send_message(ORGANISER, f"/announce {text}")
    question = (await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok and bool(
        (c.result.get("reply_markup") or {}).get("inline_keyboard")), after=mark)).result
    status = await press(fake, ORGANISER, question, button_data(question, "Send"),
                         expect="editMessageText")
    await push_round(app)
    return status


async def _correct(fake: FakeBotAPI, status: dict, text: str, answers: int = 2) -> list[dict]:
    """/correct `text` as a reply to the status message: the bot's first `answers` answers."""
    mark = fake.mark()
    fake.send_message(ORGANISER, f"/correct {text}", reply_to_message_id=status["message_id"])

    def answered(_: object) -> bool:
        return len(_answers(fake, mark)) >= answers

    await fake.async_wait_for(answered, after=mark)
    return _answers(fake, mark)[:answers]


def _answers(fake: FakeBotAPI, after: int) -> list[dict]:
    return [c.result for c in fake.calls[after:] if c.method == "sendMessage" and c.ok
            and c.result["chat"]["id"] == ORGANISER]


async def test_correcting_an_announcement_edits_each_delivered_copy_once(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """Private chats in two languages (one discreet), a group and a channel: the preview
    counts their copies per language, "Edit them" edits each once, the loopback API's
    messages read the new text (the discreet one under its neutral line), the status message
    ends finished; the same text again edits nothing."""
    for chat in PRIVATE:
        fake.add_user(chat)
    fake.add_group(GROUP)
    fake.add_channel(CHANNEL)
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        await _subscribe(app.bot_data.store, clock.now.date())
        status = await _announced(fake, app, OLD)
        assert all(any(OLD in text for text in _reads(fake, chat)) for chat in EVERYONE)

        preview, question = await _correct(fake, status, NEW)
        assert preview["text"] == NEW  # as the subscribers will see it
        assert question["text"].splitlines() == [
            "✏️ Delivered copies of the announcement to edit to the text above: 5. Copies "
            "not sent yet will go out with it.", "English: 2", "French: 3"]
        assert not edits_to(fake, EVERYONE)
        mark = fake.mark()
        await press(fake, ORGANISER, question, button_data(question, "Edit them"),
                    expect="editMessageText")
        await push_round(app)
        assert edits_to(fake, EVERYONE, mark) == Counter(EVERYONE)
        for chat in EVERYONE:
            [text] = _reads(fake, chat)
            assert text == (f"📝 Une nouvelle note\n\n{NEW}" if chat == DISCREET
                            else NEW), chat
        finished = await fake.async_wait_for(
            lambda c: c.method == "editMessageText" and c.ok
            and c.result["message_id"] == question["message_id"]
            and "Finished" in c.result["text"], after=mark)
        assert finished.result["text"].startswith("✏️ 5 of 5 edited")
        assert (await app.bot_data.store.announcement(1)).text == NEW  # type: ignore[union-attr]

        mark = fake.mark()
        [again] = await _correct(fake, status, NEW, answers=1)
        assert again["text"] == "Nothing to correct: the announcement already has this text."
        await push_round(app)
        assert not edits_to(fake, EVERYONE, mark)


async def test_a_correction_reaches_the_rows_not_sent_yet(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """A scheduled announcement reached Paris, not Manila yet: corrected, Paris's copy is
    edited and Manila's goes out with the new text at its 18:00, never with the old one."""
    paris, manila = 64_101, 64_102
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock) as app:
        store = app.bot_data.store
        for chat, zone in ((paris, "Europe/Paris"), (manila, "Asia/Manila")):
            fake.add_user(chat)
            await store.set_language(chat, "private", "en", clock.now.date())
            await store.set_subscribed(chat, "private", True, clock.now.date())
            await store.set_push_settings(chat, push_time=None, timezone=zone)
        status = await _announced(fake, app, f"at 18:00 {OLD}")
        clock.now = dt.datetime(2027, 11, 5, 17, 0, tzinfo=dt.UTC)  # 18:00 in Paris
        await push_round(app)
        assert _reads(fake, paris) == [OLD] and _reads(fake, manila) == []
        _, question = await _correct(fake, status, NEW)
        assert question["text"].startswith("✏️ Delivered copies of the announcement to edit "
                                           "to the text above: 1.")
        await press(fake, ORGANISER, question, button_data(question, "Edit them"),
                    expect="editMessageText")
        await push_round(app)
        clock.now = dt.datetime(2027, 11, 6, 10, 0, tzinfo=dt.UTC)  # 18:00 in Manila
        await push_round(app)
        assert _reads(fake, paris) == [NEW] and _reads(fake, manila) == [NEW]
        assert not any(c.method == "sendMessage" and OLD in c.params.get("text", "")
                       for c in fake.calls if str(c.params.get("chat_id")) == str(manila))


async def test_with_four_eyes_an_announcements_correction_waits_for_approval(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """TGBOT_APPROVALS=2: "Edit them" edits nothing and the announcement keeps its text; the
    second organiser reads the new text and the count, approves, and each copy is edited."""
    reader = 64_301
    for user in (ORGANISER, SECOND, reader):
        fake.add_user(user)
    async with running_bot(fake, tmp_path, clock, approvals=2,
                           admins=frozenset({ORGANISER, SECOND})) as app:
        store = app.bot_data.store
        await store.set_language(reader, "private", "en", clock.now.date())
        await store.set_subscribed(reader, "private", True, clock.now.date())
        mark = fake.mark()
        status = await _announced(fake, app, OLD)
        asked = await fake.async_wait_for_message(SECOND, after=mark, text_contains="approve")
        await press(fake, SECOND, asked, button_data(asked, "✅"), expect="editMessageText")
        await push_round(app)
        assert _reads(fake, reader) == [OLD]

        _, question = await _correct(fake, status, NEW)
        mark = fake.mark()
        waiting = await press(fake, ORGANISER, question, button_data(question, "Edit them"),
                              expect="editMessageText")
        assert "Waiting for another organiser" in waiting["text"]
        asked = await fake.async_wait_for_message(SECOND, after=mark, text_contains="correction")
        assert asked["text"].splitlines() == [
            "🖐 Please approve or cancel this correction: delivered copies of an announcement "
            "to edit to the text above: 1.", "English: 1"]
        assert NEW in [m["text"] for m in fake.messages(SECOND)]  # the new text, above it
        await push_round(app)
        assert _reads(fake, reader) == [OLD]
        assert (await store.announcement(1)).text == OLD  # type: ignore[union-attr]
        mark = fake.mark()
        await press(fake, SECOND, asked, button_data(asked, "✅"), expect="editMessageText")
        await push_round(app)
        assert edits_to(fake, (reader,), mark) == Counter({reader: 1})
        assert _reads(fake, reader) == [NEW]


async def test_bad_corrections_get_a_helpful_line(fake: FakeBotAPI, tmp_path: Path,
                                                  clock: Clock) -> None:
    """Not a reply, a reply to another message, no text: one line each, and nothing is
    created or edited. (Telegram's HTML of a message is always valid and fits one message:
    a text Telegram would refuse comes only from the CLI, tested below.)"""
    fake.add_user(ORGANISER)
    fake.add_user(64_201)
    async with running_bot(fake, tmp_path, clock) as app:
        store = app.bot_data.store
        await store.set_language(64_201, "private", "en", clock.now.date())
        await store.set_subscribed(64_201, "private", True, clock.now.date())
        status = await _announced(fake, app, OLD)
        usage = ("To correct an announcement, reply to the message that shows how far it was "
                 "sent with /correct and the new text.")
        assert (await say(fake, ORGANISER, f"/correct {NEW}"))["text"] == usage
        other = await say(fake, ORGANISER, "/stats")
        mark = fake.mark()
        fake.send_message(ORGANISER, f"/correct {NEW}", reply_to_message_id=other["message_id"])
        answer = await fake.async_wait_for_message(ORGANISER, after=mark)
        assert answer["text"] == ("That message does not show an announcement's progress: "
                                  "reply to the one that says how many were sent.")
        [empty] = await _correct(fake, status, "", answers=1)
        assert empty["text"] == usage
        assert await store.corrected_announcement(1) is None  # no correction was created
        assert _reads(fake, 64_201) == [OLD]


@pytest.mark.long
def test_the_cli_corrects_an_announcement_and_survives_a_kill_9(
        database: str, tmp_path: Path) -> None:
    """150 copies sent by a real `tgbot run`: `tgbot correct --announcement 1 --text` queues
    their edits for it, and it is killed (-9) mid-way; the next `tgbot run` finishes them:
    each copy shows the new text after exactly one edit that changed it (an edit in flight at
    the kill is sent again and Telegram answers that nothing changed). Bad cases are one
    line; the same text again edits nothing."""
    chats = list(range(65_000, 65_150))
    with FakeBotAPI() as fake:
        for chat in chats:
            fake.add_user(chat)
        asyncio.run(_sent_announcement(database, chats))
        env = environment(fake, database, ACTIONS)

        def start() -> subprocess.Popen[str]:
            mark = fake.mark()
            process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                                       text=True, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
            fake.wait_polling(after=mark, timeout=60)
            return process

        def correct(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "tgbot", "correct", "--announcement",
                                   *args], env=env, capture_output=True, text=True,
                                  timeout=120, check=False)

        first = start()
        deadline = time.monotonic() + 60
        while not all(_reads(fake, chat) == [OLD] for chat in chats):  # the run sends it
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        refused = correct("1", "--text", "<b>unclosed")
        assert refused.returncode != 0 and "Telegram would refuse the new text" in refused.stderr
        assert "announcement 9 was never sent" in correct("9", "--text", NEW_HTML).stderr
        preview = correct("1", "--text", NEW_HTML).stdout
        assert "en: 150 to edit" in preview and "run again with --yes" in preview
        assert not [c for c in fake.calls if c.method == "editMessageText"]

        queued = correct("1", "--text", NEW_HTML, "--yes").stdout
        assert "queued: 150 edits; another process holds the sender lock" in queued
        while len([c for c in fake.calls if c.method == "editMessageText"]) < 50:
            assert time.monotonic() < deadline + 60 and first.poll() is None
            time.sleep(0.02)
        first.kill()
        first.communicate(timeout=30)
        assert len([c for c in fake.calls if c.method == "editMessageText"]) < len(chats)
        second = start()
        try:
            deadline = time.monotonic() + 90
            while edits_to(fake, chats).total() < len(chats):
                assert time.monotonic() < deadline, edits_to(fake, chats).total()
                time.sleep(0.1)
            time.sleep(1.0)  # a second edit would have come by now
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)
        assert second.returncode == 0, output
        edits = [c for c in fake.calls if c.method == "editMessageText"]
        assert edits_to(fake, chats) == Counter(chats)  # one edit that changed it, each
        assert len(edits) - len(chats) <= BATCH  # at most those in flight were repeated
        assert all(_reads(fake, chat) == [NEW] for chat in chats)
        again = tgbot(fake, database, ACTIONS, "correct", "--announcement", "1", "--text",
                      NEW_HTML, "--yes")
        assert "the announcement already has this text" in again and "edited: 0" in again


async def _sent_announcement(database: str, chats: list[int]) -> None:
    """Subscribers in English, and announcement 1 (OLD) started for them (as its Send does):
    the running bot sends it."""
    store = await Store.open(database)
    try:
        for chat in chats:
            await store.set_language(chat, "private", "en", dt.date(2027, 10, 1))
            await store.set_subscribed(chat, "private", True, dt.date(2027, 10, 1))
        announcement = await store.create_announcement(OLD, None, dt.date(2027, 11, 5))
        assert await store.start_announcement(announcement, now=time.time(),
                                               lifetime=7 * 86400.0) == len(chats)
    finally:
        await store.close()
