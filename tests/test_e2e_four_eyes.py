"""End to end: four eyes (TGBOT_APPROVALS=2) for a correction, from Telegram and the CLI."""

from __future__ import annotations

import asyncio
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
    Clock,
    author_cannot_approve,
    button_data,
    buttons,
    campaign_copy,
    press,
    push_round,
    running_bot,
    say,
    subscribe_all,
)
from tests.test_e2e_corrections import CORRECTED, DAY_1, DAY_5, environment, shows, tgbot
from tgbot.fakeapi import FakeBotAPI

ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
SECOND = 4343  # the second organiser


def edits_to(fake: FakeBotAPI, chats: tuple[int, ...] | list[int], after: int = 0) -> Counter[int]:
    """How many successful edits each of `chats` got."""
    return Counter(int(c.params["chat_id"]) for c in fake.calls[after:]
                   if c.method == "editMessageText" and c.ok and int(c.params["chat_id"]) in chats)


async def _corrected_day_5(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                           database: str) -> tuple[Path, str]:
    """Day 5 pushed to two chats, then corrected in a copy of the campaign (not reloaded)."""
    original = ACTIONS.read_text(encoding="utf-8")
    campaign = campaign_copy(tmp_path, original)
    for user in (ORGANISER, SECOND):
        fake.add_user(user)
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        store = app.bot_data.store
        for chat_id, language in ((ALICE, "en"), (BRUNO, "pt")):
            await store.set_language(chat_id, "private", language, clock.now.date())
            await store.set_subscribed(chat_id, "private", True, clock.now.date())
        await push_round(app)
    return campaign, original.replace(f'title: "{DAY_5}', f'title: "{CORRECTED}{DAY_5}')


async def _request(fake: FakeBotAPI) -> tuple[dict, dict, dict]:
    """/reload, /correct 5, "Edit them": the author's waiting message and the other's question.

    Returns the author's question (the status message), its waiting state, and the question
    the second organiser got.
    """
    await say(fake, ORGANISER, "/reload")
    question = await say(fake, ORGANISER, "/correct 5")
    mark = fake.mark()
    waiting = await press(fake, ORGANISER, question, button_data(question, "Edit them"),
                          expect="editMessageText")
    asked = await fake.async_wait_for_message(SECOND, after=mark, text_contains="correction")
    return question, waiting, asked


