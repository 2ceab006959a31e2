"""The deletion outbox's SQL: keep the ids of messages sent, claim those due, close them.

"Delete these (chat, message) at or after a time" is `keep` (or `delete_chat_now` for all of
one chat's); a deleter claims the due rows (`claim`), asks Telegram, and `close`s each row.
A deleter that died leaves rows 'deleting' under its instance's name: `release` puts them
back. Rows are dropped 48 hours after their message was sent (`drop_older`), when Telegram
would refuse them anyway.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from tgbot.domain.deletions import Claimed, DeletionState, Kept
from tgbot.storage import recalls
from tgbot.storage.backends import Database, Transaction
from tgbot.storage.sql import TIME, listed, marks

# as SQL literals
_PENDING, _DELETING = listed(DeletionState.PENDING), listed(DeletionState.DELETING)


async def keep(tx: Transaction, rows: Iterable[Kept]) -> None:
    """Record messages sent, to delete at their `delete_at`; a row kept already stays."""
    for row in rows:
        await tx.execute("INSERT INTO deletions (chat_id, message_id, sent_at, delete_at, state) "
                         f"VALUES (?, ?, {TIME}, {TIME}, {_PENDING}) ON CONFLICT DO NOTHING",
                         (row.chat_id, row.message_id, row.sent_at, row.delete_at))


async def delete_chat_now(tx: Transaction, chat_id: int, now: float) -> None:
    """Every message still kept for a chat becomes due now (/forget)."""
    await tx.execute(f"UPDATE deletions SET delete_at = {TIME} WHERE chat_id = ? AND "
                     f"state = {_PENDING}", (now, chat_id))


class Deletions:
    """The deletion outbox of one database (`Store.deletions`)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def keep(self, rows: Iterable[Kept]) -> None:
        """Record messages sent (a reply in a discreet chat), in one transaction."""
        async with self._db.transaction() as tx:
            await keep(tx, rows)

    async def claim(self, now: float, limit: int, *, owner: str,
                    chat_id: int | None = None) -> list[Claimed]:
        """Take up to `limit` rows due at `now` (of one chat, if given), oldest due first."""
        chat = "AND chat_id = ? " if chat_id is not None else ""
        params = (now, *([chat_id] if chat_id is not None else []), limit)
        async with self._db.transaction() as tx:
            rows = await tx.fetch(
                f"UPDATE deletions SET state = {_DELETING}, claimed_by = ?, claimed_at = "
                f"{TIME}, attempts = attempts + 1 WHERE (chat_id, message_id) IN (SELECT "
                f"chat_id, message_id FROM deletions WHERE state = {_PENDING} AND delete_at <= "
                f"{TIME} {chat}ORDER BY delete_at LIMIT ?{self._db.skip_locked}) "
                "RETURNING chat_id, message_id, sent_at, attempts", (owner, now, *params))
        return [Claimed(*row) for row in rows]

    async def close(self, chat_id: int, results: dict[int, DeletionState],
                    retry_at: float) -> None:
        """What became of claimed messages of one chat; pending again: not before `retry_at`.

        A recalled copy's outcome is recorded for its recall, in the same transaction.
        """
        async with self._db.transaction() as tx:
            for message_id, outcome in results.items():
                await tx.execute(
                    "UPDATE deletions SET state = ?, claimed_by = NULL, delete_at = CASE WHEN "
                    f"? = {_PENDING} THEN {TIME} ELSE delete_at END "
                    "WHERE chat_id = ? AND message_id = ?",
                    (outcome, outcome, retry_at, chat_id, message_id))
            await recalls.recall_outcomes(tx, chat_id, results)

    async def release(self, alive: Iterable[str]) -> int:
        """Put back rows claimed by instances no longer alive; return how many."""
        owners = list(alive)
        put_back = f"UPDATE deletions SET state = {_PENDING} WHERE state = {_DELETING}"
        async with self._db.transaction() as tx:
            return await tx.execute(f"{put_back} AND claimed_by NOT IN ({marks(owners)})"
                                    if owners else put_back, owners)

    async def drop_older(self, sent_before: float) -> Counter[str]:
        """Forget messages sent before a time (48 hours ago); their rows by state."""
        async with self._db.transaction() as tx:
            await recalls.recall_dropped(tx, sent_before)
            rows = await tx.fetch(f"DELETE FROM deletions WHERE sent_at < {TIME} "
                                  "RETURNING state", (sent_before,))
        return Counter(row[0] for row in rows)

    async def forget_chat(self, chat_id: int) -> None:
        """Drop a chat's closed rows (after /forget deleted what it could), off the disk too."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM deletions WHERE chat_id = ? AND state NOT IN "
                             f"({_PENDING}, {_DELETING})", (chat_id,))
        await self._db.erase_deleted()
