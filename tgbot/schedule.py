"""When each chat is due its daily action: local dates, push times and catch-up after downtime.

Pure functions of the stored chats, the campaign and a moment in time, so the scheduler,
`tgbot push` and the tests all agree on who is due.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from tgbot.campaign import Campaign
from tgbot.store import Chat


def chat_zone(chat: Chat | None, campaign: Campaign) -> zoneinfo.ZoneInfo:
    zone = chat.timezone if chat and chat.timezone else campaign.timezone
    try:
        return zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return campaign.tz


def push_time(chat: Chat | None, campaign: Campaign) -> dt.time:
    if chat and chat.push_time:
        hours, minutes = chat.push_time.split(":")
        return dt.time(int(hours), int(minutes))
    return campaign.push_time


def local_now(chat: Chat | None, campaign: Campaign, now: dt.datetime) -> dt.datetime:
    return now.astimezone(chat_zone(chat, campaign))


def due(chats: Iterable[Chat], campaign: Campaign, now: dt.datetime) -> list[tuple[int, int]]:
    """(chat_id, day) for every chat whose local push time today has passed.

    Only today's day is ever due: after downtime a chat gets today's action, not the days
    it missed while the bot was down.
    """
    result = []
    for chat in chats:
        local = local_now(chat, campaign, now)
        day = campaign.day_of(local.date())
        if day is not None and local.time() >= push_time(chat, campaign):
            result.append((chat.chat_id, day))
    return result
