"""Storage on both backends (a real SQLite file, a real PostgreSQL server): migrations (also
from an old file), transactions and what reads see of them, the outbox, the push schedule,
the sender lock, copying and backups."""

from __future__ import annotations

import asyncio
import datetime as dt
import shutil
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import TEST_ID_KEY
from tests.helpers import postgres
from tgbot.domain.approval import OPERATOR, Pending, Subject, Verdict
from tgbot.domain.deletions import DeletionState as Deleted
from tgbot.domain.deletions import Kept
from tgbot.domain.outbox import Closed, Copy, Due, Edit, EditClosed, Kind, State
from tgbot.domain.outcomes import Outcome
from tgbot.domain.recall import Target
from tgbot.errors import DatabaseError
from tgbot.storage.backends import (
    Database,
    PostgresDatabase,
    is_database_failure,
    open_database,
)
from tgbot.storage.migrations import (
    MIGRATIONS,
    STEPS,
    _statements,
    applied,
    apply,
    migrations,
    pending,
)
from tgbot.storage.outbox import tally_outbox
from tgbot.storage.pseudonyms import Pseudonyms
from tgbot.storage.store import NOT_COPIED, TABLES, Store

DATA = Path(__file__).resolve().parent / "data"
TODAY = dt.date(2027, 11, 5)
# the claims' now: every row not waiting for a retry is ready
NOW = dt.datetime(2027, 11, 5, 15, tzinfo=dt.UTC).timestamp()
PEOPLE = Pseudonyms(TEST_ID_KEY.encode())
SQLITE = migrations("sqlite")  # what a SQLite file was given, in order


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    opened = await Store.open(database)
    try:
        yield opened
    finally:
        await opened.close()


async def test_new_database_gets_every_migration(store: Store, database: str) -> None:
    assert await store.applied_migrations() == [name for name, _ in migrations(store.dialect)]
    if store.dialect == "sqlite":
        with sqlite3.connect(database) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_a_database_with_every_migration_opens_while_another_process_writes(
        tmp_path: Path) -> None:
    """`tgbot export` beside a bot in the middle of a write: opening the file only reads, so
    it neither waits for the write lock nor fails on it."""
    path = tmp_path / "bot.sqlite3"
    await (await Store.open(path)).close()
    writer = sqlite3.connect(path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the running bot's write transaction
        writer.execute("UPDATE meta SET key = key")
        store = await asyncio.wait_for(Store.open(path), timeout=10)  # the busy timeout is 30
        try:
            assert await store.chat(1) is None
        finally:
            await store.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


async def test_two_instances_starting_at_once_apply_each_migration_once(database: str) -> None:
    stores = await asyncio.gather(*(Store.open(database) for _ in range(3)))
    try:
        assert await stores[0].applied_migrations() == [name for name, _ in SQLITE]
    finally:
        for opened in stores:
            await opened.close()


async def test_old_database_file_is_upgraded_with_its_data(tmp_path: Path) -> None:
    """tests/data/v1.sqlite3 was written by the first release (0001_initial only)."""
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "v1.sqlite3", path)
    store = await Store.open(path)
    try:
        assert await store.applied_migrations() == [name for name, _ in SQLITE]
        chat = await store.chat(1001)
        assert chat is not None and (chat.language, chat.subscribed, chat.push_time) == \
            ("fr", True, "08:00")
        assert await store.completed(1001, 2027) == {"maguindanao-letter"}
        assert await store.start_sources() == {"newsletter": 3}
        assert await store.enqueue(2027, [(1001, 5)]) == 1  # the new outbox table works
        # 0005: a subscriber of the old release is looked at by the scheduler at once
        assert [c.chat_id for c in await store.due_chats(0, 10)] == [1001]
        # 0007: the tables of several instances work on an old file too
        assert await store.first_sight(7, 1.0) is True
        assert await store.publish_campaign("v1", "campaign: {}", 1.0) is True
    finally:
        await store.close()
    reopened = await Store.open(path)  # a second start applies nothing
    try:
        assert await reopened.migrate() == []
    finally:
        await reopened.close()


def database_at_0008(path: Path) -> None:
    """tests/data/v1.sqlite3 brought to 0008 as that release did, by the migrations' SQL."""
    shutil.copy(DATA / "v1.sqlite3", path)
    with sqlite3.connect(path) as old:
        for name, sql in SQLITE[1:8]:
            old.executescript(sql)
            old.execute("INSERT INTO _migrations VALUES (?, '2027-10-01T00:00:00+00:00')",
                        (name,))


async def database_at(path: Path, migrations: int, monkeypatch: pytest.MonkeyPatch,
                      people: Pseudonyms | None = None) -> None:
    """An old file brought to its first `migrations` migrations, as the release had them."""
    database_at_0008(path)
    monkeypatch.setattr("tgbot.storage.migrations.MIGRATIONS", MIGRATIONS[:migrations])
    await (await Store.open(path, people)).close()
    monkeypatch.undo()


async def test_0009_rewrites_who_did_what_under_pseudonyms(tmp_path: Path) -> None:
    """An old file's completions and group presses keep answering for their person, and the
    person's Telegram id is no longer in the file."""
    path, person = tmp_path / "old.sqlite3", 987_654_321_123  # never in a private chat
    database_at_0008(path)
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO completions VALUES (?, 2027, 'vigil', '2027-11-05')", (person,))
        old.execute("INSERT INTO group_presses VALUES (-2002, 2027, 5, ?)", (person,))
    assert person.to_bytes(6, "big") in path.read_bytes()  # how SQLite stores it
    store = await Store.open(path)
    try:
        assert "0009_pseudonyms" in await store.applied_migrations()
        assert await store.completed(person, 2027) == {"vigil"}
        assert await store.completed(1001, 2027) == {"maguindanao-letter"}  # the first release's
        assert await store.group_count(-2002, 2027, 5) == 1
        await store.group_press(-2002, 2027, 5, person, True)  # the same person: counted once
        assert await store.group_count(-2002, 2027, 5) == 1
        assert (await store.user_data(person))["group_presses"] == [(2027, 5, -2002)]
        # /stats counts a completion under the language its chat had
        assert {(row[0], row[2]) for row in await store.completions(2027)} == \
            {("vigil", ""), ("maguindanao-letter", "fr")}
    finally:
        await store.close()
    on_disk = path.read_bytes() + (Path(f"{path}-wal").read_bytes()
                                   if Path(f"{path}-wal").exists() else b"")
    assert person.to_bytes(6, "big") not in on_disk


