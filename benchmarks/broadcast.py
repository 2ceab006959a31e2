"""Broadcast benchmark: the daily push to many subscribers through the whole stack.

    python benchmarks/broadcast.py [--subscribers 10000] [--rate 30]

The real bot (Application, outbox, PTB's HTTP stack and rate limiter) sends one campaign day
to every subscriber via the loopback Bot API (HTTP on 127.0.0.1, in its own threads), which
enforces
Telegram's limits (30 messages/s, or 1,000/s for paid broadcasts). Meanwhile a supporter
chats with the bot and the time to each answer is measured. Prints: delivery rate, 429s
received, CPU seconds of the bot per 1,000 messages, peak memory of the bot process, and the
reply latency (median, 95th percentile).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PTB_TIMEDELTA", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tgbot.app import ALLOWED_UPDATES, build_application  # noqa: E402
from tgbot.campaign import load_campaign  # noqa: E402
from tgbot.config import Settings  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402
from tgbot.store import Store  # noqa: E402

CHATTER = 1  # the supporter who chats during the broadcast
FIRST_SUBSCRIBER = 100_000


def ask(api: FakeBotAPI, text: str) -> float:
    """Seconds from the supporter's message to the bot's answer."""
    mark = api.mark()
    started = time.monotonic()
    api.send_message(CHATTER, text)
    api.wait_for_message(CHATTER, after=mark, timeout=60)
    return time.monotonic() - started


async def subscribe(db: Path, subscribers: int) -> None:
    store = await Store.open(db)
    try:
        for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers):
            await store.set_language(chat_id, "private", "en", dt.date(2027, 10, 1))
            await store.set_subscribed(chat_id, "private", True, dt.date(2027, 10, 1))
    finally:
        await store.close()


async def run(subscribers: int, rate: float) -> None:
    api = FakeBotAPI().start()
    for chat_id in range(FIRST_SUBSCRIBER, FIRST_SUBSCRIBER + subscribers):
        api.add_user(chat_id)
    api.add_user(CHATTER)
    api.set_rate_limits(per_second=rate, per_chat_per_second=1, per_group_per_minute=20)
    root, token = api.root_url, api.token
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "bench.sqlite3"
        await subscribe(db, subscribers)
        settings = Settings(token=token, api_url=root, db=str(db), campaign=ROOT / "actions.yaml",
                            locales=ROOT / "locales", rate=rate)
        application = build_application(settings, load_campaign(settings.campaign))
        application.bot_data.clock = lambda: dt.datetime(2027, 11, 5, 15, tzinfo=dt.UTC)
        await application.initialize()
        await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=1,
                                                allowed_updates=ALLOWED_UPDATES)
        await application.start()
        # the bot's CPU: its event loop runs in this thread (the Bot API runs in others)
        cpu_before = time.thread_time()
        started = time.monotonic()
        broadcast = asyncio.create_task(application.bot_data.deliverer.run_round())
        await asyncio.sleep(0)
        latencies = []
        while not broadcast.done():
            latencies.append(await asyncio.to_thread(ask, api, "/why"))
            await asyncio.sleep(1.0)  # a person: Telegram allows one message a second per chat
        summary = await broadcast
        elapsed = time.monotonic() - started
        cpu = time.thread_time() - cpu_before
        await application.updater.stop()
        await application.stop()
        await application.post_shutdown(application)
        await application.shutdown()
    delivered = sum(1 for c in api.calls_to("sendMessage")
                    if c.ok and c.params.get("chat_id", 0) >= FIRST_SUBSCRIBER)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"subscribers:            {subscribers}")
    print(f"rate limit:             {rate:g} messages/s (enforced by the loopback Bot API)")
    print(f"delivered:              {delivered} (summary: {summary})")
    print(f"delivery rate:          {delivered / elapsed:.1f} messages/s over {elapsed:.1f} s")
    print(f"429 answers received:   {api.rate_limited}")
    print(f"bot CPU per 1,000 msgs: {cpu / max(delivered, 1) * 1000:.2f} s (event-loop thread)")
    print(f"peak memory (bot and loopback API in one process): {peak_mb:.0f} MB")
    print(f"reply latency:          median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {p95 * 1000:.0f} ms ({len(latencies)} questions)")
    api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=30.0,
                        help="messages per second: 30 (Telegram's limit) or 1000 (paid)")
    args = parser.parse_args()
    asyncio.run(run(args.subscribers, args.rate))


if __name__ == "__main__":
    main()
