"""The daily push: put due chats in the outbox, send each row once, and decide what errors mean.

Every (chat, day) is one row in the outbox table. A sender claims a few rows, sends them, and
closes each one, so a crash at any point leaves every row either sent or still to send; only
rows that were in flight at the crash can be sent twice. `outcome()` is the one place that
turns Telegram's answers into what happens next.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace

from aiolimiter import AsyncLimiter
from telegram import Bot, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter

from tgbot import messages, schedule
from tgbot.campaign import Campaign
from tgbot.context import Services
from tgbot.messages import Reply
from tgbot.store import Chat, Delivery, Store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # network failures before a row is given up as 'failed'
MAX_BACKOFF = 300.0
BROADCAST_SHARE = 0.9  # of TGBOT_RATE: 27 of 30 messages a second
DUE_BATCH = 500  # chats looked at per transaction when planning the push
HANDOVER_PAUSE = 1.0  # seconds a new sender waits before its first message
STOP_TIMEOUT = 10.0  # seconds the rows in flight get to finish when the bot stops
PLAN_PER_TICK = 10_000  # chats looked at per beat: a million due at once take a few minutes
LOCK_CHECK_EVERY = 5.0  # seconds between checks that this process still holds the sender lock
# one first upload per image at a time (locks belong to one event loop)
_UPLOADS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = \
    weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Outcome:
    """What to do with a delivery after a send attempt."""

    state: str  # sent | retry | gone | failed | migrated
    delay: float = 0.0
    new_chat_id: int | None = None


def outcome(error: Exception | None, attempts: int) -> Outcome:
    """Map a send's result to the next step. Order matters: BadRequest is a NetworkError."""
    if error is None:
        return Outcome("sent")
    if isinstance(error, RetryAfter):
        return Outcome("retry", delay=_seconds(error.retry_after))
    if isinstance(error, ChatMigrated):
        return Outcome("migrated", new_chat_id=error.new_chat_id)
    if isinstance(error, Forbidden):  # blocked, kicked, deactivated
        return Outcome("gone")
    if isinstance(error, BadRequest):
        if "chat not found" in error.message.lower():
            return Outcome("gone")
        return Outcome("failed")  # our message is wrong; retrying cannot help
    if isinstance(error, NetworkError) and attempts < MAX_ATTEMPTS:
        return Outcome("retry", delay=min(MAX_BACKOFF, 2.0 ** attempts))
    return Outcome("failed")


def rate_limiter(per_second: float) -> AIORateLimiter:
    """PTB's limiter, paced evenly a little under `per_second`, retrying a 429 twice.

    Its default (30 per 1 s window) lets a burst of 30 through at once, which Telegram may
    answer with 429. Evenly spaced sends, with a 3% margin for network jitter, stay under the
    limit in any one-second window; a reply to someone chatting is retried after
    `retry_after` instead of being lost (the limiter pauses every request meanwhile).
    """
    return AIORateLimiter(overall_max_rate=1, overall_time_period=1 / (per_second * 0.97),
                          max_retries=2)


def _seconds(value: int | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


async def send_reply(bot: Bot, store: Store, chat_id: int, reply: Reply,
                     thread_id: int | None = None) -> Message:
    """Send a rendered reply; an image is uploaded once, then re-sent by its file_id."""
    if reply.photo is None:
        return await bot.send_message(chat_id, reply.text, reply_markup=reply.markup,
                                      message_thread_id=thread_id)
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
                                               message_thread_id=thread_id)
                await store.remember_media(key, message.photo[-1].file_id)
                return message
    return await bot.send_photo(chat_id, file_id, caption=reply.text, reply_markup=reply.markup,
                                message_thread_id=thread_id)


