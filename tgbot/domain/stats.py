"""Campaign figures for organisers: aggregates only, never who did what.

The store gathers them (`Store.stats`); `/stats`, `tgbot stats` and `tgbot export` present them.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from tgbot.config import stars_for

# Deep-link sources are typed by anyone ("t.me/bot?start=anything"): a source is counted under
# its own name only if it looks like one an organiser made, and only so many get a row; the
# rest are counted together, so no stranger can grow the table or /stats without bound.
SOURCE_NAME = re.compile(r"[a-z0-9_]{1,32}")
# Telegram's rule for a deep-link payload: up to 64 of A-Z a-z 0-9 _ -; other text after
# /start was typed by hand and is no source at all.
DEEP_LINK_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
OTHER_SOURCE = "other"
KEPT_SOURCES = 100
# Organisers see counts, never people: a count below this shows as "<5" (in /stats, `tgbot
# stats`, `tgbot export`), since one, two or four presses in a small group can point at who.
MIN_SHOWN = 5
SHOWN_SOURCES = 10  # /stats and `tgbot stats` show the most started from; the rest is "other"


def start_source(payload: str) -> str | None:
    """The source a /start payload counts under: its own name, or "other".

    None for a payload no t.me link can carry (text typed after /start by hand): not counted.
    """
    if not DEEP_LINK_PAYLOAD.fullmatch(payload):
        return None
    return payload.lower() if SOURCE_NAME.fullmatch(payload.lower()) else OTHER_SOURCE


def too_few(count: int) -> bool:
    """A count organisers see only as "<5": small enough to point at the people behind it."""
    return count < MIN_SHOWN


def shown(count: int) -> str:
    """A count as organisers read it in a file or a terminal: the number, or "<5"."""
    return f"<{MIN_SHOWN}" if too_few(count) else str(count)


def top_sources(starts: dict[str, int]) -> dict[str, int]:
    """The `SHOWN_SOURCES` sources most started from, best first; the rest summed as "other".

    A source stored before names were checked counts as "other" too, if it is not a name.
    """
    named = sorted(((source, count) for source, count in starts.items()
                    if source != OTHER_SOURCE and SOURCE_NAME.fullmatch(source)),
                   key=lambda item: (-item[1], item[0]))
    top = dict(named[:SHOWN_SOURCES])
    rest = sum(starts.values()) - sum(top.values())
    return {**top, OTHER_SOURCE: rest} if rest else top


class LastPush(NamedTuple):
    """The latest campaign day with outbox rows, and its rows by state.

    Pending rows past their lifetime count as 'expired'; beside the states, 'paid' counts
    the rows sent as paid broadcasts.
    """

    day: int
    states: dict[str, int]


@dataclass
class Stats:
    """The aggregate figures of /stats, `tgbot stats` and `tgbot export`: counts, never who."""

    subscribers: Counter[str] = field(default_factory=Counter)  # by kind
    by_language: Counter[str] = field(default_factory=Counter)
    new_this_week: int = 0
    lost_this_week: int = 0
    sources: dict[str, int] = field(default_factory=dict)
    per_action: Counter[int] = field(default_factory=Counter)  # campaign day -> completions
    per_date: Counter[str] = field(default_factory=Counter)  # date -> completions
    rows: list[tuple[int, str, str, str, int]] = field(default_factory=list)  # for export
    subscriptions_by_date: list[tuple[str, int]] = field(default_factory=list)
    last_push: LastPush | None = None

    @property
    def total_subscribers(self) -> int:
        """Subscribed chats of every kind."""
        return sum(self.subscribers.values())


def stars_spent(states: dict[str, int]) -> float:
    """Stars a push cost, from its messages sent as paid broadcasts."""
    return stars_for(states.get("paid", 0))


def write_csv(stats: Stats, path: Path) -> int:
    """Completions per action, date and language, for reports; returns the rows written.

    A count under 5 is written "<5".
    """
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "action", "date", "language", "completions"])
        writer.writerows((day, action, date, language, shown(count))
                         for day, action, date, language, count in sorted(stats.rows))
    return len(stats.rows)


def table(stats: Stats) -> str:
    """The figures as a plain-text table, for the terminal; counts under 5 read "<5".

    The last push's messages by state stay exact, as `/stats` shows them.
    """
    lines = [f"subscribers: {shown(stats.total_subscribers)}  "
             + "  ".join(f"{k}: {shown(v)}" for k, v in sorted(stats.subscribers.items())),
             "by language: " + "  ".join(f"{k}: {shown(v)}" for k, v in
                                         sorted(stats.by_language.items())),
             f"this week: +{shown(stats.new_this_week)} new, "
             f"-{shown(stats.lost_this_week)} lost",
             "starts by source: " + ("  ".join(f"{k}: {shown(v)}"
                                               for k, v in stats.sources.items()) or "none"),
             "completions per day of the campaign:"]
    lines += [f"  day {day:>2}: {shown(count)}"
              for day, count in sorted(stats.per_action.items())]
    if stats.last_push:
        day, states = stats.last_push
        lines.append(f"last push (day {day}): "
                     + "  ".join(f"{k}: {v}" for k, v in sorted(states.items()) if k != "paid")
                     + (f"  Stars spent: {stars_spent(states):g}" if states.get("paid") else ""))
    return "\n".join(lines)
