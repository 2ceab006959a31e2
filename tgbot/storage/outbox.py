"""The three outboxes (the day's push, announcements, reminders) and their rows' lifecycle.

Rows are queued, claimed by the one sender, closed, and deleted two weeks on with a tally of
how many were.

Each outbox row goes pending -> sending -> one of the closed states (`tgbot.domain.outbox`).
States the SQL looks for are spelled in its text, from the `State` enum; a state that varies
is a parameter.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import NamedTuple

from tgbot.domain.announcement import Phase
from tgbot.domain.outbox import CLOSED_STATES, OPEN_STATES, Closed, Delivery, Due, Kind, State
from tgbot.storage import deletions, recalls
from tgbot.storage.announcement_corrections import correct_late_copy
from tgbot.storage.backends import Row, Transaction
from tgbot.storage.sql import TIME, Part, chunks, listed, marks

# The outbox tables, in the order a claim takes them: the push, announcements, reminders.
OUTBOX = ("deliveries", "announcement_deliveries", "reminder_deliveries")
OUTBOX_KINDS = (Kind.PUSH, Kind.ANNOUNCEMENT, Kind.REMINDER)
# What `forget_deliveries` keeps of each outbox besides rows still open or recent: the push's
# latest day (/stats and `tgbot status` show it), announcements still being sent.
_OUTBOX_READ = ("(edition, day) IN (SELECT edition, MAX(day) FROM deliveries GROUP BY 1)",
                f"announcement_id IN (SELECT id FROM announcements WHERE state = "
                f"'{Phase.SENDING}')",
                "FALSE")


async def tally_outbox(tx: Transaction, kind: Kind, deleted: list[Row]) -> None:
    """Count deleted outbox rows (each `(state,)`) in `outbox_tally`, for `outbox_depth`."""
    for state, count in Counter(row[0] for row in deleted).items():
        await tx.execute("INSERT INTO outbox_tally VALUES (?, ?, ?) ON CONFLICT (kind, state) "
                         "DO UPDATE SET deleted = outbox_tally.deleted + excluded.deleted",
                         (kind, state, count))


class Waiting(NamedTuple):
    """The outbox row that has waited longest to be sent: since when, and what it is.

    `incident` names what it belongs to: "push:EDITION:DAY", "reminder:EDITION:DAY" or
    "announcement:ID" (the organisers are told of a lag once per incident).
    """

    due_at: float
    incident: str


def _row_of(delivery: Delivery) -> tuple[str, str, tuple[int, ...]]:
    """The outbox table of a claimed row, and the SQL condition and values that find it."""
    if delivery.announcement_id:
        return ("announcement_deliveries", "announcement_id = ? AND chat_id = ?",
                (delivery.announcement_id, delivery.chat_id))
    return ("reminder_deliveries" if delivery.reminder else "deliveries",
            "chat_id = ? AND edition = ? AND day = ?",
            (delivery.chat_id, delivery.edition, delivery.day))


async def _expire_earlier(tx: Transaction, edition: int, day: int,
                          chat_ids: list[int] | None = None) -> None:
    """Close as expired the pending rows of days before `day` of chats with a row of `day`.

    Of the chats `chat_ids` (a key lookup each), or of every chat (`tgbot push --date`).
    """
    chats = f"chat_id IN ({marks(chat_ids)})" if chat_ids is not None else "TRUE"
    await tx.execute(
        f"UPDATE deliveries SET state = '{State.EXPIRED}' WHERE state = '{State.PENDING}' "
        f"AND edition = ? AND day < ? AND {chats} AND EXISTS (SELECT 1 FROM deliveries later "
        "WHERE later.chat_id = deliveries.chat_id AND later.edition = deliveries.edition AND "
        "later.day = ?)", (edition, day, *(chat_ids or ()), day))


async def enqueue_rows(tx: Transaction, edition: int,
                       due: Iterable[Due | tuple[int, int]]) -> int:
    """Queue the day's action for chats still subscribed, in `tx`; return the rows added.

    An existing row stays; a chat's rows of earlier days still pending close as expired.
    A recalled day's rows close as withdrawn at once.
    """
    by_day: dict[tuple[int, float | None, float | None], list[int]] = defaultdict(list)
    for row in due:
        chat_id, day, expires_at, due_at = Due(*row)
        by_day[day, expires_at, due_at].append(chat_id)
    added = 0
    for (day, expires_at, due_at), chat_ids in by_day.items():
        for chunk in chunks(chat_ids):
            # only chats still subscribed now: one may have left or migrated since
            added += await tx.execute(
                "INSERT INTO deliveries (chat_id, edition, day, state, expires_at, due_at) "
                f"SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), {recalls.NEW_DAY_ROW}, "
                f"{TIME}, {TIME} "
                f"FROM chats WHERE subscribed = 1 AND chat_id IN ({marks(chunk)}) "
                "ON CONFLICT DO NOTHING", (edition, day, edition, day, expires_at, due_at,
                                           *chunk))
            await _expire_earlier(tx, edition, day, chunk)
    return added


class Outbox(Part):
    """`deliveries`, `announcement_deliveries`, `reminder_deliveries` and `outbox_tally`."""

    async def enqueue(self, edition: int, due: Iterable[Due | tuple[int, int]]) -> int:
        """Add outbox rows for subscribed chats; an existing row stays.

        A day's action is for its day, whatever the clock says: a chat's rows of earlier days
        still pending close as expired.
        """
        async with self._db.transaction() as tx:
            return await enqueue_rows(tx, edition, due)

    async def enqueue_day(self, edition: int, day: int,
                          expires_at: Mapping[str | None, float], now: float) -> int:
        """One campaign day for every subscribed chat (`tgbot push --date`).

        Each row expires at `expires_at[the chat's zone]`. As in `enqueue`, the day closes
        each chat's earlier rows still pending, and a recalled day's rows close withdrawn.
        """
        async with self._db.transaction() as tx:
            added = 0
            for zone, expiry in expires_at.items():
                added += await tx.execute(
                    "INSERT INTO deliveries (chat_id, edition, day, state, expires_at, due_at) "
                    "SELECT chat_id, CAST(? AS INTEGER), CAST(? AS INTEGER), "
                    f"{recalls.NEW_DAY_ROW}, {TIME}, {TIME} FROM chats WHERE subscribed = 1 AND "
                    "COALESCE(timezone, '') = ? ON CONFLICT DO NOTHING",
                    (edition, day, edition, day, expiry, now, zone or ""))
            await _expire_earlier(tx, edition, day)
            return added

    async def claim(self, limit: int, *, owner: str, now: float) -> list[Delivery]:
        """Take up to `limit` pending rows to send, of those ready at `now` (`not_before`).

        Only the holder of the sender lock claims; on PostgreSQL, SKIP LOCKED also keeps any
        two claims apart.

        The daily push goes first; announcements, then reminders, fill what is left of the
        batch. A day's row whose chat has a later day still to send comes `superseded` (it is
        closed as expired, not sent), however the two were queued.
        """
        skip_locked = self._db.skip_locked
        claim = (f"SET state = '{State.SENDING}', claimed_at = ?, claimed_by = ?, "
                 "attempts = attempts + 1")
        # in the order of the (state, not_before) index: a range that stops at the limit
        ready = f"WHERE state = '{State.PENDING}' AND not_before <= ? ORDER BY not_before"
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
                    f"({marks(claimed)}) AND EXISTS (SELECT 1 FROM deliveries later WHERE "
                    "later.chat_id = deliveries.chat_id AND later.edition = deliveries.edition "
                    f"AND later.day > deliveries.day AND later.state IN ({listed(*OPEN_STATES)})"
                    ")", [d.chat_id for d in claimed])}
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

    async def release_claims(self, owner: str) -> int:
        """Put back rows other senders left in flight; return how many.

        They died: the new holder of the sender lock is the only sender.
        """
        async with self._db.transaction() as tx:
            return sum([await tx.execute(f"UPDATE {table} SET state = '{State.PENDING}' WHERE "
                                         f"state = '{State.SENDING}' AND claimed_by != ?",
                                         (owner,))
                        for table in OUTBOX])

    async def finish(self, delivery: Delivery, state: State, today: dt.date,
                     message_id: int | None = None) -> None:
        """Close one claimed row (see `close_rows`)."""
        await self.close_rows([Closed(delivery, state, message_id)], today)

    async def close_rows(self, results: Iterable[Closed], today: dt.date) -> None:
        """Close claimed rows in one transaction (`today`: the campaign's date).

        'sent', 'failed' (gave up), 'gone' (chat blocked or deleted: it is unsubscribed),
        'expired', 'skipped', or 'pending' again. A message `kept` to delete later goes into
        the deletion outbox in the same transaction, one sent of a day or announcement
        recalled meanwhile is recalled too, and one of an announcement sent with a text
        that a correction changed meanwhile gets its edit.
        """
        results = list(results)
        async with self._db.transaction() as tx:
            for closed in results:
                table, where, params = _row_of(closed.delivery)
                shown = ", shown = ?" if table == "deliveries" else ""
                await tx.execute(f"UPDATE {table} SET state = ?, message_id = ?, paid = ?, "
                                 f"not_before = ?{shown}, sent_at = {TIME} WHERE {where}",
                                 (closed.state, closed.message_id, int(closed.paid),
                                  closed.not_before, *([closed.shown] if shown else []),
                                  closed.sent_at, *params))
                if closed.kept is not None:  # a private chat's message, to delete later
                    await deletions.keep(tx, [closed.kept])
                if closed.text is not None and closed.message_id is not None:
                    await correct_late_copy(tx, closed.delivery, closed.message_id, closed.text)
                if closed.state == State.GONE:  # blocked or deleted: no push, no reminder
                    await tx.execute("UPDATE chats SET subscribed = 0, unsubscribed_on = ?, "
                                     "next_push_at = NULL WHERE chat_id = ?",
                                     (today.isoformat(),
                                      closed.delivery.chat_id))
                    await tx.execute("DELETE FROM reminders WHERE chat_id = ?",
                                     (closed.delivery.chat_id,))
            await recalls.recall_late_copies(tx, results)

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
        The copies of finished recalls started before that time go too.
        """
        # each a range of the outbox's (state, expires_at) index; rows without a lifetime
        # (queued before outbox rows had one) stay
        closed = f"state IN ({listed(*CLOSED_STATES)}) AND expires_at < ?"
        deleted = 0
        async with self._db.transaction() as tx:
            for kind, table, read in zip(OUTBOX_KINDS, OUTBOX, _OUTBOX_READ, strict=True):
                rows = await tx.fetch(f"DELETE FROM {table} WHERE {closed} AND NOT ({read}) "
                                      "RETURNING state", (before,))
                await tally_outbox(tx, kind, rows)
                deleted += len(rows)
            await recalls.forget_recall_copies(tx, before)
        return deleted

    async def oldest_waiting(self, now: float) -> Waiting | None:
        """The outbox row still to send that became due first; None when nothing waits.

        A row past its lifetime at `now` does not wait: it will expire, not be sent.
        """
        waiting = f"WHERE state IN ({listed(*OPEN_STATES)}) AND due_at IS NOT NULL AND " \
                  "(expires_at IS NULL OR expires_at > ?) ORDER BY due_at LIMIT 1"
        found = []
        for kind, table in ((Kind.PUSH, "deliveries"), (Kind.REMINDER, "reminder_deliveries")):
            row = await self._db.fetchone(f"SELECT due_at, edition, day FROM {table} {waiting}",
                                          (now,))
            if row:
                found.append(Waiting(row[0], f"{kind}:{row[1]}:{row[2]}"))
        row = await self._db.fetchone("SELECT due_at, announcement_id FROM "
                                      f"announcement_deliveries {waiting}", (now,))
        if row:
            found.append(Waiting(row[0], f"{Kind.ANNOUNCEMENT}:{row[1]}"))
        return min(found) if found else None
