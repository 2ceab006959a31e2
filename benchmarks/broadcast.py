"""Broadcast benchmark: the daily push through the whole stack, at Telegram's limits.

    python benchmarks/broadcast.py [--subscribers 2000] [--paid-subscribers 5000]
                                   [--only free|two|paid]

The loopback Bot API runs in this process; every bot is a real `tgbot` process of its own
(polling or on a webhook), so the API and the bot each have a core. The API enforces a
strict sliding window: 30 messages in any second (1,000 for paid broadcasts), one a second
per chat. Three runs:

- free: `tgbot run` pushes the day's action to every subscriber on SQLite while a supporter
  asks a question every second; prints the messages a second (all, and the broadcast's
  alone), 429 answers, the reply latency (median, p95) and the bot's CPU per message;
- two: the same with two `tgbot run` instances on one PostgreSQL (a throwaway server), the
  supporter talking to the one that does not send;
- paid: `tgbot push` with TGBOT_PAID_BROADCAST=1 and TGBOT_RATE=1000, beside the same
  message sent to as many chats by a bare aiohttp client and by plain python-telegram-bot
  (`Bot.send_message`, its default HTTPXRequest): each one's messages a second and CPU
  milliseconds per message (start-up included), and the bot's CPU against plain PTB's.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")
# the key of people's pseudonyms, which a PostgreSQL database needs (and copy-db shares)
os.environ.setdefault("TGBOT_ID_KEY", "benchmark-key-of-pseudonyms-0123456789")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import postgres  # noqa: E402
from tests.helpers.harness import WEBHOOK_SECRET, campaign_starting, free_port  # noqa: E402
from tgbot import messages  # noqa: E402
from tgbot.domain.campaign_file import load_campaign  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402
from tgbot.i18n.translator import I18n  # noqa: E402
from tgbot.storage.store import Store  # noqa: E402

CHATTER = 1  # the supporter who asks a question every second during the broadcast
FIRST = 100_000  # the first subscriber's chat id


def campaign_running_today(folder: Path) -> Path:
    """actions.yaml with today inside the campaign (kept in one calendar year), in UTC, the
    push due since midnight: a bot started now pushes at once."""
    today = dt.datetime.now(dt.UTC).date()
    back = max(22 - (dt.date(today.year, 12, 31) - today).days,
               min(4, (today - dt.date(today.year, 1, 1)).days))
    start = today - dt.timedelta(days=back)
    text = (ROOT / "actions.yaml").read_text(encoding="utf-8")
    text = campaign_starting(text, start)
    text = re.sub(r'(?m)^  timezone: "[^"]+"', '  timezone: "UTC"', text)
    text = re.sub(r'(?m)^  push_time: "[^"]+"', '  push_time: "00:00"', text)
    (folder / "images").symlink_to(ROOT / "images")
    path = folder / "actions.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def subscribe(db: str, first: int, count: int) -> None:
    store = await Store.open(db)
    try:
        for chat_id in range(first, first + count):
            await store.set_language(chat_id, "private", "en", dt.date(2027, 10, 1))
            await store.set_subscribed(chat_id, "private", True, dt.date(2027, 10, 1))
    finally:
        await store.close()


def start(fake: FakeBotAPI, db: str, campaign: Path, *args: str, log: Path,
          **env: str) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
                   "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(campaign),
                   "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_LOG_LEVEL": "WARNING",
                   "TGBOT_WEBHOOK_SECRET": WEBHOOK_SECRET, **env}
    with log.open("ab") as stream:
        return subprocess.Popen([sys.executable, "-m", "tgbot", *args], env=environment,
                                stdout=stream, stderr=subprocess.STDOUT)


def webhook_args() -> tuple[str, ...]:
    port = free_port()
    return ("run", "--listen", "127.0.0.1", "--port", str(port),
            "--webhook", f"http://127.0.0.1:{port}/hook")


def cpu_seconds(process: subprocess.Popen, stop: bool = False) -> float:
    """The process's user + system CPU, once it has exited (stopped with SIGTERM if asked)."""
    if stop:
        process.send_signal(signal.SIGTERM)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


