"""Organisers' announcements: drafts, the outbox rows Send queues, and the progress shown."""

from __future__ import annotations

import datetime as dt

from tgbot.domain.announcement import Announcement, Phase, StatusMessage
from tgbot.domain.outbox import State
from tgbot.storage.sql import TIME, Part


class Announcements(Part):
    """The `announcements` table, and the rows Send adds to `announcement_deliveries`."""

    async def create_announcement(self, text: str, language: str | None, today: dt.date,
                                  lifetime: float | None = None) -> int:
        """A draft; `lifetime` (seconds) overrides the configured one for this announcement."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch("INSERT INTO announcements (text, language, state, created_on, "
                                  f"lifetime) VALUES (?, ?, '{Phase.DRAFT}', ?, ?) "
                                  "RETURNING id",
                                  (text, language, today.isoformat(), lifetime))
            return int(rows[0][0])

    async def announcement(self, announcement_id: int) -> Announcement | None:
        """An announcement, or None if there is no such one."""
        row = await self._db.fetchone("SELECT text, language, state FROM announcements "
                                      "WHERE id = ?", (announcement_id,))
        return Announcement(row[0], row[1], Phase(row[2])) if row else None

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
                f"UPDATE announcements SET state = '{Phase.SENDING}', status_chat_id = ?, "
                "status_message_id = ?, status_language = ? WHERE id = ? AND "
                f"state = '{Phase.DRAFT}' RETURNING language, lifetime",
                (chat_id, message_id, language, announcement_id))
            if not rows:
                return 0
            language, own_lifetime = rows[0]
            expires_at = now + (own_lifetime or lifetime)
            return await tx.execute(
                "INSERT INTO announcement_deliveries (announcement_id, chat_id, state, "
                f"expires_at, due_at) SELECT CAST(? AS BIGINT), chat_id, '{State.PENDING}', "
                f"{TIME}, {TIME} FROM chats WHERE subscribed = 1 "
                f"{'AND language = ?' if language else ''} ON CONFLICT DO NOTHING",
                (announcement_id, expires_at, now, language) if language
                else (announcement_id, expires_at, now))

    async def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel a draft; False if it was sent or cancelled already."""
        async with self._db.transaction() as tx:
            return await tx.execute(f"UPDATE announcements SET state = '{Phase.CANCELLED}' "
                                    f"WHERE id = ? AND state = '{Phase.DRAFT}'",
                                    (announcement_id,)) > 0

    async def announcements_to_report(self) -> list[StatusMessage]:
        """The status messages of announcements being sent, whose organiser follows them."""
        rows = await self._db.fetch(
            "SELECT id, status_chat_id, status_message_id, status_language, reported FROM "
            f"announcements WHERE state = '{Phase.SENDING}' AND status_message_id IS NOT NULL "
            "ORDER BY id")
        return [StatusMessage(*row) for row in rows]

    async def reported(self, announcement_id: int, sent: int, finished: bool) -> None:
        """The progress shown to the organiser; a finished announcement is 'done'."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE announcements SET reported = ?, state = CASE WHEN ? "
                             f"THEN '{Phase.DONE}' ELSE state END WHERE id = ?",
                             (sent, finished, announcement_id))

    async def announcement_states(self, announcement_id: int) -> dict[str, int]:
        """An announcement's outbox rows by state."""
        return dict(await self._db.fetch("SELECT state, COUNT(*) FROM announcement_deliveries "
                                         "WHERE announcement_id = ? GROUP BY state",
                                         (announcement_id,)))
