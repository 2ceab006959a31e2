"""The bot's database: every part of the store together, and what concerns the whole of it.

Each part owns the SQL of one aggregate (`chats`, `schedule`, `outbox`, `announcements`,
`people`, `campaigns`, `instances`, `stats`), with methods named after what the domain means
("subscribe", "claim", "finish"); the deletion outbox (`deletions`), whose verbs are the
outbox's too, is reached as `Store.deletions`. Each domain write is one transaction, and no
other module writes domain SQL. The SQL is written once for SQLite and PostgreSQL:
`tgbot.storage.backends` runs it on either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tgbot.domain.outbox import CLOSED_STATES, Kind, State
from tgbot.storage import deletions, migrations, pseudonyms
from tgbot.storage.announcement_corrections import AnnouncementCorrections
from tgbot.storage.announcements import Announcements
from tgbot.storage.backends import (
    DatabaseError,
    SenderLock,
    describe,
    is_database_failure,
    open_database,
    redact_url,
)
from tgbot.storage.campaigns import Campaigns
from tgbot.storage.chats import Chats
from tgbot.storage.corrections import Corrections
from tgbot.storage.deletions import Deletions
from tgbot.storage.instances import Instances
from tgbot.storage.outbox import OUTBOX, Outbox, tally_outbox
from tgbot.storage.people import People
from tgbot.storage.pseudonyms import Pseudonyms
from tgbot.storage.recalls import Recalls
from tgbot.storage.schedule import Schedule
from tgbot.storage.sql import listed
from tgbot.storage.stats import Statistics

# Every table, parents first, with the columns that order its rows (for `copy_to`).
TABLES = {"meta": "key", "chats": "chat_id", "completions": "person, edition, action_id",
          "start_sources": "source", "media": "key",
          "group_presses": "chat_id, edition, day, person", "announcements": "id",
          "deliveries": "chat_id, edition, day",
          "announcement_deliveries": "announcement_id, chat_id", "reminders": "chat_id",
          "reminder_deliveries": "chat_id, edition, day",
          "not_safe": "person, edition, action_id",
          "outcome_tally": "edition, action_id, noted_on, language, outcome",
          "deletions": "chat_id, message_id", "corrections": "id",
          "correction_edits": "correction_id, chat_id", "recalls": "id",
          "recall_copies": "recall_id, chat_id", "pending_approvals": "what, id",
          "outbox_tally": "kind, state"}
# The tables not copied: `id_key` (the target records its own key, which must be the same),
# `instances` and `handled_updates` (they belong to the processes running on the database they
# are in), the campaign's (published again by the next start), and the migrations' record.
NOT_COPIED = ("id_key", "instances", "handled_updates", "published_campaign",
              "campaign_versions", "_migrations")
# Ids the database generates, which must continue after copied ones (table, column).
SERIAL_IDS = (("announcements", "id"), ("corrections", "id"), ("recalls", "id"))


class Store(Chats, Schedule, Outbox, Announcements, Corrections, AnnouncementCorrections,
            Recalls, People, Campaigns, Instances, Statistics):
    """The bot's database. Open with `await Store.open(path or URL)`; close with `close()`.

    Methods take Telegram user ids; completions and group presses are stored under the
    person's pseudonym (`tgbot.storage.pseudonyms`).
    """

    @classmethod
    async def open(cls, target: str | Path, people: Pseudonyms | None = None) -> Store:
        """Open a SQLite file or PostgreSQL URL and apply the migrations it lacks.

        `people` defaults to the key TGBOT_ID_KEY (or TGBOT_ID_KEY_FILE, or a SQLite
        database's key file) gives; DatabaseError if the database was written with another.
        """
        db = await open_database(str(target))
        try:
            store = cls(db, people or pseudonyms.load(str(target)))
            if await store.migrate():
                await store._db.erase_deleted()  # rows a migration rewrote: off the disk too
            await store._check_key()
        except BaseException as error:
            await db.close()
            if isinstance(error, Exception) and is_database_failure(error):
                # the server failing while the migrations or the key check ran: one line
                raise DatabaseError(f"cannot open the database {redact_url(str(target))}: "
                                    f"{describe(error)}") from None
            raise
        return store

    @property
    def dialect(self) -> str:
        """The SQL dialect, "sqlite" or "postgresql" (their migrations' SQL differs)."""
        return self._db.dialect

    async def close(self) -> None:
        """Close the database's connections."""
        await self._db.close()

    @property
    def deletions(self) -> Deletions:
        """The deletion outbox: messages the bot sent and may still delete."""
        return Deletions(self._db)

    def sender_lock(self) -> SenderLock:
        """The lock the one sending process holds (see `backends.SenderLock`)."""
        return self._db.sender_lock()

    async def ping(self) -> None:
        """A round trip to the database; raises when it cannot be reached."""
        await self._db.fetch("SELECT 1")

    @property
    def write_problem(self) -> str | None:
        """Why writes fail (one line), or None when the last write transaction committed.

        A full disk breaks writes while reads, and so `ping`, go on.
        """
        return self._db.writes.problem

    # --- schema -----------------------------------------------------------------------------

    async def migrate(self) -> list[str]:
        """Apply the migrations this database has not had yet; return their names."""
        return await migrations.apply(self._db, self._people)

    async def _check_key(self) -> None:
        """Refuse a key other than the one the database's pseudonyms were made with.

        With another key nobody's past actions would be found, and each person would count
        twice.
        """
        row = await self._db.fetchone("SELECT fingerprint FROM id_key")
        if not row or row[0] != self._people.fingerprint:
            raise DatabaseError(f"{pseudonyms.VARIABLE} is not the key this database was "
                                f"written with: set the one it was made with (for SQLite, "
                                f"the file <database>{pseudonyms.KEY_FILE_SUFFIX} beside it)")

    async def applied_migrations(self) -> list[str]:
        """The names of the migrations this database has had, in order."""
        return await migrations.applied(self._db)

    # --- one person, across the tables (/mydata, /forget) -----------------------------------

    async def user_data(self, user_id: int) -> dict[str, object]:
        """Everything stored about one person: exactly what /forget deletes.

        Their private chat's row (with the partner whose link they came through), their
        completions (each with whether it was the safer way), the days they found not safe,
        their "I did it" presses in groups, how many daily messages and announcements the
        outbox holds for them, and how many of the bot's messages to them the deletion outbox
        keeps (for 48 hours).
        """
        person = self._people.person(user_id)
        completions = await self._db.fetch("SELECT edition, action_id, completed_on, safer "
                                           "FROM completions WHERE person = ? "
                                           "ORDER BY edition, completed_on", (person,))
        not_safe = await self._db.fetch("SELECT edition, action_id, noted_on FROM not_safe "
                                        "WHERE person = ? ORDER BY edition, noted_on", (person,))
        group_presses = await self._db.fetch("SELECT edition, day, chat_id FROM group_presses "
                                             "WHERE person = ? ORDER BY edition, day, chat_id",
                                             (person,))
        deliveries = await self._db.fetchone("SELECT COUNT(*) FROM deliveries WHERE chat_id = ?",
                                             (user_id,))
        announcements = await self._db.fetchone("SELECT COUNT(*) FROM announcement_deliveries "
                                                "WHERE chat_id = ?", (user_id,))
        kept = await self._db.fetchone("SELECT COUNT(*) FROM deletions WHERE chat_id = ?",
                                       (user_id,))
        return {"chat": await self.chat(user_id), "completions": completions,
                "not_safe": not_safe, "group_presses": group_presses,
                "deliveries": deliveries[0] if deliveries else 0,
                "announcements": announcements[0] if announcements else 0,
                "kept_messages": kept[0] if kept else 0,
                "reminder": await self.reminder(user_id),
                "partner": await self.partner(user_id)}

    async def forget_user(self, user_id: int, now: float) -> int:
        """Delete every row about one person, in one transaction, then off the disk.

        (As far as the database can: see `Database.erase_deleted`.) The messages the bot
        sent them that it keeps in the deletion outbox become due `now`; those rows go once
        deleted. Returns how many messages the outbox says were sent to them that are kept
        no longer (older than 48 hours: Telegram would refuse to delete them).
        """
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            older = sum([(await tx.fetch(
                f"SELECT COUNT(*) FROM {table} WHERE chat_id = ? AND state = '{State.SENT}' "
                "AND message_id IS NOT NULL AND message_id NOT IN (SELECT message_id FROM "
                "deletions WHERE chat_id = ?)", (user_id, user_id)))[0][0] for table in OUTBOX])
            await deletions.delete_chat_now(tx, user_id, now)
            await tx.execute("DELETE FROM completions WHERE person = ?", (person,))
            await tx.execute("DELETE FROM not_safe WHERE person = ?", (person,))
            await tx.execute("DELETE FROM group_presses WHERE person = ?", (person,))
            await tx.execute("DELETE FROM deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM announcement_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminder_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminders WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM recall_copies WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (user_id,))
        await self._db.erase_deleted()
        return older

    # --- TGBOT_RETENTION_DAYS: the per-person rows of past editions -------------------------

    async def retire(self, through_edition: int) -> int:
        """Delete every per-person row of editions up to `through_edition`; return how many.

        Completions and answers (counted on in `outcome_tally`, so /stats and `tgbot export`
        keep their figures), group presses, and the push's and reminders' closed outbox rows
        (counted on in `outbox_tally`). One transaction; then off the disk.
        """
        answers = (
            "SELECT edition, action_id, completed_on, COALESCE(language, ''), CASE WHEN "
            "safer = 1 THEN 'safer' ELSE 'done' END, COUNT(*) FROM completions WHERE "
            "edition <= ? GROUP BY 1, 2, 3, 4, 5 UNION ALL SELECT edition, action_id, "
            "noted_on, COALESCE(language, ''), 'not_safe', COUNT(*) FROM not_safe "
            "WHERE edition <= ? GROUP BY 1, 2, 3, 4")
        closed = f"state IN ({listed(*CLOSED_STATES)})"
        deleted = 0
        async with self._db.transaction() as tx:
            for row in await tx.fetch(answers, (through_edition, through_edition)):
                await tx.execute("INSERT INTO outcome_tally VALUES (?, ?, ?, ?, ?, ?) "
                                 "ON CONFLICT (edition, action_id, noted_on, language, outcome) "
                                 "DO UPDATE SET people = outcome_tally.people + excluded.people",
                                 tuple(row))
            for table in ("completions", "not_safe", "group_presses"):
                deleted += await tx.execute(f"DELETE FROM {table} WHERE edition <= ?",
                                            (through_edition,))
            for kind, table in ((Kind.PUSH, "deliveries"),
                                (Kind.REMINDER, "reminder_deliveries")):
                rows = await tx.fetch(f"DELETE FROM {table} WHERE edition <= ? AND {closed} "
                                      "RETURNING state", (through_edition,))
                await tally_outbox(tx, kind, rows)
                deleted += len(rows)
        if deleted:
            await self._db.erase_deleted()
        return deleted

    # --- whole-database operations ----------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """A consistent copy of the live SQLite file; ValueError on PostgreSQL (pg_dump)."""
        await self._db.backup(str(target))

    async def row_counts(self) -> dict[str, int]:
        """Rows per copied table, to compare a copy with its source."""
        return {table: (await self._db.fetch(f"SELECT COUNT(*) FROM {table}"))[0][0]
                for table in TABLES}

    async def copy_to(self, target: Store, report: Callable[[int], None]) -> None:
        """Copy every row into an empty database of either kind.

        `report(rows)` hears the progress. The caller compares `row_counts()` of both at the
        end.
        """
        if self._people.fingerprint != target._people.fingerprint:
            raise DatabaseError(f"the target's {pseudonyms.VARIABLE} differs from the "
                                "source's: set the source's key for both (for SQLite, "
                                f"{pseudonyms.VARIABLE}_FILE=<database>"
                                f"{pseudonyms.KEY_FILE_SUFFIX})")
        copied = 0
        for table, order in TABLES.items():
            columns = await target._db.columns(table)
            async for rows in self._db.read_table(table, columns, order):
                await target._db.insert_rows(table, columns, rows)
                copied += len(rows)
                report(copied)
        await target._db.after_bulk_load(SERIAL_IDS)  # new announcements follow copied ids
