"""Correction benchmark: `tgbot correct DAY --yes` editing 2,000 delivered copies at 30/s.

    python benchmarks/correct.py [--copies 2000]

The loopback Bot API runs in this process with Telegram's limits (30 sends or edits in any
second; edits count, as the budget assumes); `tgbot push` delivers day 1 to every subscriber,
the campaign's day 1 is then changed, and `tgbot correct 1 --yes` edits every copy. Prints
how long the correction took, its edits a second, and the busiest second of edits (which
must not exceed 30), with 429 answers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.broadcast import busiest_second, subscribe  # noqa: E402
from tests.helpers.harness import campaign_copy  # noqa: E402
from tgbot.fakeapi import FakeBotAPI  # noqa: E402

TITLE = 'title: "Write to the Philippine Justice Secretary about Maguindanao"'
FIRST = 100_000
BUDGET = 30


def tgbot(fake: FakeBotAPI, db: str, campaign: Path, *args: str) -> str:
    """Run a `tgbot` command; its output."""
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(campaign), "TGBOT_LOG_LEVEL": "WARNING",
           "TGBOT_LOCALES": str(ROOT / "locales")}
    return subprocess.run([sys.executable, "-m", "tgbot", *args], env=env, check=True,
                          capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2000)
    copies = parser.parse_args().copies
    with tempfile.TemporaryDirectory() as folder, FakeBotAPI() as fake:
        original = (ROOT / "actions.yaml").read_text(encoding="utf-8")
        db = str(Path(folder) / "bot.sqlite3")
        for chat_id in range(FIRST, FIRST + copies):
            fake.add_user(chat_id)
        asyncio.run(subscribe(db, FIRST, copies))
        tgbot(fake, db, ROOT / "actions.yaml", "push", "--date", "2027-11-01")
        corrected = campaign_copy(Path(folder), original.replace(TITLE, TITLE[:-1] + ' (2)"'))
        mark, started = fake.mark(), time.monotonic()
        out = tgbot(fake, db, corrected, "correct", "1", "--yes")
        took = time.monotonic() - started
        edits = [c for c in fake.calls[mark:] if c.method == "editMessageText"]
    done = [c.at for c in edits if c.ok]
    span = max(done) - min(done) if len(done) > 1 else 0.0
    print(out.strip().splitlines()[-1])
    print(f"{len(done)} copies corrected in {took:.1f} s (process start included); "
          f"edits over {span:.1f} s: {len(done) / span if span else 0:.1f}/s; busiest second: "
          f"{busiest_second(done)} (budget {BUDGET}); 429 answers: "
          f"{sum(1 for c in edits if c.error_code == 429)}")


if __name__ == "__main__":
    main()
