"""An organiser's announcement: its text and audience, and the message that shows its progress.

An announcement is a draft until the organiser presses Send; then it is 'sending' (one outbox
row per subscribed chat) and 'done' once the last of them closed, or 'cancelled' as a draft.
"""

from __future__ import annotations

from typing import NamedTuple


class Announcement(NamedTuple):
    """An announcement as stored: Telegram HTML as written, to one language or to all."""

    text: str
    language: str | None  # only chats in this language; None: every subscribed chat
    state: str  # draft | sending | done | cancelled


class StatusMessage(NamedTuple):
    """The organiser's message that shows how far an announcement being sent has gone."""

    announcement_id: int
    chat_id: int
    message_id: int
    language: str | None  # the organiser's, which the progress is written in
    reported: int | None  # messages sent when it was last edited; None: not yet
