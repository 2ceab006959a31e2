"""Partner organisations: their links, and the figures each sees of the people it brought.

A partner's link is t.me/<bot>?start=p_<code> (codes in TGBOT_PARTNERS). The first partner
link a chat comes through is kept on the chat; its completions carry that code as they carry
its language. Organisers see counts per partner, never who, and any count under 5 as "<5".
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tgbot.domain.stats import shown

LINK_PREFIX = "p_"  # start=p_cpj: the partner "cpj"
CSV_HEADER = ["partner", "figure", "day", "count"]


def partner_of(payload: str, partners: Collection[str]) -> str | None:
    """The partner a /start payload names ("p_cpj" -> "cpj"), if it is one of `partners`."""
    code = payload.removeprefix(LINK_PREFIX) if payload.startswith(LINK_PREFIX) else None
    return code if code in partners else None


@dataclass
class PartnerFigures:
    """What one partner's link brought: chats that started, are subscribed, and their actions."""

    started: int = 0
    subscribed: int = 0
    per_day: Counter[int] = field(default_factory=Counter)  # campaign day -> completions


def csv_rows(partners: Mapping[str, PartnerFigures]) -> list[tuple[str, str, str, str]]:
    """One row per partner and figure (per campaign day for completions), counts under 5 "<5"."""
    rows = []
    for code, figures in sorted(partners.items()):
        rows.append((code, "started", "", shown(figures.started)))
        rows.append((code, "subscribed", "", shown(figures.subscribed)))
        rows += [(code, "completions", str(day), shown(count))
                 for day, count in sorted(figures.per_day.items())]
    return rows


def write_csv(partners: Mapping[str, PartnerFigures], path: Path) -> int:
    """The partners' figures as a CSV file for reports; returns the rows written."""
    rows = csv_rows(partners)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        writer.writerows(rows)
    return len(rows)