# The type families the two databases' column types belong to.
FAMILIES = {"integer": "integer", "bigint": "integer", "real": "float",
            "double precision": "float", "text": "text", "blob": "bytes", "bytea": "bytes"}
# a table's columns (name, type family, not null, in the primary key) and its indexes, from
# each database's own catalogue
SQLITE_SCHEMA = ("SELECT m.name, c.name, lower(c.type), c.\"notnull\", c.pk > 0 "
                 "FROM sqlite_master m, pragma_table_info(m.name) c "
                 "WHERE m.type = 'table' ORDER BY m.name, c.cid",
                 "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' "
                 "AND sql IS NOT NULL")
POSTGRES_SCHEMA = ("SELECT c.table_name, c.column_name, c.data_type, c.is_nullable = 'NO', "
                   "EXISTS (SELECT 1 FROM information_schema.key_column_usage k JOIN "
                   "information_schema.table_constraints t USING (constraint_name, "
                   "table_schema, table_name) WHERE t.constraint_type = 'PRIMARY KEY' AND "
                   "k.table_schema = c.table_schema AND k.table_name = c.table_name AND "
                   "k.column_name = c.column_name) FROM information_schema.columns c "
                   "WHERE c.table_schema = current_schema() "
                   "ORDER BY c.table_name, c.ordinal_position",
                   "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = "
                   "current_schema() AND indexname NOT LIKE '%\\_pkey'")


async def _schema(db: Database) -> tuple[dict[str, list[tuple]], set[tuple[str, str]]]:
    """Every table's columns, in order, and every index a migration made (by name)."""
    columns_sql, indexes_sql = SQLITE_SCHEMA if db.dialect == "sqlite" else POSTGRES_SCHEMA
    tables: dict[str, list[tuple]] = {}
    for table, column, kind, not_null, in_key in await db.fetch(columns_sql):
        # (SQLite lets a key column of a rowid table be NULL unless it says NOT NULL)
        tables.setdefault(table, []).append((column, FAMILIES[kind], bool(not_null or in_key),
                                             bool(in_key)))
    return tables, {(table, index) for table, index in await db.fetch(indexes_sql)}


async def test_both_databases_get_the_same_tables_columns_and_indexes(
        tmp_path: Path, postgres_server: str) -> None:
    """The migrations are written once: a new SQLite file and a new PostgreSQL database end
    with the same schema, in types of the same kind."""
    sqlite_db = await open_database(str(tmp_path / "new.sqlite3"))
    pg_url = postgres.create_database(postgres_server)
    pg_db = await open_database(pg_url)
    try:
        for db in (sqlite_db, pg_db):
            await apply(db, PEOPLE)
        tables, indexes = await _schema(sqlite_db)
        assert {"chats", "deliveries", "outbox_tally", "_migrations"} <= set(tables)
        assert ("deliveries", "deliveries_todo") in indexes
        assert (tables, indexes) == await _schema(pg_db)
    finally:
        await sqlite_db.close()
        await pg_db.close()
        postgres.drop_database(pg_url)


async def test_pending_migrations_are_applied_once_and_recorded(database: str) -> None:
    db = await open_database(database)
    try:
        names = [name for name, _ in migrations(db.dialect)]
        assert await applied(db) == [] and await pending(db) == names  # a new database
        assert await apply(db, PEOPLE) == names
        assert await applied(db) == names and await pending(db) == []
        assert await apply(db, PEOPLE) == []
    finally:
        await db.close()


async def test_0015_leaves_an_old_draft_announcement_to_go_out_at_once(tmp_path: Path) -> None:
    """A draft written before scheduled announcements is still sent at once on Send."""
    path = tmp_path / "old.sqlite3"
    database_at_0008(path)
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO announcements (text, language, state, created_on, lifetime) "
                    "VALUES ('Vigil', NULL, 'draft', '2027-11-05', 3600)")
    store = await Store.open(path)
    try:
        assert "0015_scheduled_announcements_and_approvals" in await store.applied_migrations()
        draft = await store.announcement(1)
        assert draft is not None and draft.send_at is None and draft.lifetime == 3600
        assert await store.waiting_approvals() == []
        subscribers = await store.audience(None)
        assert await store.start_announcement(1, now=1000.0) == subscribers > 0
        assert await store.announcement_states(1) == {"pending": subscribers}
    finally:
        await store.close()


