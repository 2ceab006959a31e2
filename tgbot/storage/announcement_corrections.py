"""Corrections of an announcement: its delivered copies, and the start of their edits.

A correction of an announcement is a row of `corrections` with `announcement_id` and the new
`text` (day 0: no day), created with the organiser's preview. Its start, once (Edit pressed,
or another organiser's approval with four eyes), is one transaction: the new text moves onto
the announcement, so that its rows not sent yet go out with it, and each delivered copy gets
one pending edit in `correction_edits`, which the corrector sends as a day's edits.
"""

from __future__ import annotations

from collections import Counter

from tgbot.domain.approval import Approved, Subject
from tgbot.domain.outbox import OPEN_STATES, Delivery, State
from tgbot.storage.approvals import Approvals
from tgbot.storage.backends import Transaction
from tgbot.storage.sql import Part, listed

# An announcement's delivered copies with no edit still to send (those are corrected once)
_DELIVERED = (
    f"FROM announcement_deliveries d WHERE d.announcement_id = ? AND d.state = '{State.SENT}' "
    "AND d.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM correction_edits e JOIN "
    "corrections k ON k.id = e.correction_id WHERE e.chat_id = d.chat_id AND "
    f"k.announcement_id = d.announcement_id AND e.state IN ({listed(*OPEN_STATES)}))")


async def correct_late_copy(tx: Transaction, delivery: Delivery, message_id: int,
                            text: str) -> None:
    """In `tx` (closing a sent row): an edit of an announcement's copy sent with an old text.

    A row claimed before a correction started goes out with the text it was prepared with;
    if the announcement's text is another now, the copy gets an edit in its latest started
    correction, as the copies delivered before it did.
    """
    await tx.execute(
        "INSERT INTO correction_edits (correction_id, chat_id, message_id, state) SELECT "
        f"k.id, CAST(? AS BIGINT), CAST(? AS BIGINT), '{State.PENDING}' FROM corrections k "
        "JOIN announcements a ON a.id = k.announcement_id WHERE k.id = (SELECT MAX(id) FROM "
        "corrections WHERE announcement_id = ? AND text IS NULL) AND a.text <> ? "
        "ON CONFLICT DO NOTHING", (delivery.chat_id, message_id, delivery.announcement_id, text))


class AnnouncementCorrections(Approvals, Part):
    """`corrections` of announcements, and the edits of their delivered copies."""

    async def announcement_of_status(self, chat_id: int, message_id: int) -> int | None:
        """The announcement whose progress that organiser's message shows; None: none."""
        row = await self._db.fetchone("SELECT id FROM announcements WHERE status_chat_id = ? "
                                      "AND status_message_id = ?", (chat_id, message_id))
        return int(row[0]) if row else None

    async def announcement_copies(self, announcement_id: int) -> Counter[str]:
        """How many delivered copies of an announcement there are to edit, per language."""
        rows = await self._db.fetch(
            "SELECT COALESCE(c.language, ''), COUNT(*) FROM (SELECT d.chat_id "
            f"{_DELIVERED}) s JOIN chats c ON c.chat_id = s.chat_id "
            "GROUP BY COALESCE(c.language, '')", (announcement_id,))
        return Counter({language: int(count) for language, count in rows})

    async def create_announcement_correction(self, announcement_id: int, text: str,
                                             edition: int, now: float,
                                             author: int | None = None) -> int:
        """A correction of an announcement to `text`, not started (the preview's); its id.

        With `author` (four eyes, from the CLI) it waits for approval from the start.
        """
        async with self._db.transaction() as tx:
            rows = await tx.fetch("INSERT INTO corrections (edition, day, created_at, "
                                  "announcement_id, text) VALUES (?, 0, ?, ?, ?) RETURNING id",
                                  (edition, now, announcement_id, text))
            correction = int(rows[0][0])
            if author is not None:
                await self.request(tx, Subject.CORRECTION, correction, author, now, None)
            return correction

    async def corrected_announcement(self, correction_id: int) -> tuple[int, str | None] | None:
        """The announcement a correction corrects, and its new text until it starts.

        None if the correction is not one of an announcement.
        """
        row = await self._db.fetchone("SELECT announcement_id, text FROM corrections WHERE "
                                      "id = ? AND announcement_id IS NOT NULL", (correction_id,))
        return (int(row[0]), row[1]) if row else None

    async def start_announcement_correction(self, correction_id: int,
                                            status: tuple[int, int, str] | None = None
                                            ) -> int | None:
        """Start a correction of an announcement, in one transaction; the edits queued.

        None if it started already (Edit pressed twice). `status`: the organiser's message
        that shows its progress.
        """
        async with self._db.transaction() as tx:
            return await self._start_correction(tx, correction_id, status)

    async def approve_announcement_correction(self, correction_id: int, by: int) -> Approved:
        """An organiser's "Approve": the approval and the start, in one transaction.

        `by` is the approver's user id; the author's own approval is refused.
        """
        async with self._db.transaction() as tx:
            verdict, pending = await self.settle(tx, Subject.CORRECTION, correction_id, by)
            if pending is None:
                return Approved(verdict, None, 0)
            return Approved(verdict, pending,
                            await self._start_correction(tx, correction_id, pending.status)
                            or 0)

    @staticmethod
    async def _start_correction(tx: Transaction, correction_id: int,
                                status: tuple[int, int, str] | None) -> int | None:
        """In `tx`: the new text onto the announcement, one edit per delivered copy.

        An announcement that shows the text already gets no edit.
        """
        chat, message, language = status or (None, None, None)
        rows = await tx.fetch("SELECT announcement_id, text FROM corrections WHERE id = ? AND "
                              "announcement_id IS NOT NULL AND text IS NOT NULL",
                              (correction_id,))
        # the text leaves the correction for the announcement: a second start finds none
        if not rows or not await tx.execute(
                "UPDATE corrections SET text = NULL, status_chat = ?, status_message = ?, "
                "status_language = ? WHERE id = ? AND text IS NOT NULL",
                (chat, message, language, correction_id)):
            return None
        announcement, text = rows[0]
        if not await tx.execute("UPDATE announcements SET text = ? WHERE id = ? AND text <> ?",
                                (text, announcement, text)):
            return 0
        return await tx.execute(
            "INSERT INTO correction_edits (correction_id, chat_id, message_id, state) "
            f"SELECT CAST(? AS BIGINT), d.chat_id, d.message_id, '{State.PENDING}' {_DELIVERED}",
            (correction_id, announcement))
