"""The push schedule: when the scheduler looks at each chat and reminder next.

And the outbox rows it queues when their time comes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from tgbot.domain.chat import Chat
from tgbot.domain.outbox import Due, Reminder, State
from tgbot.storage import recalls
from tgbot.storage.outbox import enqueue_rows
from tgbot.storage.sql import CHAT_COLUMNS, TIME, Part, chat_of, chunks, look_now, marks

# a time the scheduler read a chat (or reminder) with, and the one it moves it to
Moves = Mapping[int, tuple[float | None, float | None]]


class Schedule(Part):
    """`chats.next_push_at`, `reminders.next_at` and the "schedule" row of `meta`."""

    async def due_chats(self, now: float, limit: int) -> list[Chat]:
        """Subscribed chats the scheduler should look at now.

        An index range, however many subscribers there are.
        """
        rows = await self._db.fetch(f"SELECT {CHAT_COLUMNS} FROM chats WHERE next_push_at <= ? "
                                    "ORDER BY next_push_at LIMIT ?", (now, limit))
        return [chat_of(row) for row in rows]

    async def count_due(self, now: float) -> int:
        """How many chats the scheduler has still to look at now."""
        return int((await self._db.fetch("SELECT COUNT(*) FROM chats WHERE next_push_at <= ?",
                                         (now,)))[0][0])

    async def plan(self, edition: int, due: Iterable[Due], next_push: Moves) -> int:
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
            added = await enqueue_rows(tx, edition, due)
            for (read, at), chat_ids in by_time.items():
                for chunk in chunks(chat_ids):
                    await tx.execute(f"UPDATE chats SET next_push_at = ? WHERE chat_id IN "
                                     f"({marks(chunk)}) AND next_push_at = ?",
                                     (at, *chunk, read))
        return added

    async def due_reminders(self, now: float, limit: int) -> list[Reminder]:
        """Reminders whose time has come, with their chats (an index range, like the push)."""
        rows = await self._db.fetch(
            f"SELECT {', '.join('c.' + c for c in CHAT_COLUMNS.split(', '))}, r.remind_at, "
            "r.next_at FROM reminders r JOIN chats c ON c.chat_id = r.chat_id "
            "WHERE r.next_at <= ? ORDER BY r.next_at LIMIT ?", (now, limit))
        return [Reminder(chat_of(row), row[-2], row[-1]) for row in rows]

    async def plan_reminders(self, edition: int, due: Iterable[Due], next_at: Moves) -> int:
        """Queue the reminders that are due and move each looked-at reminder to its next time.

        One transaction; returns the rows added. Like `plan`: a chat's reminders of earlier
        days still pending expire, a recalled day's close withdrawn, and a reminder moves
        from the next_at it was read with, so one changed since (set again, or planned anew
        by `reschedule`) keeps its new time.
        """
        async with self._db.transaction() as tx:
            added = 0
            for row in due:
                await tx.execute(f"UPDATE reminder_deliveries SET state = '{State.EXPIRED}' "
                                 f"WHERE state = '{State.PENDING}' AND chat_id = ? AND "
                                 "edition = ? AND day < ?", (row.chat_id, edition, row.day))
                added += await tx.execute(
                    "INSERT INTO reminder_deliveries (chat_id, edition, day, state, expires_at, "
                    "due_at) SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), "
                    f"{recalls.NEW_DAY_ROW}, {TIME}, {TIME} FROM reminders WHERE chat_id = ? "
                    "ON CONFLICT DO NOTHING",
                    (edition, row.day, edition, row.day, row.expires_at, row.due_at,
                     row.chat_id))
            for chat_id, (read, at) in next_at.items():
                await tx.execute("UPDATE reminders SET next_at = ? WHERE chat_id = ? AND "
                                 "next_at = ?", (at, chat_id, read))
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
