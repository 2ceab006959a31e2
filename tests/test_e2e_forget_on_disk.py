"""What /forget and the bot's own files leave on disk, read the way a seized disk would be."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    forget_everything,
    press,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.fakeapi import FakeBotAPI

PERSON = 987_654_321_123  # an id no other number in the file is likely to share
# how SQLite writes it in a row and in an index: a 6-byte big-endian integer
PERSON_BYTES = PERSON.to_bytes(6, "big")


def on_disk(db: Path) -> bytes:
    """The database file and its write-ahead log, as they are on disk this moment.

    (What a crash now, or a copy of the disk, would leave.)
    """
    wal = Path(f"{db}-wal")
    return db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


async def test_forget_leaves_no_trace_in_the_file_or_its_log_while_the_bot_runs(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    db = tmp_path / "bot.sqlite3"
    fake.add_user(PERSON, first_name="Person", language_code="en")
    async with running_bot(fake, tmp_path, clock, db=str(db)):
        today = await say(fake, PERSON, "/today")
        await press(fake, PERSON, today, button_data(today, "I did it"))
        mark = fake.mark()
        await say(fake, PERSON, "/subscribe")
        await fake.async_wait_for_message(PERSON, after=mark, text_contains="Day 5 of 23")
        assert PERSON_BYTES in on_disk(db)  # the test looks for the right bytes
        confirm = await say(fake, PERSON, "/forget")
        await forget_everything(fake, PERSON, confirm)
        assert on_disk(db).count(PERSON_BYTES) == 0


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual umask (022), under which files are world-readable unless made otherwise."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def tgbot(*args: str, db: Path) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    result = subprocess.run([sys.executable, "-m", "tgbot", *args, "--db", str(db)],
                            env={**clean, "TGBOT_CAMPAIGN": str(ACTIONS),
                                 "TGBOT_LOCALES": str(ROOT / "locales")},
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_the_database_backups_and_exports_are_readable_by_their_owner_only(
        tmp_path: Path, open_umask: None) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(subscribe_all(str(db), [1, 2]))
    tgbot("backup", str(tmp_path / "copy.sqlite3"), db=db)
    tgbot("export", "--csv", str(tmp_path / "report.csv"), db=db)
    files = sorted(tmp_path.iterdir())
    assert {f.name for f in files} >= {"bot.sqlite3", "copy.sqlite3", "report.csv"}
    for file in files:
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file.name
