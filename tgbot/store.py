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
    """One claimed outbox row: the day's action, or announcement `announcement_id`, to a chat."""

    chat_id: int
    edition: int
    day: int
    attempts: int
    announcement_id: int = 0

    @property
    def _where(self) -> tuple[str, str, tuple[int, ...]]:
        """The outbox table of this row, and the SQL condition and values that find it."""
        if self.announcement_id:
            return ("announcement_deliveries", "announcement_id = ? AND chat_id = ?",
                    (self.announcement_id, self.chat_id))
        return ("deliveries", "chat_id = ? AND edition = ? AND day = ?",
                (self.chat_id, self.edition, self.day))


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
            for table in ("deliveries", "group_presses", "announcement_deliveries"):
                await db.execute(f"UPDATE OR IGNORE {table} SET chat_id = ? WHERE chat_id = ?",
                                 (new_chat_id, old_chat_id))
            # a sender holding one of these rows under the old id will skip it: send it again
            for table in ("deliveries", "announcement_deliveries"):
                await db.execute(f"UPDATE {table} SET state = 'pending' "
                                 "WHERE chat_id = ? AND state = 'sending'", (new_chat_id,))

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
            await db.execute("DELETE FROM announcement_deliveries WHERE chat_id = ?",
                             (user_id,))
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
        """Add outbox rows for (chat_id, day) pairs of subscribed chats; an existing row stays."""
        async with self._write() as db:
            before = db.total_changes
            # only chats still subscribed now: one may have left or migrated since it was read
            await db.executemany(
                "INSERT OR IGNORE INTO deliveries (chat_id, edition, day, state) "
                "SELECT chat_id, ?, ?, 'pending' FROM chats WHERE chat_id = ? AND subscribed = 1",
                [(edition, day, chat) for chat, day in due])
            return db.total_changes - before

    async def delivered_days(self, edition: int, days: Iterable[int]) -> set[tuple[int, int]]:
        """(chat_id, day) pairs that already have an outbox row for these days."""
        days = list(days)
        marks = ",".join("?" * len(days))
        async with self._db.execute(f"SELECT chat_id, day FROM deliveries WHERE edition = ? "
                                    f"AND day IN ({marks})", (edition, *days)) as cursor:
            return {(row[0], row[1]) async for row in cursor}

    async def claim(self, limit: int, *, owner: str, stale_after: float) -> list[Delivery]:
        """Take up to `limit` rows to send: pending ones, and ones another sender claimed
        more than `stale_after` seconds ago and never closed (it died).

        The daily push goes first; announcements fill what is left of the batch.
        """
        now = time.time()
        todo = ("WHERE (state = 'pending' AND not_before <= ?) "
                "OR (state = 'sending' AND claimed_at < ? AND claimed_by != ?)")
        claim = "SET state = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1"
        params = (now, owner, now, now - stale_after, owner)
        async with self._write() as db:
            cursor = await db.execute(
                f"UPDATE deliveries {claim} WHERE rowid IN (SELECT rowid FROM deliveries "
                f"{todo} ORDER BY day, rowid LIMIT ?) RETURNING chat_id, edition, day, attempts",
                (*params, limit))
            claimed = [Delivery(*row) for row in await cursor.fetchall()]
            if len(claimed) < limit:
                cursor = await db.execute(
                    f"UPDATE announcement_deliveries {claim} WHERE rowid IN (SELECT rowid FROM "
                    f"announcement_deliveries {todo} ORDER BY rowid LIMIT ?) "
                    "RETURNING chat_id, attempts, announcement_id",
                    (*params, limit - len(claimed)))
                claimed += [Delivery(chat, 0, 0, attempts, announcement)
                            for chat, attempts, announcement in await cursor.fetchall()]
        return claimed

    async def finish(self, delivery: Delivery, state: str, today: dt.date,
                     message_id: int | None = None) -> None:
        """Close a claimed row: 'sent', 'failed' (gave up) or 'gone' (chat blocked/deleted)."""
        table, where, params = delivery._where
        async with self._write() as db:
            await db.execute(f"UPDATE {table} SET state = ?, message_id = ? WHERE {where}",
                             (state, message_id, *params))
            if state == "gone":
                await db.execute("UPDATE chats SET subscribed = 0, unsubscribed_on = ? "
                                 "WHERE chat_id = ?",
                                 (today.isoformat(), delivery.chat_id))

    async def retry_later(self, delivery: Delivery, delay: float) -> None:
        table, where, params = delivery._where
        async with self._write() as db:
            await db.execute(f"UPDATE {table} SET state = 'pending', not_before = ? "
                             f"WHERE {where}", (time.time() + delay, *params))

    async def delivery_states(self, edition: int, day: int | None = None) -> dict[str, int]:
        query = "SELECT state, COUNT(*) FROM deliveries WHERE edition = ?"
        params: tuple = (edition,)
        if day is not None:
            query, params = query + " AND day = ?", (edition, day)
        async with self._db.execute(query + " GROUP BY state", params) as cursor:
            return {row[0]: row[1] async for row in cursor}


    # --- announcements ----------------------------------------------------------------------

    async def create_announcement(self, text: str, language: str | None,
                                  today: dt.date) -> int:
        async with self._write() as db:
            cursor = await db.execute(
                "INSERT INTO announcements (text, language, state, created_on) "
                "VALUES (?, ?, 'draft', ?)", (text, language, today.isoformat()))
            return cursor.lastrowid or 0

    async def announcement(self, announcement_id: int) -> tuple[str, str | None, str] | None:
        """(text, language, state) of an announcement."""
        async with self._db.execute("SELECT text, language, state FROM announcements "
                                    "WHERE id = ?", (announcement_id,)) as cursor:
            row = await cursor.fetchone()
        return (row[0], row[1], row[2]) if row else None

    async def audience(self, language: str | None) -> int:
        """How many subscribed chats an announcement (to one language, or all) would reach."""
        query = "SELECT COUNT(*) FROM chats WHERE subscribed = 1"
        params: tuple = ()
        if language:
            query, params = query + " AND language = ?", (language,)
        async with self._db.execute(query, params) as cursor:
            return (await cursor.fetchone())[0]

    async def start_announcement(self, announcement_id: int) -> int:
        """Draft -> sending: one outbox row per subscribed chat, in one transaction.

        Pressing Send twice (or on a cancelled draft) queues nothing more; returns the rows
        added."""
        async with self._write() as db:
            cursor = await db.execute("UPDATE announcements SET state = 'sending' "
                                      "WHERE id = ? AND state = 'draft' RETURNING language",
                                      (announcement_id,))
            row = await cursor.fetchone()
            if row is None:
                return 0
            language_filter = "AND language = ?" if row[0] else ""
            cursor = await db.execute(
                "INSERT OR IGNORE INTO announcement_deliveries (announcement_id, chat_id, state) "
                f"SELECT ?, chat_id, 'pending' FROM chats WHERE subscribed = 1 {language_filter}",
                (announcement_id, row[0]) if row[0] else (announcement_id,))
            return cursor.rowcount

    async def cancel_announcement(self, announcement_id: int) -> bool:
        async with self._write() as db:
            cursor = await db.execute("UPDATE announcements SET state = 'cancelled' "
                                      "WHERE id = ? AND state = 'draft'", (announcement_id,))
            return cursor.rowcount > 0

    async def announcement_states(self, announcement_id: int) -> dict[str, int]:
        async with self._db.execute("SELECT state, COUNT(*) FROM announcement_deliveries "
                                    "WHERE announcement_id = ? GROUP BY state",
                                    (announcement_id,)) as cursor:
            return {row[0]: row[1] async for row in cursor}

    # --- statistics (aggregates only) -------------------------------------------------------

    async def subscribers(self) -> list[tuple[str, str, int]]:
        """(kind, language, count) of subscribed chats."""
        async with self._db.execute("SELECT kind, COALESCE(language, ''), COUNT(*) FROM chats "
                                    "WHERE subscribed = 1 GROUP BY 1, 2 ORDER BY 1, 2") as cur:
            return [tuple(row) async for row in cur]  # type: ignore[misc]

    async def subscription_changes(self, since: dt.date) -> tuple[int, int]:
        """(new, lost) subscriptions since a date."""
        async with self._db.execute(
                "SELECT SUM(subscribed = 1 AND subscribed_on >= ?), "
                "SUM(subscribed = 0 AND unsubscribed_on >= ?) FROM chats",
                (since.isoformat(), since.isoformat())) as cursor:
            row = await cursor.fetchone()
        return (row[0] or 0, row[1] or 0)

    async def subscriptions_by_date(self) -> list[tuple[str, int]]:
        """(date, subscriptions started that day) for chats subscribed now."""
        async with self._db.execute("SELECT subscribed_on, COUNT(*) FROM chats WHERE "
                                    "subscribed = 1 AND subscribed_on IS NOT NULL "
                                    "GROUP BY 1 ORDER BY 1") as cursor:
            return [(row[0], row[1]) async for row in cursor]

    async def completions(self, edition: int) -> list[tuple[str, str, str, int]]:
        """(action_id, completed_on, language, count) of one edition."""
        async with self._db.execute(
                "SELECT c.action_id, c.completed_on, COALESCE(ch.language, ''), COUNT(*) "
                "FROM completions c LEFT JOIN chats ch ON ch.chat_id = c.user_id "
                "WHERE c.edition = ? GROUP BY 1, 2, 3 ORDER BY 2, 1, 3",
                (edition,)) as cursor:
            return [tuple(row) async for row in cursor]  # type: ignore[misc]

    async def last_push(self, edition: int) -> tuple[int, dict[str, int]] | None:
        """The latest campaign day with outbox rows, and its states."""
        async with self._db.execute("SELECT MAX(day) FROM deliveries WHERE edition = ?",
                                    (edition,)) as cursor:
            day = (await cursor.fetchone())[0]
        return (day, await self.delivery_states(edition, day)) if day else None

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live database (SQLite's online backup, safe during writes)."""
        await self._db.execute("VACUUM INTO ?", (str(target),))


def _statements(sql: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no ';' in strings)."""
    lines = [line.split("--")[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
