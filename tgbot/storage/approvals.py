"""Four eyes: the `pending_approvals` table (`tgbot.domain.approval`).

`request` is the request's part of the transaction that creates what waits (or a whole
transaction of its own, `request_approval`); `settle` is the approval's part of the
transaction that starts what was approved (see `Announcements.approve_announcement`,
`Corrections.approve_correction`), so an approval is never recorded without its effect.
"""

from __future__ import annotations

from collections.abc import Iterable

from tgbot.domain.approval import Pending, Subject, Verdict
from tgbot.storage.backends import Transaction
from tgbot.storage.sql import TIME, Part


class Approvals(Part):
    """What waits for a second organiser's approval, keyed by (what, id)."""

    async def request_approval(self, what: Subject, item: int, author: int, now: float,
                               status: tuple[int, int, str] | None) -> bool:
        """`request` in a transaction of its own."""
        async with self._db.transaction() as tx:
            return await self.request(tx, what, item, author, now, status)

    async def request(self, tx: Transaction, what: Subject, item: int, author: int, now: float,
                      status: tuple[int, int, str] | None) -> bool:
        """In `tx`: ask for approval of `item` by an organiser other than `author` (a user id).

        `status` is the author's message (chat id, message id, language) that will show the
        progress. The other organisers are not asked yet (`unasked`). False if it waits
        already.
        """
        chat_id, message_id, language = status or (None, None, None)
        return await tx.execute(
            "INSERT INTO pending_approvals (what, id, author, requested_at, status_chat_id, "
            f"status_message_id, status_language, asked) VALUES (?, ?, ?, {TIME}, ?, ?, ?, 0) "
            "ON CONFLICT DO NOTHING",
            (str(what), item, self._people.person(author), now, chat_id, message_id,
             language)) > 0

    async def unasked(self, organisers: Iterable[int]) -> list[tuple[Pending, list[int]]]:
        """The requests whose organisers were not asked yet, and who of `organisers` to ask.

        Everyone but the request's author, oldest request first.
        """
        rows = await self._db.fetch(
            "SELECT what, id, author FROM pending_approvals WHERE asked = 0 "
            "ORDER BY requested_at, id")
        everyone = sorted(organisers)
        return [(Pending(Subject(what), item, None),
                 [o for o in everyone if self._people.person(o) != bytes(author)])
                for what, item, author in rows]

    async def asked(self, what: Subject, item: int) -> None:
        """The other organisers were asked about `item` (they are not asked again)."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE pending_approvals SET asked = 1 WHERE what = ? AND id = ?",
                             (str(what), item))

    async def settle(self, tx: Transaction, what: Subject, item: int,
                     by: int) -> tuple[Verdict, Pending | None]:
        """In `tx`: approve `item` by the organiser `by` unless they asked for it themselves.

        Returns the verdict, and what was approved (then no longer pending).
        """
        rows = await tx.fetch(
            "DELETE FROM pending_approvals WHERE what = ? AND id = ? AND author <> ? "
            "RETURNING status_chat_id, status_message_id, status_language",
            (str(what), item, self._people.person(by)))
        if rows:
            chat_id, message_id, language = rows[0]
            status = (chat_id, message_id, language) if message_id is not None else None
            return Verdict.APPROVED, Pending(what, item, status)
        waits = await tx.fetch("SELECT 1 FROM pending_approvals WHERE what = ? AND id = ?",
                               (str(what), item))
        return (Verdict.OWN if waits else Verdict.GONE), None

    async def cancel_approval(self, tx: Transaction, what: Subject, item: int) -> bool:
        """In `tx`: no longer wait for `item`'s approval; False if it was not waiting."""
        return await tx.execute("DELETE FROM pending_approvals WHERE what = ? AND id = ?",
                                (str(what), item)) > 0

    async def waiting_approvals(self) -> list[Pending]:
        """Everything waiting for approval, oldest first (for /stats)."""
        rows = await self._db.fetch(
            "SELECT what, id, status_chat_id, status_message_id, status_language FROM "
            "pending_approvals ORDER BY requested_at, id")
        return [Pending(Subject(what), item, (chat, message, language)
                        if message is not None else None)
                for what, item, chat, message, language in rows]
