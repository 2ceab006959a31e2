"""A chat as the bot keeps it: its settings and subscription, nothing about who is in it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chat:
    """A chat as stored: its settings and subscription, nothing about who is in it."""

    chat_id: int
    kind: str
    language: str | None
    subscribed: bool
    push_time: str | None
    timezone: str | None
    thread_id: int | None
    # when the scheduler looks at it next (a UTC timestamp; a negative value: at once, marked
    # at a change of subscription or settings); None: never
    next_push_at: float | None = None
    # discreet mode: silent, protected messages with a neutral first line, deleted after
    # TGBOT_DISCREET_HOURS (private chats)
    discreet: bool = False
