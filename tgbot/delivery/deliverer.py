"""The delivery engine's rounds: when to plan and drain the outbox, in the background.

The engine in rooms: `instances` (is this process the sender, heartbeats, the budget's
share), `planning` (what is due now goes in the outbox), `drain` (claim, prepare, send,
record), `corrections` (edit delivered copies of a corrected day), `announcements` (an
announcement's progress message), `approvals` (four eyes: ask, approve, cancel), `deleter`
(the deletion outbox: messages due for deletion), `recalls` (what a recall took back, in the
organiser's status message) and `sending` (one message and what Telegram's answer means; the
only part handlers import). `Deliverer` builds them from what they need and runs them: on
each beat of the scheduler, on a wake (a new subscriber, an announcement), and for
`tgbot push`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from tgbot.config import Settings
from tgbot.delivery.announcements import AnnouncementProgress
from tgbot.delivery.approvals import Approvals
from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.budget import Budget
from tgbot.delivery.corrections import Corrector
from tgbot.delivery.deleter import Deleter
from tgbot.delivery.drain import Drainer, Summary
from tgbot.delivery.instances import Instance
from tgbot.delivery.planning import Planner
from tgbot.delivery.recalls import Recaller
from tgbot.domain.campaign import CampaignInForce
from tgbot.domain.schedule import Clock
from tgbot.i18n.translator import I18n
from tgbot.ops.alerts import Alerts
from tgbot.storage.backends import is_database_failure
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0  # seconds the rows in flight get to finish when the bot stops
PLAN_PER_TICK = 10_000  # chats looked at per beat: a million due at once take a few minutes


class Deliverer:
    """Runs delivery rounds for one bot: plan what is due, then drain the outbox.

    Only while this process holds the sender lock; a round that starts while another process
    sends does nothing.
    """

    def __init__(self, store: Store, bot: CampaignBot, current: CampaignInForce, clock: Clock,
                 translations: I18n, settings: Settings, alerts: Alerts, *,
                 concurrency: int | None = None, wall: Callable[[], float] = time.time) -> None:
        self.clock = clock
        limiter = getattr(bot, "rate_limiter", None)
        self.instance = Instance(store, limiter if isinstance(limiter, Budget) else None,
                                 wall=wall)
        self.planner = Planner(store, current, alerts)
        self.drainer = Drainer(store, bot, current, clock, translations, settings,
                               self.instance, concurrency=concurrency, wall=wall)
        self.progress = AnnouncementProgress(store, bot, translations)
        self.corrector = Corrector(store, bot, current, translations, self.instance, wall=wall)
        self.deleter = Deleter(store, bot, clock, self.instance.id, wall=wall)
        self.recaller = Recaller(store, bot, translations, clock)
        self.approvals = Approvals(store, bot, current, clock, translations, settings,
                                   self.corrector, self.instance)
        self._round = asyncio.Lock()
        self._planning = asyncio.Lock()
        self._tasks: set[asyncio.Task] = set()

    async def tick(self) -> None:
        """Start a round, or queue what came due while a long broadcast drains.

        The chats whose push time comes during a broadcast are planned beside it.
        """
        if not self._round.locked():
            await self.run_round()
        elif self.instance.sending and not self._planning.locked():
            await self._plan_slice()

    async def run_round(self) -> Summary | None:
        """One round: plan, then drain; its summary.

        None at once if another round of this process is running, or another process is the
        sender.
        """
        if self._round.locked():
            return None
        async with self._round:
            if not await self.instance.is_sender():
                return None
            await self._plan_slice()
            summary = await self.drainer.drain()
            await self.corrector.drain()  # corrections after the sends due now
            return summary

    async def _plan_slice(self) -> None:
        """Queue up to PLAN_PER_TICK due chats, one planner at a time."""
        async with self._planning:
            await self.planner.enqueue_due(self.clock(), PLAN_PER_TICK)

    def beat(self) -> None:
        """The scheduler's beat (PTB's JobQueue, every few seconds).

        A heartbeat, then a tick in the background.
        """
        self.spawn(self._beat())

    async def _beat(self) -> None:
        await self.instance.heartbeat()
        if self.instance.sending:
            await self.progress.report()
            self.spawn(self._delete())  # the deletion outbox, then recalls' reports
            self.spawn(self.approvals.ask())  # requests not asked yet (CLI, a crash)
        await self.tick()

    async def _delete(self) -> None:
        """Delete what is due in the deletion outbox, then show how far recalls have come."""
        await self.deleter.run()
        await self.recaller.report()

    def delete_now(self) -> None:
        """A run of the deletion outbox in the background, now (a recall), if this sends."""
        if self.instance.sending:
            self.spawn(self._delete())

    def wake(self) -> None:
        """A tick in the background, now (a new subscriber, an announcement to send)."""
        self.spawn(self.tick())

    def ask_approvals(self) -> None:
        """Ask the other organisers about new requests for approval, in the background."""
        self.spawn(self.approvals.ask())

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run delivery work as a task of this Deliverer, not of PTB's application.

        PTB's `Application.stop()` waits for its own tasks, and a stop must not wait for a
        whole broadcast.
        """
        if self.drainer.stopping:
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
        self.drainer.stopping = self.corrector.stopping = True
        if self._tasks:
            _, late = await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        await self.instance.leave()
