"""The outbox's records and vocabularies: what is queued for a chat, and what became of it.

Every message the bot sends to many chats (the day's action, its reminder, an announcement)
is first a row in an outbox, then claimed, sent and closed in one of a few states. The names
here are the ones stored in the database and shown to operators.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from tgbot.domain.chat import Chat
from tgbot.domain.deletions import Kept


class Kind(StrEnum):
    """Which outbox a row is in."""

    PUSH = "push"  # the day's action, at each chat's push time
    REMINDER = "reminder"  # a reminder of the day's action, at the person's chosen time
    ANNOUNCEMENT = "announcement"  # an organiser's announcement to every subscriber


class State(StrEnum):
    """Where an outbox row is in its life: pending, sending, then closed in one of the rest.

    A scheduled announcement's row is `scheduled` before it is pending.
    """

    PENDING = "pending"  # to send (again, after a retry, not before its `not_before`)
    SENDING = "sending"  # claimed by a sender
    SENT = "sent"
    FAILED = "failed"  # gave up: the message is wrong, or the network failed too often
    GONE = "gone"  # the chat blocked the bot or was deleted: it is unsubscribed
    EXPIRED = "expired"  # its day or lifetime ended before it could be sent
    SKIPPED = "skipped"  # not worth sending (a later day was due, an unknown day)
    SCHEDULED = "scheduled"  # an announcement's row waiting for its time in the chat's zone
    WITHDRAWN = "withdrawn"  # its day or announcement was recalled before it was sent


# The states a row can no longer leave.
CLOSED_STATES = (State.SENT, State.FAILED, State.GONE, State.EXPIRED, State.SKIPPED,
                 State.WITHDRAWN)
# The rows still to send: the backlog.
OPEN_STATES = (State.PENDING, State.SENDING)

# What the metrics call a row's state after a send attempt (`tgbot_delivered_total`'s
# outcome label): a row pending again was retried, a gone chat blocked the bot.
METRIC_OUTCOME = {State.SENT: "sent", State.PENDING: "retried", State.GONE: "blocked",
                  State.EXPIRED: "expired", State.FAILED: "failed", State.SKIPPED: "skipped",
                  State.WITHDRAWN: "withdrawn"}


@dataclass(frozen=True)
class Delivery:
    """One claimed outbox row: the day's action, or announcement `announcement_id`, to a chat.

    `expires_at` (a UTC timestamp) is when the row stops being worth sending: the end of its
    day in the chat's zone, or the end of the announcement's lifetime; None for rows queued
    before rows had lifetimes. `due_at` is when it became due (the push lag counts from it).
    """

    chat_id: int
    edition: int
    day: int
    attempts: int
    announcement_id: int = 0
    expires_at: float | None = None
    due_at: float | None = None
    reminder: bool = False  # a reminder of the day's action, not the action itself
    # the chat has a later day still to send: this day's action is no longer for today
    superseded: bool = False

    @property
    def kind(self) -> Kind:
        """Which outbox the row is in."""
        if self.announcement_id:
            return Kind.ANNOUNCEMENT
        return Kind.REMINDER if self.reminder else Kind.PUSH


class Reminder(NamedTuple):
    """A due reminder: its chat, its time of day (HH:MM local), the next_at it was read with."""

    chat: Chat
    remind_at: str
    next_at: float


class Due(NamedTuple):
    """A daily-action row to queue: which chat and day, until when, due since when."""

    chat_id: int
    day: int
    expires_at: float | None = None
    due_at: float | None = None


@dataclass(frozen=True)
class Closed:
    """What became of a claimed row, to record in the outbox.

    Pending again is a retry, not before `not_before`. A message sent to a private chat is
    `kept` in the deletion outbox, in the same transaction. A sent one records `sent_at`
    (the bot's clock): a recall deletes it only within Telegram's 48 hours.
    """

    delivery: Delivery
    state: State
    message_id: int | None = None
    paid: bool = False
    not_before: float = 0.0
    kept: Kept | None = None
    shown: str | None = None  # a sent day's action: its content's fingerprint (corrections)
    sent_at: float | None = None
    text: str | None = None  # a sent announcement: the text it went out with (corrections)


class Copy(NamedTuple):
    """A delivered copy of a day's action: where it is, and what it shows.

    `shown` is the fingerprint of the content it was sent or last edited with (None for
    copies sent before fingerprints were kept).
    """

    chat_id: int
    message_id: int
    language: str
    chat_kind: str
    shown: str | None


@dataclass(frozen=True)
class Edit:
    """One claimed row of a correction's outbox: edit message `message_id` in a chat.

    A copy of a day's action (`edition`, `day`), or of an announcement (`announcement_id`).
    """

    correction_id: int
    chat_id: int
    message_id: int
    attempts: int
    edition: int
    day: int
    announcement_id: int | None = None


@dataclass(frozen=True)
class EditClosed:
    """What became of a claimed edit; `shown` is the new fingerprint of an edited copy."""

    edit: Edit
    state: State
    shown: str | None = None
    not_before: float = 0.0
