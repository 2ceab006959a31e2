"""Sending one message, and what Telegram's answer means for it.

The one module of the delivery engine that handlers import: every reply goes out through
`send_reply`, and `outcome()` is the one place that turns Telegram's answers into what
happens next to an outbox row.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import weakref
from dataclasses import dataclass
from enum import StrEnum

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from tgbot.delivery.budget import Priority
from tgbot.messages import Reply
from tgbot.storage.store import Store

MAX_ATTEMPTS = 10  # network failures before a row is given up as 'failed'
MAX_BACKOFF = 300.0
# one first upload per image at a time (locks belong to one event loop)
_UPLOADS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


class Verdict(StrEnum):
    """What a send attempt's result means for its row."""

    SENT = "sent"
    RETRY = "retry"  # later: Telegram asked to wait, or the network failed
    GONE = "gone"  # the chat blocked the bot or no longer exists
    FAILED = "failed"  # our message is wrong, or the network failed too often: give up
    MIGRATED = "migrated"  # the group became a supergroup: send there


@dataclass(frozen=True)
class Outcome:
    """What to do with a delivery after a send attempt."""

    state: Verdict
    delay: float = 0.0
    new_chat_id: int | None = None


def outcome(error: Exception | None, attempts: int) -> Outcome:
    """Map a send's result to the next step. Order matters: BadRequest is a NetworkError."""
    if error is None:
        return Outcome(Verdict.SENT)
    if isinstance(error, RetryAfter):
        return Outcome(Verdict.RETRY, delay=_seconds(error.retry_after))
    if isinstance(error, ChatMigrated):
        return Outcome(Verdict.MIGRATED, new_chat_id=error.new_chat_id)
    if isinstance(error, Forbidden):  # blocked, kicked, deactivated
        return Outcome(Verdict.GONE)
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return Outcome(Verdict.GONE)
        return Outcome(Verdict.FAILED)  # our message is wrong; retrying cannot help
    if isinstance(error, NetworkError) and attempts < MAX_ATTEMPTS:
        return Outcome(Verdict.RETRY, delay=min(MAX_BACKOFF, 2.0 ** attempts))
    return Outcome(Verdict.FAILED)


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send_reply(bot: ExtBot[int], store: Store, chat_id: int, reply: Reply,
                     thread_id: int | None = None, *, broadcast: bool = False,
                     paid: bool = False, discreet: bool = False) -> Message:
    """Send a rendered reply; an image is uploaded once, then re-sent by its file_id.

    A `broadcast` send (the push, announcements, reminders) waits behind replies in the
    budget; a `paid` one goes as a paid broadcast; a `discreet` one silently and protected.
    """
    # None leaves a parameter out of the request, as for any reply
    priority, paid_broadcast = (Priority.BROADCAST if broadcast else None), (paid or None)
    quiet = discreet or None  # disable_notification and protect_content
    if reply.photo is None:
        return await bot.send_message(chat_id, reply.text, reply_markup=reply.markup,
                                      message_thread_id=thread_id,
                                      allow_paid_broadcast=paid_broadcast,
                                      disable_notification=quiet, protect_content=quiet,
                                      rate_limit_args=priority)
    content = reply.photo.read_bytes()
    key = f"{reply.photo.name}:{hashlib.sha256(content).hexdigest()[:16]}"
    file_id = await store.media_file_id(key)
    if file_id is None:
        # the first upload goes alone: concurrent sends wait for its file_id, then reuse it
        uploads = _UPLOADS.setdefault(asyncio.get_running_loop(), {})
        async with uploads.setdefault(key, asyncio.Lock()):
            file_id = await store.media_file_id(key)
            if file_id is None:
                message = await bot.send_photo(chat_id, content, caption=reply.text,
                                               reply_markup=reply.markup,
                                               message_thread_id=thread_id,
                                               allow_paid_broadcast=paid_broadcast,
                                               disable_notification=quiet,
                                               protect_content=quiet,
                                               rate_limit_args=priority)
                await store.remember_media(key, message.photo[-1].file_id)
                return message
    return await bot.send_photo(chat_id, file_id, caption=reply.text, reply_markup=reply.markup,
                                message_thread_id=thread_id,
                                allow_paid_broadcast=paid_broadcast, disable_notification=quiet,
                                protect_content=quiet, rate_limit_args=priority)


def broadcast_fields(reply: Reply, paid: bool, discreet: bool = False
                     ) -> dict[str, object] | None:
    """SendMessage's fields for a text message, JSON already encoded; None for a photo.

    A `discreet` chat's message goes silently and protected (no forwarding or saving).
    """
    if reply.photo is not None:
        return None
    fields: dict[str, object] = {"text": reply.text}  # parse mode, previews: the bot's DEFAULTS
    if reply.markup is not None:
        fields["reply_markup"] = json.dumps(reply.markup.to_dict())
    if paid:
        fields["allow_paid_broadcast"] = True
    if discreet:
        fields["disable_notification"] = fields["protect_content"] = True
    return fields