def sends(fake: FakeBotAPI, first: int, count: int) -> list:
    return [c for c in fake.calls_to("sendMessage")
            if c.ok and first <= int(c.params["chat_id"]) < first + count]


def busiest_second(times: list[float]) -> int:
    times, most, start_at = sorted(times), 0, 0
    for end, at in enumerate(times):
        while at - times[start_at] >= 1.0:
            start_at += 1
        most = max(most, end - start_at + 1)
    return most


def ask(fake: FakeBotAPI) -> float:
    """Seconds from the supporter's question to the bot's answer reaching Telegram."""
    mark = fake.mark()
    started = time.monotonic()
    fake.send_message(CHATTER, "/why")
    fake.wait_for_message(CHATTER, after=mark, timeout=60)
    return time.monotonic() - started


def chat_during(fake: FakeBotAPI, done: object) -> list[float]:
    latencies = []
    while not done():  # type: ignore[operator]
        latencies.append(ask(fake))
        time.sleep(1.05)  # Telegram allows the bot one message a second in a chat
    return latencies


def report_free(title: str, fake: FakeBotAPI, count: int, latencies: list[float],
                cpu: float) -> None:
    broadcast = sends(fake, FIRST, count)
    first, last = broadcast[0].at, broadcast[-1].at
    everything = [c.at for c in fake.calls_to("sendMessage") if c.ok and first <= c.at <= last]
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"{title}")
    print(f"  delivered:            {len(broadcast)} of {count}")
    print(f"  messages a second:    {(len(everything) - 1) / (last - first):.2f} all, "
          f"{(len(broadcast) - 1) / (last - first):.2f} of the broadcast "
          f"(busiest second: {busiest_second(everything)})")
    refused = [c for c in fake.calls_to("sendMessage") if c.error_code == 429]
    print(f"  429 answers:          {fake.rate_limited} "
          f"({sum(1 for c in refused if int(c.params['chat_id']) == CHATTER)} to replies)")
    print(f"  reply latency:        median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms ({len(latencies)} questions)")
    print(f"  bot CPU per message:  {cpu / len(everything) * 1000:.2f} ms (all processes)")


def run_free(scratch: Path, count: int) -> None:
    campaign = campaign_running_today(scratch)
    db = str(scratch / "free.sqlite3")
    asyncio.run(subscribe(db, FIRST, count))
    with FakeBotAPI() as fake:
        for chat_id in (CHATTER, *range(FIRST, FIRST + count)):
            fake.add_user(chat_id)
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        bot = start(fake, db, campaign, "run", log=scratch / "free.log")
        fake.wait_for(lambda c: c.method == "sendMessage", timeout=60)
        latencies = chat_during(fake, lambda: len(sends(fake, FIRST, count)) >= count)
        cpu = cpu_seconds(bot, stop=True)
        report_free("free, one instance on SQLite (Telegram's 30/s)", fake, count, latencies,
                    cpu)


def run_two(scratch: Path, count: int) -> None:
    campaign = campaign_running_today(scratch)
    server = postgres.ThrowawayPostgres().start()
    try:
        db = postgres.create_database(server.url)
        asyncio.run(subscribe(db, FIRST, count))
        with FakeBotAPI() as fake:
            for chat_id in (CHATTER, *range(FIRST, FIRST + count)):
                fake.add_user(chat_id)
            fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
            sender = start(fake, db, campaign, *webhook_args(), log=scratch / "one.log")
            fake.wait_for(lambda c: c.method == "sendMessage", timeout=60)
            standby = start(fake, db, campaign, *webhook_args(), log=scratch / "two.log")
            # its setWebhook makes it the instance the supporter's messages reach
            fake.wait_for(lambda c: c.method == "setWebhook", after=fake.mark() - 1,
                          timeout=60)
            while len(fake.calls_to("setWebhook")) < 2:
                time.sleep(0.05)
            latencies = chat_during(fake, lambda: len(sends(fake, FIRST, count)) >= count)
            cpu = cpu_seconds(sender, stop=True) + cpu_seconds(standby, stop=True)
            if os.environ.get("BENCH_DEBUG"):
                first = sends(fake, FIRST, count)[0].at
                print([(round(c.at - first, 2), c.params["chat_id"]) for c in
                       fake.calls_to("sendMessage") if c.error_code == 429])
                print([(round(c.at - first, 2), c.method) for c in fake.calls
                       if c.method in ("setWebhook", "getMe")])
            report_free("free, two instances on PostgreSQL (the supporter on the standby)",
                        fake, count, latencies, cpu)
    finally:
        server.stop()


