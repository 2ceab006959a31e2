"""End to end: the real bot, polling or on a webhook, against the loopback Bot API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    WEBHOOK_SECRET,
    Clock,
    button_data,
    buttons,
    press,
    running_bot,
    say,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI

CAMPAIGN = load_campaign(ACTIONS)


async def test_start_greets_with_the_menu(fake: FakeBotAPI, bot: Application) -> None:
    answer = await say(fake, ALICE, "/start")
    assert "anniversary of the Maguindanao massacre" in answer["text"]
    assert "1 November 2027" in answer["text"] and "23 November 2027" in answer["text"]
    labels = " ".join(b["text"] for b in buttons(answer))
    for label in ("Questions", "Today's action", "Subscribe", "Language"):
        assert label in labels


async def test_commands_are_registered_per_language(fake: FakeBotAPI, bot: Application) -> None:
    calls = fake.calls_to("setMyCommands")
    codes = sorted(c.params.get("language_code", "") for c in calls)
    assert codes == sorted(["", "fr", "es", "pt", "ru", "uk", "ar", "fa", "tl"])
    english = next(c for c in calls if not c.params.get("language_code"))
    names = {c["command"] for c in english.params["commands"]}
    assert {"today", "faq", "about", "why", "involved"} <= names


async def test_every_faq_command_answers(fake: FakeBotAPI, bot: Application) -> None:
    for entry in CAMPAIGN.faq:
        answer = await say(fake, ALICE, f"/{entry.command}")
        assert entry.question in answer["text"], entry.command
        assert "{" not in answer["text"]
        assert "2013 campaign" not in answer["text"]  # the seed FAQ's own edition


async def test_faq_menu_opens_an_answer_and_goes_back(fake: FakeBotAPI,
                                                      bot: Application) -> None:
    menu = await say(fake, ALICE, "/faq")
    assert len(buttons(menu)) == len(CAMPAIGN.faq) + 1
    why = CAMPAIGN.faq_by_id("why")
    edited = await press(fake, ALICE, menu, button_data(menu, why.button),
                         expect="editMessageText")
    assert edited["message_id"] == menu["message_id"]  # edited in place
    assert "Maguindanao" in edited["text"]
    back = await press(fake, ALICE, edited, button_data(edited, "All questions"),
                       expect="editMessageText")
    assert len(buttons(back)) == len(CAMPAIGN.faq) + 1


async def test_typed_questions_are_matched(fake: FakeBotAPI, bot: Application) -> None:
    answer = await say(fake, ALICE, "who organises this?")
    assert CAMPAIGN.faq_by_id("organisers").question in answer["text"]
    answer = await say(fake, ALICE, "why november 23")
    assert "Maguindanao" in answer["text"]
    answer = await say(fake, ALICE, "how can I help")
    assert CAMPAIGN.faq_by_id("involved").question in answer["text"]
    unknown = await say(fake, ALICE, "what's the weather like")
    assert "/about" in unknown["text"] and "/why" in unknown["text"]


async def test_deep_link_sources_are_counted_and_bad_ones_ignored(
        fake: FakeBotAPI, bot: Application) -> None:
    await say(fake, ALICE, "/start newsletter_2027")
    await say(fake, BRUNO, "/start newsletter_2027")
    answer = await say(fake, ALICE, "/start bad$payload!")
    assert "Welcome" in answer["text"]
    await say(fake, ALICE, "/start " + "x" * 65)
    assert await bot.bot_data.store.start_sources() == {"newsletter_2027": 2}


async def test_webhook_mode_serves_updates_and_checks_the_secret(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    async with running_bot(fake, tmp_path, clock, db=database, webhook=True):
        assert fake.webhook is not None and fake.webhook["secret_token"] == WEBHOOK_SECRET
        answer = await say(fake, ALICE, "/why")
        assert "Maguindanao" in answer["text"]
        url = fake.webhook["url"]
        update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "text": "/start",
                                                "chat": {"id": ALICE, "type": "private"}}}
        async with httpx.AsyncClient() as client:
            missing = await client.post(url, json=update)
            wrong = await client.post(url, json=update,
                                      headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
        assert missing.status_code == 403 and wrong.status_code == 403


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tgbot", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env})


def test_missing_or_malformed_token_is_one_clear_line(tmp_path: Path) -> None:
    env = {"TGBOT_DB": str(tmp_path / "x.sqlite3"), "TGBOT_TOKEN": ""}
    missing = run_cli("run", env=env)
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "tgbot: no bot token: set TGBOT_TOKEN (or --token) to the token BotFather gave you"]
    malformed = run_cli("run", env={**env, "TGBOT_TOKEN": "not-a-token"})
    assert malformed.returncode == 2 and "malformed" in malformed.stderr
    assert "Traceback" not in malformed.stderr + missing.stderr


def test_token_the_api_rejects(fake: FakeBotAPI, tmp_path: Path) -> None:
    wrong = "9999999:AAWrongTokenWrongTokenWrongTokenWrong"
    result = run_cli("run", env={"TGBOT_TOKEN": wrong, "TGBOT_API_URL": fake.root_url,
                                 "TGBOT_DB": str(tmp_path / "x.sqlite3"),
                                 "TGBOT_CAMPAIGN": str(ACTIONS)})
    assert result.returncode == 2
    assert "rejected the token" in result.stderr
    assert wrong not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_invalid_campaign_file_stops_the_bot(fake: FakeBotAPI, tmp_path: Path) -> None:
    bad = tmp_path / "actions.yaml"
    bad.write_text(ACTIONS.read_text(encoding="utf-8").replace("kind: letter", "kind: poem", 1))
    result = run_cli("run", env={"TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
                                 "TGBOT_DB": str(tmp_path / "x.sqlite3"),
                                 "TGBOT_CAMPAIGN": str(bad)})
    assert result.returncode == 2
    assert f"{bad}:" in result.stderr and "unknown kind 'poem'" in result.stderr
    assert not fake.calls_to("getUpdates")  # it never started polling