async def test_a_correction_waits_for_the_second_organisers_approve(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """The author's own Approve is refused and nothing is edited; /stats names the correction;
    the second organiser (asked in their language) approves, and each copy is edited once."""
    campaign, corrected = await _corrected_day_5(fake, tmp_path, clock, database)
    four_eyes = {"db": database, "campaign": campaign, "approvals": 2,
                 "admins": frozenset({ORGANISER, SECOND})}
    async with running_bot(fake, tmp_path, clock, **four_eyes) as app:
        campaign.write_text(corrected, encoding="utf-8")
        question, waiting, asked = await _request(fake)
        assert "Waiting for another organiser" in waiting["text"]
        assert asked["text"].splitlines() == [
            "🖐 Please approve or cancel this correction: delivered copies of day 5 to edit "
            "to its current text: 2.", "English: 1", "Portuguese: 1"]
        stats = await author_cannot_approve(fake, ORGANISER, question, waiting)
        assert "Waiting for a second organiser's approval: correction 1" in stats
        await push_round(app)
        assert edits_to(fake, (ALICE, BRUNO)) == Counter()

        approved = await press(fake, SECOND, asked, button_data(asked, "✅"),
                               expect="editMessageText")
        assert approved["chat"]["id"] == SECOND
        await push_round(app)
        assert edits_to(fake, (ALICE, BRUNO)) == Counter({ALICE: 1, BRUNO: 1})
        assert shows(fake, ALICE, f"{CORRECTED}{DAY_5}")
        status = [m for m in fake.messages(ORGANISER)
                  if m["message_id"] == question["message_id"]]
        assert status[0]["text"].startswith("✏️ 2 of 2 edited")  # the author follows it
        assert await app.bot_data.store.waiting_approvals() == []


async def test_a_correction_cancelled_by_the_other_organiser_edits_nothing(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """Cancel by the organiser who was asked ends it, and the author's message says so."""
    database = str(tmp_path / "bot.sqlite3")
    campaign, corrected = await _corrected_day_5(fake, tmp_path, clock, database)
    async with running_bot(fake, tmp_path, clock, campaign=campaign, approvals=2,
                           admins=frozenset({ORGANISER, SECOND})) as app:
        campaign.write_text(corrected, encoding="utf-8")
        question, _, asked = await _request(fake)
        mark = fake.mark()
        fake.press_button(SECOND, SECOND, asked["message_id"], button_data(asked, "Cancel"))
        shown = await fake.async_wait_for(
            lambda c: c.method == "editMessageText" and c.ok
            and c.result["message_id"] == question["message_id"], after=mark)
        assert shown.result["text"] == "Cancelled: nothing was sent."
        assert not buttons(shown.result)
        late = await press(fake, SECOND, asked, button_data(asked, "✅"),
                           expect="editMessageText")
        assert late["text"] == "Nothing waits here any more: it was approved or cancelled " \
                               "already."
        await push_round(app)
        assert edits_to(fake, (ALICE, BRUNO)) == Counter()
        assert await app.bot_data.store.waiting_approvals() == []


@pytest.mark.long
def test_a_cli_correction_waits_for_an_organiser_asked_in_telegram_across_a_kill(
        database: str, tmp_path: Path) -> None:
    """`tgbot correct 1 --yes` with approvals=2 edits nothing and says it waits; a real
    `tgbot run` asks each organiser (the CLI's author is none of them), is killed (-9), and
    the next one does not ask again; an organiser's Approve then edits each copy once."""
    chat_ids = list(range(63_000, 63_040))
    corrected = campaign_copy(tmp_path, ACTIONS.read_text(encoding="utf-8")
                              .replace(f'title: "{DAY_1}"', f'title: "{CORRECTED}{DAY_1}"'))
    with FakeBotAPI() as fake:
        for chat_id in [*chat_ids, ORGANISER, SECOND]:
            fake.add_user(chat_id)
        asyncio.run(subscribe_all(database, chat_ids))
        tgbot(fake, database, ACTIONS, "push", "--date", "2027-11-01")
        env = {**environment(fake, database, corrected), "TGBOT_APPROVALS": "2",
               "TGBOT_ADMINS": f"{ORGANISER},{SECOND}"}

        waits = subprocess.run([sys.executable, "-m", "tgbot", "correct", "1", "--yes"],
                               env=env, capture_output=True, text=True, timeout=120, check=True)
        assert "40 copies to edit" in waits.stdout
        assert "correction 1 waits for an organiser's Approve in Telegram" in waits.stdout
        assert not [c for c in fake.calls if c.method.startswith("edit")]

        def start() -> subprocess.Popen[str]:
            mark = fake.mark()
            process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                                       text=True, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT)
            fake.wait_polling(after=mark, timeout=60)
            return process

        first = start()
        asked = {user: fake.wait_for_message(user, text_contains="correction", timeout=30)
                 for user in (ORGANISER, SECOND)}
        time.sleep(0.5)  # the record that they were asked follows the questions
        first.kill()
        first.communicate(timeout=30)
        second = start()
        try:
            mark = fake.mark()
            time.sleep(3.0)  # a few beats: nobody is asked again
            assert not [c for c in fake.calls[mark:] if c.method == "sendMessage"]
            question = asked[SECOND]
            fake.press_button(SECOND, SECOND, question["message_id"],
                              button_data(question, "✅"))
            deadline = time.monotonic() + 60
            while edits_to(fake, chat_ids).total() < len(chat_ids):
                assert time.monotonic() < deadline, edits_to(fake, chat_ids)
                time.sleep(0.1)
            time.sleep(1.0)  # a second edit would have come by now
            assert edits_to(fake, chat_ids) == Counter(chat_ids)
            assert all(shows(fake, chat, CORRECTED) for chat in chat_ids)
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)
        assert second.returncode == 0, output
