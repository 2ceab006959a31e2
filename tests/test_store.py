"""Storage on a real SQLite file: migrations (also from an old file), transactions, the outbox."""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
from pathlib import Path

from tgbot.migrations import MIGRATIONS
from tgbot.store import Store

DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2027, 11, 5)


async def test_new_database_gets_every_migration_in_wal_mode(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        assert await store.applied_migrations() == [name for name, _ in MIGRATIONS]
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_old_database_file_is_upgraded_with_its_data(tmp_path: Path) -> None:
    """tests/data/v1.sqlite3 was written by the first release (0001_initial only)."""
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "v1.sqlite3", path)
    store = await Store.open(path)
    try:
        assert await store.applied_migrations() == [name for name, _ in MIGRATIONS]
        chat = await store.chat(1001)
        assert chat is not None and (chat.language, chat.subscribed, chat.push_time) == \
            ("fr", True, "08:00")
        assert await store.completed(1001, 2027) == {"maguindanao-letter"}
        assert await store.start_sources() == {"newsletter": 3}
        assert await store.enqueue(2027, [(1001, 5)]) == 1  # the new outbox table works
    finally:
        await store.close()
    reopened = await Store.open(path)  # a second start applies nothing
    try:
        assert await reopened.migrate() == []
    finally:
        await reopened.close()


async def test_completion_is_once_per_action_and_undo_removes_it(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        assert await store.set_completed(7, 2027, "a", True, TODAY) is True
        assert await store.set_completed(7, 2027, "a", True, TODAY) is False
        assert await store.completed(7, 2027) == {"a"}
        assert await store.set_completed(7, 2027, "a", False, TODAY) is True
        assert await store.completed(7, 2027) == set()
    finally:
        await store.close()


async def test_outbox_rows_are_claimed_once_and_stale_claims_come_back(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        for chat in (1, 2, 3):
            await store.set_subscribed(chat, "private", True, TODAY)
        # chat 4 never subscribed: no row for it
        assert await store.enqueue(2027, [(1, 5), (2, 5), (3, 5), (4, 5)]) == 3
        assert await store.enqueue(2027, [(1, 5)]) == 0  # never twice for a chat and day
        first = await store.claim(2, owner="a", stale_after=60)
        second = await store.claim(2, owner="a", stale_after=60)
        assert len(first) == 2 and len(second) == 1
        assert {d.chat_id for d in first + second} == {1, 2, 3}
        assert await store.claim(10, owner="b", stale_after=60) == []
        await store.finish(first[0], "sent", TODAY, 99)
        # a sender never takes back its own rows in flight, however long they take
        assert await store.claim(10, owner="a", stale_after=0) == []
        # but rows of a sender that died are claimed again after the timeout
        again = await store.claim(10, owner="b", stale_after=0)
        assert {d.chat_id for d in again} == {d.chat_id for d in first[1:] + second}
        assert all(d.attempts == 2 for d in again)
        assert await store.delivery_states(2027) == {"sent": 1, "sending": 2}
    finally:
        await store.close()


async def test_group_migration_moves_settings_and_outbox(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        await store.set_language(-5, "group", "es", TODAY)
        await store.set_subscribed(-5, "group", True, TODAY)
        await store.enqueue(2027, [(-5, 5)])
        await store.migrate_chat(-5, -1005)
        moved = await store.chat(-1005)
        assert moved is not None and (moved.kind, moved.language, moved.subscribed) == \
            ("supergroup", "es", True)
        assert await store.chat(-5) is None
        assert [d.chat_id for d in await store.claim(5, owner="a", stale_after=60)] == [-1005]
    finally:
        await store.close()
