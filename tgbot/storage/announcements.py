"""Organisers' announcements: drafts, the outbox rows Send queues, and the progress shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from tgbot.domain.announcement import Announcement, Phase, StatusMessage
from tgbot.domain.approval import Approved, Subject
from tgbot.domain.outbox import State
from tgbot.storage.approvals import Approvals
from tgbot.storage.backends import Transaction
from tgbot.storage.sql import TIME, Part

# When each zone's rows are due (a UTC timestamp), by the zone a chat chose (None: the campaign's)
DueTimes = Callable[[str | None], float]


class Announcements(Approvals, Part):
    """The `announcements` table, and the rows Send adds to `announcement_deliveries`."""

    async def create_announcement(self, text: str, language: str | None, today: dt.date,
                                  lifetime: float | None = None,
                                  send_at: str | None = None) -> int:
        """A draft; `lifetime` (seconds) overrides the configured one for this announcement.

        `send_at` ("HH:MM") sends it at that time in each chat's own zone instead of at once.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetch("INSERT INTO announcements (text, language, state, created_on, "
                                  f"lifetime, send_at) VALUES (?, ?, '{Phase.DRAFT}', ?, ?, ?) "
                                  "RETURNING id",
                                  (text, language, today.isoformat(), lifetime, send_at))
            return int(rows[0][0])

    async def announcement(self, announcement_id: int) -> Announcement | None:
        """An announcement, or None if there is no such one."""
        row = await self._db.fetchone("SELECT text, language, state, send_at, lifetime FROM "
                                      "announcements WHERE id = ?", (announcement_id,))
        return Announcement(row[0], row[1], Phase(row[2]), row[3], row[4]) if row else None

    async def start_announcement(self, announcement_id: int, *, now: float,
                                 lifetime: float = 86400.0,
                                 status: tuple[int, int, str] | None = None,
                                 due_at: DueTimes | None = None) -> int:
        """Draft -> sending: one outbox row per subscribed chat, in one transaction.

        Each row expires the announcement's lifetime (or `lifetime` seconds) after it is due.
        `status` is the organiser's message (chat id, message id, language) the sender keeps up
        to date. `due_at` gives when a scheduled announcement's rows are due in each zone
        (their rows wait as `scheduled` until then); without it they are due `now`.

        Pressing Send twice (or on a cancelled draft) queues nothing more; returns the rows
        added. `now` is the bot's clock (a UTC timestamp).
        """
        async with self._db.transaction() as tx:
            return await self._start(tx, announcement_id, now, lifetime, status, due_at)

    async def approve_announcement(self, announcement_id: int, by: int, *, now: float,
                                   lifetime: float, due_at: DueTimes | None = None
                                   ) -> Approved:
        """An organiser's "Approve": the approval and the start, in one transaction.

        `by` is the approver's user id; the author's own approval is refused. Returns the
        verdict, what was approved, and the rows queued (as `start_announcement`).
        """
        async with self._db.transaction() as tx:
            verdict, pending = await self.settle(tx, Subject.ANNOUNCEMENT, announcement_id, by)
            if pending is None:
                return Approved(verdict, None, 0)
            return Approved(verdict, pending, await self._start(tx, announcement_id, now,
                                                                lifetime, pending.status,
                                                                due_at))

    async def _start(self, tx: Transaction, announcement_id: int, now: float, lifetime: float,
                     status: tuple[int, int, str] | None, due_at: DueTimes | None) -> int:
        """`start_announcement` inside `tx`."""
        chat_id, message_id, organiser_language = status or (None, None, None)
        rows = await tx.fetch(
            f"UPDATE announcements SET state = '{Phase.SENDING}', status_chat_id = ?, "
            "status_message_id = ?, status_language = ? WHERE id = ? AND "
            f"state = '{Phase.DRAFT}' RETURNING language, lifetime",
            (chat_id, message_id, organiser_language, announcement_id))
        if not rows:
            return 0
        language, own_lifetime = rows[0]
        lasts = own_lifetime or lifetime
        audience = "FROM chats WHERE subscribed = 1" + (" AND language = ?" if language else "")
        only = (language,) if language else ()
        state = State.PENDING if due_at is None else State.SCHEDULED
        insert = ("INSERT INTO announcement_deliveries (announcement_id, chat_id, state, "
                  f"expires_at, due_at) SELECT CAST(? AS BIGINT), chat_id, '{state}', "
                  f"{TIME}, {TIME} {audience}")
        if due_at is None:
            return await tx.execute(f"{insert} ON CONFLICT DO NOTHING",
                                    (announcement_id, now + lasts, now, *only))
        added = 0
        zones = [row[0] for row in await tx.fetch(f"SELECT DISTINCT timezone {audience}", only)]
        for zone in zones:
            due = due_at(zone)
            added += await tx.execute(
                f"{insert} AND COALESCE(timezone, '') = ? ON CONFLICT DO NOTHING",
                (announcement_id, due + lasts, due, *only, zone or ""))
        return added

    async def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel a draft, and its request for approval; False if it was sent or cancelled."""
        async with self._db.transaction() as tx:
            await self.cancel_approval(tx, Subject.ANNOUNCEMENT, announcement_id)
            return await tx.execute(f"UPDATE announcements SET state = '{Phase.CANCELLED}' "
                                    f"WHERE id = ? AND state = '{Phase.DRAFT}'",
                                    (announcement_id,)) > 0

    async def release_scheduled(self, now: float) -> int:
        """Scheduled announcement rows whose time came (`now`, the bot's clock) become pending."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                f"UPDATE announcement_deliveries SET state = '{State.PENDING}' WHERE "
                f"state = '{State.SCHEDULED}' AND due_at <= {TIME}", (now,))

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
            await tx.execute("UPDATE announcements SET reported = ?, state = CASE WHEN ? AND "
                             f"state = '{Phase.SENDING}' THEN '{Phase.DONE}' ELSE state END "
                             "WHERE id = ?",
                             (sent, finished, announcement_id))

    async def announcement_states(self, announcement_id: int) -> dict[str, int]:
        """An announcement's outbox rows by state."""
        return dict(await self._db.fetch("SELECT state, COUNT(*) FROM announcement_deliveries "
                                         "WHERE announcement_id = ? GROUP BY state",
                                         (announcement_id,)))
