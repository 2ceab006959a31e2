"""All domain SQL, written once for SQLite and PostgreSQL; each domain write is one transaction.

The domain calls methods named after what it means ("subscribe", "claim", "finish"); no other
module writes domain SQL. `tgbot.storage.backends` runs it on a SQLite file or a PostgreSQL server.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.outbox import Closed, Delivery, Due, Kind, Reminder, State
from tgbot.domain.stats import Stats, top_sources
from tgbot.storage import deletions, migrations, pseudonyms
from tgbot.storage.backends import (
    Database,
    DatabaseError,
    SenderLock,
    Transaction,
    describe,
    is_database_failure,
    open_database,
    redact_url,
)
from tgbot.storage.deletions import Deletions
from tgbot.storage.pseudonyms import Pseudonyms

# Telegram ids per statement in an IN (...) list: far below both databases' parameter limits.
CHUNK = 500
# Every table, parents first, with the columns that order its rows (for `copy_to`).
TABLES = {"meta": "key", "chats": "chat_id", "completions": "person, edition, action_id",
          "start_sources": "source", "media": "key",
          "group_presses": "chat_id, edition, day, person", "announcements": "id",
          "deliveries": "chat_id, edition, day",
          "announcement_deliveries": "announcement_id, chat_id", "reminders": "chat_id",
          "reminder_deliveries": "chat_id, edition, day", "deletions": "chat_id, message_id"}
# The outbox tables, in the order a claim takes them: the push, announcements, reminders.
OUTBOX = ("deliveries", "announcement_deliveries", "reminder_deliveries")
OUTBOX_KINDS = (Kind.PUSH, Kind.ANNOUNCEMENT, Kind.REMINDER)
# What `forget_deliveries` keeps of each outbox besides rows still open or recent: the push's
# latest day (/stats and `tgbot status` show it), announcements still being sent.
_OUTBOX_READ = ("(edition, day) IN (SELECT edition, MAX(day) FROM deliveries GROUP BY 1)",
                "announcement_id IN (SELECT id FROM announcements WHERE state = 'sending')",
                "FALSE")
# (`id_key` is not copied: the target records its own key, which must be the same;
# `instances` and `handled_updates` are not copied: they belong to the processes running on
# the database they are in; the campaign tables are published again by the next start.)
# Ids the database generates, which must continue after copied ones (table, column).
SERIAL_IDS = (("announcements", "id"),)


def _row_of(delivery: Delivery) -> tuple[str, str, tuple[int, ...]]:
    """The outbox table of a claimed row, and the SQL condition and values that find it."""
    if delivery.announcement_id:
        return ("announcement_deliveries", "announcement_id = ? AND chat_id = ?",
                (delivery.announcement_id, delivery.chat_id))
    return ("reminder_deliveries" if delivery.reminder else "deliveries",
            "chat_id = ? AND edition = ? AND day = ?",
            (delivery.chat_id, delivery.edition, delivery.day))


# a timestamp parameter, typed for both databases (REAL is 4 bytes in PostgreSQL)
_TIME = "CAST(? AS DOUBLE PRECISION)"
_CHAT_COLUMNS = ("chat_id, kind, language, subscribed, push_time, timezone, thread_id, "
                 "next_push_at, discreet")
# what a group keeps when it becomes a supergroup
_MOVED_CHAT_COLUMNS = ("language", "subscribed", "push_time", "timezone", "created_on",
                       "thread_id", "subscribed_on", "unsubscribed_on", "next_push_at",
                       "discreet")


def _chat(row: tuple) -> Chat:
    return Chat(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6], row[7],
                bool(row[8]))


def look_now() -> float:
    """A next_push_at (or a reminder's next_at) that says "look at it at once".

    Negative, so it is due whatever the clock says, and different at each change, so a
    planner that read the chat before the change cannot write over it.
    """
    return -time.time()


def _marks(values: list) -> str:
    return ", ".join("?" * len(values))


def _chunks(values: list, size: int = CHUNK) -> Iterable[list]:
    return (values[i:i + size] for i in range(0, len(values), size))


async def _expire_earlier(tx: Transaction, edition: int, day: int,
                          chat_ids: list[int] | None = None) -> None:
    """Close as expired the pending rows of days before `day` of chats with a row of `day`.

    Of the chats `chat_ids` (a key lookup each), or of every chat (`tgbot push --date`).
    """
    chats = f"chat_id IN ({_marks(chat_ids)})" if chat_ids is not None else "TRUE"
    await tx.execute(
        "UPDATE deliveries SET state = 'expired' WHERE state = 'pending' AND edition = ? "
        f"AND day < ? AND {chats} AND EXISTS (SELECT 1 FROM deliveries later WHERE "
        "later.chat_id = deliveries.chat_id AND later.edition = deliveries.edition AND "
        "later.day = ?)", (edition, day, *(chat_ids or ()), day))


class Store:
    """The bot's database. Open with `await Store.open(path or URL)`; close with `close()`.

    Methods take Telegram user ids; completions and group presses are stored under the
    person's pseudonym (`tgbot.storage.pseudonyms`).
    """

    def __init__(self, db: Database, people: Pseudonyms) -> None:
        self._db = db
        self._people = people

    @classmethod
    async def open(cls, target: str | Path, people: Pseudonyms | None = None) -> Store:
        """Open a SQLite file or PostgreSQL URL and apply the migrations it lacks.

        `people` defaults to the key TGBOT_ID_KEY (or TGBOT_ID_KEY_FILE, or a SQLite
        database's key file) gives; DatabaseError if the database was written with another.
        """
        db = await open_database(str(target))
        try:
            store = cls(db, people or pseudonyms.load(str(target)))
            if await store.migrate():
                await store._db.erase_deleted()  # rows a migration rewrote: off the disk too
            await store._check_key()
        except BaseException as error:
            await db.close()
            if isinstance(error, Exception) and is_database_failure(error):
                # the server failing while the migrations or the key check ran: one line
                raise DatabaseError(f"cannot open the database {redact_url(str(target))}: "
                                    f"{describe(error)}") from None
            raise
        return store

    @property
    def dialect(self) -> str:
        """The SQL dialect, "sqlite" or "postgresql" (their migrations' SQL differs)."""
        return self._db.dialect

    async def close(self) -> None:
        """Close the database's connections."""
        await self._db.close()

    @property
    def deletions(self) -> Deletions:
        """The deletion outbox: messages the bot sent and may still delete."""
        return Deletions(self._db)

    def sender_lock(self) -> SenderLock:
        """The lock the one sending process holds (see `backends.SenderLock`)."""
        return self._db.sender_lock()

    # --- schema -----------------------------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply the migrations this database has not had yet; return their names."""
        return await migrations.apply(self._db, self._people)

    async def _check_key(self) -> None:
        """Refuse a key other than the one the database's pseudonyms were made with.

        With another key nobody's past actions would be found, and each person would count
        twice.
        """
        row = await self._db.fetchone("SELECT fingerprint FROM id_key")
        if not row or row[0] != self._people.fingerprint:
            raise DatabaseError(f"{pseudonyms.VARIABLE} is not the key this database was "
                                f"written with: set the one it was made with (for SQLite, "
                                f"the file <database>{pseudonyms.KEY_FILE_SUFFIX} beside it)")

    async def applied_migrations(self) -> list[str]:
        """The names of the migrations this database has had, in order."""
        return await migrations.applied(self._db)

    # --- chats ------------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> Chat | None:
        """A chat as stored, or None if it never talked to the bot."""
        row = await self._db.fetchone(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE chat_id = ?",
                                      (chat_id,))
        return _chat(row) if row else None

    async def set_language(self, chat_id: int, kind: str, language: str, today: dt.date) -> None:
        """Store a chat's chosen language (the chat is recorded if new)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO chats (chat_id, kind, language, created_on) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET language = excluded.language",
                (chat_id, kind, language, today.isoformat()))

    async def set_subscribed(self, chat_id: int, kind: str, subscribed: bool, today: dt.date,
                             thread_id: int | None = None) -> bool:
        """Subscribe or unsubscribe; return False when the chat already was in that state.

        A new subscription is looked at by the scheduler at once (`look_now`).
        """
        async with self._db.transaction() as tx:
            await tx.execute("INSERT INTO chats (chat_id, kind, created_on) VALUES (?, ?, ?) "
                             "ON CONFLICT (chat_id) DO NOTHING",
                             (chat_id, kind, today.isoformat()))
            column = "subscribed_on" if subscribed else "unsubscribed_on"
            return await tx.execute(
                f"UPDATE chats SET subscribed = ?, {column} = ?, thread_id = ?, "
                "next_push_at = ? WHERE chat_id = ? AND subscribed != ?",
                (int(subscribed), today.isoformat(), thread_id,
                 look_now() if subscribed else None, chat_id, int(subscribed))) > 0

    async def set_push_settings(self, chat_id: int, *, push_time: str | None,
                                timezone: str | None) -> None:
        """A chat's own push time and zone (None: the campaign's).

        The scheduler looks at its push and its reminder again: both are times of day in
        the chat's zone.
        """
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE chats SET push_time = ?, timezone = ?, next_push_at = "
                             "CASE WHEN subscribed = 1 THEN CAST(? AS DOUBLE PRECISION) END "
                             "WHERE chat_id = ?", (push_time, timezone, look_now(), chat_id))
            await tx.execute("UPDATE reminders SET next_at = ? WHERE chat_id = ?",
                             (look_now(), chat_id))

    async def set_discreet(self, chat_id: int, discreet: bool) -> bool:
        """Turn a chat's discreet mode on or off; False when it already was."""
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE chats SET discreet = ? WHERE chat_id = ? AND "
                                    "discreet != ?", (int(discreet), chat_id, int(discreet))) > 0

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int) -> None:
        """A group became a supergroup: move its settings and outbox rows to the new id."""
        async with self._db.transaction() as tx:
            # the old row's settings win, even over a row the new id got a moment ago
            settings = ", ".join(_MOVED_CHAT_COLUMNS)
            await tx.execute(
                f"INSERT INTO chats (chat_id, kind, {settings}) SELECT ?, 'supergroup', "
                f"{settings} FROM chats WHERE chat_id = ? ON CONFLICT (chat_id) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in ("kind", *_MOVED_CHAT_COLUMNS)),
                (new_chat_id, old_chat_id))
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (old_chat_id,))
            # rows the new id already has win; the old id's twins go
            for table, key in (("deliveries", "edition, day"),
                               ("group_presses", "edition, day, person"),
                               ("announcement_deliveries", "announcement_id")):
                await tx.execute(f"DELETE FROM {table} WHERE chat_id = ? AND ({key}) IN "
                                 f"(SELECT {key} FROM {table} WHERE chat_id = ?)",
                                 (old_chat_id, new_chat_id))
                await tx.execute(f"UPDATE {table} SET chat_id = ? WHERE chat_id = ?",
                                 (new_chat_id, old_chat_id))
            # a sender holding one of these rows under the old id will skip it: send it again
            for table in ("deliveries", "announcement_deliveries"):
                await tx.execute(f"UPDATE {table} SET state = 'pending' "
                                 "WHERE chat_id = ? AND state = 'sending'", (new_chat_id,))

    # --- groups -----------------------------------------------------------------------------

    async def group_press(self, chat_id: int, edition: int, day: int, user_id: int,
                          done: bool) -> None:
        """Record (or undo) a press in a group."""
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            if done:
                await tx.execute("INSERT INTO group_presses VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", (chat_id, edition, day, person))
            else:
                await tx.execute("DELETE FROM group_presses WHERE chat_id = ? AND edition = ? "
                                 "AND day = ? AND person = ?", (chat_id, edition, day, person))

    async def group_count(self, chat_id: int, edition: int, day: int) -> int:
        """How many people did a day's action in a group.

        Read when the counter is drawn, not inside each press: presses committing at once
        could each miss the other.
        """
        return (await self._db.fetch("SELECT COUNT(*) FROM group_presses WHERE chat_id = ? "
                                     "AND edition = ? AND day = ?", (chat_id, edition, day)))[0][0]

    # --- privacy ----------------------------------------------------------------------------

    async def user_data(self, user_id: int) -> dict[str, object]:
        """Everything stored about one person: exactly what /forget deletes.

        Their private chat's row, their completions, their "I did it" presses in groups, how
        many daily messages and announcements the outbox holds for them, and how many of the
        bot's messages to them the deletion outbox keeps (for 48 hours).
        """
        person = self._people.person(user_id)
        completions = await self._db.fetch("SELECT edition, action_id, completed_on FROM "
                                           "completions WHERE person = ? "
                                           "ORDER BY edition, completed_on", (person,))
        group_presses = await self._db.fetch("SELECT edition, day, chat_id FROM group_presses "
                                             "WHERE person = ? ORDER BY edition, day, chat_id",
                                             (person,))
        deliveries = await self._db.fetchone("SELECT COUNT(*) FROM deliveries WHERE chat_id = ?",
                                             (user_id,))
        announcements = await self._db.fetchone("SELECT COUNT(*) FROM announcement_deliveries "
                                                "WHERE chat_id = ?", (user_id,))
        kept = await self._db.fetchone("SELECT COUNT(*) FROM deletions WHERE chat_id = ?",
                                       (user_id,))
        return {"chat": await self.chat(user_id), "completions": completions,
                "group_presses": group_presses,
                "deliveries": deliveries[0] if deliveries else 0,
                "announcements": announcements[0] if announcements else 0,
                "kept_messages": kept[0] if kept else 0,
                "reminder": await self.reminder(user_id)}

    async def forget_user(self, user_id: int, now: float) -> int:
        """Delete every row about one person, in one transaction, then off the disk.

        (As far as the database can: see `Database.erase_deleted`.) The messages the bot
        sent them that it keeps in the deletion outbox become due `now`; those rows go once
        deleted. Returns how many messages the outbox says were sent to them that are kept
        no longer (older than 48 hours: Telegram would refuse to delete them).
        """
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            older = sum([(await tx.fetch(
                f"SELECT COUNT(*) FROM {table} WHERE chat_id = ? AND state = 'sent' AND "
                "message_id IS NOT NULL AND message_id NOT IN (SELECT message_id FROM "
                "deletions WHERE chat_id = ?)", (user_id, user_id)))[0][0] for table in OUTBOX])
            await deletions.delete_chat_now(tx, user_id, now)
            await tx.execute("DELETE FROM completions WHERE person = ?", (person,))
            await tx.execute("DELETE FROM group_presses WHERE person = ?", (person,))
            await tx.execute("DELETE FROM deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM announcement_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminder_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminders WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (user_id,))
        await self._db.erase_deleted()
        return older

    # --- deep-link sources ------------------------------------------------------------------

    async def count_start(self, source: str, *, keep: int, other: str) -> None:
        """Count one /start from a deep-link source (how many, never who).

        At most `keep` sources have a row: once they do, a new source is counted as `other`.
        """
        async with self._db.transaction() as tx:
            # (SQLite needs the WHERE to read ON CONFLICT as an upsert after a SELECT)
            await tx.execute(
                "INSERT INTO start_sources SELECT CASE WHEN EXISTS (SELECT 1 FROM start_sources "
                "WHERE source = ?) OR (SELECT COUNT(*) FROM start_sources) < ? THEN ? ELSE ? "
                "END, 1 WHERE TRUE ON CONFLICT (source) "
                "DO UPDATE SET starts = start_sources.starts + 1", (source, keep, source, other))

    async def start_sources(self) -> dict[str, int]:
        """Starts per deep-link source."""
        rows = await self._db.fetch("SELECT source, starts FROM start_sources "
                                    "ORDER BY starts DESC, source")
        return {source: starts for source, starts in rows}

    # --- completions ------------------------------------------------------------------------

    async def set_completed(self, user_id: int, edition: int, action_id: str, done: bool,
                            today: dt.date) -> bool:
        """Record (or undo) one completion; return whether anything changed.

        The row keeps the chat's language, which /stats counts it under.
        """
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            if done:
                return await tx.execute(
                    "INSERT INTO completions VALUES (?, ?, ?, ?, (SELECT language FROM chats "
                    "WHERE chat_id = ?)) ON CONFLICT DO NOTHING",
                    (person, edition, action_id, today.isoformat(), user_id)) > 0
            return await tx.execute(
                "DELETE FROM completions WHERE person = ? AND edition = ? AND action_id = ?",
                (person, edition, action_id)) > 0

    async def completed(self, user_id: int, edition: int) -> set[str]:
        """The actions a person has done in an edition."""
        rows = await self._db.fetch("SELECT action_id FROM completions WHERE person = ? AND "
                                    "edition = ?", (self._people.person(user_id), edition))
        return {row[0] for row in rows}

    async def action_takers(self, edition: int, action_ids: Iterable[str]) -> dict[str, int]:
        """How many people did each of these actions: a count, never who ("you are not alone")."""
        ids = list(action_ids)
        if not ids:
            return {}
        rows = await self._db.fetch("SELECT action_id, COUNT(*) FROM completions WHERE "
                                    f"edition = ? AND action_id IN ({_marks(ids)}) GROUP BY 1",
                                    (edition, *ids))
        return {action_id: 0 for action_id in ids} | dict(rows)

    async def completions_total(self, edition: int) -> int:
        """Every completion of an edition, by everyone together."""
        return (await self._db.fetch("SELECT COUNT(*) FROM completions WHERE edition = ?",
                                     (edition,)))[0][0]

    # --- uploaded media ---------------------------------------------------------------------

    async def media_file_id(self, key: str) -> str | None:
        """Telegram's file_id of an uploaded file, so it is sent by id next time."""
        row = await self._db.fetchone("SELECT file_id FROM media WHERE key = ?", (key,))
        return row[0] if row else None

    async def remember_media(self, key: str, file_id: str) -> None:
        """Keep the file_id Telegram gave an uploaded file."""
        async with self._db.transaction() as tx:
            await tx.execute("INSERT INTO media VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET file_id = excluded.file_id", (key, file_id))

    # --- the push schedule ------------------------------------------------------------------

    async def due_chats(self, now: float, limit: int) -> list[Chat]:
        """Subscribed chats the scheduler should look at now.

        An index range, however many subscribers there are.
        """
        rows = await self._db.fetch(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE next_push_at <= ? "
                                    "ORDER BY next_push_at LIMIT ?", (now, limit))
        return [_chat(row) for row in rows]

    async def count_due(self, now: float) -> int:
        """How many chats the scheduler has still to look at now."""
        return (await self._db.fetch("SELECT COUNT(*) FROM chats WHERE next_push_at <= ?",
                                     (now,)))[0][0]

    async def plan(self, edition: int, due: Iterable[Due],
                   next_push: Mapping[int, tuple[float | None, float | None]]) -> int:
        """Queue the rows that are due and move each looked-at chat to its next push time.

        One transaction; returns the outbox rows added (see `enqueue`: a later day closes a
        chat's earlier rows still pending). A chat moves from the next_push_at it was read
        with: one whose settings changed since it was read (its next_push_at is another now)
        keeps its new one.
        """
        by_time: dict[tuple[float | None, float | None], list[int]] = defaultdict(list)
        for chat_id, (read, at) in next_push.items():
            by_time[read, at].append(chat_id)
        async with self._db.transaction() as tx:
            added = await self._enqueue(tx, edition, due)
            for (read, at), chat_ids in by_time.items():
                for chunk in _chunks(chat_ids):
                    await tx.execute(f"UPDATE chats SET next_push_at = ? WHERE chat_id IN "
                                     f"({_marks(chunk)}) AND next_push_at = ?",
                                     (at, *chunk, read))
        return added

    async def reschedule(self, timing: str) -> bool:
        """Look at every subscribed chat again if the push times were planned another way.

        `timing` is what they depend on (dates, zone, time): when it differs from the one
        they were planned for, chats and reminders are due at once. Returns whether they were.
        """
        async with self._db.transaction() as tx:
            planned = await tx.fetch("SELECT value FROM meta WHERE key = 'schedule'")
            if planned and planned[0][0] == timing:
                return False
            await tx.execute("UPDATE chats SET next_push_at = ? WHERE subscribed = 1",
                             (look_now(),))
            await tx.execute("UPDATE reminders SET next_at = ?", (look_now(),))
            await tx.execute("INSERT INTO meta VALUES ('schedule', ?) ON CONFLICT (key) "
                             "DO UPDATE SET value = excluded.value", (timing,))
            return True

    async def replan_lost(self, latest: float, unplanned_lost: bool) -> int:
        """Look again at once at push and reminder times that cannot be right.

        Those later than `latest`, and, if `unplanned_lost`, subscribed chats (and reminders)
        with none: a clock that was ahead for a moment planned them. Returns how many. One
        transaction, begun only if there is one (each a range of an index, as a rule empty).
        """
        lost = []
        for table, column, only in (("chats", "next_push_at", "subscribed = 1 AND "),
                                    ("reminders", "next_at", "")):
            unplanned = f" OR {column} IS NULL" if unplanned_lost else ""
            condition = f"{only}({column} > ?{unplanned})"
            if await self._db.fetchone(f"SELECT 1 FROM {table} WHERE {condition} LIMIT 1",
                                       (latest,)):
                lost.append(f"UPDATE {table} SET {column} = ? WHERE {condition}")
        if not lost:
            return 0
        async with self._db.transaction() as tx:
            return sum([await tx.execute(update, (look_now(), latest)) for update in lost])

    # --- reminders ------------------------------------------------------------------------

    async def set_reminder(self, chat_id: int, remind_at: str | None,
                           next_at: float | None = None) -> None:
        """Set a private chat's daily reminder (HH:MM local), first looked at `next_at`.

        None stops it, and drops its reminders not sent yet.
        """
        async with self._db.transaction() as tx:
            if remind_at is None:
                await tx.execute("DELETE FROM reminders WHERE chat_id = ?", (chat_id,))
                await tx.execute("DELETE FROM reminder_deliveries WHERE chat_id = ? AND "
                                 "state = 'pending'", (chat_id,))
                return
            await tx.execute("INSERT INTO reminders VALUES (?, ?, ?) ON CONFLICT (chat_id) DO "
                             "UPDATE SET remind_at = excluded.remind_at, "
                             "next_at = excluded.next_at", (chat_id, remind_at, next_at))

    async def reminder(self, chat_id: int) -> str | None:
        """A chat's reminder time (HH:MM local), or None."""
        row = await self._db.fetchone("SELECT remind_at FROM reminders WHERE chat_id = ?",
                                      (chat_id,))
        return row[0] if row else None

    async def due_reminders(self, now: float, limit: int) -> list[Reminder]:
        """Reminders whose time has come, with their chats (an index range, like the push)."""
        rows = await self._db.fetch(
            f"SELECT {', '.join('c.' + c for c in _CHAT_COLUMNS.split(', '))}, r.remind_at, "
            "r.next_at FROM reminders r JOIN chats c ON c.chat_id = r.chat_id "
            "WHERE r.next_at <= ? ORDER BY r.next_at LIMIT ?", (now, limit))
        return [Reminder(_chat(row), row[-2], row[-1]) for row in rows]

    async def plan_reminders(self, edition: int, due: Iterable[Due],
                             next_at: Mapping[int, tuple[float | None, float | None]]) -> int:
        """Queue the reminders that are due and move each looked-at reminder to its next time.

        One transaction; returns the rows added. Like `plan`: a chat's reminders of earlier
        days still pending expire, and a reminder moves from the next_at it was read with, so
        one changed since (set again, or planned anew by `reschedule`) keeps its new time.
        """
        async with self._db.transaction() as tx:
            added = 0
            for row in due:
                await tx.execute("UPDATE reminder_deliveries SET state = 'expired' WHERE "
                                 "state = 'pending' AND chat_id = ? AND edition = ? AND day < ?",
                                 (row.chat_id, edition, row.day))
                added += await tx.execute(
                    "INSERT INTO reminder_deliveries (chat_id, edition, day, state, expires_at, "
                    f"due_at) SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), 'pending', "
                    f"{_TIME}, {_TIME} FROM reminders WHERE chat_id = ? ON CONFLICT DO NOTHING",
                    (edition, row.day, row.expires_at, row.due_at, row.chat_id))
            for chat_id, (read, at) in next_at.items():
                await tx.execute("UPDATE reminders SET next_at = ? WHERE chat_id = ? AND "
                                 "next_at = ?", (at, chat_id, read))
        return added

    # --- deliveries (the outbox) ------------------------------------------------------------

    async def enqueue(self, edition: int, due: Iterable[Due | tuple[int, int]]) -> int:
        """Add outbox rows for subscribed chats; an existing row stays.

        A day's action is for its day, whatever the clock says: a chat's rows of earlier days
        still pending close as expired.
        """
        async with self._db.transaction() as tx:
            return await self._enqueue(tx, edition, due)

    @staticmethod
    async def _enqueue(tx: Transaction, edition: int,
                       due: Iterable[Due | tuple[int, int]]) -> int:
        by_day: dict[tuple[int, float | None, float | None], list[int]] = defaultdict(list)
        for row in due:
            chat_id, day, expires_at, due_at = Due(*row)
            by_day[day, expires_at, due_at].append(chat_id)
        added = 0
        for (day, expires_at, due_at), chat_ids in by_day.items():
            for chunk in _chunks(chat_ids):
                # only chats still subscribed now: one may have left or migrated since
                added += await tx.execute(
                    "INSERT INTO deliveries (chat_id, edition, day, state, expires_at, due_at) "
                    "SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), 'pending', "
                    f"{_TIME}, {_TIME} "
                    f"FROM chats WHERE subscribed = 1 AND chat_id IN ({_marks(chunk)}) "
                    "ON CONFLICT DO NOTHING", (edition, day, expires_at, due_at, *chunk))
                await _expire_earlier(tx, edition, day, chunk)
        return added

    async def subscribed_zones(self) -> list[str | None]:
        """The time zones subscribed chats have chosen (None: the campaign's)."""
        return [row[0] for row in await self._db.fetch(
            "SELECT DISTINCT timezone FROM chats WHERE subscribed = 1")]

    async def enqueue_day(self, edition: int, day: int,
                          expires_at: Mapping[str | None, float], now: float) -> int:
        """One campaign day for every subscribed chat (`tgbot push --date`).

        Each row expires at `expires_at[the chat's zone]`. As in `enqueue`, the day closes
        each chat's earlier rows still pending.
        """
        async with self._db.transaction() as tx:
            added = 0
            for zone, expiry in expires_at.items():
                added += await tx.execute(
                    "INSERT INTO deliveries (chat_id, edition, day, state, expires_at, due_at) "
                    "SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), 'pending', "
                    f"{_TIME}, {_TIME} FROM chats WHERE subscribed = 1 AND "
                    "COALESCE(timezone, '') = ? ON CONFLICT DO NOTHING",
                    (edition, day, expiry, now, zone or ""))
            await _expire_earlier(tx, edition, day)
            return added

    async def claim(self, limit: int, *, owner: str) -> list[Delivery]:
        """Take up to `limit` pending rows to send.

        Only the holder of the sender lock claims; on PostgreSQL, SKIP LOCKED also keeps any
        two claims apart.

        The daily push goes first; announcements, then reminders, fill what is left of the
        batch. A day's row whose chat has a later day still to send comes `superseded` (it is
        closed as expired, not sent), however the two were queued.
        """
        now = time.time()
        skip_locked = self._db.skip_locked
        claim = "SET state = 'sending', claimed_at = ?, claimed_by = ?, attempts = attempts + 1"
        # in the order of the (state, not_before) index: a range that stops at the limit
        ready = "WHERE state = 'pending' AND not_before <= ? ORDER BY not_before"
        async with self._db.transaction() as tx:
            async def days(table: str, room: int, reminder: bool) -> list[Delivery]:
                """Rows of a (chat, edition, day) outbox: the push's, or the reminders'."""
                rows = await tx.fetch(
                    f"UPDATE {table} {claim} WHERE (chat_id, edition, day) IN (SELECT chat_id, "
                    f"edition, day FROM {table} {ready} LIMIT ?{skip_locked}) "
                    "RETURNING chat_id, edition, day, attempts, expires_at, due_at",
                    (now, owner, now, room))
                return [Delivery(chat, edition, day, attempts, 0, expires, due, reminder)
                        for chat, edition, day, attempts, expires, due in rows]

            claimed = await days("deliveries", limit, reminder=False)
            if claimed:  # rows an overlapping transaction queued behind a later day
                later = {tuple(row) for row in await tx.fetch(
                    "SELECT chat_id, edition, day FROM deliveries WHERE chat_id IN "
                    f"({_marks(claimed)}) AND EXISTS (SELECT 1 FROM deliveries later WHERE "
                    "later.chat_id = deliveries.chat_id AND later.edition = deliveries.edition "
                    "AND later.day > deliveries.day AND later.state IN ('pending', 'sending'))",
                    [d.chat_id for d in claimed])}
                claimed = [replace(d, superseded=(d.chat_id, d.edition, d.day) in later)
                           for d in claimed]
            if len(claimed) < limit:
                rows = await tx.fetch(
                    f"UPDATE announcement_deliveries {claim} WHERE (announcement_id, chat_id) "
                    f"IN (SELECT announcement_id, chat_id FROM announcement_deliveries {ready} "
                    f"LIMIT ?{skip_locked}) RETURNING chat_id, attempts, announcement_id, "
                    "expires_at, due_at", (now, owner, now, limit - len(claimed)))
                claimed += [Delivery(chat, 0, 0, attempts, announcement, expires, due)
                            for chat, attempts, announcement, expires, due in rows]
            if len(claimed) < limit:
                claimed += await days("reminder_deliveries", limit - len(claimed),
                                      reminder=True)
        return claimed

    async def chats(self, chat_ids: list[int]) -> dict[int, Chat]:
        """Several chats at once (the rows of a claimed batch)."""
        found: dict[int, Chat] = {}
        for chunk in _chunks(chat_ids):
            rows = await self._db.fetch(f"SELECT {_CHAT_COLUMNS} FROM chats WHERE chat_id IN "
                                        f"({_marks(chunk)})", chunk)
            found.update((row[0], _chat(row)) for row in rows)
        return found

    async def completed_by(self, edition: int, action_id: str, user_ids: list[int]) -> set[int]:
        """Which of these people have done an action (their push shows Undo, not I did it)."""
        user_of = {self._people.person(user_id): user_id for user_id in user_ids}
        done: set[int] = set()
        for chunk in _chunks(list(user_of)):
            rows = await self._db.fetch(
                "SELECT person FROM completions WHERE edition = ? AND action_id = ? AND "
                f"person IN ({_marks(chunk)})", (edition, action_id, *chunk))
            done.update(user_of[bytes(row[0])] for row in rows)
        return done

    async def release_claims(self, owner: str) -> int:
        """Put back rows other senders left in flight; return how many.

        They died: the new holder of the sender lock is the only sender.
        """
        async with self._db.transaction() as tx:
            return sum([await tx.execute(f"UPDATE {table} SET state = 'pending' WHERE "
                                         "state = 'sending' AND claimed_by != ?", (owner,))
                        for table in OUTBOX])

    async def finish(self, delivery: Delivery, state: State, today: dt.date,
                     message_id: int | None = None) -> None:
        """Close one claimed row (see `close_rows`)."""
        await self.close_rows([Closed(delivery, state, message_id)], today)

    async def close_rows(self, results: Iterable[Closed], today: dt.date | None = None) -> None:
        """Close claimed rows in one transaction.

        'sent', 'failed' (gave up), 'gone' (chat blocked or deleted: it is unsubscribed),
        'expired', 'skipped', or 'pending' again.
        """
        async with self._db.transaction() as tx:
            for closed in results:
                table, where, params = _row_of(closed.delivery)
                await tx.execute(f"UPDATE {table} SET state = ?, message_id = ?, paid = ?, "
                                 f"not_before = ? WHERE {where}",
                                 (closed.state, closed.message_id, int(closed.paid),
                                  closed.not_before, *params))
                if closed.kept is not None:
                    await deletions.keep(tx, [closed.kept])
                if closed.state == State.GONE:  # blocked or deleted: no push, no reminder
                    await tx.execute("UPDATE chats SET subscribed = 0, unsubscribed_on = ?, "
                                     "next_push_at = NULL WHERE chat_id = ?",
                                     ((today or dt.datetime.now(dt.UTC).date()).isoformat(),
                                      closed.delivery.chat_id))
                    await tx.execute("DELETE FROM reminders WHERE chat_id = ?",
                                     (closed.delivery.chat_id,))

    async def delivery_states(self, edition: int, day: int | None = None,
                              now: float | None = None) -> dict[str, int]:
        """Rows by state; pending rows past their lifetime count as 'expired' already."""
        state = "state" if now is None else \
            "CASE WHEN state = 'pending' AND expires_at <= ? THEN 'expired' ELSE state END"
        query = f"SELECT {state}, COUNT(*) FROM deliveries WHERE edition = ?"
        params: tuple = (edition,) if now is None else (now, edition)
        if day is not None:
            query, params = query + " AND day = ?", (*params, day)
        return dict(await self._db.fetch(query + " GROUP BY 1", params))

    async def paid_sent(self, edition: int, day: int) -> int:
        """Messages of a day's push sent as paid broadcasts (0.1 Star each)."""
        return (await self._db.fetch("SELECT COUNT(*) FROM deliveries WHERE edition = ? AND "
                                     "day = ? AND state = 'sent' AND paid = 1",
                                     (edition, day)))[0][0]

    # --- announcements ----------------------------------------------------------------------

    async def create_announcement(self, text: str, language: str | None, today: dt.date,
                                  lifetime: float | None = None) -> int:
        """A draft; `lifetime` (seconds) overrides the configured one for this announcement."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch("INSERT INTO announcements (text, language, state, created_on, "
                                  "lifetime) VALUES (?, ?, 'draft', ?, ?) RETURNING id",
                                  (text, language, today.isoformat(), lifetime))
            return rows[0][0]

    async def announcement(self, announcement_id: int) -> tuple[str, str | None, str] | None:
        """(text, language, state) of an announcement."""
        row = await self._db.fetchone("SELECT text, language, state FROM announcements "
                                      "WHERE id = ?", (announcement_id,))
        return (row[0], row[1], row[2]) if row else None

    async def audience(self, language: str | None) -> int:
        """How many subscribed chats an announcement (to one language, or all) would reach."""
        query = "SELECT COUNT(*) FROM chats WHERE subscribed = 1"
        params: tuple = ()
        if language:
            query, params = query + " AND language = ?", (language,)
        return (await self._db.fetch(query, params))[0][0]

    async def start_announcement(self, announcement_id: int, *, now: float,
                                 lifetime: float = 86400.0,
                                 status: tuple[int, int, str] | None = None) -> int:
        """Draft -> sending: one outbox row per subscribed chat, in one transaction.

        Each row expires after the announcement's lifetime (or `lifetime` seconds). `status` is the
        organiser's message (chat id, message id, language) the sender keeps up to date.

        Pressing Send twice (or on a cancelled draft) queues nothing more; returns the rows
        added. `now` is the bot's clock (a UTC timestamp), which the lifetime counts from.
        """
        chat_id, message_id, language = status or (None, None, None)
        async with self._db.transaction() as tx:
            rows = await tx.fetch(
                "UPDATE announcements SET state = 'sending', status_chat_id = ?, "
                "status_message_id = ?, status_language = ? WHERE id = ? AND state = 'draft' "
                "RETURNING language, lifetime", (chat_id, message_id, language, announcement_id))
            if not rows:
                return 0
            language, own_lifetime = rows[0]
            expires_at = now + (own_lifetime or lifetime)
            return await tx.execute(
                "INSERT INTO announcement_deliveries (announcement_id, chat_id, state, "
                "expires_at, due_at) SELECT CAST(? AS BIGINT), chat_id, 'pending', "
                f"{_TIME}, {_TIME} FROM chats WHERE subscribed = 1 "
                f"{'AND language = ?' if language else ''} ON CONFLICT DO NOTHING",
                (announcement_id, expires_at, now, language) if language
                else (announcement_id, expires_at, now))

    async def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel a draft; False if it was sent or cancelled already."""
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE announcements SET state = 'cancelled' "
                                    "WHERE id = ? AND state = 'draft'", (announcement_id,)) > 0

    async def announcements_to_report(self) -> list[tuple[int, int, int, str | None, int | None]]:
        """Announcements being sent whose organiser follows their progress.

        Each as (id, status chat, status message, language, sent when last reported).
        """
        return await self._db.fetch(
            "SELECT id, status_chat_id, status_message_id, status_language, reported FROM "
            "announcements WHERE state = 'sending' AND status_message_id IS NOT NULL ORDER BY id")

    async def reported(self, announcement_id: int, sent: int, finished: bool) -> None:
        """The progress shown to the organiser; a finished announcement is 'done'."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE announcements SET reported = ?, state = CASE WHEN ? "
                             "THEN 'done' ELSE state END WHERE id = ?",
                             (sent, finished, announcement_id))

    async def announcement_states(self, announcement_id: int) -> dict[str, int]:
        """An announcement's outbox rows by state."""
        return dict(await self._db.fetch("SELECT state, COUNT(*) FROM announcement_deliveries "
                                         "WHERE announcement_id = ? GROUP BY state",
                                         (announcement_id,)))

    # --- running instances -----------------------------------------------------------------

    async def heartbeat(self, instance_id: str, *, started_at: float, sending: bool,
                        reply_lease: int, version: str, now: float) -> None:
        """Record that an instance is alive, whether it sends, and its replies' share."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (instance_id) "
                "DO UPDATE SET heartbeat_at = excluded.heartbeat_at, sending = "
                "excluded.sending, reply_lease = excluded.reply_lease",
                (instance_id, started_at, now, int(sending), reply_lease, version))
            # instances gone for an hour are forgotten
            await tx.execute("DELETE FROM instances WHERE heartbeat_at < ?", (now - 3600,))

    async def leave(self, instance_id: str) -> None:
        """A stopping instance: its share of the budget goes back to the sender at once."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))

    async def instances(self) -> list[tuple[str, float, float, bool, int, str | None]]:
        """The instances alive lately, newest heartbeat first.

        Each as (instance_id, started_at, heartbeat_at, sending, reply_lease, version).
        """
        rows = await self._db.fetch("SELECT instance_id, started_at, heartbeat_at, sending, "
                                    "reply_lease, version FROM instances "
                                    "ORDER BY heartbeat_at DESC")
        return [(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]

    # --- operations: repeated updates, the shared campaign, health ------------------------

    async def first_sight(self, update_id: int, now: float) -> bool:
        """Record an update as handled; False when any instance recorded it already."""
        async with self._db.transaction() as tx:
            return await tx.execute("INSERT INTO handled_updates VALUES (?, ?) "
                                    "ON CONFLICT DO NOTHING", (update_id, now)) > 0

    async def last_update_id(self) -> int:
        """The highest update id recorded as handled (0 when none is)."""
        row = await self._db.fetchone("SELECT MAX(update_id) FROM handled_updates")
        return int(row[0]) if row and row[0] is not None else 0

    async def forget_updates(self, before: float) -> int:
        """Delete the record of updates handled before a time; return how many."""
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM handled_updates WHERE handled_at < ?",
                                    (before,))

    async def publish_campaign(self, version: str, source: str, now: float, *,
                               unless_superseded: bool = False) -> bool:
        """Make a checked campaign text the one every instance runs; return whether it is.

        `unless_superseded` (a start): a version published before and replaced since stays
        replaced.
        """
        async with self._db.transaction() as tx:
            current = await tx.fetch("SELECT version FROM published_campaign WHERE id = 1")
            if current and current[0][0] == version:
                return True
            if unless_superseded and await tx.fetch(
                    "SELECT 1 FROM campaign_versions WHERE version = ?", (version,)):
                return False
            await tx.execute("INSERT INTO published_campaign VALUES (1, ?, ?, ?) "
                             "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                             "source = excluded.source, published_at = excluded.published_at",
                             (version, source, now))
            await tx.execute("INSERT INTO campaign_versions VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING", (version, now))
            return True

    async def campaign_version(self) -> str | None:
        """The version of the campaign every instance runs, if one was published."""
        row = await self._db.fetchone("SELECT version FROM published_campaign WHERE id = 1")
        return row[0] if row else None

    async def published_campaign(self) -> tuple[str, str] | None:
        """(version, source) of the campaign every instance runs, if one was published."""
        row = await self._db.fetchone("SELECT version, source FROM published_campaign "
                                      "WHERE id = 1")
        return (row[0], row[1]) if row else None

    async def ping(self) -> None:
        """A round trip to the database; raises when it cannot be reached."""
        await self._db.fetch("SELECT 1")

    @property
    def write_problem(self) -> str | None:
        """Why writes fail (one line), or None when the last write transaction committed.

        A full disk breaks writes while reads, and so `ping`, go on.
        """
        return self._db.writes.problem

    async def outbox_depth(self) -> dict[tuple[str, str], int]:
        """Rows of each outbox by state: {("push" | "announcement" | "reminder", state): n}."""
        depth: dict[tuple[str, str], int] = defaultdict(int)
        for kind, state, deleted in await self._db.fetch("SELECT kind, state, deleted FROM "
                                                         "outbox_tally"):
            depth[(kind, state)] = deleted  # rows `forget_deliveries` deleted
        for kind, table in zip(OUTBOX_KINDS, OUTBOX, strict=True):
            for state, count in await self._db.fetch(f"SELECT state, COUNT(*) FROM {table} "
                                                     "GROUP BY state"):
                depth[(kind, state)] += count
        return dict(depth)

    async def forget_deliveries(self, before: float) -> int:
        """Delete closed outbox rows whose day or lifetime ended before a time; return how many.

        Who received which message is kept no longer than that; `outbox_depth` still counts
        them (by state, in `outbox_tally`), and the rows /stats and `tgbot status` read stay.
        """
        # each a range of the outbox's (state, expires_at) index; rows without a lifetime
        # (queued before outbox rows had one) stay
        closed = "state IN ('sent', 'failed', 'gone', 'expired', 'skipped') AND expires_at < ?"
        deleted = 0
        async with self._db.transaction() as tx:
            for kind, table, read in zip(OUTBOX_KINDS, OUTBOX, _OUTBOX_READ, strict=True):
                rows = await tx.fetch(f"DELETE FROM {table} WHERE {closed} AND NOT ({read}) "
                                      "RETURNING state", (before,))
                for state, count in Counter(row[0] for row in rows).items():
                    await tx.execute("INSERT INTO outbox_tally VALUES (?, ?, ?) ON CONFLICT "
                                     "(kind, state) DO UPDATE SET deleted = "
                                     "outbox_tally.deleted + excluded.deleted",
                                     (kind, state, count))
                deleted += len(rows)
        return deleted

    async def oldest_waiting(self, now: float) -> tuple[float, str] | None:
        """The due time of the longest-waiting outbox row still to send, and what it is.

        What it belongs to: "push:EDITION:DAY", "reminder:EDITION:DAY" or "announcement:ID".
        None when nothing waits. A row past its lifetime at `now` does not wait: it will
        expire, not be sent.
        """
        waiting = "WHERE state IN ('pending', 'sending') AND due_at IS NOT NULL AND " \
                  "(expires_at IS NULL OR expires_at > ?) ORDER BY due_at LIMIT 1"
        found = []
        for kind, table in ((Kind.PUSH, "deliveries"), (Kind.REMINDER, "reminder_deliveries")):
            row = await self._db.fetchone(f"SELECT due_at, edition, day FROM {table} {waiting}",
                                          (now,))
            if row:
                found.append((row[0], f"{kind}:{row[1]}:{row[2]}"))
        row = await self._db.fetchone("SELECT due_at, announcement_id FROM "
                                      f"announcement_deliveries {waiting}", (now,))
        if row:
            found.append((row[0], f"announcement:{row[1]}"))
        return min(found) if found else None

    async def first_notice(self, incident: str) -> bool:
        """Mark an incident as told to the organisers; False when some instance told it."""
        async with self._db.transaction() as tx:
            return await tx.execute("INSERT INTO meta VALUES (?, 'told') ON CONFLICT DO NOTHING",
                                    (f"incident:{incident}",)) > 0

    # --- statistics (aggregates only) -------------------------------------------------------

    async def stats(self, campaign: Campaign, today: dt.date, now: float) -> Stats:
        """The figures on `today`, aggregates only; `now` tells which pending rows expired."""
        stats = Stats()
        for kind, language, count in await self.subscribers():
            stats.subscribers[kind] += count
            stats.by_language[language or "?"] += count
        stats.new_this_week, stats.lost_this_week = \
            await self.subscription_changes(today - dt.timedelta(days=7))
        stats.sources = top_sources(await self.start_sources())
        days = {a.id: a.day for a in campaign.actions}
        for action_id, on, language, count in await self.completions(campaign.edition):
            day = days.get(action_id, 0)
            stats.per_action[day] += count
            stats.per_date[on] += count
            stats.rows.append((day, action_id, on, language or "?", count))
        stats.subscriptions_by_date = await self.subscriptions_by_date()
        stats.last_push = await self.last_push(campaign.edition, now)
        return stats

    async def subscribers(self) -> list[tuple[str, str, int]]:
        """(kind, language, count) of subscribed chats."""
        return await self._db.fetch("SELECT kind, COALESCE(language, ''), COUNT(*) FROM chats "
                                    "WHERE subscribed = 1 GROUP BY 1, 2 ORDER BY 1, 2")

    async def subscription_changes(self, since: dt.date) -> tuple[int, int]:
        """(new, lost) subscriptions since a date."""
        row = await self._db.fetchone(
            "SELECT SUM(CASE WHEN subscribed = 1 AND subscribed_on >= ? THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN subscribed = 0 AND unsubscribed_on >= ? THEN 1 ELSE 0 END) "
            "FROM chats", (since.isoformat(), since.isoformat()))
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def subscriptions_by_date(self) -> list[tuple[str, int]]:
        """(date, subscriptions started that day) for chats subscribed now."""
        return await self._db.fetch("SELECT subscribed_on, COUNT(*) FROM chats WHERE "
                                    "subscribed = 1 AND subscribed_on IS NOT NULL "
                                    "GROUP BY 1 ORDER BY 1")

    async def completions(self, edition: int) -> list[tuple[str, str, str, int]]:
        """(action_id, completed_on, language, count) of one edition."""
        return await self._db.fetch(
            "SELECT action_id, completed_on, COALESCE(language, ''), COUNT(*) FROM completions "
            "WHERE edition = ? GROUP BY 1, 2, 3 ORDER BY 2, 1, 3", (edition,))

    async def last_push(self, edition: int, now: float) -> tuple[int, dict[str, int]] | None:
        """The latest campaign day with outbox rows, and its states.

        Beside the states, 'paid' counts the rows sent as paid broadcasts.
        """
        row = await self._db.fetchone("SELECT MAX(day) FROM deliveries WHERE edition = ?",
                                      (edition,))
        day = row[0] if row else None
        if not day:
            return None
        states = await self.delivery_states(edition, day, now)
        paid = await self.paid_sent(edition, day)
        return day, {**states, "paid": paid} if paid else states

    # --- whole-database operations ----------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live SQLite file; ValueError on PostgreSQL (pg_dump)."""
        await self._db.backup(str(target))

    async def row_counts(self) -> dict[str, int]:
        """Rows per copied table, to compare a copy with its source."""
        return {table: (await self._db.fetch(f"SELECT COUNT(*) FROM {table}"))[0][0]
                for table in TABLES}

    async def copy_to(self, target: Store, report: Callable[[int], None]) -> None:
        """Copy every row into an empty database of either kind.

        `report(rows)` hears the progress. The caller compares `row_counts()` of both at the
        end.
        """
        if self._people.fingerprint != target._people.fingerprint:
            raise DatabaseError(f"the target's {pseudonyms.VARIABLE} differs from the "
                                "source's: set the source's key for both (for SQLite, "
                                f"{pseudonyms.VARIABLE}_FILE=<database>"
                                f"{pseudonyms.KEY_FILE_SUFFIX})")
        copied = 0
        for table, order in TABLES.items():
            columns = await target._db.columns(table)
            async for rows in self._db.read_table(table, columns, order):
                await target._db.insert_rows(table, columns, rows)
                copied += len(rows)
                report(copied)
        await target._db.after_bulk_load(SERIAL_IDS)  # new announcements follow copied ids
