"""A disk that fills up mid-broadcast, then has room again: the bot says so, then carries on.

The database lives on a small tmpfs of its own (the tests run as root, here and in CI), and
the disk is filled with a real file until the kernel says ENOSPC, so SQLite meets a real full
disk (SQLITE_FULL) where it writes: at COMMIT, into its write-ahead log.
"""

from __future__ import annotations

import asyncio
import errno
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ALICE
from tests.helpers.harness import (
    Clock,
    eventually,
    free_port,
    queue_announcement,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.fakeapi import FakeBotAPI

SUBSCRIBERS = 200
IN_FLIGHT = 8  # at most this many can be sent twice (see test_e2e_crash)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MiB tmpfs, mounted for the test."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m,mode=0700", "tmpfs", str(disk)],
                   check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Write zeros into a file until the disk has no room left; the file."""
    filler = disk / "filler"
    block = bytes(4096)
    with filler.open("wb", buffering=0) as handle:
        try:
            while True:
                handle.write(block)
        except OSError as error:
            assert error.errno == errno.ENOSPC
    return filler


async def readiness(port: int) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}/readyz", timeout=10)


@pytest.mark.long
async def test_a_disk_full_mid_broadcast_is_reported_and_the_bot_carries_on_once_freed(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, small_disk: Path) -> None:
    db = str(small_disk / "bot.sqlite3")
    chat_ids = list(range(60_000, 60_000 + SUBSCRIBERS))
    for chat_id in chat_ids:
        fake.add_user(chat_id)
    await subscribe_all(db, chat_ids)
    await queue_announcement(db, SUBSCRIBERS)
    port = free_port()
    async with running_bot(fake, tmp_path, clock, db=db, status_port=port):
        async def sent_some() -> bool:
            return len(fake.calls_to("sendMessage")) >= 60

        await eventually(sent_some, 30, "the broadcast did not start")
        filler = await asyncio.to_thread(fill, small_disk)
        sent_when_full = len(fake.calls_to("sendMessage"))

        answers = []

        async def reported() -> bool:
            answers.append(await readiness(port))
            return answers[-1].status_code == 503

        await eventually(reported, 20, "/readyz said ready while no write could commit")
        ready = answers[-1]
        assert ready.text.startswith("database writes failing: OperationalError (SQLITE_FULL)")
        assert len(ready.text.splitlines()) == 1
        await asyncio.sleep(3)  # a few beats' worth of failed writes
        still = await readiness(port)  # still full: still reported, by its cause (once the
        # second failure said "cannot start a transaction within a transaction")
        assert still.status_code == 503 and "(SQLITE_FULL)" in still.text, still.text
        filler.unlink()

        async def everyone_reached() -> bool:
            received = {int(c.params["chat_id"]) for c in fake.calls_to("sendMessage") if c.ok}
            return received >= set(chat_ids)

        await eventually(everyone_reached, 60,
                         "the broadcast never resumed after the disk had room")

        async def ready_again() -> bool:
            return (await readiness(port)).status_code == 200

        await eventually(ready_again, 20, "/readyz did not say ready again")
        assert "Impunity" in (await say(fake, ALICE, "/about", timeout=15))["text"]
    received = Counter(int(c.params["chat_id"]) for c in fake.calls_to("sendMessage") if c.ok
                       and int(c.params["chat_id"]) in chat_ids)
    assert max(received.values()) <= 2
    assert sum(n > 1 for n in received.values()) <= IN_FLIGHT
    assert sent_when_full < SUBSCRIBERS  # the disk really filled mid-broadcast
