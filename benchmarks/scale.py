"""Scale benchmark: one campaign with a million subscribers, on SQLite and on PostgreSQL.

    python benchmarks/scale.py [--subscribers 1000000] [--backend sqlite|postgresql|both]
                               [--postgres URL]

Builds a database as it looks on day 5 of the campaign, just after the 09:00 push was
planned: every subscriber has yesterday's delivery sent and today's pending, and a third of
them completed an action. The SQLite file is written first, then copied into PostgreSQL with
`tgbot copy-db` (a throwaway server from Debian's `postgresql` package unless --postgres
names one). For each backend it prints:

- the query that finds the chats due now: on an ordinary beat (nobody due) and at a push
  time (the first batch of the million due);
- claiming a batch of 100 deliveries from the outbox;
- the database size;
- the resident memory of a `tgbot run` process on that database while it sends the outbox
  (against the loopback Bot API, at Telegram's 30 messages per second);
- planning the next day's push for every subscriber at its push time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")
# the key of people's pseudonyms, which a PostgreSQL database needs (and copy-db shares)
os.environ.setdefault("TGBOT_ID_KEY", "benchmark-key-of-pseudonyms-0123456789")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import postgres  # noqa: E402
from tgbot.config import Settings  # noqa: E402
from tgbot.context import Services  # noqa: E402
from tgbot.delivery.planning import Planner  # noqa: E402
from tgbot.domain import schedule  # noqa: E402
from tgbot.domain.campaign_file import load_campaign  # noqa: E402
from tgbot.domain.chat import Chat  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402
from tgbot.ops.alerts import Alerts  # noqa: E402
from tgbot.storage.store import Store  # noqa: E402

CAMPAIGN = load_campaign(ROOT / "actions.yaml")
TODAY = 5  # campaign day the database is built for
LANGUAGES = ["en", "fr", "es", "pt", "ru", "uk", "ar", "fa", "fil"]
ZONES = [None] * 9 + ["Europe/Paris", "Asia/Manila", "America/Mexico_City", "Africa/Lagos",
                      "Asia/Kolkata", "Europe/Kyiv", "Asia/Tehran", "America/Sao_Paulo"]
TIMES = [None] * 9 + ["07:30", "12:00", "18:00", "20:00"]
FAKE_USERS = 3_000  # the subscribers the loopback Bot API knows (the run reaches ~600)
RUN_SECONDS = 20.0


def local(date: dt.date, time_of_day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{date}T{time_of_day}").replace(tzinfo=CAMPAIGN.tz)


def subscribers(count: int) -> Iterator[tuple]:
    """Chat rows (chat_id, kind, language, push_time, timezone, next_push_at), planned as
    after today's push: each chat's next push is tomorrow at its own time."""
    after_push = local(CAMPAIGN.date_of(TODAY), "23:59").astimezone(dt.UTC)
    plans: dict[tuple, float | None] = {}
    for n in range(count):
        zone, push = ZONES[n % len(ZONES)], TIMES[n % len(TIMES)]
        if (zone, push) not in plans:
            plans[zone, push] = schedule.next_push(
                Chat(0, "private", None, True, push, zone, None), CAMPAIGN, after_push)
        kind, chat_id = "private", 10_000 + n
        if n % 50 == 1:
            kind, chat_id = "supergroup", -1_000_000_000_000 - n
        elif n % 100 == 2:
            kind, chat_id = "channel", -1_000_000_000_000 - n
        yield (chat_id, kind, LANGUAGES[n % len(LANGUAGES)], push, zone, plans[zone, push])


def build_sqlite(path: Path, count: int) -> None:
    """The database of day 5, written in bulk (the store migrates it first)."""
    asyncio.run(_migrate(str(path)))
    created = CAMPAIGN.start_date.isoformat()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO meta VALUES ('schedule', ?)", (schedule.timing(CAMPAIGN),))
        chats = list(subscribers(count))
        db.executemany(
            "INSERT INTO chats (chat_id, kind, language, subscribed, push_time, timezone, "
            "created_on, subscribed_on, next_push_at) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)",
            [(c[0], c[1], c[2], c[3], c[4], created, created, c[5]) for c in chats])
        for day, state in ((TODAY - 1, "sent"), (TODAY, "pending")):
            db.executemany("INSERT INTO deliveries (chat_id, edition, day, state, attempts, "
                           "message_id) VALUES (?, ?, ?, ?, ?, ?)",
                           [(c[0], CAMPAIGN.edition, day, state, int(state == "sent"),
                             7 if state == "sent" else None) for c in chats])
        db.executemany("INSERT INTO completions VALUES (?, ?, ?, ?)",
                       [(c[0], CAMPAIGN.edition, CAMPAIGN.action_for_day(1 + i % TODAY).id,
                         created) for i, c in enumerate(chats[::3]) if c[1] == "private"])


async def _migrate(db: str) -> None:
    await (await Store.open(db)).close()


async def timed(call: Callable[[], Awaitable[object]], times: int) -> tuple[float, float]:
    """Median and 95th percentile of `times` calls, in milliseconds."""
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        await call()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1]


async def queries(db: str, count: int) -> None:
    store = await Store.open(db)
    try:
        quiet = local(CAMPAIGN.date_of(TODAY), "15:00").timestamp()
        push_time = local(CAMPAIGN.date_of(TODAY + 1), "09:00:30").timestamp()
        assert await store.due_chats(quiet, 500) == []
        assert len(await store.due_chats(push_time, 500)) == min(500, count)
        median, p95 = await timed(lambda: store.due_chats(quiet, 500), 50)
        print(f"  due query, ordinary beat (nobody due):   median {median:7.2f} ms, "
              f"p95 {p95:7.2f} ms")
        median, p95 = await timed(lambda: store.due_chats(push_time, 500), 50)
        print(f"  due query, push time (500 of {count:,} due): median {median:7.2f} ms, "
              f"p95 {p95:7.2f} ms")
        claimed: list = []

        async def claim() -> None:
            claimed.extend(await store.claim(100, owner="benchmark", now=time.time()))

        median, p95 = await timed(claim, 30)
        assert len({(d.chat_id, d.day) for d in claimed}) == 3000
        print(f"  claim a batch of 100 deliveries:         median {median:7.2f} ms, "
              f"p95 {p95:7.2f} ms")
        await store.release_claims("another")  # the sender of the run below takes them anew
    finally:
        await store.close()


def size_of(db: str) -> int:
    if db.startswith("postgresql://"):
        out = subprocess.run(["psql", db, "-At", "-c",
                              "SELECT pg_database_size(current_database())"],
                             check=True, capture_output=True, text=True).stdout
        return int(out)
    with sqlite3.connect(db) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(db).stat().st_size


def run_memory(db: str) -> None:
    """Peak resident memory of `tgbot run` on the database while it drains the outbox."""
    with FakeBotAPI() as fake:
        for n in range(FAKE_USERS):
            fake.add_user(10_000 + n)
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
               "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ROOT / "actions.yaml"),
               "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_LOG_LEVEL": "WARNING"}
        process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env)
        started, rss = time.monotonic(), 0
        try:
            first = fake.wait_for(lambda c: c.method == "sendMessage", timeout=120)
            while time.monotonic() - started < RUN_SECONDS:
                assert process.poll() is None, "tgbot run stopped"
                rss = max(rss, _status(process.pid, "VmRSS"))
                time.sleep(0.25)
            peak = _status(process.pid, "VmHWM")
        finally:
            process.terminate()
            process.wait(timeout=30)
        sent = len(fake.calls_to("sendMessage"))
    print(f"  tgbot run: first message {first.at - started:5.1f} s after start, "
          f"{sent} sent in {RUN_SECONDS:.0f} s; resident memory {rss / 1024:.0f} MB "
          f"(peak {peak / 1024:.0f} MB)")


def _status(pid: int, field: str) -> int:
    """A /proc/PID/status figure, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


