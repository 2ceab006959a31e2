"""Telegram's messages per second, shared by replies and broadcasts, replies first.

Telegram counts every message a bot sends against one budget (about 30 a second). The
`Budget` is PTB's rate limiter for the whole bot: PTB's `AIORateLimiter` still does what it
does well (20 a minute per group, the separate 1000/s limiter of paid broadcasts, retrying a
reply after a 429), and every free send also takes a slot of one `SlidingWindow`:

- a slot is held from the moment a request starts until one window after its answer came
  back. Telegram counts a message when it arrives, which is between those two moments, so
  no window of Telegram's can ever see more sends than there are slots, however late the
  event loop runs or however long a request takes (pacing that never bursts);
- a reply waiting for a slot gets it before any broadcast send, so the broadcast takes every
  slot that replies leave, and nothing more.

With several instances, each one's replies need slots too. Every instance reserves a small
share for its replies (its *lease*, sized from its recent replies) and records it at its
heartbeat; the sender leaves all the others' leases free. A lease grows only after the sender
has read it (a heartbeat of the sender's newer than the one that recorded it, or LEASE_GRACE
at most), and shrinks at once, so together they stay within the budget. A new instance
beside others starts with no slots and asks for its first ones the same way: it takes
updates at once, and its first replies wait for the sender to leave them room.

An instance that becomes the sender keeps its lease for HANDOVER before it takes the whole
budget: the sender before may have spent its share in its last second, and a sender killed
mid-broadcast leaves requests on their way that Telegram counts after it died. Only as long
as that can be: a sender that stopped cleanly records when (`Instance` reads it), and the
first sender of a database, or one long after the last, takes the whole budget at once.

Edits count as messages too: PTB's own limiter counts every request to a chat, and a strict
Bot API may count an edit against the same 30 a second.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import enum
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter

from tgbot.config import FREE_RATE
from tgbot.ops import metrics

# A window a little longer than Telegram's second: the answer's arrival is measured on our
# clock, Telegram's window on its own.
WINDOW = 1.005
# Methods that put a message in a chat or change one: what Telegram's broadcast limit counts
# (edits too, as PTB's AIORateLimiter and the loopback API count them; see tgbot/fakeapi).
# Deletions take a slot as well: whether Telegram counts them is not documented, and a
# slot is the safe guess for the deletion outbox's thousands of calls.
_SENDING = ("send", "copyMessage", "forwardMessage", "editMessage", "deleteMessage")
BURST = 0.1  # of a window: how early a broadcast send may go (its share of slots at once)
LEASE_MIN = 2  # slots each instance keeps for its replies (a person chatting: 1 a second)
LEASE_HISTORY = 10.0  # seconds of replies a lease is sized from
LEASE_GRACE = 6.0  # seconds before a larger lease is used: the sender reads it meanwhile
# Seconds a new sender keeps its lease: one window for the sender before's last second, and
# one more for its requests still on their way to Telegram (a killed sender's last sends are
# counted when the server reads them, which a loaded server does late).
HANDOVER = 2 * WINDOW


class Priority(enum.IntEnum):
    """Who waits for a slot: a reply to someone, or a message of a broadcast."""

    REPLY = 0
    BROADCAST = 1


class SlidingWindow:
    """At most `capacity` requests in any window, counted from start to answer + WINDOW.

    Broadcast sends are also spaced evenly, one every WINDOW / capacity seconds on average
    (a tenth of a window of them may go at once, so an event loop running late catches up):
    slots taken in a burst would all come free in a burst a window later, and a reply
    arriving in between would wait for up to a second.
    """

    def __init__(self, capacity: int, window: float = WINDOW) -> None:
        self.capacity = capacity
        self.window = window
        self._busy = 0
        self._waiting: dict[Priority, collections.deque[asyncio.Future[None]]] = {
            priority: collections.deque() for priority in Priority}
        self._next_broadcast = 0.0  # when the next broadcast send is due (loop time)
        self._timer: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> int:
        """Slots held now (requests in flight, or answered less than a window ago)."""
        return self._busy

    def resize(self, capacity: int) -> None:
        """A new number of slots: more take effect at once, fewer as held slots expire.

        With none, requests wait until there are some.
        """
        self.capacity = max(0, capacity)
        self._grant()

    async def run(self, priority: Priority,
                  request: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        """Run `request` in a slot; the slot is freed one window after it returns."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(waiter)
        self._grant()
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():  # granted as it was cancelled
                self._release()
            else:
                with contextlib.suppress(ValueError):
                    self._waiting[priority].remove(waiter)
            raise
        try:
            return await request()
        finally:
            asyncio.get_running_loop().call_later(self.window, self._release)

    def _release(self) -> None:
        self._busy -= 1
        self._grant()

    def _grant(self) -> None:
        """Hand free slots to waiters, replies first.

        Every waiting reply goes before any broadcast send, and broadcast sends go no closer
        together than their spacing.
        """
        loop = asyncio.get_running_loop()
        replies, broadcast = self._waiting[Priority.REPLY], self._waiting[Priority.BROADCAST]
        while replies and self._busy < self.capacity:
            self._hand(replies.popleft())
        spacing = self.window / max(1, self.capacity)
        while broadcast and self._busy < self.capacity and not replies:
            now, early = loop.time(), self._next_broadcast - BURST * self.window
            if now < early:
                if self._timer is None:
                    self._timer = loop.call_at(early, self._on_time)
                return
            if self._hand(broadcast.popleft()):
                self._next_broadcast = max(self._next_broadcast, now) + spacing

    def _on_time(self) -> None:
        self._timer = None
        self._grant()

    def _hand(self, waiter: asyncio.Future[None]) -> bool:
        if waiter.done():  # cancelled while waiting
            return False
        self._busy += 1
        waiter.set_result(None)
        return True


