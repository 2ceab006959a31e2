"""The organisers' chart: completions per campaign day and subscribers over time, as a PNG."""

from __future__ import annotations

import io
import itertools

from tgbot.domain.stats import Stats


def chart_png(stats: Stats, title: str, campaign_days: int) -> bytes:
    """Two panels: a bar for each of the `campaign_days`, and the subscribers over time."""
    # imported here: matplotlib adds ~40 MB to every bot process, and only /stats needs it;
    # a bare Figure (no pyplot) keeps no global state, so threads can draw at once
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 6), dpi=100)
    days, growth = figure.subplots(2, 1)
    figure.suptitle(title)
    numbers = list(range(1, campaign_days + 1))
    days.bar(numbers, [stats.per_action.get(d, 0) for d in numbers], color="#c0392b")
    days.set_title("Completions per day of the campaign")
    days.set_xticks(numbers)
    dates = [date for date, _ in stats.subscriptions_by_date]
    totals = list(itertools.accumulate(count for _, count in stats.subscriptions_by_date))
    growth.plot(range(len(dates)), totals, marker="o", color="#2c3e50")
    growth.set_xticks(range(len(dates)), dates, rotation=45, ha="right", fontsize=7)
    growth.set_title("Subscribers over time")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
