"""End to end: `tgbot correct DAY` edits every delivered copy of a corrected day, once."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    campaign_copy,
    press,
    push_round,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.delivery.corrections import BATCH
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

DAY_1 = "Write to the Philippine Justice Secretary about Maguindanao"
DAY_22 = "Learn what happened in Maguindanao"  # a photo day: its caption is edited
CORRECTED = "Corrected: "
PRIVATE = {61_001: "en", 61_002: "fr", 61_003: "ru", 61_004: "en", 61_005: "fr"}
GROUP, CHANNEL = -100_610_001, -100_610_002
BLOCKED, DELETED = 61_004, 61_005  # after the push: blocked the bot, deleted the message
ORGANISER = 4242  # in TGBOT_ADMINS of the test settings


def environment(fake: FakeBotAPI, db: str, campaign: Path) -> dict[str, str]:
    """The settings of a `tgbot` process on the loopback API, a database and a campaign."""
    return {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
            "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(campaign),
            "TGBOT_LOCALES": str(ROOT / "locales")}


def tgbot(fake: FakeBotAPI, db: str, campaign: Path, *args: str) -> str:
    """Run a `tgbot` command as organisers do; its output (it must succeed)."""
    done = subprocess.run([sys.executable, "-m", "tgbot", *args],
                          env=environment(fake, db, campaign), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


async def subscribe(db: str) -> None:
    store = await Store.open(db)
    try:
        chats = [(chat, "private", language) for chat, language in PRIVATE.items()]
        for chat, kind, language in [*chats, (GROUP, "supergroup", "en"),
                                     (CHANNEL, "channel", "fr")]:
            await store.set_language(chat, kind, language, dt.date(2027, 10, 1))
            await store.set_subscribed(chat, kind, True, dt.date(2027, 10, 1))
    finally:
        await store.close()


def shows(fake: FakeBotAPI, chat_id: int, text: str) -> bool:
    """Whether the bot's message in a chat reads `text` now (after edits)."""
    return any(text in (m.get("text") or m.get("caption") or "")
               for m in fake.messages(chat_id))


@pytest.mark.long
def test_correct_edits_each_delivered_copy_once(database: str, tmp_path: Path) -> None:
    """A day pushed to private chats in three languages, a group and a channel, then a photo
    day: corrected, each delivered copy is edited once (text or caption) and reads the new
    title; a blocked chat and a deleted message are counted and skipped; correcting again,
    or a day whose text did not change, edits nothing."""
    corrected = campaign_copy(tmp_path, ACTIONS.read_text(encoding="utf-8")
                              .replace(f'title: "{DAY_1}"', f'title: "{CORRECTED}{DAY_1}"')
                              .replace(f'title: "{DAY_22}"', f'title: "{CORRECTED}{DAY_22}"'))
    with FakeBotAPI() as fake:
        for chat in PRIVATE:
            fake.add_user(chat)
        fake.add_group(GROUP)
        fake.add_channel(CHANNEL)
        asyncio.run(subscribe(database))
        tgbot(fake, database, ACTIONS, "push", "--date", "2027-11-01")
        assert "0 copies to edit" in tgbot(fake, database, ACTIONS, "correct", "1", "--yes")
        everyone = [*PRIVATE, GROUP, CHANNEL]
        assert all(fake.messages(chat) for chat in everyone)
        fake.block(BLOCKED)
        with fake._state.lock:  # the person deletes the bot's message in their chat
            for stored in fake._state.chats[DELETED].messages.values():
                stored.deleted = True

        preview = tgbot(fake, database, corrected, "correct", "1")
        assert "en: 3 to edit, 0 unchanged" in preview  # two people and the group
        assert "fr: 3 to edit" in preview and "ru: 1 to edit" in preview
        assert not [c for c in fake.calls if c.method.startswith("edit")]

        out = tgbot(fake, database, corrected, "correct", "1", "--yes")
        assert "edited: 5, message deleted: 1, blocked or gone: 1, failed: 0" in out
        edits = [c for c in fake.calls if c.method == "editMessageText"]
        assert all(c.ok for c in edits if int(c.params["chat_id"]) not in (BLOCKED, DELETED))
        edited = Counter(int(c.params["chat_id"]) for c in edits)
        assert edited == Counter(everyone)  # one each, the blocked and deleted tried once
        reached = [chat for chat in everyone if chat not in (BLOCKED, DELETED)]
        assert all(shows(fake, chat, CORRECTED) for chat in reached)

        mark = fake.mark()
        again = tgbot(fake, database, corrected, "correct", "1", "--yes")
        assert "0 copies to edit" in again
        assert not [c for c in fake.calls[mark:] if c.method.startswith("edit")]

        tgbot(fake, database, ACTIONS, "push", "--date", "2027-11-22")
        mark = fake.mark()
        out = tgbot(fake, database, corrected, "correct", "22", "--yes")
        assert "edited: 6," in out, out  # the push unsubscribed the chat that blocked the bot
        captions = [c for c in fake.calls[mark:] if c.method.startswith("edit")]
        assert {c.method for c in captions} == {"editMessageCaption"} and len(captions) == 6
        assert all(shows(fake, chat, f"{CORRECTED}{DAY_22}") for chat in [*reached, DELETED])