async def test_0016_asks_again_for_an_old_request(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request for approval made before 0016 is asked again (its question's Approve button
    was of an older kind), of everyone but its author. An old correction corrects its day, no
    announcement; a new request is asked of every organiser when the CLI (the operator) made
    it, and once asked is not asked again."""
    path = tmp_path / "old.sqlite3"
    await database_at(path, 15, monkeypatch, PEOPLE)
    with sqlite3.connect(path) as old:
        assert old.execute("SELECT MAX(name) FROM _migrations").fetchone() == (
            "0015_scheduled_announcements_and_approvals",)
        old.execute("INSERT INTO pending_approvals (what, id, author, requested_at) "
                    "VALUES ('announcement', 1, ?, 1.0)", (PEOPLE.person(4242),))
        old.execute("INSERT INTO corrections (edition, day, created_at) VALUES (2027, 5, 1.0)")
    store = await Store.open(path, PEOPLE)
    try:
        assert "0016_approvals_asked_and_announcement_corrections" in \
            await store.applied_migrations()
        old_request = (Pending(Subject.ANNOUNCEMENT, 1, None), [4343])
        assert await store.unasked([4242, 4343]) == [old_request]
        assert await store.corrected_day(1) == (2027, 5)
        correction, new = await store.request_correction(2027, 6, OPERATOR, 2.0)
        assert new and await store.request_correction(2027, 6, 4242, 3.0) == (correction, False)
        assert await store.unasked([4242, 4343]) == [
            old_request, (Pending(Subject.CORRECTION, correction, None), [4242, 4343])]
        for asked in (Subject.ANNOUNCEMENT, 1), (Subject.CORRECTION, correction):
            await store.asked(*asked)
        assert await store.unasked([4242, 4343]) == []
    finally:
        await store.close()


async def test_0017_recalls_copies_sent_before_send_times_were_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Copies an old release sent have no send time: a recall asks Telegram for each (its
    answer says whether it was too old) instead of guessing, the day's reminder beside the
    action's copy in the same chat; a kept private copy's deletion is brought forward, not
    queued twice; the day's row still pending closes withdrawn."""
    path = tmp_path / "old.sqlite3"
    await database_at(path, 16, monkeypatch)
    with sqlite3.connect(path) as old:
        assert old.execute("SELECT MAX(name) FROM _migrations").fetchone() == (
            "0016_approvals_asked_and_announcement_corrections",)
        old.execute("INSERT INTO chats (chat_id, kind, language, subscribed, created_on) "
                    "VALUES (-1009, 'channel', 'pt', 1, '2027-10-01')")
        old.executemany("INSERT INTO deliveries (chat_id, edition, day, state, message_id) "
                        "VALUES (?, 2027, 5, ?, ?)",
                        [(1001, "sent", 77), (-1009, "sent", 78), (1002, "pending", None)])
        old.execute("INSERT INTO reminder_deliveries (chat_id, edition, day, state, message_id) "
                    "VALUES (1001, 2027, 5, 'sent', 79)")
        old.execute("INSERT INTO deletions (chat_id, message_id, sent_at, delete_at, state) "
                    "VALUES (1001, 77, 500.0, 90000.0, 'pending')")  # a discreet chat's
    store = await Store.open(path)
    try:
        assert "0017_recalls" in await store.applied_migrations()
        preview = await store.recall_preview(Target.of_day(2027, 5), 1000.0)
        assert preview == (Counter({"fr": 2, "pt": 1}), Counter(), 1, False, None)
        started = await store.queue_recall(Target.of_day(2027, 5), 1000.0)
        assert started is not None and started[1] == {Kind.PUSH: 1}  # the pending row withdrawn
        claimed = await store.deletions.claim(1000.0, 10, owner="me")
        # no send time: asked, as if sent now
        assert sorted((c.chat_id, c.message_id, c.sent_at) for c in claimed) == [
            (-1009, 78, 1000.0), (1001, 77, 500.0), (1001, 79, 1000.0)]
        assert await store.delivery_states(2027, 5) == {"sent": 2, "withdrawn": 1}
        assert await store.queue_recall(Target.of_day(2027, 5), 1001.0) is None
    finally:
        await store.close()


async def test_an_old_database_file_has_only_the_later_migrations_pending(
        tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "v1.sqlite3", path)
    db = await open_database(str(path))
    try:
        names = [name for name, _ in SQLITE]
        assert await applied(db) == ["0001_initial"]
        assert await pending(db) == names[1:]
        assert await apply(db, PEOPLE) == names[1:]
        assert await applied(db) == names and await pending(db) == []
    finally:
        await db.close()
    with sqlite3.connect(path) as old:  # recorded where the first release recorded it
        assert [row[0] for row in old.execute("SELECT name FROM _migrations "
                                              "ORDER BY name")] == names


async def _insert_chat_and_wait(db: Database, chat_id: int, written: asyncio.Event,
                                commit: asyncio.Event) -> None:
    """A write transaction that inserts a chat, then waits before committing."""
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO chats (chat_id, kind, created_on) VALUES (?, ?, ?)",
                         (chat_id, "private", TODAY.isoformat()))
        written.set()
        await commit.wait()


async def test_a_read_outside_a_write_sees_committed_rows_only(database: str) -> None:
    """Another coroutine's transaction in progress is invisible to a read until it commits."""
    store = await Store.open(database)
    try:
        written, commit = asyncio.Event(), asyncio.Event()
        writer = asyncio.create_task(_insert_chat_and_wait(store._db, 1, written, commit))
        await written.wait()
        assert await store.chat(1) is None
        assert await store.subscribers() == []
        commit.set()
        await writer
        chat = await store.chat(1)
        assert chat is not None and chat.kind == "private"
    finally:
        await store.close()


async def test_a_backup_during_a_write_copies_the_last_commit(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "bot.sqlite3")
    try:
        await store.set_subscribed(1, "private", True, TODAY)
        written, commit = asyncio.Event(), asyncio.Event()
        writer = asyncio.create_task(_insert_chat_and_wait(store._db, 2, written, commit))
        await written.wait()
        await store.backup(tmp_path / "copy.sqlite3")
        commit.set()
        await writer
    finally:
        await store.close()
    with sqlite3.connect(tmp_path / "copy.sqlite3") as copy:
        assert [row[0] for row in copy.execute("SELECT chat_id FROM chats")] == [1]


async def test_completion_is_once_per_action_and_undo_removes_it(store: Store) -> None:
    assert await store.set_completed(7, 2027, "a", True, TODAY) is True
    assert await store.set_completed(7, 2027, "a", True, TODAY) is False
    assert await store.completed(7, 2027) == {"a"}
    assert await store.set_completed(7, 2027, "a", False, TODAY) is True
    assert await store.completed(7, 2027) == set()


async def test_outbox_rows_are_claimed_once_and_a_new_sender_takes_back_the_rest(
        store: Store) -> None:
    for chat in (1, 2, 3):
        await store.set_subscribed(chat, "private", True, TODAY)
    # chat 4 never subscribed: no row for it
    assert await store.enqueue(2027, [(1, 5), (2, 5), (3, 5), (4, 5)]) == 3
    assert await store.enqueue(2027, [(1, 5)]) == 0  # never twice for a chat and day
    first = await store.claim(2, owner="a", now=NOW)
    second = await store.claim(2, owner="a", now=NOW)
    assert len(first) == 2 and len(second) == 1
    assert {d.chat_id for d in first + second} == {1, 2, 3}
    assert await store.claim(10, owner="b", now=NOW) == []
    await store.finish(first[0], "sent", TODAY, 99)
    # sender "a" died; "b" took the sender lock and puts a's rows in flight back
    assert await store.release_claims("b") == 2
    again = await store.claim(10, owner="b", now=NOW)
    assert {d.chat_id for d in again} == {d.chat_id for d in first[1:] + second}
    assert all(d.attempts == 2 for d in again)
    assert await store.release_claims("b") == 0  # its own rows stay in flight
    assert await store.delivery_states(2027) == {"sent": 1, "sending": 2}


async def test_concurrent_claims_never_share_a_row(store: Store) -> None:
    chats = list(range(100, 400))
    for chat in chats:
        await store.set_subscribed(chat, "private", True, TODAY)
    assert await store.enqueue(2027, [(chat, 5) for chat in chats]) == len(chats)
    batches = await asyncio.gather(*(store.claim(7, owner=f"w{i}", now=NOW) for i in range(60)))
    claimed = [d.chat_id for batch in batches for d in batch]
    assert sorted(claimed) == chats


