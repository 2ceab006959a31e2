"""Planning: put the chats due now in the outbox, and each chat's next time in its row.

Every subscribed chat has a next push time (and each reminder a next time), planned in the
chat's own zone: a beat queues those whose time has come, a batch of chats per transaction,
and moves each to its next time. The rows themselves come from `schedule.due_rows`, which
`/subscribe` uses too (`schedule.day_row`) for the day's action it sends at once.
"""

from __future__ import annotations

import datetime as dt
import logging

from tgbot.domain import schedule
from tgbot.domain.campaign import Campaign, CampaignInForce
from tgbot.domain.chat import Chat
from tgbot.domain.outbox import Due
from tgbot.ops.alerts import Alerts
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

DUE_BATCH = 500  # chats looked at per transaction when planning the push
# seconds of the bot's clock between looks for push times that a clock ahead planned (a look
# also comes at once when the clock went back)
REPLAN_EVERY = 60.0


def plan_rows(chats: list[tuple[Chat, dt.time | None]], campaign: Campaign, now: dt.datetime
              ) -> tuple[list[Due], dict[int, float | None]]:
    """The rows due now, and each chat's next time.

    For chats due at their push time (None) or a reminder's time.
    """
    return schedule.due_rows(chats, campaign, now), {
        chat.chat_id: schedule.next_push(chat, campaign, now, at) for chat, at in chats}


class Planner:
    """Queues what is due in the outbox of the campaign in force, by the campaign's clock."""

    def __init__(self, store: Store, current: CampaignInForce, alerts: Alerts) -> None:
        self.store, self.current, self.alerts = store, current, alerts
        self._checked_timing: Campaign | None = None
        self._replanned_at: float | None = None  # the clock at the last `_replan_lost`

    async def enqueue_due(self, now: dt.datetime, limit: int | None = None) -> int:
        """Queue the chats due now, a batch at a time; return the outbox rows added.

        Scheduled announcement rows whose time has come are made pending first.

        Looks at up to `limit` chats (all if None), push times first, then reminders.
        """
        store, campaign = self.store, self.current.campaign
        if self._checked_timing is not campaign:  # started, or the campaign was reloaded
            if await store.reschedule(schedule.timing(campaign)):
                log.info("push times planned anew for the campaign's dates and times")
            self._checked_timing = campaign
        await self._replan_lost(campaign, now)
        # scheduled announcements whose time came in their chats' zones
        added = await store.release_scheduled(now.timestamp())
        looked = 0
        while (limit is None or looked < limit) and (
                chats := await store.due_chats(now.timestamp(), DUE_BATCH)):
            due, next_push = plan_rows([(chat, None) for chat in chats], campaign, now)
            added += await store.plan(campaign.edition, due, {
                chat.chat_id: (chat.next_push_at, next_push[chat.chat_id]) for chat in chats})
            looked += len(chats)
        # reminders after the push: the same budget, and the same lookups by an indexed time
        while (limit is None or looked < limit) and (
                reminders := await store.due_reminders(now.timestamp(), DUE_BATCH)):
            due, next_at = plan_rows([(r.chat, schedule.clock_time(r.remind_at))
                                      for r in reminders], campaign, now)
            added += await store.plan_reminders(campaign.edition, due, {
                r.chat.chat_id: (r.next_at, next_at[r.chat.chat_id]) for r in reminders})
            looked += len(reminders)
        return added

    async def _replan_lost(self, campaign: Campaign, now: dt.datetime) -> None:
        """Plan again the push and reminder times that a clock ahead planned; tell organisers.

        A clock ahead for one beat plans every due chat from the wrong now: days too late, or,
        past the campaign's end, never again. Looked at on start, then every REPLAN_EVERY
        seconds, and at once when the clock went back.
        """
        at = now.timestamp()
        if self._replanned_at is not None and 0 <= at - self._replanned_at < REPLAN_EVERY:
            return
        self._replanned_at = at
        lost = await self.store.replan_lost(schedule.latest_plausible(campaign, now),
                                            schedule.every_chat_has_days_left(campaign, now))
        if lost:
            log.warning("%d push or reminder times could not be right (planned with a clock "
                        "that was ahead?); they are planned again from now", lost)
            await self.alerts.push_times_lost(campaign, now)

    async def enqueue_day(self, day: int, now: dt.datetime) -> int:
        """One campaign day for every subscriber (`tgbot push --date`), for that day only."""
        store, campaign = self.store, self.current.campaign
        ends = {zone: schedule.day_ends_at(schedule.zone_named(zone, campaign), campaign, day)
                for zone in await store.subscribed_zones()}
        return await store.enqueue_day(campaign.edition, day, ends, now.timestamp())
