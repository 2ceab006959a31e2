"""Corrections of a day's action: the delivered copies, and the outbox of their edits.

A correction's rows go pending -> sending -> one of the closed states, like the outbox's
sends (`tgbot.domain.outbox`): claimed, edited, then closed; an edited copy's new
fingerprint is recorded with its row, in the same transaction. With four eyes a correction
first waits for approval without rows (`request_correction`); its approval queues them, in
the same transaction (`approve_correction`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tgbot.domain.approval import Approved, Subject
from tgbot.domain.outbox import OPEN_STATES, Copy, Edit, EditClosed, State
from tgbot.storage.approvals import Approvals
from tgbot.storage.backends import Transaction
from tgbot.storage.sql import Part, chunks, listed, marks


class StatusMessage(NamedTuple):
    """Where a correction's progress is shown: a chat, its message, in a language."""

    chat_id: int
    message_id: int
    language: str


class Corrections(Approvals, Part):
    """`corrections` and `correction_edits`, and the `shown` fingerprints of `deliveries`."""

    async def delivered_copies(self, edition: int, day: int) -> list[Copy]:
        """Every copy of a day's action that was sent, with the chat's language and kind.

        Copies with an edit still to send (of a correction not finished) are left out: they
        are corrected once.
        """
        rows = await self._db.fetch(
            "SELECT d.chat_id, d.message_id, c.language, c.kind, d.shown FROM deliveries d "
            "JOIN chats c ON c.chat_id = d.chat_id WHERE d.edition = ? AND d.day = ? AND "
            f"d.state = '{State.SENT}' AND d.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 "
            "FROM correction_edits e JOIN corrections k ON k.id = e.correction_id WHERE "
            "e.chat_id = d.chat_id AND k.edition = d.edition AND k.day = d.day AND e.state IN "
            f"({listed(*OPEN_STATES)})) ORDER BY d.chat_id", (edition, day))
        return [Copy(chat, message, language or "", kind, shown)
                for chat, message, language, kind, shown in rows]

    async def queue_correction(self, edition: int, day: int, copies: Iterable[Copy],
                               now: float, status: StatusMessage | None = None) -> int:
        """A correction of a day with one pending edit per copy, in one transaction; its id.

        `status`: the organiser's message that shows its progress.
        """
        async with self._db.transaction() as tx:
            correction = await self._create(tx, edition, day, now, status)
            await self._queue_edits(tx, correction, copies)
            return correction

    async def request_correction(self, edition: int, day: int, author: int, now: float,
                                 status: StatusMessage | None = None) -> tuple[int, bool]:
        """A correction of a day that waits for approval (four eyes), with no edits yet.

        `author` is the organiser who asked (`OPERATOR` for the CLI); `status` their message.
        Returns its id, and False when one of that day waited already (that one's id).
        """
        async with self._db.transaction() as tx:
            waiting = await tx.fetch(
                "SELECT k.id FROM corrections k JOIN pending_approvals p ON p.id = k.id AND "
                "p.what = ? WHERE k.edition = ? AND k.day = ? AND k.announcement_id IS NULL",
                (str(Subject.CORRECTION), edition, day))
            if waiting:
                return int(waiting[0][0]), False
            correction = await self._create(tx, edition, day, now, status)
            await self.request(tx, Subject.CORRECTION, correction, author, now, status)
            return correction, True

    async def approve_correction(self, correction_id: int, by: int,
                                 copies: Iterable[Copy]) -> Approved:
        """An organiser's "Approve": the approval and one edit per copy, in one transaction.

        `by` is the approver's user id; the author's own approval is refused (then nothing is
        queued).
        """
        async with self._db.transaction() as tx:
            verdict, pending = await self.settle(tx, Subject.CORRECTION, correction_id, by)
            if pending is None:
                return Approved(verdict, None, 0)
            return Approved(verdict, pending,
                            await self._queue_edits(tx, correction_id, copies))

    async def cancel_correction(self, correction_id: int) -> bool:
        """No longer wait for a correction's approval; False if it was not waiting."""
        async with self._db.transaction() as tx:
            return await self.cancel_approval(tx, Subject.CORRECTION, correction_id)

    async def corrected_day(self, correction_id: int) -> tuple[int, int] | None:
        """The (edition, day) a correction corrects; None if there is no such correction."""
        row = await self._db.fetchone("SELECT edition, day FROM corrections WHERE id = ?",
                                      (correction_id,))
        return (int(row[0]), int(row[1])) if row else None

    @staticmethod
    async def _create(tx: Transaction, edition: int, day: int, now: float,
                      status: StatusMessage | None) -> int:
        """In `tx`: a correction of a day, without edits; its id."""
        chat, message, language = status or (None, None, None)
        rows = await tx.fetch("INSERT INTO corrections (edition, day, created_at, "
                              "status_chat, status_message, status_language) "
                              "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                              (edition, day, now, chat, message, language))
        return int(rows[0][0])

    @staticmethod
    async def _queue_edits(tx: Transaction, correction: int, copies: Iterable[Copy]) -> int:
        """In `tx`: one pending edit of the correction per copy; how many."""
        queued = list(copies)
        for chunk in chunks(queued):
            values = ", ".join(f"(?, ?, ?, '{State.PENDING}')" for _ in chunk)
            await tx.execute("INSERT INTO correction_edits (correction_id, chat_id, "
                             f"message_id, state) VALUES {values}",
                             [v for copy in chunk
                              for v in (correction, copy.chat_id, copy.message_id)])
        return len(queued)

    async def claim_edits(self, limit: int, *, owner: str, now: float) -> list[Edit]:
        """Take up to `limit` pending edits ready at `now`; only the sender claims."""
        async with self._db.transaction() as tx:
            rows = await tx.fetch(
                f"UPDATE correction_edits SET state = '{State.SENDING}', claimed_by = ?, "
                "attempts = attempts + 1 WHERE (correction_id, chat_id) IN (SELECT "
                "correction_id, chat_id FROM correction_edits WHERE state = "
                f"'{State.PENDING}' AND not_before <= ? ORDER BY not_before LIMIT ?"
                f"{self._db.skip_locked}) RETURNING correction_id, chat_id, message_id, attempts",
                (owner, now, limit))
            if not rows:
                return []
            ids = list({row[0] for row in rows})
            corrected = {correction: (edition, day, announcement)
                         for correction, edition, day, announcement in await tx.fetch(
                             "SELECT id, edition, day, announcement_id FROM corrections "
                             f"WHERE id IN ({marks(ids)})", ids)}
        return [Edit(correction, chat, message, attempts, *corrected[correction])
                for correction, chat, message, attempts in rows]

    async def release_edits(self, owner: str) -> int:
        """Put back edits another (stopped) sender left in flight; return how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(f"UPDATE correction_edits SET state = '{State.PENDING}' "
                                    f"WHERE state = '{State.SENDING}' AND claimed_by != ?",
                                    (owner,))

    async def close_edits(self, results: Iterable[EditClosed]) -> None:
        """Close claimed edits in one transaction; an edited copy records its new content.

        A copy the bot can no longer reach (the message was deleted, or the chat blocked the
        bot) loses its message id, a day's copy or an announcement's: later corrections do not
        try it again.
        """
        async with self._db.transaction() as tx:
            for closed in results:
                edit = closed.edit
                await tx.execute("UPDATE correction_edits SET state = ?, not_before = ? WHERE "
                                 "correction_id = ? AND chat_id = ?",
                                 (closed.state, closed.not_before, edit.correction_id,
                                  edit.chat_id))
                row = (edit.chat_id, edit.edition, edit.day)
                gone = closed.state in (State.GONE, State.SKIPPED)
                if edit.announcement_id is not None:
                    if gone:
                        await tx.execute("UPDATE announcement_deliveries SET message_id = NULL "
                                         "WHERE announcement_id = ? AND chat_id = ?",
                                         (edit.announcement_id, edit.chat_id))
                elif closed.shown is not None:
                    await tx.execute("UPDATE deliveries SET shown = ? WHERE chat_id = ? AND "
                                     "edition = ? AND day = ?", (closed.shown, *row))
                elif gone:
                    await tx.execute("UPDATE deliveries SET message_id = NULL WHERE chat_id = ? "
                                     "AND edition = ? AND day = ?", row)

    async def correction_status(self, correction_id: int) -> StatusMessage | None:
        """The organiser's message that shows a correction's progress; None if it has none."""
        row = await self._db.fetchone("SELECT status_chat, status_message, status_language "
                                      "FROM corrections WHERE id = ? AND status_chat IS NOT "
                                      "NULL", (correction_id,))
        return StatusMessage(*row) if row else None

    async def correction_states(self, correction_id: int) -> dict[str, int]:
        """How many of a correction's edits are in each state."""
        return dict(await self._db.fetch("SELECT state, COUNT(*) FROM correction_edits WHERE "
                                         "correction_id = ? GROUP BY state", (correction_id,)))