async def test_schedule_finds_only_chats_due_and_settings_bring_one_back(store: Store) -> None:
    for chat in (1, 2, 3):
        await store.set_subscribed(chat, "private", True, TODAY)
    looked = await store.due_chats(1000.0, 10)
    assert {c.chat_id for c in looked} == {1, 2, 3}  # new: at once
    read = {c.chat_id: c.next_push_at for c in looked}
    added = await store.plan(2027, [(1, 5)], {1: (read[1], 5000.0), 2: (read[2], 5000.0),
                                              3: (read[3], None)})
    assert added == 1
    assert await store.due_chats(4999.0, 10) == []
    assert [c.chat_id for c in await store.due_chats(5000.0, 10)] == [1, 2]  # 3: never again
    await store.set_push_settings(2, push_time="18:00", timezone=None)
    assert [c.chat_id for c in await store.due_chats(1000.0, 10)] == [2]
    await store.set_subscribed(2, "private", False, TODAY)
    assert [c.chat_id for c in await store.due_chats(10_000.0, 10)] == [1]  # 2 left
    # push times planned for another campaign timing are planned again, once
    assert await store.reschedule("2027 2027-11-01 America/Toronto 09:00") is True
    looked = await store.due_chats(0.0, 10)
    assert {c.chat_id for c in looked} == {1, 3}
    await store.plan(2027, [], {c.chat_id: (c.next_push_at, 5000.0) for c in looked})
    assert await store.reschedule("2027 2027-11-01 America/Toronto 09:00") is False
    assert await store.due_chats(1000.0, 10) == []
    assert await store.reschedule("2027 2027-11-01 UTC 09:00") is True


async def test_a_setting_changed_while_the_planner_runs_is_not_written_over(
        store: Store) -> None:
    """The planner read the chat, then its zone changed: the planner's next push time (for
    the old zone) does not replace the change, which the scheduler looks at at once."""
    await store.set_subscribed(1, "private", True, TODAY)
    [read] = await store.due_chats(1000.0, 10)
    await store.set_push_settings(1, push_time=None, timezone="Asia/Manila")
    await store.plan(2027, [], {1: (read.next_push_at, 5000.0)})
    [again] = await store.due_chats(1000.0, 10)
    assert again.timezone == "Asia/Manila" and again.next_push_at != read.next_push_at


async def test_a_reminder_planned_anew_while_the_planner_runs_is_not_written_over(
        store: Store) -> None:
    """The planner read a due reminder, then the campaign's timing changed: the planner's
    next time (for the old timing) does not replace the change, which is due at once."""
    await store.set_subscribed(1, "private", True, TODAY)
    await store.set_reminder(1, "21:00", 500.0)
    [read] = await store.due_reminders(1000.0, 10)
    assert read.remind_at == "21:00" and read.next_at == 500.0
    assert await store.reschedule("2027 2027-11-01 UTC 09:00") is True
    await store.plan_reminders(2027, [], {1: (read.next_at, 5000.0)})
    [again] = await store.due_reminders(1000.0, 10)
    assert again.chat.chat_id == 1 and again.next_at != read.next_at
    await store.plan_reminders(2027, [], {1: (again.next_at, 5000.0)})  # nothing changed
    assert await store.due_reminders(4999.0, 10) == []
    assert [r.chat.chat_id for r in await store.due_reminders(5000.0, 10)] == [1]


async def test_group_migration_moves_settings_and_outbox(store: Store) -> None:
    await store.set_language(-5, "group", "es", TODAY)
    await store.set_subscribed(-5, "group", True, TODAY)
    await store.enqueue(2027, [(-5, 5)])
    await store.migrate_chat(-5, -1005)
    moved = await store.chat(-1005)
    assert moved is not None and (moved.kind, moved.language, moved.subscribed) == \
        ("supergroup", "es", True)
    assert await store.chat(-5) is None
    assert [d.chat_id for d in await store.claim(5, owner="a", now=NOW)] == [-1005]


async def test_start_sources_beyond_the_kept_number_count_as_other(store: Store) -> None:
    for n in range(5):
        await store.count_start(f"link{n}", keep=3, other="other")
    await store.count_start("link0", keep=3, other="other")  # a kept source still counts
    assert await store.start_sources() == {"link0": 2, "other": 2, "link1": 1, "link2": 1}


async def test_one_sender_lock_holder_at_a_time_and_release_lets_another_take_it(
        store: Store, database: str) -> None:
    other = await Store.open(database)
    try:
        first, second = store.sender_lock(), other.sender_lock()
        assert await first.acquire() is True
        assert await first.acquire() is True  # still held
        assert await second.acquire() is False
        await first.release()
        assert await second.acquire() is True
        await second.release()
    finally:
        await other.close()


async def fill(store: Store) -> None:
    """A little of everything, with ids beyond 32 bits like Telegram's supergroups."""
    await store.set_language(-1001234567890, "supergroup", "fr", TODAY)
    await store.set_subscribed(-1001234567890, "supergroup", True, TODAY, thread_id=7)
    await store.set_subscribed(5_000_000_001, "private", True, TODAY)
    await store.set_push_settings(5_000_000_001, push_time="07:30", timezone="Asia/Manila")
    await store.set_completed(5_000_000_001, 2027, "a", True, TODAY)
    await store.count_start("newsletter", keep=100, other="other")
    await store.reschedule("2027 2027-11-01 America/Toronto 09:00")
    await store.remember_media("day22.png:abc", "FILEID")
    await store.group_press(-1001234567890, 2027, 5, 5_000_000_001, True)
    await store.enqueue(2027, [(-1001234567890, 5), (5_000_000_001, 5)])
    delivery = (await store.claim(1, owner="a", now=NOW))[0]
    await store.finish(delivery, "sent", TODAY, 42)
    announcement = await store.create_announcement("<b>Hi</b>", None, TODAY)
    await store.start_announcement(announcement, now=0.0)
    await store.set_reminder(5_000_000_001, "21:00", 0.0)
    await store.plan_reminders(2027, [Due(5_000_000_001, 5, 2e9, 1e9)],
                               {5_000_000_001: (0.0, 1.5e9)})
    await store.set_outcome(6_000_000_002, 2027, "a", Outcome.NOT_SAFE, TODAY)
    await store.set_completed(6_000_000_002, 2026, "a", True, TODAY)
    await store.retire(2026)  # its count stays in outcome_tally
    await store.set_discreet(5_000_000_001, True)
    await store.deletions.keep([Kept(5_000_000_001, 43, 1.5e9, 1.5e9 + 86400)])
    await store.queue_correction(2027, 5, await store.delivered_copies(2027, 5), 1.0)
    assert await store.queue_recall(Target.of_day(2027, 5), 2.0) is not None
    # a correction waiting for an organiser's approval, and rows the retention deleted
    await store.create_announcement_correction(announcement, "<b>Hello</b>", 2027, 3.0,
                                               author=OPERATOR)
    async with store._db.transaction() as tx:
        await tally_outbox(tx, Kind.PUSH, [("sent",), ("sent",), ("gone",)])


