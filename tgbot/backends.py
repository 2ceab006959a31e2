"""The two databases the store runs on, behind one small interface.

SQLite (a file path: the embedded default) and PostgreSQL (a `postgresql://` URL: several
instances on one database). `tgbot.store` writes every domain query once, with `?`
placeholders and syntax both accept; this module runs it and keeps what cannot be shared:
connecting, placeholders, row counts, the sender lock and bulk copying.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

import aiosqlite

BUSY_TIMEOUT_MS = 30_000
WAL_TRIES = 100  # a tenth of a second apart
# The PostgreSQL advisory lock key of the sender ("tgbot" in ASCII); one campaign per database.
SENDER_LOCK_KEY = 0x7467626F74
COPY_CHUNK = 5_000

Row = tuple[Any, ...]


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def redact_url(target: str) -> str:
    """A database URL fit for logs and messages: the password replaced by ***."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", target)


class DatabaseError(Exception):
    """The database cannot be opened; the message names it (without a password) and why."""


class Transaction(Protocol):
    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return how many rows it changed."""

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...


class SenderLock(ABC):
    """Held by the one process that sends the daily push and announcements.

    Both kinds are released by the operating system or the server the moment their process
    dies, so another instance takes over at its next try, without waiting for a timeout.
    """

    @abstractmethod
    async def acquire(self) -> bool:
        """Try once, without waiting; True while this process holds the lock."""

    @abstractmethod
    async def release(self) -> None: ...

    @property
    def held(self) -> bool:
        """Still held as far as this process can tell without asking (False once the
        connection that holds it is gone): checked before every claim.
        """
        return True


class Database(ABC):
    dialect: str

    @abstractmethod
    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = await self.fetch(sql, params)
        return rows[0] if rows else None

    @abstractmethod
    def transaction(self) -> contextlib.AbstractAsyncContextManager[Transaction]:
        """One write transaction: committed at the end of the block, rolled back on error."""

    @abstractmethod
    def sender_lock(self) -> SenderLock: ...

    @abstractmethod
    async def columns(self, table: str) -> list[str]: ...

    @abstractmethod
    def read_table(self, table: str, columns: list[str], order: str
                   ) -> AsyncIterator[list[Row]]:
        """Every row of a table, in chunks."""

    @abstractmethod
    async def insert_rows(self, table: str, columns: list[str], rows: list[Row]) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...


async def open_database(target: str) -> Database:
    try:
        if is_postgres_url(target):
            return await PostgresDatabase.connect(target)
        return await SQLiteDatabase.connect(target)
    except DatabaseError:
        raise
    except Exception as error:  # noqa: BLE001 - any driver's failure, told in one line
        raise DatabaseError(f"cannot open the database {redact_url(target)}: "
                            f"{type(error).__name__}: {error}") from None


# --- SQLite ---------------------------------------------------------------------------------


class _SQLiteTransaction:
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
    """One aiosqlite connection in WAL mode; writes take turns (one writer)."""

    dialect = "sqlite"

    def __init__(self, db: aiosqlite.Connection, path: str) -> None:
        self._db = db
        self._path = path
        self._writer = asyncio.Lock()  # one transaction at a time on the shared connection

    @classmethod
    async def connect(cls, path: str) -> SQLiteDatabase:
        db = await aiosqlite.connect(path, isolation_level=None)
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        for attempt in range(WAL_TRIES):  # another process switching a new file at once
            try:
                await db.execute("PRAGMA journal_mode = WAL")
                break
            except sqlite3.OperationalError as error:  # busy_timeout does not cover this
                if "locked" not in str(error) or attempt == WAL_TRIES - 1:
                    raise
                await asyncio.sleep(0.1)
        await db.execute("PRAGMA synchronous = NORMAL")
        return cls(db, path)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        async with self._db.execute(sql, params) as cursor:
            return [tuple(row) for row in await cursor.fetchall()]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE takes the write lock up front, so a second process (`tgbot push`
        beside `tgbot run`) waits on busy_timeout instead of failing.
        """
        async with self._writer:
            await self._db.execute("BEGIN IMMEDIATE")
            try:
                yield _SQLiteTransaction(self._db)
            except BaseException:
                await self._db.execute("ROLLBACK")
                raise
            await self._db.execute("COMMIT")

    def sender_lock(self) -> SenderLock:
        return _FileLock(f"{self._path}.sender")

    async def columns(self, table: str) -> list[str]:
        return [row[1] for row in await self.fetch(f"PRAGMA table_info({table})")]

    async def read_table(self, table: str, columns: list[str], order: str
                         ) -> AsyncIterator[list[Row]]:
        async with self._db.execute(f"SELECT {', '.join(columns)} FROM {table} "
                                    f"ORDER BY {order}") as cursor:
            while rows := await cursor.fetchmany(COPY_CHUNK):
                yield [tuple(row) for row in rows]

    async def insert_rows(self, table: str, columns: list[str], rows: list[Row]) -> None:
        marks = ", ".join("?" * len(columns))
        async with self.transaction():
            await self._db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    async def backup(self, target: str) -> None:
        """A consistent copy of the live file (VACUUM INTO is safe during writes)."""
        await self._db.execute("VACUUM INTO ?", (target,))

    async def close(self) -> None:
        await self._db.close()


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
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return _changed(await self._connection.execute(_numbered(sql), *params))

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in await self._connection.fetch(_numbered(sql), *params)]


class _AdvisoryLock(SenderLock):
    """A session-level advisory lock on a connection of its own: the server releases it
    when the connection ends, including when the process holding it is killed.
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
        """Unlock and close, so another process can take the lock at once; a connection that
        is already broken is dropped (the server frees the lock with the session).
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
    """A pool of asyncpg connections; each transaction runs on one of them."""

    dialect = "postgresql"

    def __init__(self, pool: Any, url: str) -> None:
        self._pool = pool
        self._url = url

    @classmethod
    async def connect(cls, url: str) -> PostgresDatabase:
        try:
            import asyncpg
        except ImportError:
            raise DatabaseError("a postgresql:// database needs asyncpg: "
                                "pip install 'tgbot[postgres]'") from None
        pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
        return cls(pool, url)

    async def fetch(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in await self._pool.fetch(_numbered(sql), *params)]

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self._pool.acquire() as connection, connection.transaction():
            yield _PostgresTransaction(connection)

    def sender_lock(self) -> SenderLock:
        return _AdvisoryLock(self._url)

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetch("SELECT column_name FROM information_schema.columns "
                                "WHERE table_schema = current_schema() AND table_name = ? "
                                "ORDER BY ordinal_position", (table,))
        return [row[0] for row in rows]

    async def read_table(self, table: str, columns: list[str], order: str
                         ) -> AsyncIterator[list[Row]]:
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
        async with self._pool.acquire() as connection:
            await connection.copy_records_to_table(table, records=rows, columns=columns)

    async def close(self) -> None:
        await self._pool.close()
