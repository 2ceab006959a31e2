"""End to end: at DEBUG, in both formats, the log names nobody and shows no secret."""

from __future__ import annotations

import io
import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.helpers.harness import ROOT, WEBHOOK_SECRET, Clock, running_bot, say
from tgbot.config import Settings
from tgbot.errors import ConfigError
from tgbot.fakeapi import FakeBotAPI
from tgbot.ops.logsafe import RedactToken, setup_logging

PERSON = 7312946581
GROUP = -1009876543210
NAME, USERNAME, TEXT = "Zainab", "quixotic_zq", "where is the vigil in Quezon tonight"


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_debug_log_holds_no_names_texts_ids_or_secrets(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, log_format: str) -> None:
    fake.add_user(PERSON, first_name=NAME, username=USERNAME, language_code="en")
    fake.add_group(GROUP, admins=[PERSON])
    stream = io.StringIO()
    setup_logging("DEBUG", fake.token, log_format)  # as `tgbot run` does, secrets not named
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        async with running_bot(fake, tmp_path, clock, webhook=True):
            await say(fake, PERSON, "/start")
            await say(fake, PERSON, TEXT)
            await say(fake, PERSON, "/subscribe", chat_id=GROUP)
            unreadable = {"update_id": 77, "message": {"chat": 1, "text": TEXT}}
            async with httpx.AsyncClient() as client:
                answer = await client.post(fake.webhook["url"], json=unreadable, headers={
                    "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
            assert answer.status_code == 400
            logging.getLogger("tgbot.test").debug("the bot's own debug lines are kept")
    finally:
        logging.getLogger().handlers.clear()
    output = stream.getvalue()
    assert "the bot's own debug lines are kept" in output and "webhook" in output
    for private in (NAME, USERNAME, TEXT, "Quezon", str(PERSON), str(GROUP), WEBHOOK_SECRET):
        assert private not in output, private


def test_a_log_call_with_bad_arguments_is_written_not_raised() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactToken("1234567:AAFakeTokenForLoopbackTestsOnly_0123"))
    logger = logging.getLogger("tgbot.test.badargs")
    logger.addHandler(handler)
    try:
        logger.warning("update %d arrived", "abc")  # a %d given a string
    finally:
        logger.removeHandler(handler)
    assert "update %d arrived" in stream.getvalue()


def test_other_secrets_are_redacted_beside_the_token() -> None:
    redact = RedactToken("", ["Pa55w0rdQRY", "hook-secret_1"]).redact
    assert redact("postgresql://u@h/db?password=Pa55w0rdQRY and hook-secret_1") == \
        "postgresql://u@h/db?password=*** and ***"


def test_a_database_password_is_hidden_in_every_form_it_takes(tmp_path: Path) -> None:
    for url in ("postgresql://tgbot@127.0.0.1:9/tgbot?password=Pa55w0rdQRY",
                "postgres://:Pa55w0rdQRY@127.0.0.1:9/tgbot",
                "postgresql://tgbot:Pa55/w0rdQRY@127.0.0.1:9/tgbot"):
        result = subprocess.run([sys.executable, "-m", "tgbot", "stats", "--db", url,
                                 "--campaign", str(ROOT / "actions.yaml")],
                                capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert "127.0.0.1:9" in result.stderr  # it named the database
        assert "w0rdQRY" not in result.stdout + result.stderr, result.stderr
        assert "TGBOT_DB_FILE" in result.stderr  # and said how to keep it off the command line


def test_secrets_can_come_from_files(tmp_path: Path) -> None:
    token, secret = "1234567:AAFakeTokenForLoopbackTestsOnly_0123", "hook-secret_1"
    (tmp_path / "token").write_text(token + "\n", encoding="utf-8")
    (tmp_path / "secret").write_text(secret, encoding="utf-8")
    settings = Settings.from_env({"TGBOT_TOKEN_FILE": str(tmp_path / "token"),
                                  "TGBOT_WEBHOOK_SECRET_FILE": str(tmp_path / "secret")})
    assert (settings.token, settings.webhook_secret) == (token, secret)
    with pytest.raises(ConfigError, match="TGBOT_TOKEN_FILE"):
        Settings.from_env({"TGBOT_TOKEN_FILE": str(tmp_path / "missing")})