async def test_copy_db_moves_everything_between_backends_and_back(
        tmp_path: Path, postgres_server: str) -> None:
    """SQLite -> PostgreSQL -> SQLite keeps every row; ids continue after the copied ones."""
    first = await Store.open(tmp_path / "first.sqlite3")
    pg_url = postgres.create_database(postgres_server)
    try:
        await fill(first)
        pg = await Store.open(pg_url)
        await first.copy_to(pg, lambda _rows: None)
        counts = await first.row_counts()
        assert counts == await pg.row_counts() and all(counts[t] for t in TABLES)
        with sqlite3.connect(tmp_path / "first.sqlite3") as tables:  # every table is copied,
            assert {name for name, in tables.execute(  # or named as one that is not
                "SELECT name FROM sqlite_master WHERE type = 'table'")} == {*TABLES, *NOT_COPIED}
        assert await pg.chat(5_000_000_001) == await first.chat(5_000_000_001)
        assert await pg.create_announcement("next", None, TODAY) == 2
        back = await Store.open(tmp_path / "back.sqlite3")
        await pg.copy_to(back, lambda _rows: None)
        assert (await back.row_counts())["announcements"] == 2
        assert await back.chat(-1001234567890) == await first.chat(-1001234567890)
        assert await back.completed(5_000_000_001, 2027) == {"a"}
        await pg.close()
        await back.close()
    finally:
        await first.close()
        postgres.drop_database(pg_url)


