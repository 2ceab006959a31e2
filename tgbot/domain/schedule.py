"""When each chat is due its daily action: local dates, push times and catch-up after downtime.

Pure functions of the stored chats, the campaign and a moment in time, so the scheduler,
`tgbot push` and the tests all agree on who is due.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable

from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.outbox import Due

# The campaign's now, in UTC: the one clock that says which day and hour it is for the
# campaign. Injected everywhere it is read; tests and `tgbot demo --date` move it.
Clock = Callable[[], dt.datetime]

# A chat's next push is never further ahead than this, from now or from the campaign's start:
# a day and a daylight-saving hour mid-campaign; the first push, in the zone furthest west
# (UTC-12) at 23:59, 36 hours after the first day begins in UTC.
PLAUSIBLE_AHEAD = dt.timedelta(hours=36)
# The zone furthest east: a campaign's last day begins there first.
FIRST_ZONE = dt.timezone(dt.timedelta(hours=14))


def chat_zone(chat: Chat | None, campaign: Campaign) -> zoneinfo.ZoneInfo:
    """The chat's own zone, or the campaign's (also for a chat never stored)."""
    return zone_named(chat.timezone if chat else None, campaign)


def zone_named(name: str | None, campaign: Campaign) -> zoneinfo.ZoneInfo:
    """A stored zone name (None, or one that no longer exists: the campaign's zone)."""
    try:
        return zoneinfo.ZoneInfo(name) if name else campaign.tz
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return campaign.tz


def push_time(chat: Chat | None, campaign: Campaign) -> dt.time:
    """The chat's own push time, or the campaign's."""
    return clock_time(chat.push_time) if chat and chat.push_time else campaign.push_time


def clock_time(text: str) -> dt.time:
    """A stored HH:MM."""
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


def real_now() -> dt.datetime:
    """The real time, in UTC: the clock of a running bot."""
    return dt.datetime.now(dt.UTC)


def local_now(chat: Chat | None, campaign: Campaign, now: dt.datetime) -> dt.datetime:
    """`now` on the chat's clock."""
    return now.astimezone(chat_zone(chat, campaign))


def local_date(chat: Chat | None, campaign: Campaign, now: dt.datetime) -> dt.date:
    """The chat's local date: which campaign day it is for the reader (their action)."""
    return local_now(chat, campaign, now).date()


def campaign_date(campaign: Campaign, now: dt.datetime) -> dt.date:
    """The campaign's date, in its own zone: the stamp of every stored date.

    Joined, left, completed on, announced on: one day for everyone, so "new this week"
    counts the same days whoever the readers are.
    """
    return now.astimezone(campaign.tz).date()


def due_day(chat: Chat, campaign: Campaign, now: dt.datetime,
            at: dt.time | None = None) -> int | None:
    """The campaign day due to a chat now, if any.

    Today's, once its local push time (or the time `at`, a reminder's) has passed.

    Only today's day is ever due: after downtime a chat gets today's action, not the days
    it missed while the bot was down.
    """
    local = local_now(chat, campaign, now)
    day = campaign.day_of(local.date())
    return day if day is not None and local.time() >= (at or push_time(chat, campaign)) \
        else None


def next_push(chat: Chat, campaign: Campaign, now: dt.datetime,
              at: dt.time | None = None) -> float | None:
    """The first push time (or time `at`) after `now` on a campaign day, as a UTC timestamp.

    In the chat's zone; None when the campaign has no day left.
    """
    zone, at = chat_zone(chat, campaign), at or push_time(chat, campaign)
    date = max(local_now(chat, campaign, now).date(), campaign.start_date)
    while date <= campaign.end_date:
        moment = dt.datetime.combine(date, at, tzinfo=zone)
        if moment > now:
            return moment.timestamp()
        date += dt.timedelta(days=1)
    return None


def next_local_time(at: dt.time, zone: dt.tzinfo, now: dt.datetime) -> float:
    """The next time of day `at` in `zone` after `now`: today's, or tomorrow's if it passed."""
    date = now.astimezone(zone).date()
    moment = dt.datetime.combine(date, at, tzinfo=zone)
    if moment <= now:
        moment = dt.datetime.combine(date + dt.timedelta(days=1), at, tzinfo=zone)
    return moment.timestamp()


def announcement_due(send_at: str, campaign: Campaign, now: dt.datetime
                     ) -> Callable[[str | None], float]:
    """When a scheduled announcement is due in each zone (a chat's, or None: the campaign's)."""
    at = clock_time(send_at)
    return lambda zone: next_local_time(at, zone_named(zone, campaign), now)


def timing(campaign: Campaign) -> str:
    """What of a campaign the push times depend on; planned times stay valid while it holds."""
    return (f"{campaign.edition} {campaign.start_date} {campaign.timezone} "
            f"{campaign.push_time:%H:%M}")


def day_ends_at(zone: dt.tzinfo, campaign: Campaign, day: int) -> float:
    """When a campaign day is over in a zone (a UTC timestamp).

    Its action is for that day only, so an outbox row of it expires then.
    """
    date = campaign.date_of(day) + dt.timedelta(days=1)
    return dt.datetime.combine(date, dt.time(0), tzinfo=zone).timestamp()


def day_row(chat: Chat, campaign: Campaign, day: int, due_at: float) -> Due:
    """A chat's outbox row of a campaign day: it expires when the day ends in the chat's zone.

    `due_at` is when it became due (the push lag counts from it).
    """
    return Due(chat.chat_id, day, day_ends_at(chat_zone(chat, campaign), campaign, day), due_at)


def due_rows(chats: list[tuple[Chat, dt.time | None]], campaign: Campaign,
             now: dt.datetime) -> list[Due]:
    """The rows due now of chats looked at for their push time (None) or a reminder's time."""
    return [day_row(chat, campaign, day, due_since(chat, campaign, now, at))
            for chat, at in chats if (day := due_day(chat, campaign, now, at))]


def due_since(chat: Chat, campaign: Campaign, now: dt.datetime,
              at: dt.time | None = None) -> float:
    """When today's push (or a reminder at `at`) became due for a chat: the lag's start."""
    local = local_now(chat, campaign, now)
    moment = dt.datetime.combine(local.date(), at or push_time(chat, campaign),
                                 tzinfo=chat_zone(chat, campaign))
    return min(moment.timestamp(), now.timestamp())


def latest_plausible(campaign: Campaign, now: dt.datetime) -> float:
    """The latest next push (or reminder) time a right clock can plan, as a UTC timestamp.

    A later one was planned with a clock that was ahead (a forward jump).
    """
    first_day = dt.datetime.combine(campaign.start_date, dt.time(0), tzinfo=dt.UTC)
    return (max(now, first_day) + PLAUSIBLE_AHEAD).timestamp()


def every_chat_has_days_left(campaign: Campaign, now: dt.datetime) -> bool:
    """Whether every chat, in any zone, still has a push to come.

    Until the campaign's last day begins in the zone furthest east, a subscribed chat without
    a next push was planned with a clock that was ahead.
    """
    return now < dt.datetime.combine(campaign.end_date, dt.time(0), tzinfo=FIRST_ZONE)
