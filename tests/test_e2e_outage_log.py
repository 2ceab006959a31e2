"""A PostgreSQL outage in the log: one line when writes start failing, one when they work again."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from tests.conftest import ALICE
from tests.helpers import postgres
from tests.helpers.harness import Clock, running_bot, say
from tgbot.fakeapi import FakeBotAPI

OUTAGE = 10.0  # seconds: five beats


@pytest.mark.long
async def test_a_postgresql_outage_is_a_line_when_it_starts_and_one_when_it_ends(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock,
        own_postgres: postgres.ThrowawayPostgres, caplog: pytest.LogCaptureFixture) -> None:
    url = postgres.create_database(own_postgres.url)
    caplog.set_level(logging.INFO)
    async with running_bot(fake, tmp_path, clock, db=url):
        await say(fake, ALICE, "/about")
        mark = len(caplog.records)
        await asyncio.to_thread(own_postgres.pause)
        await asyncio.sleep(OUTAGE)
        await asyncio.to_thread(own_postgres.resume)
        deadline = time.monotonic() + 30
        while not any("database writes work again" in r.getMessage()
                      for r in caplog.records[mark:]):
            assert time.monotonic() < deadline, "no line said the database was back"
            await asyncio.sleep(0.2)
        outage = caplog.records[mark:]
    assert [r.getMessage() for r in outage if r.exc_info] == []  # no traceback
    warnings = [r.getMessage() for r in outage if r.levelno >= logging.WARNING]
    assert sum("database writes failing" in w for w in warnings) == 1, warnings
    assert sum("database writes work again" in w for w in warnings) == 1, warnings
    # besides those two, at most the sender lock's loss (its connection died with the server)
    assert len(warnings) <= 3, warnings
