"""Chats that talked to the bot: their settings and whether they are subscribed.

Language, push time, zone, reminder and the partner link it came through; nothing about who
is in a chat.
"""

from __future__ import annotations

import datetime as dt

from tgbot.domain.chat import Chat
from tgbot.domain.outbox import State
from tgbot.storage.sql import CHAT_COLUMNS, Part, chat_of, chunks, look_now, marks

# what a group keeps when it becomes a supergroup
_MOVED_CHAT_COLUMNS = ("language", "subscribed", "push_time", "timezone", "created_on",
                       "thread_id", "subscribed_on", "unsubscribed_on", "next_push_at",
                       "partner", "discreet")


class Chats(Part):
    """The `chats` and `reminders` tables: each chat's settings and subscription."""

    async def chat(self, chat_id: int) -> Chat | None:
        """A chat as stored, or None if it never talked to the bot."""
        row = await self._db.fetchone(f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id = ?",
                                      (chat_id,))
        return chat_of(row) if row else None

    async def chats(self, chat_ids: list[int]) -> dict[int, Chat]:
        """Several chats at once (the rows of a claimed batch)."""
        found: dict[int, Chat] = {}
        for chunk in chunks(chat_ids):
            rows = await self._db.fetch(f"SELECT {CHAT_COLUMNS} FROM chats WHERE chat_id IN "
                                        f"({marks(chunk)})", chunk)
            found.update((row[0], chat_of(row)) for row in rows)
        return found

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
                await tx.execute(f"UPDATE {table} SET state = '{State.PENDING}' "
                                 f"WHERE chat_id = ? AND state = '{State.SENDING}'",
                                 (new_chat_id,))

    async def subscribed_zones(self) -> list[str | None]:
        """The time zones subscribed chats have chosen (None: the campaign's)."""
        return [row[0] for row in await self._db.fetch(
            "SELECT DISTINCT timezone FROM chats WHERE subscribed = 1")]

    async def audience(self, language: str | None) -> int:
        """How many subscribed chats an announcement (to one language, or all) would reach."""
        query = "SELECT COUNT(*) FROM chats WHERE subscribed = 1"
        params: tuple[str, ...] = ()
        if language:
            query, params = query + " AND language = ?", (language,)
        return int((await self._db.fetch(query, params))[0][0])

    async def set_reminder(self, chat_id: int, remind_at: str | None,
                           next_at: float | None = None) -> None:
        """Set a private chat's daily reminder (HH:MM local), first looked at `next_at`.

        None stops it, and drops its reminders not sent yet.
        """
        async with self._db.transaction() as tx:
            if remind_at is None:
                await tx.execute("DELETE FROM reminders WHERE chat_id = ?", (chat_id,))
                await tx.execute("DELETE FROM reminder_deliveries WHERE chat_id = ? AND "
                                 f"state = '{State.PENDING}'", (chat_id,))
                return
            await tx.execute("INSERT INTO reminders VALUES (?, ?, ?) ON CONFLICT (chat_id) DO "
                             "UPDATE SET remind_at = excluded.remind_at, "
                             "next_at = excluded.next_at", (chat_id, remind_at, next_at))

    async def reminder(self, chat_id: int) -> str | None:
        """A chat's reminder time (HH:MM local), or None."""
        row = await self._db.fetchone("SELECT remind_at FROM reminders WHERE chat_id = ?",
                                      (chat_id,))
        return row[0] if row else None

    async def record_partner(self, chat_id: int, partner: str) -> bool:
        """Keep the partner whose link a chat came through; a chat keeps its first one.

        The chat is recorded at its first update (`tgbot.handlers.locale`). Returns whether
        this was its first.
        """
        async with self._db.transaction() as tx:
            return await tx.execute("UPDATE chats SET partner = ? WHERE chat_id = ? AND "
                                    "partner IS NULL", (partner, chat_id)) > 0

    async def partner(self, chat_id: int) -> str | None:
        """The partner whose link a chat came through, if any."""
        row = await self._db.fetchone("SELECT partner FROM chats WHERE chat_id = ?", (chat_id,))
        return row[0] if row else None