@dataclasses.dataclass
class _Ask:
    """A larger lease, recorded at a heartbeat and not used yet."""

    asked_at: float
    lease: int
    read: object = None  # the sender's heartbeat as read at the beat that recorded the ask
    first_read: bool = True
    seen_at: float | None = None  # when a newer heartbeat of the sender showed it read it


class ReplyLease:
    """How many slots this instance's replies need.

    The most replies it sent in any one window over the last few seconds, plus one, at least
    `least` (LEASE_MIN; 0 for a process that never replies). `current` is the lease in force
    to begin with: 0 for an instance that joins beside others, so that its first lease too
    waits for the sender to read it.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *,
                 least: int = LEASE_MIN, current: int = LEASE_MIN) -> None:
        self._clock = clock
        self._sent: collections.deque[float] = collections.deque()
        self._ask: _Ask | None = None
        self.least = least
        self.current = current

    def count(self) -> None:
        """One reply sent."""
        self._sent.append(self._clock())

    def beat(self) -> int:
        """Update the lease in force and return the one to record at the heartbeat.

        A smaller lease is used at once; a larger one is recorded now and used once the
        sender has read it and left those slots free (see `read`), or after LEASE_GRACE.
        """
        now = self._clock()
        while self._sent and self._sent[0] < now - LEASE_HISTORY:
            self._sent.popleft()
        times, start, peak = list(self._sent), 0, 0
        for end, moment in enumerate(times):
            while times[start] <= moment - WINDOW:
                start += 1
            peak = max(peak, end - start + 1)
        wanted = max(self.least, peak + 1 if peak else 0)
        if wanted <= self.current:
            self.current, self._ask = wanted, None
        elif self._ask is None or wanted > self._ask.lease:
            self._ask = _Ask(now, wanted)  # the sender has to read this one anew
        self.settle()
        return max(self.current, self._ask.lease if self._ask else 0)

    def read(self, sender: object) -> bool:
        """What this heartbeat read of the sender's last heartbeat (None: no sender).

        Read after the lease was recorded. If a later heartbeat reads a newer one, the
        sender has read the instances (and this lease) since: the lease can be used a
        HANDOVER later, once the sender's slots beyond its new share have come free. True
        when that was just learnt.
        """
        ask = self._ask
        if ask is None:
            return False
        if ask.first_read:
            ask.read, ask.first_read = sender, False
        elif sender is not None and sender != ask.read and ask.seen_at is None:
            ask.seen_at = self._clock()
            return True
        return False

    def settle(self) -> None:
        """Use the lease asked for, once the sender has left its slots free."""
        ask, now = self._ask, self._clock()
        if ask and (now - ask.asked_at >= LEASE_GRACE
                    or (ask.seen_at is not None and now - ask.seen_at >= HANDOVER)):
            self.current, self._ask = ask.lease, None


class Budget(AIORateLimiter):
    """The bot's rate limiter: PTB's AIORateLimiter plus one shared window for free sends.

    `rate` is the bot's messages per second: Telegram's free 30, or with `paid` up to 1000
    paid broadcasts beside 30 free messages. Broadcast sends pass
    `rate_limit_args=Priority.BROADCAST`; everything else is a reply.
    """

    def __init__(self, rate: float, *, paid: bool = False, max_retries: int = 2) -> None:
        # PTB's overall limiter is off: the windows below replace it
        super().__init__(overall_max_rate=0, max_retries=max_retries)
        self.rate = max(1, int(min(rate, FREE_RATE) if paid else rate))
        self.window = SlidingWindow(self.rate)
        # Paid broadcasts: a window of their own. PTB's 1000/s limiter for them is a leaky
        # bucket, which lets bursts through that a strict Telegram answers with 429s.
        self.paid_window = SlidingWindow(max(1, int(rate))) if paid else None
        self.lease = ReplyLease()
        self.sending = True  # the sender uses what the others leave; a standby its lease
        self._others = 0  # the other instances' leases, as last shared
        self._handover: asyncio.TimerHandle | None = None  # a new sender's, until it ends

    def set_sending(self, sending: bool, others: int, handover: float = HANDOVER) -> None:
        """Become the sender, or stop being it, and share the budget anew.

        A new sender keeps its lease for `handover` seconds (what the sender before may still
        count, at most HANDOVER), then takes the budget less the others'.
        """
        if sending != self.sending and self._handover is not None:
            self._handover.cancel()
            self._handover = None
        if sending and not self.sending and handover > 0:
            self._handover = asyncio.get_running_loop().call_later(handover, self._handed_over)
        self.sending = sending
        self.share(others)

    def share(self, others: int) -> None:
        """Set this instance's free slots.

        The sender gets the budget less the other instances' leases; an instance that only
        replies, or a sender still in its handover, gets its own lease.
        """
        self._others = others
        if self.sending and self._handover is None:
            self.window.resize(self.rate - others)
        else:
            self.window.resize(self.lease.current)

    def _handed_over(self) -> None:
        self._handover = None
        self.share(self._others)

    async def process_request(  # type: ignore[override]
            self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
            kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
            rate_limit_args: Priority | None) -> Any:
        """Wait for a slot of the right priority before a sending request; others go at once.

        Paid broadcasts take the paid window, when there is one; every 429 is counted.
        """
        callback = _counting_429s(callback)
        if not endpoint.startswith(_SENDING):
            return await super().process_request(callback, args, kwargs, endpoint, data, None)
        if data.get("allow_paid_broadcast") and self.paid_window is not None:
            # a 429 here goes back to the outbox, which retries the row after retry_after
            return await self.paid_window.run(Priority.BROADCAST,
                                              lambda: callback(*args, **kwargs))
        priority = Priority.BROADCAST if rate_limit_args is Priority.BROADCAST \
            else Priority.REPLY
        if priority is Priority.REPLY:
            self.lease.count()

        async def in_a_slot(*call_args: Any, **call_kwargs: Any) -> Any:
            return await self.window.run(priority, lambda: callback(*call_args, **call_kwargs))

        return await super().process_request(in_a_slot, args, kwargs, endpoint, data, None)


def _counting_429s(callback: Callable[..., Coroutine[Any, Any, Any]]
                   ) -> Callable[..., Coroutine[Any, Any, Any]]:
    """The request, with every 429 counted in the metrics (PTB retries replies itself)."""
    async def request(*args: Any, **kwargs: Any) -> Any:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter:
            metrics.rate_limited()
            raise

    return request
