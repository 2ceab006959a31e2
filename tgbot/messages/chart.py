"""The organisers' chart: completions per campaign day and subscribers over time, as a PNG."""

from __future__ import annotations

import io
import itertools
from typing import TYPE_CHECKING

from tgbot.domain.stats import MIN_SHOWN, Stats, too_few

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def chart_png(stats: Stats, title: str, campaign_days: int) -> bytes:
    """The chart of `chart` as a PNG."""
    buffer = io.BytesIO()
    chart(stats, title, campaign_days).savefig(buffer, format="png")
    return buffer.getvalue()


def chart(stats: Stats, title: str, campaign_days: int) -> Figure:
    """Two panels: a bar for each of the `campaign_days`, and the running total of subscribers.

    No count under 5 can be read off it (`stats.too_few`): a day with 1 to 4 completions is
    a hatched bar up to 5 labelled "<5", and the subscribers' line starts at 5.
    """
    # imported here: matplotlib adds ~40 MB to every bot process, and only /stats needs it;
    # a bare Figure (no pyplot) keeps no global state, so threads can draw at once
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=100)
    days, growth = figure.subplots(2, 1)
    figure.suptitle(title)
    numbers = list(range(1, campaign_days + 1))
    counts = {day: stats.per_action.get(day, 0) for day in numbers}
    days.bar(numbers, [0 if too_few(n) else n for n in counts.values()], color="#c0392b")
    few = [day for day, n in counts.items() if 0 < n < MIN_SHOWN]
    if few:
        bars = days.bar(few, [MIN_SHOWN] * len(few), color="none", edgecolor="#c0392b",
                        hatch="//")
        days.bar_label(bars, labels=[f"<{MIN_SHOWN}"] * len(few), fontsize=7)
    days.set_title("Completions per day of the campaign")
    days.set_xticks(numbers)
    totals = list(itertools.accumulate(count for _, count in stats.subscriptions_by_date))
    shown = [(date, total) for (date, _), total in zip(stats.subscriptions_by_date, totals,
                                                       strict=True) if not too_few(total)]
    growth.plot(range(len(shown)), [total for _, total in shown], marker="o", color="#2c3e50")
    growth.set_xticks(range(len(shown)), [date for date, _ in shown], rotation=45, ha="right",
                      fontsize=7)
    growth.set_title("Subscribers over time")
    figure.tight_layout()
    return figure
