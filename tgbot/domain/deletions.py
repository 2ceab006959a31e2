"""The deletion outbox's records: messages the bot sent and may delete, and what became of them.

Telegram lets a bot delete a message only for 48 hours after it was sent (the Bot API's
deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago"). The
bot keeps the ids of the messages it sent to private chats for that long, no longer: a
discreet chat's are deleted after TGBOT_DISCREET_HOURS, anyone's when they send /forget.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tgbot.domain.chat import Chat

# Seconds after sending during which Telegram lets a bot delete a message.
DELETE_WINDOW = 48 * 3600.0


class DeletionState(StrEnum):
    """Where a row of the deletion outbox is in its life."""

    PENDING = "pending"  # kept; deleted at its delete_at (none: only if /forget asks)
    DELETING = "deleting"  # claimed by a deleter
    DELETED = "deleted"  # gone from the chat (or already gone when asked)
    TOO_OLD = "too_old"  # older than Telegram's 48 hours: it stays in the chat
    GONE = "gone"  # the chat blocked the bot or no longer exists
    FAILED = "failed"  # Telegram refused it for another reason, or the network kept failing


# What counts as "not deleted" when /forget reports.
NOT_DELETED = (DeletionState.TOO_OLD, DeletionState.GONE, DeletionState.FAILED)


@dataclass(frozen=True)
class Kept:
    """A message the bot sent, to delete at `delete_at` (None: only if the person asks).

    `sent_at` and `delete_at` are UTC timestamps of the bot's clock.
    """

    chat_id: int
    message_id: int
    sent_at: float
    delete_at: float | None = None


@dataclass(frozen=True)
class Claimed:
    """A row of the deletion outbox a deleter took, with how often it was tried."""

    chat_id: int
    message_id: int
    sent_at: float
    attempts: int


def kept(chat: Chat | None, message_id: int, now: float, discreet_hours: float) -> Kept | None:
    """The row to keep for a message just sent to a chat; None outside private chats.

    A discreet chat's message is deleted `discreet_hours` after it was sent; another private
    chat's only if its person sends /forget within 48 hours.
    """
    if chat is None or chat.kind != "private":
        return None
    return Kept(chat.chat_id, message_id, now,
                now + discreet_hours * 3600 if chat.discreet else None)
