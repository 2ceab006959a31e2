"""The drain: claim outbox rows, prepare their messages, send them, record how each closed.

Every (chat, day) is one row in the outbox table, and every announcement to a chat another.
A sender claims a batch of rows, sends them, and closes them, so a crash at any point leaves
every row either sent or still to send; only rows that were in flight at the crash (sent, but
not yet recorded: a few hundredths of a second of sends) can be sent twice. Every row has a
lifetime: a day's action is for its day in the chat's own zone, an announcement for its
lifetime, and a row past it is closed as expired, never sent.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from telegram.error import TelegramError

from tgbot import messages
from tgbot.config import Settings, stars_for
from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.budget import Priority
from tgbot.delivery.corrections import day_content, fingerprint
from tgbot.delivery.instances import Instance
from tgbot.delivery.sending import Verdict, broadcast_fields, outcome, send_reply
from tgbot.domain import deletions, schedule
from tgbot.domain.campaign import CampaignInForce
from tgbot.domain.chat import Chat
from tgbot.domain.outbox import METRIC_OUTCOME, Closed, Delivery, Kind, State
from tgbot.domain.schedule import Clock
from tgbot.i18n.translator import I18n
from tgbot.messages import Reply
from tgbot.messages.discreet import neutral
from tgbot.ops import metrics
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


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
    shown: str | None = None  # a day's action: its content's fingerprint
    text: str | None = None  # an announcement: its text as it goes out


class _Recorder:
    """Closed rows, recorded together (a group commit).

    A sender that closed a row waits for the next transaction, which records every row
    closed meanwhile. A broadcast costs one transaction per batch instead of one per
    message, and at any moment each sender has at most one row sent but not yet recorded:
    all that a crash can send twice.
    """

    def __init__(self, store: Store, today: Callable[[], dt.date], summary: Summary,
                 report: Callable[[int], None] | None) -> None:
        self.store, self.today, self.summary, self.report = store, today, summary, report
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
            await self.store.close_rows(rows, self.today())
            for closed in rows:
                self.summary.add(closed)
                metrics.delivered(closed.delivery.kind, METRIC_OUTCOME[closed.state])
                if closed.paid:
                    metrics.stars_spent(stars_for(1))
            if self.report:
                self.report(self.summary.total)


class Drainer:
    """Sends the outbox's ready rows for the instance that holds the sender lock."""

    def __init__(self, store: Store, bot: CampaignBot, current: CampaignInForce, clock: Clock,
                 translations: I18n, settings: Settings, instance: Instance, *,
                 concurrency: int | None = None, wall: Callable[[], float] = time.time) -> None:
        self.store, self.bot, self.current, self.clock = store, bot, current, clock
        self.translations, self.instance, self.wall = translations, instance, wall
        self.concurrency = concurrency or senders_for(settings.rate)
        self.batch = min(256, max(2 * self.concurrency, int(settings.rate)))  # rows per claim
        self.paid = settings.paid_broadcast
        self.discreet_hours = settings.discreet_hours  # a discreet chat's messages live so long
        self.bot_username = bot.bot.username or ""
        self.stopping = False  # set once: rows claimed from then on go back to the outbox

    def campaign_date(self) -> dt.date:
        """The campaign's date now: the stamp of a chat's leaving (a blocked bot)."""
        return schedule.campaign_date(self.current.campaign, self.clock())

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
        recorder = _Recorder(self.store, self.campaign_date, summary, report)
        jobs: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.batch)
        store = self.store
        # this drain's name in the outbox: rows in flight under any other name were left by a
        # sender that stopped (another process, or a drain of this one that the database's
        # going away cut short), and go back to the outbox
        claims = uuid.uuid4().hex
        if released := await store.release_claims(claims):
            log.info("%d rows left in flight by a sender that stopped go back to the outbox",
                     released)

        async def claimer() -> None:
            while not self.stopping and await self.instance.is_sender() and (
                    claimed := await store.claim(self.batch, owner=claims, now=self.wall())):
                for job in await self._prepare(claimed, recorder):
                    await jobs.put(job)
            for _ in range(self.concurrency):
                await jobs.put(None)

        async def sender() -> None:
            while (job := await jobs.get()) is not None:
                if self.stopping or not self.instance.sending:
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
        campaign, store = self.current.campaign, self.store
        chats = await store.chats([d.chat_id for d in claimed])
        done = await self._done_by(claimed, chats)
        # "N people have done this": counted once per batch, at send time
        actions = {d.day: a for d in claimed if (a := campaign.action_for_day(d.day))}
        taken = await store.action_takers(campaign.edition, {a.id for a in actions.values()})
        rendered: dict[tuple, tuple[Reply, dict[str, object] | None] | None] = {}
        shown: dict[tuple[int, str | None, str], str | None] = {}
        announced: dict[int, str] = {}  # each announcement's text, as it goes out now
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
                if reply and delivery.announcement_id:
                    announced[delivery.announcement_id] = reply.text
                if reply and chat.discreet:  # discreet mode: tgbot.messages.discreet
                    reply = neutral(self.translations.get(chat.language), reply, delivery.kind)
                rendered[key] = (reply, broadcast_fields(reply, self.paid, chat.discreet)) \
                    if reply else None
            message = rendered[key]
            if message is None:
                recorder.add(Closed(delivery, State.SKIPPED))
                continue
            content = None
            if delivery.kind == Kind.PUSH:
                day = (delivery.day, chat.language, chat.kind)
                if day not in shown:
                    reply = day_content(self.translations, campaign, *day, self.bot_username)
                    shown[day] = fingerprint(reply) if reply else None
                content = shown[day]
            jobs.append(_Job(delivery, chat, *message, expires_at, content,
                             announced.get(delivery.announcement_id or 0)))
        return jobs

    async def _done_by(self, claimed: list[Delivery],
                       chats: dict[int, Chat]) -> set[tuple[int, int]]:
        """(chat, day) of the people among these private chats who answered their row's action.

        They did it or found it not safe: their push shows Undo; their reminder is not sent.
        """
        campaign, by_day = self.current.campaign, defaultdict(list)
        for d in claimed:
            chat = chats.get(d.chat_id)
            if not d.announcement_id and chat is not None and chat.kind == "private":
                by_day[d.day].append(d.chat_id)
        done: set[tuple[int, int]] = set()
        for day, user_ids in by_day.items():
            action = campaign.action_for_day(day)
            if action is not None:
                done |= {(user_id, day) for user_id in await self.store.answered_by(
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
        if job.expires_at is not None and self.clock().timestamp() >= job.expires_at:
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
                message = await send_reply(self.bot, self.store, chat.chat_id, job.reply,
                                           chat.thread_id, broadcast=True, paid=self.paid,
                                           discreet=chat.discreet)
                message_id = message.message_id
        except TelegramError as exc:
            error = exc
        result = outcome(error, delivery.attempts)
        if result.state == Verdict.SENT:
            now = self.clock().timestamp()
            if delivery.due_at:
                metrics.push_lag(now - delivery.due_at)
            # a private chat's message is kept to delete (discreet mode, /forget)
            kept = deletions.kept(chat, message_id, now, self.discreet_hours) \
                if message_id is not None else None
            return Closed(delivery, State.SENT, message_id, paid=self.paid, kept=kept,
                          shown=job.shown, sent_at=now, text=job.text)
        log.info("delivery %s: %s (%s)", "announcement" if delivery.announcement_id
                 else f"{'reminder ' if delivery.reminder else ''}of day {delivery.day}",
                 result.state, type(error).__name__)
        if result.state == Verdict.MIGRATED and result.new_chat_id is not None:
            await self.store.migrate_chat(delivery.chat_id, result.new_chat_id)
            return Closed(replace(delivery, chat_id=result.new_chat_id), State.PENDING)
        if result.state == Verdict.RETRY:  # Telegram's wait is in real seconds
            return Closed(delivery, State.PENDING, not_before=self.wall() + result.delay)
        return Closed(delivery, State.GONE if result.state == Verdict.GONE else State.FAILED)

    async def _render(self, delivery: Delivery, chat: Chat, done: bool,
                      taken: dict[str, int]) -> Reply | None:
        """The message for a row, in the chat's language; None if there is nothing to send.

        `taken`: how many people did each action so far.
        """
        campaign = self.current.campaign
        if delivery.announcement_id:
            announcement = await self.store.announcement(delivery.announcement_id)
            return Reply(announcement.text) if announcement else None
        action = campaign.action_for_day(delivery.day)
        if action is None or delivery.edition != campaign.edition:
            return None
        t = self.translations.get(chat.language)
        if delivery.reminder:
            return messages.reminder(t, campaign, action, bot_username=self.bot_username)
        return messages.action_message(t, campaign, action, bot_username=self.bot_username,
                                       chat_kind=chat.kind, done=done,
                                       taken=taken.get(action.id, 0))
