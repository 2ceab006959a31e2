"""The two databases the store runs on, behind one small interface.

SQLite (a file path: the embedded default) and PostgreSQL (a `postgresql://` URL: several
instances on one database). `tgbot.storage.store` writes every domain query once, with `?`
placeholders and syntax both accept; this module runs it and keeps what cannot be shared:
connecting, placeholders, row counts, committed-only reads, the sender lock, the lock that
keeps migrations apart, claims that skip locked rows, bulk copying and backups.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import re
import sqlite3
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import aiosqlite

from tgbot.errors import DatabaseError

BUSY_TIMEOUT_MS = 30_000
WAL_TRIES = 100  # a tenth of a second apart
# write failures in a row after which SQLite's write connection is opened anew
REOPEN_AFTER = 3
# The PostgreSQL advisory lock key of the sender ("tgbot" in ASCII); one campaign per database.
SENDER_LOCK_KEY = 0x7467626F74
# The PostgreSQL transaction-level advisory lock key that keeps two runners of migrations apart.
MIGRATION_LOCK_KEY = 7467626
COPY_CHUNK = 5_000

Row = tuple[Any, ...]
log = logging.getLogger(__name__)


def is_postgres_url(target: str) -> bool:
    """Whether a TGBOT_DB value names a PostgreSQL server rather than a SQLite file."""
    return target.startswith(("postgresql://", "postgres://"))


def redact_url(target: str) -> str:
    """A database URL fit for logs and messages: every password in it replaced by ***."""
    for start, end in reversed(_password_spans(target)):
        target = f"{target[:start]}***{target[end:]}"
    return target


def url_passwords(target: str) -> list[str]:
    """The passwords a database URL holds, for the log filter to hide wherever they appear."""
    return [target[start:end] for start, end in _password_spans(target) if end > start]


_QUERY_PASSWORD = re.compile(r"(?i)(?:^|&)(?:ssl)?password=([^&]*)")


def _password_spans(target: str) -> list[tuple[int, int]]:
    """Where the passwords are in a database URL, in order.

    The password after the user (also with an empty user, or with an unencoded "/" in it),
    and `password` or `sslpassword` in the query, which libpq and asyncpg read as well.
    """
    scheme_end = target.find("://")
    if scheme_end < 0:
        return []  # a file path
    start = scheme_end + 3
    query_at = target.find("?", start)
    address_end = len(target) if query_at < 0 else query_at
    spans = []
    at = target.rfind("@", start, address_end)
    colon = target.find(":", start, at) if at >= 0 else -1
    if colon >= 0:
        spans.append((colon + 1, at))
    if query_at >= 0:
        offset = query_at + 1
        spans += [(offset + m.start(1), offset + m.end(1))
                  for m in _QUERY_PASSWORD.finditer(target[offset:])]
    return spans


def describe(error: BaseException) -> str:
    """A database failure in a few words fit for logs: its kind, never the values involved.

    SQLite's own error name (SQLITE_FULL, SQLITE_IOERR_WRITE...) says what went wrong;
    messages from a server may quote the values of a row, so they are left out.
    """
    code = getattr(error, "sqlite_errorname", None)
    return f"{type(error).__name__} ({code})" if code else type(error).__name__


def is_database_failure(error: BaseException | None) -> bool:
    """Whether an error is the database failing (gone, full, broken), not a bug of ours.

    Such a failure is logged once by the database's `WriteHealth` when it starts and once
    when it ends, so whoever meets it again at every beat need not log it (no traceback
    flood during an outage). A group of errors (a TaskGroup's) counts if all of them do.

    The drivers' own failures count wherever they are met. An OSError or a TimeoutError
    (a connection refused, reset or too slow) counts only if it was raised inside this
    package, on the way to the database: the same errors from a call to Telegram or from a
    file are not the database's, and are logged where they are met.
    """
    if isinstance(error, BaseExceptionGroup):
        return all(is_database_failure(inner) for inner in error.exceptions)
    failures: tuple[type[BaseException], ...] = (sqlite3.OperationalError,)
    with contextlib.suppress(ImportError):
        import asyncpg

        failures += (asyncpg.InterfaceError, asyncpg.PostgresConnectionError,
                     asyncpg.InsufficientResourcesError, asyncpg.OperatorInterventionError,
                     asyncpg.PostgresSystemError)
    return isinstance(error, failures) or (
        isinstance(error, (OSError, TimeoutError)) and _raised_in_storage(error))


def _raised_in_storage(error: BaseException) -> bool:
    """Whether the error passed through code of `tgbot.storage` on its way up.

    Its traceback runs from where it was caught down to where it was raised: a call into
    the database has a frame of this package in between.
    """
    frame = error.__traceback__
    while frame is not None:
        if frame.tb_frame.f_globals.get("__name__", "").startswith(f"{__package__}."):
            return True
        frame = frame.tb_next
    return False


class WriteHealth:
    """Whether the last write transaction committed, and since when writes fail.

    A disk that is full, or one that fails, breaks writes while reads go on: `/readyz`
    reports it from here, since a read (its ping) cannot see it. The start and the end of a
    run of failures are logged, one line each; every instance writes its heartbeat at each
    beat, so a database that went away is noticed there too.
    """

    def __init__(self) -> None:
        self.failures = 0  # in a row, since the last commit
        self.last_error: str | None = None
        self.failing_since: float | None = None  # time.monotonic() of the first of them

    def failed(self, error: BaseException) -> None:
        """A write transaction did not commit because of `error`."""
        self.failures += 1
        self.last_error = describe(error)
        if self.failing_since is None:
            self.failing_since = time.monotonic()
            log.warning("database writes failing: %s; trying again at every beat",
                        self.last_error)

    def committed(self) -> None:
        """A write transaction committed: writes work (again)."""
        if self.failing_since is not None:
            log.warning("database writes work again, after %.0f s and %d failed writes",
                        time.monotonic() - self.failing_since, self.failures)
        self.failures, self.last_error, self.failing_since = 0, None, None

    @property
    def problem(self) -> str | None:
        """One line on the write failures in a row, or None when the last write committed."""
        if not self.failures or self.failing_since is None:
            return None
        return (f"database writes failing: {self.last_error}, {self.failures} in a row for "
                f"{time.monotonic() - self.failing_since:.0f} s")


class Transaction(Protocol):
    """The statements of one write transaction: its reads see its own writes."""

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Run one statement (a SELECT, or a write with RETURNING); return its rows."""


class SenderLock(ABC):
    """Held by the one process that sends the daily push and announcements.

    Both kinds are released by the operating system or the server the moment their process
    dies, so another instance takes over at its next try, without waiting for a timeout.
    """

    @abstractmethod
    async def acquire(self) -> bool:
        """Try once, without waiting; True while this process holds the lock."""

    @abstractmethod
    async def release(self) -> None:
        """Let go at once, so another process can take over without waiting."""

    @property
    def held(self) -> bool:
        """Still held as far as this process can tell without asking.

        False once the connection that holds it is gone: checked before every claim.
        """
        return True


class Database(ABC):
    """What the store needs from a database; each backend implements what differs."""

    dialect: str
    # appended to the subquery that picks outbox rows to claim: keeps concurrent claims apart
    skip_locked = ""
    writes: WriteHealth

    @abstractmethod
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a read outside any write: they see committed data only."""

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        """The first row of a read (see `fetch`), or None."""
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed at the end of the block, rolled back on error."""

    def schema_transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """A write transaction that no other process's migration runs beside.

        A backend whose write transactions exclude each other already (SQLite's BEGIN
        IMMEDIATE) needs nothing more.
        """
        return self.transaction()

    @abstractmethod
    def sender_lock(self) -> SenderLock:
        """The lock of the one sender on this database (not yet acquired)."""

    @abstractmethod
    async def columns(self, table: str) -> list[str]:
        """A table's column names in order ([] when there is no such table)."""

    @abstractmethod
    def read_table(self, table: str, columns: list[str], order: str
                   ) -> AsyncIterator[list[Row]]:
        """Every row of a table, in chunks."""

    @abstractmethod
    async def insert_rows(self, table: str, columns: list[str], rows: list[Row]) -> None:
        """Bulk-insert rows copied from another database."""

    @abstractmethod
    async def after_bulk_load(self, serial_ids: Sequence[tuple[str, str]]) -> None:
        """Make a database that was just filled by `insert_rows` ready for use.

        `serial_ids` are the (table, column) of generated ids, which must continue after the
        copied ones.
        """

    @abstractmethod
    async def backup(self, target: str) -> None:
        """A consistent copy of the live database in a new SQLite file, or ValueError."""

    @abstractmethod
    async def erase_deleted(self) -> None:
        """Take what was just deleted off the disk, as far as this database can."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection of this database."""


async def open_database(target: str) -> Database:
    """A SQLite file (created if new) or a PostgreSQL URL, opened; DatabaseError if not."""
    try:
        if is_postgres_url(target):
            return await PostgresDatabase.connect(target)
        if target in ("", ":memory:") or target.startswith("file::memory:"):
            # It would lose every subscriber at stop, and reads go through a connection of
            # their own, which would see another, empty database.
            raise DatabaseError(f"the database must be a file or a postgresql:// URL, not "
                                f"{target!r}: an in-memory database is lost when the bot stops")
        return await SQLiteDatabase.connect(target)
    except DatabaseError:
        raise
    except Exception as error:  # noqa: BLE001 - any driver's failure, told in one line
        raise DatabaseError(f"cannot open the database {redact_url(target)}: "
                            f"{type(error).__name__}: {error}") from None


# --- SQLite ---------------------------------------------------------------------------------


class _SQLiteTransaction:
    """The statements of a transaction on the write connection."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        cursor = await self._db.execute(sql, params)
        return cursor.rowcount

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = await self._db.execute(sql, params)
        return [tuple(row) for row in await cursor.fetchall()]


class _FileLock(SenderLock):
    """An exclusive `flock` on a file beside the database."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file releases the lock
            self._fd = None


class SQLiteDatabase(Database):
    """Two aiosqlite connections to a file in WAL mode: one writes, one reads.

    Writes take turns on the write connection (one writer). Reads outside a write go to the
    read connection, so they see the last commit and never another coroutine's transaction
    in progress on the write connection; WAL lets them run beside a write.
    """

    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, reader: aiosqlite.Connection,
                 path: str) -> None:
        self._db = db
        self._reader = reader
        self._path = path
        self._writer = asyncio.Lock()  # one transaction at a time on the write connection
        self.writes = WriteHealth()
        self._failed_here = 0  # write failures in a row on this write connection
        self._unended = False  # a transaction ROLLBACK could not end may be left open

    @classmethod
    async def connect(cls, path: str) -> SQLiteDatabase:
        """Open the file (created if new) in WAL mode, with its write and read connections."""
        private_file(path)
        db = await _writer(path)
        try:
            reader = await _connect(path)
        except BaseException:
            await db.close()
            raise
        await (await reader.execute("PRAGMA query_only = ON")).close()  # writes: a bug
        return cls(db, reader, path)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """On the read connection: it sees the last commit, whatever the writer is doing.

        The statement runs to its end in one call, so it is a read of its own: sharing one
        still open (another coroutine's) would hide the commits made since that one began,
        even this coroutine's own.
        """
        return [tuple(row) for row in await self._reader.execute_fetchall(sql, params)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction on the write connection, begun with BEGIN IMMEDIATE.

        BEGIN IMMEDIATE takes the write lock up front, so a second process (`tgbot push`
        beside `tgbot run`) waits on busy_timeout instead of failing.
        """
        async with self._writer:
            try:
                if self._unended or self._failed_here >= REOPEN_AFTER:
                    await self._reopen_writer()
                await self._db.execute("BEGIN IMMEDIATE")
                changes = self._db.total_changes
                try:
                    yield _SQLiteTransaction(self._db)
                    # inside the try: in WAL mode SQLite writes at COMMIT, so a full disk
                    # or an I/O error shows here, and leaves the transaction open
                    await self._db.execute("COMMIT")
                except BaseException:
                    await self._rollback()
                    raise
            except sqlite3.OperationalError as error:  # full, I/O error, locked too long
                self.writes.failed(error)
                self._failed_here += 1
                raise
            if self._db.total_changes != changes:  # one that wrote nothing proves nothing
                self.writes.committed()
                self._failed_here = 0

    async def _rollback(self) -> None:
        """End the open transaction, whatever state it is in.

        A failed statement may already have ended it, and then ROLLBACK says no transaction
        is active. After a COMMIT that failed on a full disk, SQLite has been seen to say
        the same and then refuse the next BEGIN ("cannot start a transaction within a
        transaction"; `in_transaction` said False too). So whenever ROLLBACK fails, the
        next write starts on a new connection: its error, if any, is the disk's again.
        """
        try:
            await self._db.execute("ROLLBACK")
        except sqlite3.OperationalError:
            self._unended = True

    async def _reopen_writer(self) -> None:
        """A new write connection after write failures in a row, or a failed ROLLBACK.

        A connection whose transaction could not be ended, or whose file handle went bad,
        would fail every write after; a new one starts clean. Closing the old one drops its
        transaction and its write lock.
        """
        with contextlib.suppress(sqlite3.Error):
            await self._db.close()
        self._db = await _writer(self._path)  # if this fails, the next write tries again
        self._failed_here, self._unended = 0, False

    def sender_lock(self) -> SenderLock:
        """A lock file beside the database file."""
        return _FileLock(f"{self._path}.sender")

    async def columns(self, table: str) -> list[str]:
        """The columns `PRAGMA table_info` lists."""
        return [row[1] for row in await self.fetch(f"PRAGMA table_info({table})")]

    async def read_table(self, table: str, columns: list[str], order: str
                         ) -> AsyncIterator[list[Row]]:
        """One read on the read connection: every chunk comes from the same snapshot.

        (Reads beside it on that connection share its snapshot: only `tgbot copy-db` uses it.)
        """
        async with self._reader.execute(f"SELECT {', '.join(columns)} FROM {table} "
                                        f"ORDER BY {order}") as cursor:
            while rows := await cursor.fetchmany(COPY_CHUNK):
                yield [tuple(row) for row in rows]

    async def insert_rows(self, table: str, columns: list[str], rows: list[Row]) -> None:
        """All of them in one transaction (`executemany`)."""
        marks = ", ".join("?" * len(columns))
        async with self.transaction():
            await self._db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def after_bulk_load(self, serial_ids: Sequence[tuple[str, str]]) -> None:
        """Nothing to do: an INTEGER PRIMARY KEY continues after the largest id there is."""

    async def backup(self, target: str) -> None:
        """VACUUM INTO on a connection of its own: a consistent copy of the last commit.

        Neither of the other two can run it: the read connection is read-only, and the write
        connection may be inside a transaction, where SQLite refuses VACUUM.
        """
        private_file(target)  # VACUUM INTO fills an empty file, keeping its mode
        db = await _connect(self._path)
        try:
            await db.execute("VACUUM INTO ?", (target,))
        finally:
            await db.close()

    async def erase_deleted(self) -> None:
        """Empty the write-ahead log into the file and truncate it.

        Deleted rows' old pages stay in the log until a checkpoint, which comes after about
        a thousand pages of later writes, and after a crash stay on disk. secure_delete has
        already zeroed the deleted cells on the new pages. A reader in the middle of a
        snapshot (another process) can keep the log from being emptied: then the next
        checkpoint does it.
        """
        async with self._writer:
            await (await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")).close()

    async def close(self) -> None:
        """Close the read connection, then the write connection."""
        await self._reader.close()
        await self._db.close()


def private_file(path: str | os.PathLike[str]) -> None:
    """Create an empty file only its owner can read, unless it exists.

    For the database (SQLite gives its -wal and -shm files the same mode), backups and
    exports: whatever the umask, other local accounts cannot read who did what.
    """
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


async def _writer(path: str) -> aiosqlite.Connection:
    """The write connection: `_connect`'s, in WAL mode, waiting for the disk at checkpoints only.

    synchronous = NORMAL is safe in WAL mode: a power cut can lose the last commits, never
    corrupt the file.
    """
    db = await _connect(path)
    try:
        for attempt in range(WAL_TRIES):  # another process switching a new file at once
            try:
                await db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as error:  # busy_timeout does not cover this
                if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                    raise
                await asyncio.sleep(0.1)
        await (await db.execute("PRAGMA synchronous = NORMAL")).close()
    except BaseException:
        await db.close()
        raise
    return db


async def _connect(path: str) -> aiosqlite.Connection:
    """A connection in autocommit mode (transactions are explicit) that waits for locks."""
    db = await aiosqlite.connect(path, isolation_level=None)
    try:
        await (await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")).close()
        # deleted rows are overwritten with zeros, not left in free space: SQLite's default
        # depends on how it was built
        await (await db.execute("PRAGMA secure_delete = ON")).close()
    except BaseException:
        await db.close()
        raise
    return db


# --- PostgreSQL -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _numbered(sql: str) -> str:
    """`?` placeholders as PostgreSQL's $1, $2, ... (the store's SQL has no `?` in strings)."""
    count = iter(range(1, sql.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", sql)


def _changed(status: str) -> int:
    """Rows changed, from a status such as "UPDATE 3" or "INSERT 0 5"."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class _PostgresTransaction:
    """The statements of a transaction on one pooled connection."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self._connection.execute(_numbered(sql), *params))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in await self._connection.fetch(_numbered(sql), *params)]


class _AdvisoryLock(SenderLock):
    """A session-level advisory lock on a connection of its own.

    The server releases it when the connection ends, including when the process holding it
    is killed.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: Any = None
        self._held = False

    async def acquire(self) -> bool:
        import asyncpg

        try:
            if self._connection is None or self._connection.is_closed():
                self._connection, self._held = await asyncpg.connect(self._url), False
                # the server closing this connection frees the lock: stop sending at once
                self._connection.add_termination_listener(self._lost)
            if self._held:  # still ours while its connection lives
                await self._connection.fetchval("SELECT 1", timeout=5)
            else:
                self._held = await self._connection.fetchval(
                    "SELECT pg_try_advisory_lock($1)", SENDER_LOCK_KEY, timeout=5)
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            await self.release()  # the server is unreachable: whoever holds it, not us
        return self._held

    def _lost(self, _connection: Any) -> None:
        self._held = False

    @property
    def held(self) -> bool:
        return self._held and self._connection is not None and not self._connection.is_closed()

    async def release(self) -> None:
        """Unlock and close, so another process can take the lock at once.

        A connection that is already broken is dropped (the server frees the lock with the
        session).
        """
        import asyncpg

        if self._connection is None:
            return
        connection, held = self._connection, self._held
        self._connection, self._held = None, False
        try:
            if held:
                await connection.fetchval("SELECT pg_advisory_unlock($1)", SENDER_LOCK_KEY,
                                          timeout=5)
            await connection.close(timeout=5)
        except (OSError, asyncio.TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            connection.terminate()


class PostgresDatabase(Database):
    """A pool of asyncpg connections; each transaction, and each read, runs on one of them.

    A read outside a transaction takes a connection of its own in autocommit mode, so it sees
    committed data only.
    """

    dialect = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def __init__(self, pool: Any, url: str) -> None:
        import asyncpg

        self._pool = pool
        self._url = url
        self.writes = WriteHealth()
        # what the server or the way to it failed at, not a statement of ours
        self._failures: tuple[type[BaseException], ...] = (
            OSError, asyncio.TimeoutError, asyncpg.InterfaceError,
            asyncpg.PostgresConnectionError, asyncpg.InsufficientResourcesError,
            asyncpg.OperatorInterventionError, asyncpg.PostgresSystemError)

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        """A pool on the server at `url`; DatabaseError if asyncpg is not installed."""
        try:
            import asyncpg
        except ImportError:
            raise DatabaseError("a postgresql:// database needs asyncpg: install the bot "
                                "with its postgres extra, from your checkout: "
                                "pip install '/path/to/checkout[postgres]'") from None
        # no floor of idle connections: asyncpg would log a traceback each time it failed to
        # restore it during an outage; connections are made as needed (each beat needs some)
        pool = await asyncpg.create_pool(url, min_size=0, max_size=10)
        try:  # so a server that cannot be reached is told at opening, as with a floor
            async with pool.acquire():
                pass
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """On a pooled connection of its own (the pool's `fetch`), outside any transaction."""
        return [tuple(row) for row in await self._pool.fetch(_numbered(sql), *params)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """A transaction on a pooled connection, given back to the pool at the end.

        asyncpg rolls it back on any error, COMMIT's own included.
        """
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                yield _PostgresTransaction(connection)
        except self._failures as error:
            self.writes.failed(error)
            raise
        self.writes.committed()

    @asynccontextmanager
    async def schema_transaction(self) -> AsyncIterator[Transaction]:
        """A transaction-level advisory lock, freed at its end, keeps runners apart."""
        async with self.transaction() as tx:
            await tx.fetch(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
            yield tx

    def sender_lock(self) -> SenderLock:
        """A session-level advisory lock on a connection of its own."""
        return _AdvisoryLock(self._url)

    async def columns(self, table: str) -> list[str]:
        """The columns the information schema lists for the current schema."""
        rows = await self.fetch("SELECT column_name FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND table_name = ? "
                                "ORDER BY ordinal_position", (table,))
        return [row[0] for row in rows]

    async def read_table(self, table: str, columns: list[str], order: str
                         ) -> AsyncIterator[list[Row]]:
        """A read-only repeatable-read transaction: every chunk comes from one snapshot."""
        async with self._pool.acquire() as connection, connection.transaction(
                isolation="repeatable_read", readonly=True):
            cursor = connection.cursor(f"SELECT {', '.join(columns)} FROM {table} "
                                       f"ORDER BY {order}", prefetch=COPY_CHUNK)
            chunk: list[Row] = []
            async for row in cursor:
                chunk.append(tuple(row))
                if len(chunk) == COPY_CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk

    async def insert_rows(self, table: str, columns: list[str], rows: list[Row]) -> None:
        """COPY, the fastest way in."""
        async with self._pool.acquire() as connection:
            await connection.copy_records_to_table(table, records=rows, columns=columns)

    async def after_bulk_load(self, serial_ids: Sequence[tuple[str, str]]) -> None:
        """Move each id sequence past the copied ids, then ANALYZE.

        Without ANALYZE the planner would work from the figures of the empty tables.
        """
        for table, column in serial_ids:
            await self.fetch(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                             f"COALESCE(MAX({column}), 0) + 1, false) FROM {table}")
        await self.fetch("ANALYZE")

    async def erase_deleted(self) -> None:
        """Nothing more than DELETE: the rows' bytes stay in the table's files until VACUUM.

        Autovacuum reclaims them; a VACUUM per /forget would cost more than it protects, and
        the server's WAL archives and base backups keep them for as long as they are kept.
        """

    async def backup(self, target: str) -> None:
        """Not here: PostgreSQL has its own tools."""
        raise ValueError("backup copies a SQLite file; back up PostgreSQL with pg_dump, "
                         "or copy it into a SQLite file with `tgbot copy-db`")

    async def close(self) -> None:
        """Close the pool (the sender lock has a connection of its own)."""
        await self._pool.close()
