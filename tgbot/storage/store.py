"""The bot's database: every part of the store together, and what concerns the whole of it.

Each part owns the SQL of one aggregate (`chats`, `schedule`, `outbox`, `announcements`,
`people`, `campaigns`, `instances`, `stats`), with methods named after what the domain means
("subscribe", "claim", "finish"); each domain write is one transaction, and no other module
writes domain SQL. The SQL is written once for SQLite and PostgreSQL:
`tgbot.storage.backends` runs it on either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tgbot.storage import migrations, pseudonyms
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
from tgbot.storage.instances import Instances
from tgbot.storage.outbox import Outbox
from tgbot.storage.people import People
from tgbot.storage.pseudonyms import Pseudonyms
from tgbot.storage.schedule import Schedule
from tgbot.storage.stats import Statistics

# Every table, parents first, with the columns that order its rows (for `copy_to`).
TABLES = {"meta": "key", "chats": "chat_id", "completions": "person, edition, action_id",
          "start_sources": "source", "media": "key",
          "group_presses": "chat_id, edition, day, person", "announcements": "id",
          "deliveries": "chat_id, edition, day",
          "announcement_deliveries": "announcement_id, chat_id", "reminders": "chat_id",
          "reminder_deliveries": "chat_id, edition, day", "corrections": "id",
          "correction_edits": "correction_id, chat_id"}
# (`id_key` is not copied: the target records its own key, which must be the same;
# `instances` and `handled_updates` are not copied: they belong to the processes running on
# the database they are in; the campaign tables are published again by the next start.)
# Ids the database generates, which must continue after copied ones (table, column).
SERIAL_IDS = (("announcements", "id"), ("corrections", "id"))


class Store(Chats, Schedule, Outbox, Announcements, Corrections, People, Campaigns, Instances,
            Statistics):
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

        Their private chat's row, their completions, their "I did it" presses in groups, and
        how many daily messages and announcements the outbox holds for them.
        """
        person = self._people.person(user_id)
        completions = await self._db.fetch("SELECT edition, action_id, completed_on FROM "
                                           "completions WHERE person = ? "
                                           "ORDER BY edition, completed_on", (person,))
        group_presses = await self._db.fetch("SELECT edition, day, chat_id FROM group_presses "
                                             "WHERE person = ? ORDER BY edition, day, chat_id",
                                             (person,))
        deliveries = await self._db.fetchone("SELECT COUNT(*) FROM deliveries WHERE chat_id = ?",
                                             (user_id,))
        announcements = await self._db.fetchone("SELECT COUNT(*) FROM announcement_deliveries "
                                                "WHERE chat_id = ?", (user_id,))
        return {"chat": await self.chat(user_id), "completions": completions,
                "group_presses": group_presses,
                "deliveries": deliveries[0] if deliveries else 0,
                "announcements": announcements[0] if announcements else 0,
                "reminder": await self.reminder(user_id)}

    async def forget_user(self, user_id: int) -> None:
        """Delete every row about one person, in one transaction, then off the disk.

        (As far as the database can: see `Database.erase_deleted`.)
        """
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM completions WHERE person = ?", (person,))
            await tx.execute("DELETE FROM group_presses WHERE person = ?", (person,))
            await tx.execute("DELETE FROM deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM announcement_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminder_deliveries WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM reminders WHERE chat_id = ?", (user_id,))
            await tx.execute("DELETE FROM chats WHERE chat_id = ?", (user_id,))
        await self._db.erase_deleted()

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
