"""Recalls of a day or an announcement (`tgbot.domain.recall`), and the copies they take back.

`recalls` holds each recall; `recall_copies` the copies it takes back, with what became of
each.

A day's copies are its action's and its evening reminders' (which carry the action's title
and buttons); an announcement's are its own.

Starting a recall is one transaction: the target's rows not sent yet close as withdrawn, each
delivered copy gets a row in `recall_copies`, and each copy Telegram may still delete goes
into the deletion outbox, due now (a copy kept there already, a discreet chat's, is due now
instead of later: it is never queued twice). The deletion outbox's `close` records each
copy's outcome in `recall_copies`, in the same transaction. A copy sent after the recall (it
was in flight) is recalled as its row closes (`recall_late_copies`), and a day's rows queued
later close as withdrawn at once (`NEW_DAY_ROW`).

A copy sent before send times were kept (no `sent_at`) is asked for, and Telegram's answer
says whether it was too old.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from tgbot.domain.announcement import Phase as AnnouncementPhase
from tgbot.domain.approval import Approved, Subject
from tgbot.domain.deletions import DELETE_WINDOW, DeletionState
from tgbot.domain.outbox import Closed, Kind, State
from tgbot.domain.recall import Phase, Preview, Report, Target
from tgbot.storage.approvals import Approvals
from tgbot.storage.backends import Transaction
from tgbot.storage.sql import TIME, Part, listed

# as SQL literals
_PENDING, _DELETING = listed(DeletionState.PENDING), listed(DeletionState.DELETING)
# recalls that are under way, as a condition on `recalls`
_UNDER_WAY = f"phase = '{Phase.RECALLED}'"
# The rows a recall withdraws. A row in flight (`sending`) too: the sender that claimed it
# closes it as it would (a copy sent is recalled then, `recall_late_copies`), and one that
# died leaves it withdrawn instead of pending again.
_NOT_SENT = listed(State.PENDING, State.SCHEDULED, State.SENDING)


# The state of a new outbox row of a day's action or its reminder (the edition and the day as
# parameters): pending, or withdrawn at once if the day was recalled.
NEW_DAY_ROW = (f"CASE WHEN EXISTS (SELECT 1 FROM recalls WHERE edition = ? AND day = ? AND "
               f"{_UNDER_WAY}) THEN '{State.WITHDRAWN}' ELSE '{State.PENDING}' END")


def _outboxes_of(target: Target
                 ) -> tuple[tuple[tuple[Kind, str], ...], str, tuple[int, ...]]:
    """The outbox tables of a target's copies (alias `d`) with their rows' kind, and a condition.

    The condition finds the target's rows in each table, and its recall in `recalls`.
    """
    if target.announcement_id is not None:
        return (((Kind.ANNOUNCEMENT, "announcement_deliveries"),), "d.announcement_id = ?",
                (target.announcement_id,))
    if target.edition is None or target.day is None:
        raise ValueError("a recall's target is a day of an edition, or an announcement")
    return (((Kind.PUSH, "deliveries"), (Kind.REMINDER, "reminder_deliveries")),
            "d.edition = ? AND d.day = ?", (target.edition, target.day))


async def _collect(tx: Transaction, recall_id: int, target: Target, now: float,
                   chat_id: int | None = None) -> None:
    """In `tx`: the target's delivered copies (of one chat, if given) join the recall.

    Each is recorded in `recall_copies`; those Telegram may still delete are due in the
    deletion outbox at `now`, and their outbox row forgets the message (a correction no
    longer edits it). A copy too old to delete stays in its chat and keeps its message id.
    """
    tables, where, params = _outboxes_of(target)
    if chat_id is not None:
        where, params = f"{where} AND d.chat_id = ?", (*params, chat_id)
    for _, table in tables:
        await _collect_from(tx, recall_id, table, where, params, now)


async def _collect_from(tx: Transaction, recall_id: int, table: str, where: str,
                        params: tuple[int, ...], now: float) -> None:
    """`_collect` for one outbox table."""
    await tx.execute(
        "INSERT INTO recall_copies (recall_id, chat_id, message_id, language, state) "
        "SELECT CAST(? AS BIGINT), d.chat_id, d.message_id, COALESCE(c.language, ''), CASE "
        f"WHEN x.state IN ({_PENDING}, {_DELETING}) THEN {_PENDING} "
        "WHEN x.state IS NOT NULL THEN x.state "
        f"WHEN d.sent_at <= {TIME} THEN '{DeletionState.TOO_OLD}' ELSE {_PENDING} END "
        f"FROM {table} d LEFT JOIN chats c ON c.chat_id = d.chat_id LEFT JOIN deletions x "
        "ON x.chat_id = d.chat_id AND x.message_id = d.message_id "
        f"WHERE {where} AND d.state = '{State.SENT}' AND d.message_id IS NOT NULL "
        "ON CONFLICT DO NOTHING", (recall_id, now - DELETE_WINDOW, *params))
    mine = (f"SELECT chat_id, message_id FROM recall_copies WHERE recall_id = ? AND "
            f"state = {_PENDING}")
    await tx.execute(f"UPDATE deletions SET delete_at = {TIME} WHERE state = {_PENDING} AND "
                     f"(delete_at IS NULL OR delete_at > {TIME}) AND (chat_id, message_id) "
                     f"IN ({mine})", (now, now, recall_id))
    await tx.execute(
        "INSERT INTO deletions (chat_id, message_id, sent_at, delete_at, state) "
        f"SELECT d.chat_id, d.message_id, COALESCE(d.sent_at, {TIME}), {TIME}, {_PENDING} "
        f"FROM {table} d WHERE {where} AND (d.chat_id, d.message_id) IN ({mine}) "
        "ON CONFLICT DO NOTHING", (now, now, *params, recall_id))
    await tx.execute(
        f"UPDATE {table} AS d SET message_id = NULL WHERE {where} AND "
        f"d.state = '{State.SENT}' AND (d.chat_id, d.message_id) IN (SELECT chat_id, "
        "message_id FROM recall_copies WHERE recall_id = ? AND state <> "
        f"'{DeletionState.TOO_OLD}')",
        (*params, recall_id))


async def recall_late_copies(tx: Transaction, results: Iterable[Closed]) -> None:
    """In `tx` (closing outbox rows): copies just sent of a recalled target are recalled too.

    A row a sender had claimed when the recall started is sent after it; its copy is deleted
    like the others, and the recall is reported again, even if it was shown finished.
    """
    sent = [closed for closed in results
            if closed.state == State.SENT and closed.message_id is not None
            and closed.sent_at is not None]
    if not sent:
        return
    recalled = {Target(*row[1:]): row[0] for row in await tx.fetch(
        f"SELECT id, edition, day, announcement_id FROM recalls WHERE {_UNDER_WAY}")}
    for closed in sent:
        delivery = closed.delivery
        target = Target.of_announcement(delivery.announcement_id) \
            if delivery.announcement_id else Target.of_day(delivery.edition, delivery.day)
        if (recall_id := recalled.get(target)) is not None and closed.sent_at is not None:
            await _collect(tx, recall_id, target, closed.sent_at, delivery.chat_id)
            await tx.execute("UPDATE recalls SET finished = 0 WHERE id = ?", (recall_id,))


async def recall_outcomes(tx: Transaction, chat_id: int,
                          results: dict[int, DeletionState]) -> None:
    """In `tx` (closing rows of the deletion outbox): what became of recalled copies."""
    for message_id, outcome in results.items():
        if outcome not in (DeletionState.PENDING, DeletionState.DELETING):
            await tx.execute(f"UPDATE recall_copies SET state = ? WHERE state = {_PENDING} AND "
                             "chat_id = ? AND message_id = ?", (outcome, chat_id, message_id))


async def recall_dropped(tx: Transaction, sent_before: float) -> None:
    """In `tx` (dropping 48-hour-old rows of the deletion outbox): their copies are too old."""
    await tx.execute(
        f"UPDATE recall_copies SET state = '{DeletionState.TOO_OLD}' WHERE state = {_PENDING} AND "
        "(chat_id, message_id) IN (SELECT chat_id, message_id FROM deletions WHERE "
        f"sent_at < {TIME} AND state IN ({_PENDING}, {_DELETING}))", (sent_before,))


async def forget_recall_copies(tx: Transaction, before: float) -> None:
    """In `tx`: which chats the copies of recalls finished and started before a time were in."""
    await tx.execute("DELETE FROM recall_copies WHERE recall_id IN (SELECT id FROM recalls "
                     f"WHERE finished = 1 AND created_at < {TIME})", (before,))


class Recalls(Approvals, Part):
    """`recalls` and `recall_copies`, beside the outboxes and the deletion outbox."""

    async def recall_preview(self, target: Target, now: float) -> Preview:
        """What recalling `target` at `now` would do; `already` if it was (or waits)."""
        tables, where, params = _outboxes_of(target)
        deletable, too_old = Counter[str](), Counter[str]()
        not_sent = 0
        for _, table in tables:
            copies = await self._db.fetch(
                f"SELECT COALESCE(c.language, ''), COALESCE(x.sent_at, d.sent_at) <= {TIME}, "
                "COUNT(*) "
                f"FROM {table} d LEFT JOIN chats c ON c.chat_id = d.chat_id LEFT JOIN "
                "deletions x ON x.chat_id = d.chat_id AND x.message_id = d.message_id "
                f"WHERE {where} AND d.state = '{State.SENT}' AND d.message_id IS NOT NULL AND "
                f"(x.state IS NULL OR x.state IN ({_PENDING}, {_DELETING})) GROUP BY 1, 2",
                (now - DELETE_WINDOW, *params))
            for language, old, count in copies:
                (too_old if old else deletable)[language] += count
            row = await self._db.fetchone(
                f"SELECT COUNT(*) FROM {table} d WHERE {where} AND d.state IN ({_NOT_SENT})",
                params)
            not_sent += int(row[0]) if row else 0
        already = await self._db.fetchone(f"SELECT id, phase FROM recalls d WHERE {where}",
                                          params)
        return Preview(deletable, too_old, not_sent, already is not None,
                       already[0] if already and already[1] == Phase.WAITING else None)

    async def queue_recall(self, target: Target, now: float,
                           status: tuple[int, int, str] | None = None
                           ) -> tuple[int, Counter[Kind]] | None:
        """Recall `target` now, in one transaction; None if it was recalled already.

        Returns the recall's id and how many rows not sent yet were withdrawn, of each kind.
        `status` (chat id, message id, language) is the organiser's message that shows the
        outcome.
        """
        async with self._db.transaction() as tx:
            recall_id = await self._create_recall(tx, target, now, status, Phase.RECALLED)
            if recall_id is None:
                return None
            return recall_id, await self._start_recall(tx, recall_id, target, now)

    async def request_recall(self, target: Target, author: int, now: float,
                             status: tuple[int, int, str] | None = None
                             ) -> tuple[int, bool] | None:
        """A recall that waits for a second organiser's approval (four eyes); nothing moves.

        `author` is the organiser who asked (`OPERATOR` for the CLI). Returns its id and
        True, or the id of the one that waited already and False; None if `target` was
        recalled already.
        """
        async with self._db.transaction() as tx:
            recall_id = await self._create_recall(tx, target, now, status, Phase.WAITING)
            if recall_id is not None:
                await self.request(tx, Subject.RECALL, recall_id, author, now, status)
                return recall_id, True
            _, where, params = _outboxes_of(target)
            rows = await tx.fetch(f"SELECT id FROM recalls d WHERE {where} AND "
                                  f"phase = '{Phase.WAITING}'", params)
            return (int(rows[0][0]), False) if rows else None

    async def approve_recall(self, recall_id: int, by: int, now: float) -> Approved:
        """An organiser's "Approve": the approval and the recall's start, in one transaction.

        The author's own approval is refused. `queued` counts the recall's copies,
        `withdrawn` its rows closed unsent, of each kind.
        """
        async with self._db.transaction() as tx:
            verdict, pending = await self.settle(tx, Subject.RECALL, recall_id, by)
            rows = await tx.fetch("SELECT edition, day, announcement_id FROM recalls WHERE "
                                  f"id = ? AND phase = '{Phase.WAITING}'", (recall_id,))
            if pending is None or not rows:
                return Approved(verdict, None, 0)
            withdrawn = await self._start_recall(tx, recall_id, Target(*rows[0]), now)
            copies = await tx.fetch("SELECT COUNT(*) FROM recall_copies WHERE recall_id = ?",
                                    (recall_id,))
            return Approved(verdict, pending, int(copies[0][0]), withdrawn)

    async def cancel_recall(self, recall_id: int) -> bool:
        """No longer wait for a recall's approval (it may be asked again); False if not waiting."""
        async with self._db.transaction() as tx:
            await self.cancel_approval(tx, Subject.RECALL, recall_id)
            return await tx.execute(f"DELETE FROM recalls WHERE id = ? AND phase = "
                                    f"'{Phase.WAITING}'", (recall_id,)) > 0

    async def waiting_recall(self, recall_id: int) -> Target | None:
        """What a recall waiting for approval would take back; None if it does not wait."""
        row = await self._db.fetchone("SELECT edition, day, announcement_id FROM recalls WHERE "
                                      f"id = ? AND phase = '{Phase.WAITING}'", (recall_id,))
        return Target(*row) if row else None

    @staticmethod
    async def _create_recall(tx: Transaction, target: Target, now: float,
                             status: tuple[int, int, str] | None, phase: Phase) -> int | None:
        """In `tx`: a recall of `target`; its id, or None if one exists (waiting or under way)."""
        chat_id, message_id, language = status or (None, None, None)
        rows = await tx.fetch(
            "INSERT INTO recalls (edition, day, announcement_id, phase, created_at, "
            f"status_chat_id, status_message_id, status_language) VALUES (?, ?, ?, ?, {TIME}, "
            "?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
            (target.edition, target.day, target.announcement_id, phase, now, chat_id,
             message_id, language))
        return int(rows[0][0]) if rows else None

    async def _start_recall(self, tx: Transaction, recall_id: int, target: Target,
                            now: float) -> Counter[Kind]:
        """In `tx`: withdraw the target's rows not sent yet, recall its copies.

        Returns the rows withdrawn, of each kind.
        """
        tables, where, params = _outboxes_of(target)
        withdrawn = Counter[Kind]()
        for kind, table in tables:
            if rows := await tx.execute(
                    f"UPDATE {table} AS d SET state = '{State.WITHDRAWN}' WHERE {where} AND "
                    f"d.state IN ({_NOT_SENT})", params):
                withdrawn[kind] = rows
        if target.announcement_id is not None:  # never sent again, nor corrected
            await tx.execute(f"UPDATE announcements SET state = '{AnnouncementPhase.RECALLED}' "
                             "WHERE id = ?", (target.announcement_id,))
        await tx.execute(f"UPDATE recalls SET phase = '{Phase.RECALLED}', withdrawn = ? "
                         "WHERE id = ?", (withdrawn.total(), recall_id))
        await _collect(tx, recall_id, target, now)
        return withdrawn

    async def announcement_shown_in(self, chat_id: int, message_id: int) -> int | None:
        """The announcement whose progress an organiser's message shows; None if none."""
        row = await self._db.fetchone(
            "SELECT id FROM announcements WHERE status_chat_id = ? AND status_message_id = ? "
            f"AND state <> '{AnnouncementPhase.DRAFT}'", (chat_id, message_id))
        return int(row[0]) if row else None

    async def recall_reports(self) -> list[tuple[Report, int]]:
        """Each recall under way not reported finished, with its rows withdrawn."""
        rows = await self._db.fetch(
            "SELECT r.id, r.status_chat_id, r.status_message_id, r.status_language, "
            "r.withdrawn, c.language, c.state, COUNT(c.chat_id) FROM recalls r LEFT JOIN "
            f"recall_copies c ON c.recall_id = r.id WHERE r.{_UNDER_WAY} AND r.finished = 0 "
            "GROUP BY 1, 2, 3, 4, 5, 6, 7 ORDER BY 1")
        reports: dict[int, tuple[Report, int]] = {}
        copies: dict[int, dict[str, Counter[str]]] = defaultdict(dict)
        for recall_id, chat_id, message_id, language, withdrawn, copy_language, state, count \
                in rows:
            reports.setdefault(recall_id, (Report(recall_id, chat_id, message_id, language,
                                                  copies[recall_id]), withdrawn))
            if state is not None:
                copies[recall_id].setdefault(copy_language, Counter())[state] += count
        return list(reports.values())

    async def finish_recall(self, recall_id: int) -> None:
        """The recall's outcome was shown finished: it is no longer reported."""
        async with self._db.transaction() as tx:
            await tx.execute("UPDATE recalls SET finished = 1 WHERE id = ?", (recall_id,))
