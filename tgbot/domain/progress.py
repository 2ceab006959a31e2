"""A supporter's progress through the campaign: how many done, the current streak, what is left.

Pure functions of the campaign, the completed action ids and the day, so tests need no bot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tgbot.domain.campaign import Action, Campaign


@dataclass(frozen=True)
class Progress:
    """What /progress shows: actions done of the total, the streak, and the days still open."""

    done: int
    total: int
    streak: int
    left: tuple[Action, ...]  # reached days not yet done, oldest first


def progress(campaign: Campaign, completed: set[str], date: dt.date) -> Progress:
    """Progress on `date` (the chat's today) of someone who completed the `completed` ids."""
    reached = campaign.reached(date)
    done_days = {a.day for a in campaign.actions if a.id in completed}
    left = tuple(a for a in campaign.actions if a.day <= reached and a.day not in done_days)
    return Progress(done=len(done_days), total=len(campaign.actions),
                    streak=streak(done_days, reached), left=left)


def streak(done_days: set[int], reached: int) -> int:
    """Consecutive days done, ending today, or yesterday while today is still open."""
    day = reached if reached in done_days else reached - 1
    count = 0
    while day >= 1 and day in done_days:
        count, day = count + 1, day - 1
    return count
