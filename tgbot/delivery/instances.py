"""This process among the bot's instances on one database: the sender lock and heartbeats.

Of all the processes on one database, only the holder of the sender lock plans and sends, so
two instances never spend Telegram's budget twice; another takes the lock over as soon as the
holder dies. Every instance records a heartbeat at each beat, with the share of the budget
(its lease) that its replies need; the sender takes the budget less every other live
instance's lease.

Heartbeats and the lock's checks count real seconds between real processes (`wall`), not the
campaign's clock, which tests and `tgbot demo` move.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

from tgbot import __version__
from tgbot.delivery.budget import HANDOVER, LEASE_MIN, Budget, ReplyLease
from tgbot.domain.instance import Instance as InstanceRow
from tgbot.ops import metrics
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

LOCK_CHECK_EVERY = 5.0  # seconds between checks that this process still holds the sender lock
ALIVE = 15.0  # seconds without a heartbeat after which an instance counts as gone
BEAT_EVERY = 2.0  # seconds between the heartbeats of `tgbot push` (`tgbot run` has its beat)

def live_others(instances: list[InstanceRow], instance_id: str, now: float) -> list[InstanceRow]:
    """The instances other than `instance_id` with a heartbeat in the last ALIVE seconds."""
    return [i for i in instances if i.instance_id != instance_id and i.heartbeat_at > now - ALIVE]


class Instance:
    """This process's place among the instances: whether it sends, and its budget's share."""

    def __init__(self, store: Store, budget: Budget | None, *,
                 wall: Callable[[], float] = time.time) -> None:
        self.store, self.budget, self.wall = store, budget, wall
        self.id = uuid.uuid4().hex  # this instance's name in the instances table
        self.started_at = wall()
        self.sending = False
        self._lock = store.sender_lock()
        self._checking = asyncio.Lock()
        self._checked = 0.0
        self._others = 0  # the other live instances' leases, as of the last heartbeat

    async def others_alive(self) -> bool:
        """Whether another instance had a heartbeat lately."""
        return bool(live_others(await self.store.instances(), self.id, self.wall()))

    async def is_sender(self) -> bool:
        """Hold (or take over) the sender lock; whether this process sends.

        Checked at most every few seconds, by one worker at a time (the lock's connection runs
        one query at a time).
        """
        if self.sending and not self._lock.held:  # its connection is gone: stop at once
            self._set_sending(False)
            log.warning("this process lost the sender lock; it stops sending")
        async with self._checking:
            if self.sending and time.monotonic() - self._checked < LOCK_CHECK_EVERY:
                return True
            was_sending, self._checked = self.sending, time.monotonic()
            sending = await self._lock.acquire()
            self._set_sending(sending, await self._handover() if sending and not was_sending
                              else 0.0)
            metrics.set_sender(self.sending)
            if self.sending and not was_sending:
                # the budget keeps this instance's lease for a handover: the sender before
                # may have sent its last messages a moment ago
                log.info("this process sends the daily push and announcements now")
            elif was_sending and not self.sending:
                log.warning("this process lost the sender lock; it stops sending")
            return self.sending

    def _set_sending(self, sending: bool, handover: float = 0.0) -> None:
        """Send or stop; `handover` counts only when this makes the process the sender."""
        self.sending = sending
        if self.budget is not None:
            self.budget.set_sending(sending, self._others, handover)

    async def _handover(self) -> float:
        """How long this new sender keeps to its lease: the sender before's last sends.

        Any other live instance may be that sender (killed, or cut off from the lock): the
        whole HANDOVER. With none alive, what remains of it since the last sender left, and
        nothing on a database no sender ever left (its first, or one long stopped).
        """
        now = self.wall()
        if live_others(await self.store.instances(), self.id, now):
            return HANDOVER
        left = await self.store.sender_left_at()
        return 0.0 if left is None else min(HANDOVER, max(0.0, left + HANDOVER - now))

    async def heartbeat(self) -> None:
        """Record this instance as alive with its replies' lease.

        The sender then takes the budget less every other live instance's lease.
        """
        now = self.wall()
        lease = self.budget.lease.beat() if self.budget else 0
        await self.store.heartbeat(self.id, started_at=self.started_at, sending=self.sending,
                                   reply_lease=lease, version=__version__, now=now)
        others = live_others(await self.store.instances(), self.id, now)
        self._others = sum(instance.reply_lease for instance in others)
        if self.budget is not None:
            senders = sorted((i.heartbeat_at, i.instance_id) for i in others if i.sending)
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
            alone = not await self.others_alive()
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

    async def leave(self) -> None:
        """Give up the sender lock and this instance's lease, so another takes over at once."""
        sending = self.sending
        await self._lock.release()
        self._set_sending(False)
        with contextlib.suppress(Exception):  # the database may be gone already
            await self.store.leave(self.id, sending=sending, now=self.wall())