async def plan_everyone(db: str, count: int) -> None:
    """Tomorrow at 09:00:30 every default-timed subscriber is due: plan them all."""
    services = Services(Settings(db=db), CAMPAIGN)
    await services.open()
    # plans, sends nothing: no bot (the alerts' is only used for push times a clock ahead lost)
    alerts = Alerts(services.store, None, services.i18n, services.settings)  # type: ignore[arg-type]
    planner = Planner(services.store, services.current, alerts)
    try:
        now = local(CAMPAIGN.date_of(TODAY + 1), "09:00:30").astimezone(dt.UTC)
        started = time.perf_counter()
        added = await planner.enqueue_due(now)
        spent = time.perf_counter() - started
    finally:
        await services.close()
    print(f"  plan the push of day {TODAY + 1}: {added:,} queued in {spent:.1f} s "
          f"({added / spent:,.0f} chats/s)")


def measure(label: str, db: str, count: int) -> None:
    print(f"{label}:")
    asyncio.run(queries(db, count))
    print(f"  database size: {size_of(db) / 1e6:,.0f} MB")
    run_memory(db)
    asyncio.run(plan_everyone(db, count))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", metavar="URL", help="a server to use (a new database "
                        "is created on it); default: a throwaway local server")
    args = parser.parse_args()
    count = args.subscribers
    with tempfile.TemporaryDirectory(prefix="tgbot-scale-") as folder:
        path = Path(folder) / "scale.sqlite3"
        started = time.perf_counter()
        build_sqlite(path, count)
        print(f"{count:,} subscribers written to SQLite in {time.perf_counter() - started:.0f} s")
        server, url = None, None
        try:
            if args.backend in ("postgresql", "both"):
                # copied before the SQLite measurements change the file
                server = None if args.postgres else postgres.ThrowawayPostgres().start()
                url = postgres.create_database(args.postgres or server.url)  # type: ignore
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "tgbot", "copy-db", str(path), url],
                               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                print(f"tgbot copy-db into PostgreSQL: {time.perf_counter() - started:.0f} s")
            if args.backend in ("sqlite", "both"):
                measure("SQLite", str(path), count)
            if url is not None:
                measure("PostgreSQL", url, count)
        finally:
            if url is not None:
                postgres.drop_database(url)
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
