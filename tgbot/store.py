"""All SQL lives here: one aiosqlite connection, WAL mode, each domain write one transaction.

The domain calls methods named after what it means ("complete", "subscribe", "claim"); no
other module writes SQL, so another backend can be added behind the same methods.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from tgbot.migrations import MIGRATIONS

BUSY_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class Chat:
    """A chat as stored: its settings and subscription, nothing about who is in it."""

    chat_id: int
    kind: str
    language: str | None
    subscribed: bool
    push_time: str | None
    timezone: str | None
    thread_id: int | None


@dataclass(frozen=True)
class Delivery:
    """One claimed outbox row: send the day's action to this chat."""

    chat_id: int
    edition: int
    day: int
    attempts: int


_CHAT_COLUMNS = "chat_id, kind, language, subscribed, push_time, timezone, thread_id"


def _chat(row: aiosqlite.Row | tuple) -> Chat:
    return Chat(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6])


class Store:
    """The bot's database. Open with `await Store.open(path)`; close with `await store.close()`."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._writer = asyncio.Lock()  # one transaction at a time on the shared connection

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        db = await aiosqlite.connect(str(path), isolation_level=None)
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute("PRAGMA synchronous = NORMAL")
        store = cls(db)
        await store.migrate()
        return store

    async def close(self) -> None:
        await self._db.close()

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction. BEGIN IMMEDIATE takes the write lock up front, so a second
        process (`tgbot push` beside `tgbot run`) waits on busy_timeout instead of failing."""
        async with self._writer:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    # --- schema -----------------------------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply the migrations this database has not had yet; return their names."""
        await self._db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        applied = await self.applied_migrations()
        new = []
        for name, sql in MIGRATIONS:
            if name in applied:
                continue
            async with self._write() as db:
                for statement in _statements(sql):
                    await db.execute(statement)
                await db.execute("INSERT INTO _migrations VALUES (?, ?)",
                                 (name, dt.datetime.now(dt.UTC).isoformat(timespec="seconds")))
            new.append(name)
        return new

    async def applied_migrations(self) -> list[str]:
        async with self._db.execute("SELECT name FROM _migrations ORDER BY name") as cursor:
            return [row[0] async for row in cursor]

    # --- chats ------------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> Chat | None:
        async with self._db.execute(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE chat_id = ?",
                                    (chat_id,)) as cursor:
            row = await cursor.fetchone()
        return _chat(row) if row else None

    async def ensure_chat(self, chat_id: int, kind: str, today: dt.date) -> None:
        async with self._write() as db:
            await db.execute("INSERT OR IGNORE INTO chats (chat_id, kind, created_on) "
                             "VALUES (?, ?, ?)", (chat_id, kind, today.isoformat()))

    async def set_language(self, chat_id: int, kind: str, language: str, today: dt.date) -> None:
        async with self._write() as db:
            await db.execute(
                "INSERT INTO chats (chat_id, kind, language, created_on) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
                (chat_id, kind, language, today.isoformat()))

    async def set_subscribed(self, chat_id: int, kind: str, subscribed: bool, today: dt.date,
                             thread_id: int | None = None) -> bool:
        """Subscribe or unsubscribe; return False when the chat already was in that state."""
        async with self._write() as db:
            await db.execute("INSERT OR IGNORE INTO chats (chat_id, kind, created_on) "
                             "VALUES (?, ?, ?)", (chat_id, kind, today.isoformat()))
            column = "subscribed_on" if subscribed else "unsubscribed_on"
            cursor = await db.execute(
                f"UPDATE chats SET subscribed = ?, {column} = ?, thread_id = ? "
                "WHERE chat_id = ? AND subscribed != ?",
                (int(subscribed), today.isoformat(), thread_id, chat_id, int(subscribed)))
            return cursor.rowcount > 0

    async def set_push_settings(self, chat_id: int, *, push_time: str | None,
                                timezone: str | None) -> None:
        async with self._write() as db:
            await db.execute("UPDATE chats SET push_time = ?, timezone = ? WHERE chat_id = ?",
                             (push_time, timezone, chat_id))

    async def subscribed_chats(self) -> list[Chat]:
        async with self._db.execute(
                f"SELECT {_CHAT_COLUMNS} FROM chats WHERE subscribed = 1") as cursor:
            return [_chat(row) async for row in cursor]

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its settings and outbox rows to the new id."""
        async with self._write() as db:
            await db.execute("DELETE FROM chats WHERE chat_id = ? AND EXISTS "
                             "(SELECT 1 FROM chats WHERE chat_id = ?)", (new_chat_id, old_chat_id))
            await db.execute("UPDATE chats SET chat_id = ?, kind = 'supergroup' "
                             "WHERE chat_id = ?", (new_chat_id, old_chat_id))
            for table in ("deliveries", "group_presses"):
                await db.execute(f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?",
                                 (new_chat_id, old_chat_id))

    # --- groups -----------------------------------------------------------------------------

    async def group_press(self, chat_id: int, edition: int, day: int, user_id: int,
                          done: bool) -> int:
        """Record (or undo) a press in a group; return how many people did it there."""
        async with self._write() as db:
            if done:
                await db.execute("INSERT OR IGNORE INTO group_presses VALUES (?, ?, ?, ?)",
                                 (chat_id, edition, day, user_id))
            else:
                await db.execute("DELETE FROM group_presses WHERE chat_id = ? AND edition = ? "
                                 "AND day = ? AND user_id = ?", (chat_id, edition, day, user_id))
            cursor = await db.execute("SELECT COUNT(*) FROM group_presses WHERE chat_id = ? "
                                      "AND edition = ? AND day = ?", (chat_id, edition, day))
            return (await cursor.fetchone())[0]

    # --- privacy ----------------------------------------------------------------------------

    async def user_data(self, user_id: int) -> dict[str, object]:
        """Everything stored about one person: their private chat's row and their completions."""
        chat = await self.chat(user_id)
        async with self._db.execute("SELECT edition, action_id, completed_on FROM completions "
                                    "WHERE user_id = ? ORDER BY edition, completed_on",
                                    (user_id,)) as cursor:
            completions = [tuple(row) async for row in cursor]
        async with self._db.execute("SELECT COUNT(*) FROM deliveries WHERE chat_id = ?",
                                    (user_id,)) as cursor:
            deliveries = (await cursor.fetchone())[0]
        return {"chat": chat, "completions": completions, "deliveries": deliveries}

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about one person, in one transaction."""
        async with self._write() as db:
            await db.execute("DELETE FROM completions WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM group_presses WHERE user_id = ?", (user_id,))
            await db.execute("DELETE FROM deliveries WHERE chat_id = ?", (user_id,))
            await db.execute("DELETE FROM chats WHERE chat_id = ?", (user_id,))

    # --- deep-link sources ------------------------------------------------------------------

    async def count_start(self, source: str) -> None:
        async with self._write() as db:
            await db.execute("INSERT INTO start_sources VALUES (?, 1) "
                             "ON CONFLICT (source) DO UPDATE SET starts = starts + 1", (source,))

    async def start_sources(self) -> dict[str, int]:
        async with self._db.execute("SELECT source, starts FROM start_sources "
                                    "ORDER BY starts DESC, source") as cursor:
            return {row[0]: row[1] async for row in cursor}

    # --- completions ------------------------------------------------------------------------

    async def set_completed(self, user_id: int, edition: int, action_id: str, done: bool,
                            today: dt.date) -> bool:
        """Record (or undo) one completion; return whether anything changed."""
        async with self._write() as db:
            if done:
                cursor = await db.execute(
                    "INSERT OR IGNORE INTO completions VALUES (?, ?, ?, ?)",
                    (user_id, edition, action_id, today.isoformat()))
            else:
                cursor = await db.execute(
                    "DELETE FROM completions WHERE user_id = ? AND edition = ? AND action_id = ?",
                    (user_id, edition, action_id))
            return cursor.rowcount > 0

    async def completed(self, user_id: int, edition: int) -> set[str]:
        async with self._db.execute("SELECT action_id FROM completions "
                                    "WHERE user_id = ? AND edition = ?",
                                    (user_id, edition)) as cursor:
            return {row[0] async for row in cursor}

    # --- uploaded media ---------------------------------------------------------------------

    async def media_file_id(self, key: str) -> str | None:
        async with self._db.execute("SELECT file_id FROM media WHERE key = ?", (key,)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def remember_media(self, key: str, file_id: str) -> None:
        async with self._write() as db:
            await db.execute("INSERT OR REPLACE INTO media VALUES (?, ?)", (key, file_id))

    # --- deliveries (the outbox) ------------------------------------------------------------

    async def enqueue(self, edition: int, due: Iterable[tuple[int, int]]) -> int:
        """Add outbox rows for (chat_id, day) pairs; a row that exists is left alone."""
        async with self._write() as db:
            before = db.total_changes
            await db.executemany(
                "INSERT OR IGNORE INTO deliveries (chat_id, edition, day, state) "
                "VALUES (?, ?, ?, 'pending')", [(chat, edition, day) for chat, day in due])
            return db.total_changes - before

    async def delivered_days(self, edition: int, days: Iterable[int]) -> set[tuple[int, int]]:
        """(chat_id, day) pairs that already have an outbox row for these days."""
        days = list(days)
        marks = ",".join("?" * len(days))
        async with self._db.execute(f"SELECT chat_id, day FROM deliveries WHERE edition = ? "
                                    f"AND day IN ({marks})", (edition, *days)) as cursor:
            return {(row[0], row[1]) async for row in cursor}

    async def claim(self, limit: int, *, stale_after: float) -> list[Delivery]:
        """Take up to `limit` rows to send: pending ones, and ones a dead sender left behind."""
        now = time.time()
        async with self._write() as db:
            cursor = await db.execute(
                "UPDATE deliveries SET state = 'sending', claimed_at = ?, "
                "attempts = attempts + 1 WHERE rowid IN (SELECT rowid FROM deliveries "
                "WHERE (state = 'pending' AND not_before <= ?) "
                "OR (state = 'sending' AND claimed_at < ?) ORDER BY day, rowid LIMIT ?) "
                "RETURNING chat_id, edition, day, attempts",
                (now, now, now - stale_after, limit))
            rows = await cursor.fetchall()
        return [Delivery(*row) for row in rows]

    async def finish(self, delivery: Delivery, state: str, today: dt.date,
                     message_id: int | None = None) -> None:
        """Close a claimed row: 'sent', 'failed' (gave up) or 'gone' (chat blocked/deleted)."""
        async with self._write() as db:
            await db.execute("UPDATE deliveries SET state = ?, message_id = ? "
                             "WHERE chat_id = ? AND edition = ? AND day = ?",
                             (state, message_id, delivery.chat_id, delivery.edition,
                              delivery.day))
            if state == "gone":
                await db.execute("UPDATE chats SET subscribed = 0, unsubscribed_on = ? "
                                 "WHERE chat_id = ?",
                                 (today.isoformat(), delivery.chat_id))

    async def retry_later(self, delivery: Delivery, delay: float) -> None:
        async with self._write() as db:
            await db.execute("UPDATE deliveries SET state = 'pending', not_before = ? "
                             "WHERE chat_id = ? AND edition = ? AND day = ?",
                             (time.time() + delay, delivery.chat_id, delivery.edition,
                              delivery.day))

    async def delivery_states(self, edition: int, day: int | None = None) -> dict[str, int]:
        query = "SELECT state, COUNT(*) FROM deliveries WHERE edition = ?"
        params: tuple = (edition,)
        if day is not None:
            query, params = query + " AND day = ?", (edition, day)
        async with self._db.execute(query + " GROUP BY state", params) as cursor:
            return {row[0]: row[1] async for row in cursor}


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no ';' in strings)."""
    lines = [line.split("--")[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