def run_paid(scratch: Path, count: int) -> None:
    campaign_path = campaign_running_today(scratch)
    campaign = load_campaign(campaign_path)
    today = dt.datetime.now(dt.UTC).date()
    action = campaign.action_for_day(campaign.day_of(today) or 1)
    reply = messages.action_message(I18n(ROOT / "locales").get("en"), campaign, action,
                                    bot_username="tgbot_demo_bot")
    message = scratch / "message.json"
    message.write_text(json.dumps({"text": reply.text,
                                   "reply_markup": reply.markup.to_dict()}), encoding="utf-8")
    db = str(scratch / "paid.sqlite3")
    asyncio.run(subscribe(db, FIRST, count))
    runs: dict[str, tuple[float, float]] = {}
    with FakeBotAPI() as fake:
        for chat_id in range(FIRST, FIRST + 3 * count):
            fake.add_user(chat_id)
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        bot = start(fake, db, campaign_path, "push", "--date", today.isoformat(),
                    log=scratch / "paid.log", TGBOT_PAID_BROADCAST="1", TGBOT_RATE="1000")
        cpu = cpu_seconds(bot)
        rate_limited = fake.rate_limited
        sent = sends(fake, FIRST, count)
        assert all(c.params.get("allow_paid_broadcast") for c in sent)
        runs["tgbot push"] = ((len(sent) - 1) / (sent[-1].at - sent[0].at), cpu / len(sent))
        for offset, peer in ((1, "aiohttp"), (2, "ptb")):
            process = subprocess.Popen(
                [sys.executable, str(ROOT / "benchmarks" / "peers.py"), peer, fake.root_url,
                 fake.token, str(message), str(FIRST + offset * count), str(count)],
                stdout=subprocess.PIPE, text=True)
            cpu = cpu_seconds(process)
            # the bare client does not pace itself: what it got accepted a second is what the
            # API allows (its 429s are not the bot's)
            peer_sent = sends(fake, FIRST + offset * count, count)
            runs[peer] = ((len(peer_sent) - 1) / (peer_sent[-1].at - peer_sent[0].at),
                          cpu / count)
    print(f"paid broadcast to {count} chats (the API allows 1,000/s with allow_paid_broadcast)")
    for name, label in (("tgbot push", "tgbot push"), ("aiohttp", "bare aiohttp client"),
                        ("ptb", "plain PTB")):
        rate, cpu = runs[name]
        print(f"  {label + ':':21} {rate:7.1f} messages/s, {cpu * 1000:.2f} ms CPU a message")
    print(f"  429 answers to the bot: {rate_limited}")
    print(f"  bot rate / bare client: {runs['tgbot push'][0] / runs['aiohttp'][0]:.2f}")
    print(f"  bot CPU / plain PTB:    {runs['tgbot push'][1] / runs['ptb'][1]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=2_000)
    parser.add_argument("--paid-subscribers", type=int, default=5_000)
    parser.add_argument("--only", choices=("free", "two", "paid"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tgbot-bench-") as folder:
        scratch = Path(folder)
        for name, run, count in (("free", run_free, args.subscribers),
                                 ("two", run_two, args.subscribers),
                                 ("paid", run_paid, args.paid_subscribers)):
            if args.only in (None, name):
                (scratch / name).mkdir()
                run(scratch / name, count)


if __name__ == "__main__":
    main()
