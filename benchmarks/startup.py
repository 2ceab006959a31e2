"""Start-up benchmark: the CPU seconds one `tgbot` process spends, command by command.

    python benchmarks/startup.py [--runs 7]

The suite starts about 250 `tgbot` processes, and organisers' cron jobs start `tgbot push`
every few minutes, so what a process costs before it does anything counts. The loopback Bot
API runs in this process with ten subscribers on a new SQLite file; each command runs
`--runs` times and the median of its CPU seconds (user and system, from the kernel's
accounting of the child) is printed: `tgbot push` sending day 1, `tgbot correct 1 --yes`,
`tgbot status`, and `tgbot run` from its start to its answer to /start, then SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.broadcast import subscribe  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402

SUBSCRIBERS = range(1001, 1011)


def cpu_of(start: Callable[[], None]) -> float:
    """The CPU seconds of the child processes `start` ran and waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder, FakeBotAPI() as fake:
        for chat_id in SUBSCRIBERS:
            fake.add_user(chat_id)
        db = str(Path(folder) / "bot.sqlite3")
        asyncio.run(subscribe(db, SUBSCRIBERS[0], len(SUBSCRIBERS)))
        env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
               "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ROOT / "actions.yaml"),
               "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_LOG_LEVEL": "WARNING"}

        def command(*args: str) -> Callable[[], None]:
            return lambda: subprocess.run([sys.executable, "-m", "tgbot", *args], env=env,
                                          check=True, capture_output=True)

        def run_until_it_answers() -> None:
            mark = fake.mark()
            process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                fake.wait_polling(after=mark, timeout=60)
                fake.send_message(SUBSCRIBERS[0], "/start")
                fake.wait_for_message(SUBSCRIBERS[0], after=mark, timeout=60)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=60)

        for name, start in (("push --date 2027-11-01", command("push", "--date", "2027-11-01")),
                            ("correct 1 --yes", command("correct", "1", "--yes")),
                            ("status", command("status")),
                            ("run, to its first answer", run_until_it_answers)):
            seconds = [cpu_of(start) for _ in range(runs)]
            print(f"tgbot {name:26} {statistics.median(seconds):.2f} CPU s "
                  f"(median of {runs}, least {min(seconds):.2f})")


if __name__ == "__main__":
    main()
