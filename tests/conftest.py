"""Shared fixtures: the loopback Bot API and the real bot running against it."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")  # before telegram is imported (see tgbot/__init__)
# Compiled catalogs (tgbot.i18n.loading) go to a folder of the tests' own, shared by every
# worker and `tgbot` process of a run, not to the home of whoever runs the suite.
os.environ.pop("CACHE_DIRECTORY", None)
os.environ["XDG_CACHE_HOME"] = os.path.join(tempfile.gettempdir(), f"tgbot-tests-{os.getuid()}")
# The suite speaks plain HTTP on loopback only, so its processes trust one certificate that
# signs nothing (tests/helpers/no_authority.pem, self-signed, its key thrown away) instead of
# the system's bundle of authorities: aiohttp builds two SSL contexts as it is imported, each
# reading the whole bundle, a tenth of a second of CPU in each of the suite's 250 `tgbot`
# processes. (httpx reads SSL_CERT_FILE too, and refuses a file with no certificate.)
os.environ["SSL_CERT_FILE"] = str(Path(__file__).parent / "helpers" / "no_authority.pem")

import pytest  # noqa: E402
from telegram.ext import Application  # noqa: E402

from tests.helpers import postgres  # noqa: E402
from tests.helpers.harness import Clock, running_bot  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402
from tgbot.storage.pseudonyms import KEY_FILE_SUFFIX  # noqa: E402
from tgbot.storage.store import Store  # noqa: E402

ALICE, BRUNO = 1001, 1002  # two supporters in private chats
# The key of people's pseudonyms, which a PostgreSQL database needs set (tgbot.storage.pseudonyms)
TEST_ID_KEY = "test-key-of-pseudonyms-0123456789abcdef"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL server for the session: TGBOT_TEST_POSTGRES, or a throwaway one."""
    if os.environ.get("TGBOT_TEST_POSTGRES"):
        yield os.environ["TGBOT_TEST_POSTGRES"]
        return
    server = postgres.ThrowawayPostgres().start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def own_postgres() -> Iterator[postgres.ThrowawayPostgres]:
    """A PostgreSQL server of this test's own, which it stops and starts."""
    server = postgres.ThrowawayPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def postgres_id_key(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """TGBOT_ID_KEY for tests on PostgreSQL, which refuses to start without one.

    SQLite tests keep the default: a key file beside the database.
    """
    on_postgres = getattr(request.node, "callspec", None) is not None and \
        request.node.callspec.params.get("database") == "postgresql"
    if on_postgres or {"postgres_server", "own_postgres"} & set(request.fixturenames):
        monkeypatch.setenv("TGBOT_ID_KEY", TEST_ID_KEY)


@pytest.fixture(scope="session")
def migrated_template(postgres_server: str) -> str:
    """A database with every migration applied (under TEST_ID_KEY), which each PostgreSQL
    test's database copies: migrating a new database costs the server 0.2 s of CPU."""
    url = postgres.create_database(postgres_server)
    subprocess.run([sys.executable, "-m", "tgbot", "status"], check=True, capture_output=True,
                   env={**os.environ, "TGBOT_DB": url, "TGBOT_ID_KEY": TEST_ID_KEY},
                   timeout=120)
    return url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, and its key file, which each SQLite
    test's database copies: migrating a new file costs 0.05 s of CPU."""
    path = tmp_path_factory.mktemp("template") / "bot.sqlite3"

    async def migrate() -> None:
        await (await Store.open(str(path))).close()
    with ThreadPoolExecutor(1) as thread:  # whether or not an event loop runs here
        thread.submit(asyncio.run, migrate()).result()
    assert not Path(f"{path}-wal").exists()  # closed: the file holds everything
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """TGBOT_DB for one test: a new SQLite file, or a new database on the PostgreSQL server.
    Every test that takes it runs once on each backend."""
    # tests of the migrations themselves (tests/test_store.py) start from an empty database
    migrated = not request.module.__name__.endswith("test_store")
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        if migrated:
            source = request.getfixturevalue("migrated_sqlite")
            for suffix in ("", KEY_FILE_SUFFIX):
                shutil.copy2(f"{source}{suffix}", f"{path}{suffix}")
        yield str(path)
        return
    server = request.getfixturevalue("postgres_server")
    template = request.getfixturevalue("migrated_template") if migrated else None
    url = postgres.create_database(server, template)
    try:
        yield url
    finally:
        postgres.drop_database(url)


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    """A fresh loopback Bot API with two known users."""
    api = FakeBotAPI().start()
    api.add_user(ALICE, first_name="Alice", language_code="en")
    api.add_user(BRUNO, first_name="Bruno", language_code="pt-BR")
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def clock() -> Clock:
    """Mid-campaign by default: 5 November 2027, 10:00 in Toronto (after the 09:00 push)."""
    clock = Clock(dt.datetime(2027, 11, 5, 15, 0, tzinfo=dt.UTC))
    return clock


@pytest.fixture
async def bot(fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str
              ) -> AsyncIterator[Application]:
    """The real bot, long polling the fake Bot API, on a real database of each kind."""
    async with running_bot(fake, tmp_path, clock, db=database) as application:
        yield application


def pytest_collection_finish(session: pytest.Session) -> None:
    """Freeze what collecting imported: later collections in a test process skip it."""
    gc.freeze()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked long (real processes at Telegram's rate, 10 to 30 seconds) go first, so
    that the workers end together on short ones instead of one finishing a long one alone."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