DAY_5 = "Ask your foreign minister to defend journalists at the UN"


async def test_correct_from_telegram(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                                     database: str) -> None:
    """/correct 5 after /reload: a preview per language, "Edit them", one status message that
    ends finished; the copies read the new title; /correct 5 again has nothing to do."""
    original = ACTIONS.read_text(encoding="utf-8")
    assert f'title: "{DAY_5}' in original
    campaign = campaign_copy(tmp_path, original)
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        store = app.bot_data.store
        for chat_id, language in ((ALICE, "en"), (BRUNO, "pt")):
            await store.set_language(chat_id, "private", language, clock.now.date())
            await store.set_subscribed(chat_id, "private", True, clock.now.date())
        await push_round(app)
        campaign.write_text(original.replace(f'title: "{DAY_5}', f'title: "{CORRECTED}{DAY_5}'),
                            encoding="utf-8")
        await say(fake, ORGANISER, "/reload")
        question = await say(fake, ORGANISER, "/correct 5")
        assert question["text"].splitlines() == [
            "✏️ Delivered copies of day 5 to edit to its current text: 2.",
            "English: 1", "Portuguese: 1"]
        await press(fake, ORGANISER, question, button_data(question, "Edit them"))
        status = await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                                           and "Finished" in c.result["text"], timeout=10)
        assert status.result["text"].startswith("✏️ 2 of 2 edited")
        assert shows(fake, ALICE, f"{CORRECTED}{DAY_5}")
        assert len([c for c in fake.calls if c.method == "editMessageText"
                    and int(c.params["chat_id"]) in (ALICE, BRUNO)]) == 2
        again = await say(fake, ORGANISER, "/correct 5")
        assert again["text"].startswith("Nothing to correct")


@pytest.mark.long
def test_kill_9_mid_correction_then_again(database: str, tmp_path: Path) -> None:
    """`tgbot correct --yes` killed with SIGKILL mid-way, then run again: every copy shows the
    new text after exactly one edit that changed it (an edit in flight at the kill is sent
    again, and Telegram answers that nothing changed), and none is missed."""
    chat_ids = list(range(62_000, 62_150))
    corrected = campaign_copy(tmp_path, ACTIONS.read_text(encoding="utf-8")
                              .replace(f'title: "{DAY_1}"', f'title: "{CORRECTED}{DAY_1}"'))
    with FakeBotAPI() as fake:
        for chat_id in chat_ids:
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(database, chat_ids))
        tgbot(fake, database, ACTIONS, "push", "--date", "2027-11-01")
        first = subprocess.Popen([sys.executable, "-m", "tgbot", "correct", "1", "--yes"],
                                 env=environment(fake, database, corrected),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len([c for c in fake.calls if c.method == "editMessageText"]) < 50:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)
        assert len([c for c in fake.calls if c.method == "editMessageText"]) < len(chat_ids)
        out = tgbot(fake, database, corrected, "correct", "1", "--yes")
        assert "0 copies to edit" in out  # each is in the first correction, edited once
        edits = [c for c in fake.calls if c.method == "editMessageText"]
        changed = Counter(int(c.params["chat_id"]) for c in edits if c.ok)
    assert changed == Counter(chat_ids)  # one edit that changed it, for every copy
    assert len(edits) - len(chat_ids) <= BATCH  # at most the edits in flight were repeated
    assert all(shows(fake, chat, CORRECTED) for chat in chat_ids)