@dataclass
class Summary:
    sent: int = 0
    retried: int = 0
    gone: int = 0
    failed: int = 0
    skipped: int = 0

    def add(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.gone + self.failed + self.skipped


class Deliverer:
    """Runs delivery rounds for one bot: plan what is due, then drain the outbox.

    Of all the processes on one database, only the holder of the sender lock plans and sends,
    so two instances never spend Telegram's budget twice; another takes the lock over as soon
    as the holder dies, and puts its rows in flight back in the outbox.
    """

    def __init__(self, services: Services, bot: Bot, *, concurrency: int = 8) -> None:
        self.services = services
        self.bot = bot
        self.concurrency = concurrency
        # the broadcast's share of the bot's messages per second: the rest is kept for
        # replies, which every instance sends, the sender too
        self._pace = AsyncLimiter(1, 1 / (services.settings.rate * BROADCAST_SHARE))
        self._round = asyncio.Lock()
        self._planning = asyncio.Lock()
        self._checking = asyncio.Lock()
        # this sender's name in the outbox: a new sender puts back every other's rows
        self.owner = uuid.uuid4().hex
        self._lock = services.store.sender_lock()
        self._sending = False
        self._checked = 0.0
        self._checked_timing: Campaign | None = None
        self._stopping = False
        self._tasks: set[asyncio.Task] = set()

    async def is_sender(self) -> bool:
        """Hold (or take over) the sender lock; checked at most every few seconds, by one
        worker at a time (the lock's connection runs one query at a time)."""
        async with self._checking:
            if self._sending and time.monotonic() - self._checked < LOCK_CHECK_EVERY:
                return True
            was_sending, self._checked = self._sending, time.monotonic()
            self._sending = await self._lock.acquire()
            if self._sending and not was_sending:
                released = await self.services.store.release_claims(self.owner)
                # the sender before may have sent its last message a moment ago: one second
                # apart, the two together stay within Telegram's messages per second
                await asyncio.sleep(HANDOVER_PAUSE)
                log.info("this process sends the daily push and announcements now "
                         "(%d rows taken back from a sender that stopped)", released)
            elif was_sending and not self._sending:
                log.warning("this process lost the sender lock; it stops sending")
            return self._sending

    def wake(self) -> None:
        """A tick in the background, now (a new subscriber, an announcement to send)."""
        if self._stopping:
            return
        task = asyncio.get_running_loop().create_task(self.tick(), name="delivery")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("delivery round failed", exc_info=task.exception())

    async def stop(self) -> None:
        """Stop claiming, let the rows in flight finish (a few seconds at most), then give
        up the sender lock so another instance takes over at once."""
        self._stopping = True
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._lock.release()
        self._sending = False

    async def enqueue_due(self, now: dt.datetime, limit: int | None = None) -> int:
        """Queue the chats due now, a batch at a time, looking at up to `limit` chats (all
        if None); return the outbox rows added."""
        store, campaign = self.services.store, self.services.campaign
        if self._checked_timing is not campaign:  # started, or the campaign was reloaded
            if await store.reschedule(schedule.timing(campaign)):
                log.info("push times planned anew for the campaign's dates and times")
            self._checked_timing = campaign
        added = looked = 0
        while (limit is None or looked < limit) and (
                chats := await store.due_chats(now.timestamp(), DUE_BATCH)):
            due = [(chat.chat_id, day) for chat in chats
                   if (day := schedule.due_day(chat, campaign, now)) is not None]
            next_push = {chat.chat_id: schedule.next_push(chat, campaign, now) for chat in chats}
            added += await store.plan(campaign.edition, due, next_push, now.timestamp())
            looked += len(chats)
        return added

    async def tick(self) -> None:
        """The scheduler's beat (every few seconds): start a round; while a long broadcast
        drains, keep queueing the chats whose push time comes meanwhile."""
        if not self._round.locked():
            await self.run_round()
        elif self._sending and not self._planning.locked():
            await self._plan_slice()

    async def run_round(self) -> Summary | None:
        """One round; None at once if another round of this process is running, or another
        process is the sender."""
        if self._round.locked():
            return None
        async with self._round:
            if not await self.is_sender():
                return None
            await self._plan_slice()
            return await self.drain()

    async def _plan_slice(self) -> None:
        """Queue up to PLAN_PER_TICK due chats, one planner at a time."""
        async with self._planning:
            await self.enqueue_due(self.services.clock(), PLAN_PER_TICK)

    async def drain(self, report: Callable[[int], None] | None = None) -> Summary:
        """Send claimed rows until none is ready (rows waiting for a retry stay for later).

        `concurrency` workers each claim and send one row at a time, so the rate limiter is
        never left idle waiting for a whole batch. `report`, if given, hears how many rows
        have been closed so far. Stops early if this process lost the sender lock.
        """
        summary = Summary()
        store = self.services.store

        async def worker() -> None:
            while not self._stopping and await self.is_sender() and (
                    claimed := await store.claim(1, owner=self.owner)):
                summary.add(await self.deliver_safely(claimed[0]))
                if report:
                    report(summary.total)

        await asyncio.gather(*(worker() for _ in range(self.concurrency)))
        return summary

    async def deliver_safely(self, delivery: Delivery) -> str:
        """`deliver`, but a bug on one row (not a Telegram answer) fails that row alone
        instead of stopping the round with the row held as in flight."""
        try:
            return await self.deliver(delivery)
        except Exception:
            log.exception("delivery of day %s failed", delivery.day)
            await self.services.store.finish(delivery, "failed", self.services.today())
            return "failed"

    async def deliver(self, delivery: Delivery) -> str:
        """Send one claimed row and close it; return the Summary field it counts in."""
        services, store = self.services, self.services.store
        chat = await store.chat(delivery.chat_id)
        reply = await self._render(delivery, chat) if chat and chat.subscribed else None
        if chat is None or reply is None:
            await store.finish(delivery, "skipped", services.today())
            return "skipped"
        error: Exception | None = None
        message = None
        try:
            async with self._pace:
                message = await send_reply(self.bot, store, chat.chat_id, reply,
                                           chat.thread_id)
        except TelegramError as exc:
            error = exc
        result = outcome(error, delivery.attempts)
        if result.state == "sent":
            await store.finish(delivery, "sent", services.today(),
                               message.message_id if message else None)
            return "sent"
        log.info("delivery %s: %s (%s)", "announcement" if delivery.announcement_id
                 else f"of day {delivery.day}", result.state, type(error).__name__)
        if result.state == "migrated" and result.new_chat_id is not None:
            await store.migrate_chat(delivery.chat_id, result.new_chat_id)
            await store.retry_later(replace(delivery, chat_id=result.new_chat_id), 0)
            return "retried"
        if result.state == "retry":
            await store.retry_later(delivery, result.delay)
            return "retried"
        await store.finish(delivery, result.state, services.today())
        return result.state

    async def _render(self, delivery: Delivery, chat: Chat) -> Reply | None:
        """The message for a row, in the chat's language; None if there is nothing to send."""
        services, campaign = self.services, self.services.campaign
        if delivery.announcement_id:
            announcement = await services.store.announcement(delivery.announcement_id)
            return Reply(announcement[0]) if announcement else None
        action = campaign.action_for_day(delivery.day)
        if action is None or delivery.edition != campaign.edition:
            return None
        return messages.action_message(services.i18n.get(chat.language), campaign, action,
                                       bot_username=services.bot_username, chat_kind=chat.kind)
