"""How a day went for a person, counted for organisers; and how long a person's rows are kept.

Beside "I did it" a person may answer "I did the safer version" or "Not safe where I live":
one answer per person and action, kept under their pseudonym so they can switch or undo it.
Organisers see only how many gave each answer, per campaign day and language, any count under
`stats.MIN_SHOWN` as "<5"; a day that many readers of one language find unsafe is told to them
once, so they can adapt or correct it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from tgbot.domain.campaign import Campaign
from tgbot.domain.stats import shown


class Outcome(StrEnum):
    """A person's answer to a day's action."""

    DONE = "done"
    SAFER = "safer"  # did the day's safer way: a completion too
    NOT_SAFE = "not_safe"  # not safe where they live: no completion


@dataclass
class OutcomeCounts:
    """How many people gave each answer, per (campaign day, language): counts, never who."""

    by_day: dict[tuple[int, str], Counter[Outcome]] = field(default_factory=dict)

    def add(self, day: int, language: str, outcome: Outcome, count: int) -> None:
        """Count `count` more answers `outcome` on a day in a language."""
        self.by_day.setdefault((day, language), Counter())[outcome] += count

    def rows(self) -> list[tuple[int, str, int, int, int]]:
        """(day, language, done, safer, not safe) in day and language order."""
        return [(day, language, counts[Outcome.DONE], counts[Outcome.SAFER],
                 counts[Outcome.NOT_SAFE])
                for (day, language), counts in sorted(self.by_day.items())]


def count_outcomes(campaign: Campaign,
                   rows: list[tuple[str, str, str, int]]) -> OutcomeCounts:
    """The counts from the store's (action id, language, outcome, count) of one edition."""
    days = {action.id: action.day for action in campaign.actions}
    counts = OutcomeCounts()
    for action_id, language, outcome, count in rows:
        counts.add(days.get(action_id, 0), language or "?", Outcome(outcome), count)
    return counts


def write_outcomes_csv(counts: OutcomeCounts, path: Path) -> int:
    """The answers per day and language, any count under 5 as "<5"; returns the rows written."""
    rows = counts.rows()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["day", "language", "did_it", "did_the_safer_version", "not_safe"])
        writer.writerows((day, language, shown(done), shown(safer), shown(not_safe))
                         for day, language, done, safer, not_safe in rows)
    return len(rows)


def retired_through(campaign: Campaign, today: dt.date, days: int) -> int | None:
    """The latest edition whose per-person rows are `days` days past its end on `today`.

    The running edition ends on its last day; an earlier one ended before the running one
    began (editions do not overlap), so the day before its start is the latest it can have
    ended: its rows are never deleted early. None: no edition is that old yet.
    """
    if (today - campaign.end_date).days > days:
        return campaign.edition
    if (today - campaign.start_date).days + 1 > days:
        return campaign.edition - 1
    return None