def test_the_plain_install_needs_no_asyncpg(tmp_path: Path) -> None:
    """Without the [postgres] extra, SQLite works and a postgresql:// URL says what to install."""
    script = (
        "import asyncio, sys\n"
        "sys.modules['asyncpg'] = None  # as if it were not installed\n"
        "from tgbot.errors import DatabaseError\n"
        "from tgbot.storage.store import Store\n"
        "import tgbot.app, tgbot.cli.main\n"
        "async def main():\n"
        f"    await (await Store.open({str(tmp_path / 'bot.sqlite3')!r})).close()\n"
        "    try:\n"
        "        await Store.open('postgresql://tgbot:pw@127.0.0.1/tgbot')\n"
        "    except DatabaseError as error:\n"
        "        print(error)\n"
        "asyncio.run(main())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "pip install '/path/to/checkout[postgres]'" in result.stdout


async def test_an_update_id_is_first_seen_once_and_forgotten_after_a_while(store: Store) -> None:
    assert await store.first_sight(100, 1_000.0) is True
    assert await store.first_sight(100, 1_001.0) is False  # a repeat, from any instance
    firsts = await asyncio.gather(*(store.first_sight(101, 1_002.0) for _ in range(5)))
    assert firsts.count(True) == 1
    assert await store.forget_updates(1_001.5) == 1  # only 100 is old enough
    assert await store.first_sight(100, 1_003.0) is True
    assert await store.first_sight(101, 1_003.0) is False


async def test_a_start_does_not_bring_back_a_superseded_campaign(store: Store) -> None:
    assert await store.published_campaign() is None
    assert await store.publish_campaign("v1", "one", 1.0, unless_superseded=True) is True
    assert await store.publish_campaign("v1", "one", 2.0, unless_superseded=True) is True
    assert await store.publish_campaign("v2", "two", 3.0) is True  # a /reload
    # a machine restarting with the old file: v2 stays
    assert await store.publish_campaign("v1", "one", 4.0, unless_superseded=True) is False
    assert await store.published_campaign() == ("v2", "two")
    # a file edited before a restart is new: it is published
    assert await store.publish_campaign("v3", "three", 5.0, unless_superseded=True) is True
    assert await store.campaign_version() == "v3"
    # an organiser's /reload may go back on purpose
    assert await store.publish_campaign("v1", "one", 6.0) is True
    assert await store.published_campaign() == ("v1", "one")


async def test_outbox_depth_oldest_waiting_and_incidents(store: Store) -> None:
    for chat in (1, 2):
        await store.set_subscribed(chat, "private", True, TODAY)
    assert await store.oldest_waiting(1000.0) is None
    await store.enqueue(2027, [Due(1, 5, None, 500.0), Due(2, 5, None, 300.0)])
    announcement = await store.create_announcement("Vigil", None, TODAY)
    await store.start_announcement(announcement, now=400.0)
    assert await store.outbox_depth() == {("push", "pending"): 2,
                                          ("announcement", "pending"): 2}
    assert await store.oldest_waiting(1000.0) == (300.0, "push:2027:5")  # chat 2's, due first
    claimed = await store.claim(10, owner="a", now=NOW)
    assert {(d.chat_id, d.announcement_id) for d in claimed} >= {(1, 0), (2, 0)}
    for delivery in claimed:
        if not delivery.announcement_id:
            await store.finish(delivery, "sent", TODAY, 9)
    assert (await store.outbox_depth())[("push", "sent")] == 2
    # what still waits (pending or in flight) is the announcement
    assert await store.oldest_waiting(1000.0) == (400.0, f"announcement:{announcement}")
    # past its lifetime (a day from 400) the announcement is not waiting: it will expire
    assert await store.oldest_waiting(400.0 + 86_400 + 1) is None
    assert await store.first_notice("lag:push:2027:5") is True
    assert await store.first_notice("lag:push:2027:5") is False


@pytest.mark.parametrize("target", [":memory:", "", "file::memory:?cache=shared"])
async def test_an_in_memory_database_is_refused_with_the_reason(target: str) -> None:
    with pytest.raises(DatabaseError) as raised:
        await open_database(target)
    assert str(raised.value) == (
        f"the database must be a file or a postgresql:// URL, not {target!r}: an in-memory "
        "database is lost when the bot stops")


async def test_closed_outbox_rows_go_two_weeks_on_and_what_status_shows_stays(
        store: Store) -> None:
    """Who was sent what is deleted; the counts by state, the last push and an announcement
    still being sent are as before."""
    day = 86400.0
    for chat_id in (1, 2):
        await store.set_subscribed(chat_id, "private", True, TODAY)
    # days 1 and 2 of the push, ended on days 2 and 3; a reminder; an announcement sent
    await store.enqueue(2027, [Due(c, d, d * day + day, d * day) for c in (1, 2) for d in (1,)])
    await store.enqueue(2027, [Due(c, 2, 3 * day, 2 * day) for c in (1, 2)])
    await store.set_reminder(1, "20:00", None)
    await store.plan_reminders(2027, [Due(1, 1, 2 * day, day)], {})
    done = await store.create_announcement("Vigil", None, TODAY)
    await store.start_announcement(done, now=day, lifetime=day)
    sending = await store.create_announcement("March", None, TODAY)
    await store.start_announcement(sending, now=day, lifetime=day)
    rows = await store.claim(100, owner="test", now=NOW)
    await store.close_rows([Closed(d, "failed" if d.chat_id == 2 else "sent") for d in rows],
                          TODAY)
    await store.reported(done, 2, finished=True)
    depth, last_push = await store.outbox_depth(), await store.last_push(2027, 0)
    # day 1 (expired by day 2), the Vigil, the reminder
    assert await store.forget_deliveries(before=17 * day) == 2 + 2 + 1
    assert await store.outbox_depth() == depth
    assert await store.last_push(2027, 0) == last_push
    assert await store.announcement_states(sending) == {"sent": 1, "failed": 1}
    assert (await store.user_data(1))["deliveries"] == 1  # day 2 only
    assert await store.forget_deliveries(before=17 * day) == 0
    assert await store.outbox_depth() == depth


async def test_a_copy_under_another_key_is_refused(tmp_path: Path) -> None:
    """The copied pseudonyms would be nobody's under the target's key."""
    source = await Store.open(tmp_path / "source.sqlite3", Pseudonyms(b"s" * 32))
    target = await Store.open(tmp_path / "target.sqlite3", Pseudonyms(b"t" * 32))
    try:
        await source.set_completed(1, 2027, "vigil", True, TODAY)
        with pytest.raises(DatabaseError, match="TGBOT_ID_KEY differs"):
            await source.copy_to(target, lambda rows: None)
        assert await target.row_counts() == dict.fromkeys(TABLES, 0)
    finally:
        await source.close()
        await target.close()


async def test_a_refused_connection_or_a_timeout_is_the_database_failing_only_from_it() -> None:
    """OSError and TimeoutError are the database's failure when a call to it raised them; the
    same errors from elsewhere (a call to Telegram, a file) are not silenced as one."""
    import asyncpg

    with socket.socket() as free:  # a port nothing listens on
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    url = f"postgresql://tgbot@127.0.0.1:{port}/tgbot"
    db = PostgresDatabase(await asyncpg.create_pool(url, min_size=0), url)
    try:
        with pytest.raises(OSError) as from_database:
            await db.fetch("SELECT 1")
    finally:
        await db.close()
    with pytest.raises(OSError) as from_elsewhere:  # the same refusal, not the database's
        await asyncio.open_connection("127.0.0.1", port)
    with pytest.raises(TimeoutError) as too_slow:
        await asyncio.wait_for(asyncio.sleep(1), 0.01)
    assert type(from_database.value) is type(from_elsewhere.value)
    assert is_database_failure(from_database.value)
    assert not is_database_failure(from_elsewhere.value)
    assert not is_database_failure(too_slow.value)
    assert is_database_failure(ExceptionGroup("round", [from_database.value]))
    assert not is_database_failure(ExceptionGroup("round", [from_database.value,
                                                            too_slow.value]))


async def database_at_0010(path: Path) -> None:
    """tests/data/v1.sqlite3 brought to 0010 as those releases did, by the migrations."""
    database_at_0008(path)
    db = await open_database(str(path))
    try:
        for name, sql in SQLITE[8:10]:
            async with db.schema_transaction() as tx:
                for statement in _statements(sql):
                    await tx.execute(statement)
                if name in STEPS:
                    await STEPS[name](tx, PEOPLE)
                await tx.execute("INSERT INTO _migrations VALUES (?, '2027-10-01T00:00:00')",
                                 (name,))
    finally:
        await db.close()


async def test_0012_keeps_an_old_files_completions_as_done_and_takes_answers(
        tmp_path: Path) -> None:
    path, person = tmp_path / "old.sqlite3", 987_654_321
    await database_at_0010(path)
    with sqlite3.connect(path) as old:
        assert "0010_outbox_tally" in {row[0] for row in old.execute("SELECT name FROM "
                                                                     "_migrations")}
        old.execute("INSERT INTO completions VALUES (?, 2027, 'vigil', '2027-11-05', 'fr')",
                    (PEOPLE.person(person),))
    store = await Store.open(path, PEOPLE)
    try:
        assert "0012_outcomes" in await store.applied_migrations()
        assert await store.completed(person, 2027) == {"vigil"}
        assert ("vigil", "fr", "done", 1) in await store.outcome_counts(2027)
        assert await store.set_outcome(person, 2027, "vigil", Outcome.SAFER, TODAY) is True
        assert ("vigil", "fr", "safer", 1) in await store.outcome_counts(2027)
        assert await store.set_outcome(person, 2027, "vigil", Outcome.NOT_SAFE, TODAY) is True
        assert "vigil" not in await store.completed(person, 2027)
        assert await store.not_safe_count(2027, "vigil", "") == 1  # no chat, no language
    finally:
        await store.close()


async def test_0013_adds_discreet_mode_and_the_deletion_outbox_to_an_old_file(
        tmp_path: Path) -> None:
    """A file from before 0013 keeps its chats, none discreet, and gets the deletion outbox."""
    path = tmp_path / "old.sqlite3"
    database_at_0008(path)
    store = await Store.open(path)  # then the file as the migrations before 0013 left it
    await store.close()
    with sqlite3.connect(path) as old:
        old.execute("DELETE FROM _migrations WHERE name = '0013_discreet'")
        old.execute("DROP TABLE deletions")
        old.execute("ALTER TABLE chats DROP COLUMN discreet")
    store = await Store.open(path)
    try:
        assert "0013_discreet" in await store.applied_migrations()
        chat = await store.chat(1001)
        assert chat is not None and chat.subscribed and not chat.discreet
        assert await store.set_discreet(1001, True) is True
        assert await store.set_discreet(1001, True) is False
        assert (await store.chat(1001)).discreet  # type: ignore[union-attr]
        await store.deletions.keep([Kept(1001, 7, 100.0, 200.0)])
        assert [c.message_id for c in await store.deletions.claim(200.0, 10, owner="a")] == [7]
    finally:
        await store.close()


async def test_one_answer_per_person_and_action(store: Store) -> None:
    assert await store.set_outcome(7, 2027, "a", Outcome.DONE, TODAY, language="fr") is True
    assert await store.set_outcome(7, 2027, "a", Outcome.DONE, TODAY, language="fr") is False
    assert await store.set_outcome(7, 2027, "a", Outcome.SAFER, TODAY, language="fr") is True
    assert await store.outcome_counts(2027) == [("a", "fr", "safer", 1)]
    assert await store.set_outcome(7, 2027, "a", Outcome.NOT_SAFE, TODAY, language="fr")
    assert await store.outcome_counts(2027) == [("a", "fr", "not_safe", 1)]
    assert await store.not_safe_count(2027, "a", "fr") == 1
    assert await store.completed(7, 2027) == set()
    assert await store.set_completed(7, 2027, "a", True, TODAY) is True  # switches back
    assert await store.outcome_counts(2027) == [("a", "", "done", 1)]  # no chat, no language
    assert await store.set_outcome(7, 2027, "a", None, TODAY) is True
    assert await store.outcome_counts(2027) == []
    await store.set_outcome(7, 2027, "a", Outcome.NOT_SAFE, TODAY, language="fr")
    await store.forget_user(7, 0.0)
    assert await store.outcome_counts(2027) == []


async def test_retire_deletes_every_per_person_row_and_keeps_the_counts(store: Store) -> None:
    for person, outcome in ((1, Outcome.DONE), (2, Outcome.SAFER), (3, Outcome.NOT_SAFE)):
        await store.set_outcome(person, 2027, "a", outcome, TODAY, language="en")
        await store.set_outcome(person, 2027, "b", Outcome.DONE, TODAY, language="en")
        await store.group_press(-5, 2027, 1, person, outcome != Outcome.NOT_SAFE)
    await store.set_outcome(1, 2028, "a", Outcome.DONE, TODAY)  # a later edition stays
    await store.set_subscribed(1, "private", True, TODAY)
    await store.enqueue(2027, [(1, 1)])
    await store.finish((await store.claim(1, owner="a", now=NOW))[0], "sent", TODAY, 42)
    campaign_counts = await store.completions(2027)
    answered, total = await store.outcome_counts(2027), await store.completions_total(2027)
    depth = await store.outbox_depth()
    assert await store.retire(2027) == 5 + 1 + 2 + 1  # completions, not safe, presses, push
    for person in (1, 2, 3):
        data = await store.user_data(person)
        assert data["not_safe"] == [] and data["group_presses"] == []
        assert data["deliveries"] == 0
        assert {row[0] for row in data["completions"]} <= {2028}
    assert await store.group_count(-5, 2027, 1) == 0
    assert await store.completed(1, 2028) == {"a"}
    for _ in range(2):  # counted once, however often it runs
        assert await store.completions(2027) == campaign_counts
        assert await store.outcome_counts(2027) == answered
        assert await store.completions_total(2027) == total == 5
        assert await store.outbox_depth() == depth
        assert await store.retire(2027) == 0


async def test_the_deletion_outbox_claims_due_rows_once_and_takes_back_a_dead_claim(
        store: Store) -> None:
    await store.deletions.keep([Kept(1, 10, 0.0, 50.0), Kept(1, 11, 0.0, 60.0),
                                Kept(2, 12, 0.0, None), Kept(1, 10, 0.0, 10.0)])  # kept once
    assert await store.deletions.claim(49.0, 10, owner="a") == []
    assert sorted((c.chat_id, c.message_id) for c in
                  await store.deletions.claim(60.0, 10, owner="a")) == [(1, 10), (1, 11)]
    assert await store.deletions.claim(60.0, 10, owner="b") == []  # claimed already
    await store.deletions.close(1, {10: Deleted.DELETED, 11: Deleted.PENDING}, retry_at=120.0)
    assert await store.deletions.claim(119.0, 10, owner="b") == []  # retried later
    assert [c.message_id for c in await store.deletions.claim(120.0, 10, owner="b")] == [11]
    assert await store.deletions.release({"b"}) == 0  # its owner is alive
    assert await store.deletions.release({"c"}) == 1  # b died: back to pending
    claimed = await store.deletions.claim(120.0, 10, owner="c")
    assert [(c.message_id, c.attempts) for c in claimed] == [(11, 3)]  # a, b and c tried
    # /forget: the chat's kept messages are due now, even those without a time
    assert await store.forget_user(2, 130.0) == 0
    assert [c.message_id for c in await store.deletions.claim(130.0, 10, owner="c")] == [12]
    assert await store.deletions.drop_older(1.0) == {"deleted": 1, "deleting": 2}


async def test_0014_corrects_copies_sent_before_fingerprints(tmp_path: Path) -> None:
    """A copy an old release sent (no fingerprint of its content) counts as delivered, and a
    correction's edit of it records what it shows from then on."""
    path = tmp_path / "old.sqlite3"
    database_at_0008(path)
    with sqlite3.connect(path) as old:
        old.execute("INSERT INTO deliveries (chat_id, edition, day, state, message_id) "
                    "VALUES (1001, 2027, 5, 'sent', 77)")
    store = await Store.open(path)
    try:
        copies = await store.delivered_copies(2027, 5)
        assert copies == [Copy(1001, 77, "fr", "private", None)]
        correction = await store.queue_correction(2027, 5, copies, 1.0)
        [edit] = await store.claim_edits(10, owner="me", now=2.0)
        assert edit == Edit(correction, 1001, 77, 1, 2027, 5)
        await store.close_edits([EditClosed(edit, State.SENT, "f1")])
        assert (await store.delivered_copies(2027, 5))[0].shown == "f1"
        assert await store.correction_states(correction) == {"sent": 1}
    finally:
        await store.close()


async def test_a_recalled_day_is_queued_withdrawn_never_claimed(store: Store) -> None:
    """After a day's recall, its push and its reminder queued later (a zone whose time comes
    after, a new subscriber) close as withdrawn at once: nothing of the day is claimed."""
    await store.set_subscribed(5_000_000_001, "private", True, TODAY)
    await store.set_reminder(5_000_000_001, "21:00", 0.0)
    started = await store.queue_recall(Target.of_day(2027, 5), NOW)
    assert started is not None and started[1] == {}  # nothing was queued yet
    await store.enqueue(2027, [Due(5_000_000_001, 5)])
    await store.plan_reminders(2027, [Due(5_000_000_001, 5, 2e9, 1e9)],
                               {5_000_000_001: (0.0, 1.5e9)})
    assert await store.delivery_states(2027, 5) == {"withdrawn": 1}
    assert await store.claim(10, owner="a", now=NOW) == []
    await store.enqueue(2027, [Due(5_000_000_001, 6)])  # another day goes out as ever
    assert [(d.day, d.reminder) for d in await store.claim(10, owner="a", now=NOW)] == [
        (6, False)]


async def test_a_recall_counts_the_day_and_its_reminders_withdrawn_apart(store: Store) -> None:
    """A day's push and its reminder, both queued and not sent, are withdrawn by its recall
    and counted each under its own kind (the metrics' label), not both as the push."""
    await store.set_subscribed(5_000_000_001, "private", True, TODAY)
    await store.set_reminder(5_000_000_001, "21:00", 0.0)
    await store.enqueue(2027, [Due(5_000_000_001, 5)])
    await store.plan_reminders(2027, [Due(5_000_000_001, 5, 2e9, 1e9)],
                               {5_000_000_001: (0.0, 1.5e9)})
    started = await store.queue_recall(Target.of_day(2027, 5), NOW)
    assert started is not None and started[1] == {Kind.PUSH: 1, Kind.REMINDER: 1}
    [(_, withdrawn)] = await store.recall_reports()
    assert withdrawn == 2


async def test_a_copy_in_flight_at_the_recall_is_recalled_as_it_closes(store: Store) -> None:
    """A row a sender had claimed when the recall started is withdrawn; closed as sent after
    it, its copy joins the recall and is due for deletion, and the recall is reported again
    until that copy's deletion is recorded."""
    await store.set_language(5_000_000_001, "private", "fr", TODAY)
    await store.set_subscribed(5_000_000_001, "private", True, TODAY)
    await store.enqueue(2027, [Due(5_000_000_001, 5)])
    [delivery] = await store.claim(10, owner="a", now=NOW)
    started = await store.queue_recall(Target.of_day(2027, 5), NOW)
    assert started is not None and started[1] == {Kind.PUSH: 1}  # the row in flight is withdrawn
    [(report, withdrawn)] = await store.recall_reports()
    assert report.finished and report.copies == {} and withdrawn == 1
    await store.finish_recall(report.recall_id)
    assert await store.recall_reports() == []
    await store.close_rows([Closed(delivery, State.SENT, 77, sent_at=NOW + 1)], TODAY)
    [claimed] = await store.deletions.claim(NOW + 2, 10, owner="a")
    assert (claimed.chat_id, claimed.message_id, claimed.sent_at) == (5_000_000_001, 77, NOW + 1)
    [(report, _)] = await store.recall_reports()
    assert report.copies == {"fr": Counter({"pending": 1})} and not report.finished
    await store.deletions.close(5_000_000_001, {77: Deleted.DELETED}, NOW + 60)
    [(report, _)] = await store.recall_reports()
    assert report.copies == {"fr": Counter({"deleted": 1})} and report.finished
    await store.finish_recall(report.recall_id)
    assert await store.recall_reports() == []


async def test_an_announcements_correction_starts_once_and_waits_when_asked(
        database: str) -> None:
    """Its start moves the new text onto the announcement and queues one edit per delivered
    copy, once; the same text queues none; made with an author it waits for approval, which
    the author cannot give, and another organiser's starts it."""
    store = await Store.open(database)
    try:
        for chat in (1, 2, 3):
            await store.set_language(chat, "private", "fr" if chat == 3 else "en",
                                     dt.date(2027, 11, 1))
            await store.set_subscribed(chat, "private", True, dt.date(2027, 11, 1))
        announcement = await store.create_announcement("old", None, dt.date(2027, 11, 5))
        assert await store.start_announcement(announcement, now=1.0) == 3
        async with store._db.transaction() as tx:  # two sent, one still to send
            await tx.execute("UPDATE announcement_deliveries SET state = 'sent', message_id = "
                             "chat_id + 100 WHERE chat_id IN (1, 3)")
        assert await store.announcement_copies(announcement) == Counter({"en": 1, "fr": 1})
        first = await store.create_announcement_correction(announcement, "new", 2027, 2.0)
        assert await store.corrected_announcement(first) == (announcement, "new")
        assert await store.start_announcement_correction(first, (9, 9, "en")) == 2
        assert await store.start_announcement_correction(first) is None  # pressed twice
        assert (await store.announcement(announcement)).text == "new"  # type: ignore[union-attr]
        assert await store.correction_status(first) == (9, 9, "en")
        assert await store.announcement_copies(announcement) == Counter()  # edits to send
        same = await store.create_announcement_correction(announcement, "new", 2027, 3.0)
        assert await store.start_announcement_correction(same) == 0

        waits = await store.create_announcement_correction(announcement, "newer", 2027, 4.0,
                                                           author=OPERATOR)
        assert await store.unasked([4242]) == [(Pending(Subject.CORRECTION, waits, None),
                                                [4242])]
        refused = await store.approve_announcement_correction(waits, OPERATOR)
        assert refused.verdict == Verdict.OWN
        approved = await store.approve_announcement_correction(waits, 4242)
        assert approved.verdict == Verdict.APPROVED and approved.queued == 0  # open edits
        assert (await store.announcement(announcement)).text == "newer"  # type: ignore[union-attr]
    finally:
        await store.close()


async def test_a_copy_in_flight_when_its_announcement_is_corrected_gets_an_edit(
        database: str) -> None:
    """Rows claimed before a correction started go out with the old text: closed as sent,
    such a copy gets an edit in that correction, in the same transaction; one sent with the
    new text gets none."""
    store = await Store.open(database)
    try:
        for chat in (1, 2, 3):
            await store.set_language(chat, "private", "en", dt.date(2027, 11, 1))
            await store.set_subscribed(chat, "private", True, dt.date(2027, 11, 1))
        announcement = await store.create_announcement("old", None, dt.date(2027, 11, 5))
        await store.start_announcement(announcement, now=1.0)
        first, second, third = await store.claim(3, owner="me", now=2.0)
        await store.close_rows([Closed(first, State.SENT, 101, text="old")],
                               dt.date(2027, 11, 5))
        correction = await store.create_announcement_correction(announcement, "new", 2027, 3.0)
        assert await store.start_announcement_correction(correction) == 1  # the first's copy
        await store.close_rows([Closed(second, State.SENT, 102, text="old"),
                                Closed(third, State.SENT, 103, text="new")],
                               dt.date(2027, 11, 5))
        edits = await store.claim_edits(10, owner="me", now=4.0)
        assert {(e.chat_id, e.message_id) for e in edits} == {
            (first.chat_id, 101), (second.chat_id, 102)}
        assert {e.announcement_id for e in edits} == {announcement}
    finally:
        await store.close()
