"""The daily push: put due chats in the outbox, send each row once, and decide what errors mean.

Every (chat, day) is one row in the outbox table, and every announcement to a chat another.
A sender claims a batch of rows, sends them, and closes them, so a crash at any point leaves
every row either sent or still to send; only rows that were in flight at the crash (sent, but
not yet recorded: a few hundredths of a second of sends) can be sent twice. Every row has a
lifetime: a day's action is for its day in the chat's own zone, an announcement for its
lifetime, and a row past it is closed as expired, never sent. `outcome()` is the one place
that turns Telegram's answers into what happens next.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import json
import logging
import time
import uuid
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from telegram import Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from tgbot import __version__, messages
from tgbot.config import stars_for
from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.budget import HANDOVER, LEASE_MIN, Budget, Priority, ReplyLease
from tgbot.domain import deletions, schedule
from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.outbox import METRIC_OUTCOME, OPEN_STATES, Closed, Delivery, Due, Kind, State
from tgbot.messages import Reply
from tgbot.messages.discreet import neutral
from tgbot.ops import alerts, metrics
from tgbot.storage.backends import is_database_failure
from tgbot.storage.store import Store

if TYPE_CHECKING:  # the services hold this module's objects: no import at run time
    from tgbot.context import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10  # network failures before a row is given up as 'failed'
MAX_BACKOFF = 300.0
DUE_BATCH = 500  # chats looked at per transaction when planning the push
STOP_TIMEOUT = 10.0  # seconds the rows in flight get to finish when the bot stops
PLAN_PER_TICK = 10_000  # chats looked at per beat: a million due at once take a few minutes
# seconds of the bot's clock between looks for push times that a clock ahead planned (a look
# also comes at once when the clock went back)
REPLAN_EVERY = 60.0
LOCK_CHECK_EVERY = 5.0  # seconds between checks that this process still holds the sender lock
ALIVE = 15.0  # seconds without a heartbeat after which an instance counts as gone
BEAT_EVERY = 2.0  # seconds between the heartbeats of `tgbot push` (`tgbot run` has its beat)
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


def senders_for(rate: float) -> int:
    """Sends in flight at once: enough to fill the budget at a few milliseconds each.

    8 at Telegram's free 30 a second, up to 64 for paid broadcasts. It is also how many
    messages a crash can send twice: each sender has at most one sent and not yet recorded.
    """
    return min(64, max(8, int(rate // 16)))


@dataclass
class Summary:
    """What a drain did with the rows it closed, for the log, `tgbot push` and metrics."""

    sent: int = 0
    retried: int = 0
    gone: int = 0
    failed: int = 0
    skipped: int = 0
    expired: int = 0
    paid: int = 0  # of the sent ones, as paid broadcasts

    def add(self, closed: Closed) -> None:
        """Count one closed row under its state (a row pending again was retried)."""
        state = "retried" if closed.state == State.PENDING else closed.state
        setattr(self, state, getattr(self, state) + 1)
        self.paid += closed.paid

    @property
    def total(self) -> int:
        """Every row closed, whatever became of it."""
        return self.sent + self.retried + self.gone + self.failed + self.skipped + self.expired

    @property
    def stars(self) -> float:
        """What the paid broadcasts cost."""
        return stars_for(self.paid)


@dataclass(frozen=True)
class _Job:
    """A claimed row ready to send: its chat, its message, until when it is worth sending.

    For a text, also the request's fields, encoded once for every chat that gets the same
    message.
    """

    delivery: Delivery
    chat: Chat
    reply: Reply
    fields: dict[str, object] | None
    expires_at: float | None


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


class _Recorder:
    """Closed rows, recorded together (a group commit).

    A sender that closed a row waits for the next transaction, which records every row
    closed meanwhile. A broadcast costs one transaction per batch instead of one per
    message, and at any moment each sender has at most one row sent but not yet recorded:
    all that a crash can send twice.
    """

    def __init__(self, services: Services, summary: Summary,
                 report: Callable[[int], None] | None) -> None:
        self.services, self.summary, self.report = services, summary, report
        self._rows: list[Closed] = []
        self._writing = asyncio.Lock()

    def add(self, closed: Closed) -> None:
        """Record with the next transaction, without waiting for it."""
        self._rows.append(closed)

    async def record(self, closed: Closed) -> None:
        """Record, and return once it is in the database."""
        self._rows.append(closed)
        await self.flush()

    async def flush(self) -> None:
        async with self._writing:  # rows added while a transaction runs go in the next one
            rows, self._rows = self._rows, []
            if not rows:
                return
            await self.services.store.close_rows(rows, self.services.today())
            for closed in rows:
                self.summary.add(closed)
                metrics.delivered(closed.delivery.kind, METRIC_OUTCOME[closed.state])
                if closed.paid:
                    metrics.stars_spent(stars_for(1))
            if self.report:
                self.report(self.summary.total)


class Deliverer:
    """Runs delivery rounds for one bot: plan what is due, then drain the outbox.

    Of all the processes on one database, only the holder of the sender lock plans and sends,
    so two instances never spend Telegram's budget twice; another takes the lock over as soon
    as the holder dies, and puts its rows in flight back in the outbox. Every instance records
    a heartbeat at each beat, with the share of the budget its replies need.
    """

    def __init__(self, services: Services, bot: CampaignBot, *,
                 concurrency: int | None = None) -> None:
        self.services = services
        self.bot = bot
        rate = services.settings.rate
        self.concurrency = concurrency or senders_for(rate)
        self.batch = min(256, max(2 * self.concurrency, int(rate)))  # rows per claim
        self.paid = services.settings.paid_broadcast
        limiter = getattr(bot, "rate_limiter", None)
        self.budget = limiter if isinstance(limiter, Budget) else None
        self._round = asyncio.Lock()
        self._planning = asyncio.Lock()
        self._checking = asyncio.Lock()
        # this instance's name in the instances table (its heartbeat)
        self.instance_id = uuid.uuid4().hex
        self.started_at = time.time()
        self._lock = services.store.sender_lock()
        self._sending = False
        self._others = 0  # the other live instances' leases, as of the last heartbeat
        self._checked = 0.0
        self._checked_timing: Campaign | None = None
        self._replanned_at: float | None = None  # the clock at the last `_replan_lost`
        self._stopping = False
        self._tasks: set[asyncio.Task] = set()

    async def is_sender(self) -> bool:
        """Hold (or take over) the sender lock; whether this process sends.

        Checked at most every few seconds, by one worker at a time (the lock's connection runs
        one query at a time).
        """
        if self._sending and not self._lock.held:  # its connection is gone: stop at once
            self._set_sending(False)
            log.warning("this process lost the sender lock; it stops sending")
        async with self._checking:
            if self._sending and time.monotonic() - self._checked < LOCK_CHECK_EVERY:
                return True
            was_sending, self._checked = self._sending, time.monotonic()
            self._set_sending(await self._lock.acquire())
            metrics.set_sender(self._sending)
            if self._sending and not was_sending:
                # the budget keeps this instance's lease for a handover: the sender before
                # may have sent its last messages a moment ago
                log.info("this process sends the daily push and announcements now")
            elif was_sending and not self._sending:
                log.warning("this process lost the sender lock; it stops sending")
            return self._sending

    def _set_sending(self, sending: bool) -> None:
        self._sending = sending
        if self.budget is not None:
            self.budget.set_sending(sending, self._others)

    async def heartbeat(self) -> None:
        """Record this instance as alive with its replies' lease.

        The sender then takes the budget less every other live instance's lease.
        """
        store, now = self.services.store, time.time()
        lease = self.budget.lease.beat() if self.budget else 0
        await store.heartbeat(self.instance_id, started_at=self.started_at, sending=self._sending,
                              reply_lease=lease, version=__version__, now=now)
        others = [i for i in await store.instances()
                  if i[0] != self.instance_id and i[2] > now - ALIVE]
        self._others = sum(instance[4] for instance in others)
        if self.budget is not None:
            senders = sorted((i[2], i[0]) for i in others if i[3])
            if self.budget.lease.read(senders[-1] if senders else None):
                # (a hundredth more: a timer may fire a hair early)
                asyncio.get_running_loop().call_later(HANDOVER + 0.01, self._settle_lease)
            self.budget.share(self._others)

    def _settle_lease(self) -> None:
        """The sender has read this instance's larger lease: use it."""
        if self.budget is not None:
            self.budget.lease.settle()
            self.budget.share(self._others)

    async def join(self, *, replies: bool = True) -> None:
        """Enter the shared budget, without waiting: record this instance's lease.

        Alone, the instance has its lease at once. Beside other instances it starts with no
        slots and asks for its lease like for any larger one: its first replies wait until
        the sender has had time to read it, while updates are taken from the first second.
        `tgbot push` (no `replies`) asks for none.
        """
        if self.budget is not None:
            now = time.time()
            alone = not [i for i in await self.services.store.instances()
                         if i[0] != self.instance_id and i[2] > now - ALIVE]
            least = LEASE_MIN if replies else 0
            self.budget.lease = ReplyLease(least=least, current=least if alone else 0)
            self.budget.set_sending(False, 0)
        await self.heartbeat()

    @contextlib.asynccontextmanager
    async def beating(self) -> AsyncIterator[None]:
        """Heartbeats every BEAT_EVERY inside the block, for a process with no scheduler.

        `tgbot push` sending beside running instances keeps reading their leases.
        """
        async def beat() -> None:
            while True:
                await asyncio.sleep(BEAT_EVERY)
                try:
                    await self.heartbeat()
                except Exception as error:  # noqa: BLE001 - the database went away: next beat
                    log.warning("heartbeat: %s", type(error).__name__)

        task = asyncio.get_running_loop().create_task(beat(), name="heartbeat")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def beat(self) -> None:
        """The scheduler's beat (PTB's JobQueue, every few seconds).

        A heartbeat, then a tick in the background.
        """
        self.spawn(self._beat())

    async def _beat(self) -> None:
        await self.heartbeat()
        if self._sending:
            await self.report_announcements()
            self.spawn(self.services.deleter.run(self.instance_id))  # the deletion outbox
        await self.tick()

    async def report_announcements(self) -> None:
        """Keep each organiser's status message up to date while their announcement goes out.

        Edited only when the figure changed; the last edit says it is finished.
        """
        store = self.services.store
        for announcement, chat_id, message_id, language, shown in \
                await store.announcements_to_report():
            states = await store.announcement_states(announcement)
            sent, total = states.get(State.SENT, 0), sum(states.values())
            finished = not sum(states.get(state, 0) for state in OPEN_STATES)
            if sent == shown and not finished:
                continue
            text = messages.announcement_progress(self.services.i18n.get(language), sent,
                                                  total, finished)
            try:
                await self.bot.edit_message_text(text, chat_id, message_id)
            except TelegramError as error:  # deleted, or not modified: nothing to show
                log.info("announcement %d progress not shown: %s", announcement, error)
            await store.reported(announcement, sent, finished)

    def wake(self) -> None:
        """A tick in the background, now (a new subscriber, an announcement to send)."""
        self.spawn(self.tick())

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run delivery work as a task of this Deliverer, not of PTB's application.

        PTB's `Application.stop()` waits for its own tasks, and a stop must not wait for a
        whole broadcast.
        """
        if self._stopping:
            work.close()
            return
        task = asyncio.get_running_loop().create_task(work, name="delivery")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is None or is_database_failure(error):  # the storage logs an outage once
            return
        log.error("delivery round failed", exc_info=error)

    async def stop(self) -> None:
        """Stop claiming, and let the rows in flight finish (at most STOP_TIMEOUT seconds).

        Then give up the sender lock and this instance's lease, so another takes over at once.
        """
        self._stopping = True
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self._lock.release()
        self._set_sending(False)
        with contextlib.suppress(Exception):  # the database may be gone already
            await self.services.store.leave(self.instance_id)

    async def enqueue_due(self, now: dt.datetime, limit: int | None = None) -> int:
        """Queue the chats due now, a batch at a time; return the outbox rows added.

        Looks at up to `limit` chats (all if None), push times first, then reminders.
        """
        store, campaign = self.services.store, self.services.campaign
        if self._checked_timing is not campaign:  # started, or the campaign was reloaded
            if await store.reschedule(schedule.timing(campaign)):
                log.info("push times planned anew for the campaign's dates and times")
            self._checked_timing = campaign
        await self._replan_lost(now)
        added = looked = 0
        while (limit is None or looked < limit) and (
                chats := await store.due_chats(now.timestamp(), DUE_BATCH)):
            due, next_push = self._plan_rows([(chat, None) for chat in chats], now)
            added += await store.plan(campaign.edition, due, {
                chat.chat_id: (chat.next_push_at, next_push[chat.chat_id]) for chat in chats})
            looked += len(chats)
        # reminders after the push: the same budget, and the same lookups by an indexed time
        while (limit is None or looked < limit) and (
                reminders := await store.due_reminders(now.timestamp(), DUE_BATCH)):
            due, next_at = self._plan_rows([(r.chat, schedule.clock_time(r.remind_at))
                                            for r in reminders], now)
            added += await store.plan_reminders(campaign.edition, due, {
                r.chat.chat_id: (r.next_at, next_at[r.chat.chat_id]) for r in reminders})
            looked += len(reminders)
        return added

    async def _replan_lost(self, now: dt.datetime) -> None:
        """Plan again the push and reminder times that a clock ahead planned; tell organisers.

        A clock ahead for one beat plans every due chat from the wrong now: days too late, or,
        past the campaign's end, never again. Looked at on start, then every REPLAN_EVERY
        seconds, and at once when the clock went back.
        """
        at = now.timestamp()
        if self._replanned_at is not None and 0 <= at - self._replanned_at < REPLAN_EVERY:
            return
        self._replanned_at = at
        campaign = self.services.campaign
        lost = await self.services.store.replan_lost(
            schedule.latest_plausible(campaign, now),
            schedule.every_chat_has_days_left(campaign, now))
        if lost:
            log.warning("%d push or reminder times could not be right (planned with a clock "
                        "that was ahead?); they are planned again from now", lost)
            await alerts.push_times_lost(self.services, self.bot, now)

    def _plan_rows(self, chats: list[tuple[Chat, dt.time | None]], now: dt.datetime
                   ) -> tuple[list[Due], dict[int, float | None]]:
        """The rows due now, and each chat's next time.

        For chats due at their push time (None) or a reminder's time.
        """
        campaign = self.services.campaign
        due = [Due(chat.chat_id, day,
                   schedule.day_ends_at(schedule.chat_zone(chat, campaign), campaign, day),
                   schedule.due_since(chat, campaign, now, at))
               for chat, at in chats if (day := schedule.due_day(chat, campaign, now, at))]
        return due, {chat.chat_id: schedule.next_push(chat, campaign, now, at)
                     for chat, at in chats}

    async def enqueue_day(self, day: int) -> int:
        """One campaign day for every subscriber (`tgbot push --date`), for that day only."""
        store, campaign = self.services.store, self.services.campaign
        ends = {zone: schedule.day_ends_at(schedule.zone_named(zone, campaign), campaign, day)
                for zone in await store.subscribed_zones()}
        return await store.enqueue_day(campaign.edition, day, ends,
                                       self.services.clock().timestamp())

    async def tick(self) -> None:
        """Start a round, or queue what came due while a long broadcast drains.

        The chats whose push time comes during a broadcast are planned beside it.
        """
        if not self._round.locked():
            await self.run_round()
        elif self._sending and not self._planning.locked():
            await self._plan_slice()

    async def run_round(self) -> Summary | None:
        """One round: plan, then drain; its summary.

        None at once if another round of this process is running, or another process is the
        sender.
        """
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

        One claimer takes a batch of rows at a time (one transaction), renders each message
        once per language, day and kind of chat, and hands the rows to `concurrency` senders,
        so the budget is never left idle; closed rows are recorded a batch at a time.
        `report`, if given, hears how many rows have been closed so far. Stops early if this
        process lost the sender lock or is stopping: rows it claimed but did not send go back
        to the outbox.
        """
        summary = Summary()
        recorder = _Recorder(self.services, summary, report)
        jobs: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.batch)
        store = self.services.store
        # this drain's name in the outbox: rows in flight under any other name were left by a
        # sender that stopped (another process, or a drain of this one that the database's
        # going away cut short), and go back to the outbox
        claims = uuid.uuid4().hex
        if released := await store.release_claims(claims):
            log.info("%d rows left in flight by a sender that stopped go back to the outbox",
                     released)

        async def claimer() -> None:
            while not self._stopping and await self.is_sender() and (
                    claimed := await store.claim(self.batch, owner=claims)):
                for job in await self._prepare(claimed, recorder):
                    await jobs.put(job)
            for _ in range(self.concurrency):
                await jobs.put(None)

        async def sender() -> None:
            while (job := await jobs.get()) is not None:
                if self._stopping or not self._sending:
                    recorder.add(Closed(job.delivery, State.PENDING))  # back in the outbox
                    continue
                await recorder.record(await self._send_safely(job))

        # one failing (the database gone) stops the others: their rows stay in flight
        async with asyncio.TaskGroup() as group:
            group.create_task(claimer())
            for _ in range(self.concurrency):
                group.create_task(sender())
        await recorder.flush()
        return summary

    async def _prepare(self, claimed: list[Delivery], recorder: _Recorder) -> list[_Job]:
        """The claimed rows' chats and messages; rows with nothing to send are closed."""
        campaign, store = self.services.campaign, self.services.store
        chats = await store.chats([d.chat_id for d in claimed])
        done = await self._done_by(claimed, chats)
        # "N people have done this": counted once per batch, at send time
        actions = {d.day: a for d in claimed if (a := campaign.action_for_day(d.day))}
        taken = await store.action_takers(campaign.edition, {a.id for a in actions.values()})
        rendered: dict[tuple, tuple[Reply, dict[str, object] | None] | None] = {}
        jobs = []
        for delivery in claimed:
            if delivery.superseded:  # a later day of the chat is to send: a day is for its day
                recorder.add(Closed(delivery, State.EXPIRED))
                continue
            chat = chats.get(delivery.chat_id)
            did_it = (delivery.chat_id, delivery.day) in done
            # a reminder needs no subscription, but is not sent once the action is done
            if chat is None or (not chat.subscribed and not delivery.reminder) or (
                    delivery.reminder and did_it):
                recorder.add(Closed(delivery, State.SKIPPED))
                continue
            if delivery.announcement_id:
                key: tuple = (Kind.ANNOUNCEMENT, delivery.announcement_id,
                              chat.language if chat.discreet else None)
                expires_at = delivery.expires_at
            else:
                key = (chat.language, delivery.day, chat.kind, did_it, delivery.reminder,
                       chat.discreet)
                expires_at = delivery.expires_at or schedule.day_ends_at(
                    schedule.chat_zone(chat, campaign), campaign, delivery.day)
            if key not in rendered:
                reply = await self._render(delivery, chat, did_it, taken)
                if reply and chat.discreet:  # discreet mode: tgbot.messages.discreet
                    reply = neutral(self.services.i18n.get(chat.language), reply, delivery.kind)
                rendered[key] = (reply, broadcast_fields(reply, self.paid, chat.discreet)) \
                    if reply else None
            message = rendered[key]
            if message is None:
                recorder.add(Closed(delivery, State.SKIPPED))
            else:
                jobs.append(_Job(delivery, chat, *message, expires_at))
        return jobs

    async def _done_by(self, claimed: list[Delivery],
                       chats: dict[int, Chat]) -> set[tuple[int, int]]:
        """(chat, day) of the people among these private chats who did their row's action.

        Their push shows Undo; their reminder is not sent.
        """
        campaign, by_day = self.services.campaign, defaultdict(list)
        for d in claimed:
            chat = chats.get(d.chat_id)
            if not d.announcement_id and chat is not None and chat.kind == "private":
                by_day[d.day].append(d.chat_id)
        done: set[tuple[int, int]] = set()
        for day, user_ids in by_day.items():
            action = campaign.action_for_day(day)
            if action is not None:
                done |= {(user_id, day) for user_id in await self.services.store.completed_by(
                    campaign.edition, action.id, user_ids)}
        return done

    async def _send_safely(self, job: _Job) -> Closed:
        """`_send`, but a bug on one row (not a Telegram answer) fails that row alone.

        Otherwise the round would stop with the row held as in flight.
        """
        try:
            return await self._send(job)
        except Exception:
            log.exception("delivery of day %s failed", job.delivery.day)
            return Closed(job.delivery, State.FAILED)

    async def _send(self, job: _Job) -> Closed:
        """Send one row, unless its day (or lifetime) is over; return how it closes."""
        delivery, chat = job.delivery, job.chat
        if job.expires_at is not None and \
                self.services.clock().timestamp() >= job.expires_at:
            return Closed(delivery, State.EXPIRED)
        error: Exception | None = None
        message_id = None
        try:
            if job.fields is not None:
                fields = {**job.fields, "chat_id": chat.chat_id}
                if chat.thread_id is not None:
                    fields["message_thread_id"] = chat.thread_id
                answer = await self.bot.send_fields(fields, rate_limit_args=Priority.BROADCAST)
                message_id = answer["message_id"]
            else:
                message = await send_reply(self.bot, self.services.store, chat.chat_id,
                                           job.reply, chat.thread_id, broadcast=True,
                                           paid=self.paid, discreet=chat.discreet)
                message_id = message.message_id
        except TelegramError as exc:
            error = exc
        result = outcome(error, delivery.attempts)
        if result.state == Verdict.SENT:
            now = self.services.clock().timestamp()
            if delivery.due_at:
                metrics.push_lag(now - delivery.due_at)
            # a private chat's message is kept to delete (discreet mode, /forget)
            kept = deletions.kept(chat, message_id, now, self.services.settings.discreet_hours) \
                if message_id is not None else None
            return Closed(delivery, State.SENT, message_id, paid=self.paid, kept=kept)
        log.info("delivery %s: %s (%s)", "announcement" if delivery.announcement_id
                 else f"{'reminder ' if delivery.reminder else ''}of day {delivery.day}",
                 result.state, type(error).__name__)
        if result.state == Verdict.MIGRATED and result.new_chat_id is not None:
            await self.services.store.migrate_chat(delivery.chat_id, result.new_chat_id)
            return Closed(replace(delivery, chat_id=result.new_chat_id), State.PENDING)
        if result.state == Verdict.RETRY:
            return Closed(delivery, State.PENDING, not_before=time.time() + result.delay)
        return Closed(delivery, State.GONE if result.state == Verdict.GONE else State.FAILED)

    async def _render(self, delivery: Delivery, chat: Chat, done: bool,
                      taken: dict[str, int]) -> Reply | None:
        """The message for a row, in the chat's language; None if there is nothing to send.

        `taken`: how many people did each action so far.
        """
        services, campaign = self.services, self.services.campaign
        if delivery.announcement_id:
            announcement = await services.store.announcement(delivery.announcement_id)
            return Reply(announcement[0]) if announcement else None
        action = campaign.action_for_day(delivery.day)
        if action is None or delivery.edition != campaign.edition:
            return None
        if delivery.reminder:
            return messages.reminder(services.i18n.get(chat.language), campaign, action,
                                     bot_username=services.bot_username)
        return messages.action_message(services.i18n.get(chat.language), campaign, action,
                                       bot_username=services.bot_username, chat_kind=chat.kind,
                                       done=done, taken=taken.get(action.id, 0))
