"""Who did what is stored under a keyed pseudonym: the database alone does not hold the
Telegram id of a person who did an action or pressed in a group; the bot, with the key, still
answers /progress, /mydata and /forget, and a group counts each person once. Another key is
refused at start. Who was sent which message is deleted two weeks on."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers import postgres
from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    count_rows,
    database_bytes,
    forget_everything,
    press,
    push_round,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.backends import is_postgres_url

GROUP, ADMIN = -1007001, 3101
PERSON = 987_654_321_123  # an id no other number in the database is likely to share


def raw_id(db: str) -> bytes:
    """PERSON as the database writes it: in a SQLite row, a 6-byte big-endian integer; in a
    PostgreSQL dump, its digits."""
    return str(PERSON).encode() if is_postgres_url(db) else PERSON.to_bytes(6, "big")


async def test_a_group_press_stores_no_telegram_id_and_the_person_still_sees_it(
        fake: FakeBotAPI, bot: Application, database: str) -> None:
    fake.add_user(ADMIN, language_code="en")
    fake.add_user(PERSON, first_name="Person", language_code="en")
    fake.add_group(GROUP, admins=[ADMIN], members=[PERSON])
    in_group = await say(fake, ADMIN, "/today", chat_id=GROUP)
    done = button_data(in_group, "I did it")
    for _ in range(2):  # twice: one person, counted once
        await press(fake, PERSON, in_group, done)
    await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                              and "1 person here did it" in c.result["text"], timeout=6)
    # a completion and a group press, and not the person's id (no private chat yet)
    await asyncio.sleep(0.2)
    assert raw_id(database) not in database_bytes(database)
    progress = await say(fake, PERSON, "/progress")
    assert "completed 1 action of 23" in progress["text"].replace("<b>", "")
    data = await say(fake, PERSON, "/mydata")
    assert f"(group {GROUP})" in data["text"]
    confirm = await say(fake, PERSON, "/forget")
    await forget_everything(fake, PERSON, confirm)
    after = await say(fake, PERSON, "/mydata")
    assert "in groups" not in after["text"]
    assert await bot.bot_data.store.completed(PERSON, 2027) == set()
    assert await bot.bot_data.store.group_count(GROUP, 2027, 5) == 0


def tgbot_status(db: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`tgbot status` in a process of its own, with only these TGBOT_ settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    return subprocess.run([sys.executable, "-m", "tgbot", "status", "--db", db],
                          env={**clean, "TGBOT_CAMPAIGN": str(ACTIONS),
                               "TGBOT_LOCALES": str(ROOT / "locales"), **env},
                          capture_output=True, text=True, timeout=60)


def test_another_key_is_one_line_and_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    key_file = Path(f"{db}.idkey")
    asyncio.run(subscribe_all(str(db), [1]))  # the first start makes the key file
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert tgbot_status(str(db)).returncode == 0  # the key file again
    assert tgbot_status(str(db), TGBOT_ID_KEY_FILE=str(key_file)).returncode == 0  # named
    wrong = tgbot_status(str(db), TGBOT_ID_KEY="another-key-0123456789abcdef0123456789")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "tgbot: TGBOT_ID_KEY is not the key this database was written with: set the one "
        "it was made with (for SQLite, the file <database>.idkey beside it)"]
    key_file.unlink()  # a lost key file: a new one would split everyone's history
    lost = tgbot_status(str(db))
    assert lost.returncode == 2 and lost.stderr == wrong.stderr


def test_postgresql_without_the_key_is_one_line_and_exit_2(postgres_server: str) -> None:
    url = postgres.create_database(postgres_server)
    try:
        result = tgbot_status(url)
    finally:
        postgres.drop_database(url)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "tgbot: no TGBOT_ID_KEY: a PostgreSQL database needs the key every instance shares; "
        "set TGBOT_ID_KEY or TGBOT_ID_KEY_FILE (make one with: openssl rand -hex 32)"]


async def test_the_beat_deletes_who_was_sent_what_two_weeks_on(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    clock.set_local("2027-11-01", "10:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        await say(fake, ALICE, "/subscribe")
        await fake.async_wait_for_message(ALICE, after=mark, text_contains="Day 1 of 23")
        clock.set_local("2027-11-02", "10:00")
        await push_round(app)
        assert count_rows(database, "deliveries", "day", 1) == 1
        depth = await app.bot_data.store.outbox_depth()
        clock.set_local("2027-11-17", "08:00")  # day 1 ended 15 days ago, day 2 14 days ago
        for _ in range(100):  # the next beat deletes the day 1 row
            if not count_rows(database, "deliveries", "day", 1):
                break
            await asyncio.sleep(0.1)
        assert count_rows(database, "deliveries", "day", 1) == 0
        assert count_rows(database, "deliveries", "day", 2) == 1  # the last push: still shown
        assert await app.bot_data.store.outbox_depth() == depth  # tgbot status: the same
