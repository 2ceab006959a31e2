"""An organiser's announcement: its text and audience, and the message that shows its progress.

An announcement's rows in the outbox have their own states (`tgbot.domain.outbox.State`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

from tgbot.domain.campaign import MESSAGE_LIMIT
from tgbot.errors import HtmlError
from tgbot.telegram_html import parse_html


class Phase(StrEnum):
    """Where an announcement is: a draft until Send, then sending, until done."""

    DRAFT = "draft"
    SENDING = "sending"  # one outbox row per subscribed chat was queued
    DONE = "done"  # the last of its rows closed, and the organiser was shown so
    CANCELLED = "cancelled"  # as a draft
    RECALLED = "recalled"  # its copies were deleted: never sent again, nor corrected


SENT = (Phase.SENDING, Phase.DONE)  # Send (or the approval) queued its rows


class Announcement(NamedTuple):
    """An announcement as stored: Telegram HTML as written, to one language or to all."""

    text: str
    language: str | None  # only chats in this language; None: every subscribed chat
    state: Phase
    send_at: str | None = None  # "HH:MM" in each chat's own zone; None: at once
    lifetime: float | None = None  # seconds it stays worth sending; None: the configured one


class StatusMessage(NamedTuple):
    """The organiser's message that shows how far an announcement being sent has gone."""

    announcement_id: int
    chat_id: int
    message_id: int
    language: str | None  # the organiser's, which the progress is written in
    reported: int | None  # messages sent when it was last edited; None: not yet


def text_problem(text: str, limit: int) -> str | None:
    """Why Telegram would refuse `text` (Telegram HTML) as an announcement; None if not.

    TDLib's own parser judges the HTML; `limit` counts the code points of the parsed text,
    as TDLib does: Telegram's limit less what a discreet chat's copy adds above the text
    (`tgbot.messages.discreet.announcement_limit`).
    """
    try:
        visible = parse_html(text).text
    except HtmlError as error:
        return str(error)
    if len(visible) <= limit:
        return None
    return (f"{len(visible)} characters, more than the {limit} that fit "
            f"(Telegram's {MESSAGE_LIMIT}, less the first line of a discreet chat's copy)")


def visible_length(text: str) -> int:
    """The characters Telegram counts in `text` (valid Telegram HTML): those shown."""
    return len(parse_html(text).text)
