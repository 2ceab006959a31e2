"""A throwaway PostgreSQL server for the tests and benchmarks: a real `postgres` from Debian's
`postgresql` package, initialised in a temporary directory, on a free loopback port.

PostgreSQL refuses to run as root, so as root (CI) the server runs as the `postgres` user the
package creates. Set TGBOT_TEST_POSTGRES to a server URL to use your own server instead.
"""

from __future__ import annotations

import asyncio
import functools
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg


def _bin_dir() -> Path:
    """Where Debian installs the server programs (they are not on PATH there)."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not versions:
        raise RuntimeError("PostgreSQL's server is not installed: `apt-get install postgresql` "
                           "(or set TGBOT_TEST_POSTGRES to a server URL)")
    return Path(versions[-1]).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayPostgres:
    """`start()` a private server, `create_database()` per test, `stop()` removes everything."""

    def __init__(self) -> None:
        self.bin = _bin_dir()
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="tgbot-pg-"))
        self.data = self.folder / "data"
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> ThrowawayPostgres:
        if self.user is not None:
            os.chown(self.folder, self.user.pw_uid, self.user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8", "--locale", "C")
        self.resume()
        return self

    def pause(self) -> None:
        """Stop the server (every connection drops), keeping its data for `resume()`."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def create_database(server_url: str, template: str | None = None) -> str:
    """A new database on the server, empty or a copy of `template`; returns its URL.

    A copy is made file by file (FILE_COPY, PostgreSQL 15 and later): the default copies the
    template block by block through the write-ahead log, twice the time for a small one.
    """
    name = f"t_{uuid.uuid4().hex[:12]}"
    copy = ""
    if template:
        copy = f" TEMPLATE {template}" + (" STRATEGY FILE_COPY"
                                           if _server_version(server_url) >= 15 else "")
    _admin(server_url, f"CREATE DATABASE {name}{copy}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@functools.cache
def _server_version(url: str) -> int:
    """The server's major version."""
    return _admin(url, lambda connection: connection.get_server_version().major)


def drop_database(url: str) -> None:
    server, name = url.rsplit("/", 1)
    _admin(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _admin(url: str, work: str | Callable[[asyncpg.Connection], Any]) -> Any:
    """Run one statement, or read something of the connection (through asyncpg: a psql
    process per test database cost more CPU than the server's copy of the database), in a
    thread of its own so that it works from any fixture, an event loop running or not."""
    async def run() -> Any:
        connection = await asyncpg.connect(url)
        try:
            return await connection.execute(work) if isinstance(work, str) else work(connection)
        finally:
            await connection.close()
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, run()).result()
