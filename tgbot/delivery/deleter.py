"""The deletion outbox's sender: delete the messages that are due, under the bot's Budget.

Rows are claimed (`Deletions.claim`), each chat's ids go to Telegram's deleteMessages in
batches of up to 100, and each batch's rows are closed as soon as Telegram answered, so a
crash leaves every row deleted, still to delete, or in flight: only the batches in flight at
that moment (at most CONCURRENCY) can be asked for again, and deleteMessages skips ids that
are gone. Rows a stopped instance left in flight go back at the sender's next run
(`Deletions.release`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable

from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.budget import Priority
from tgbot.delivery.instances import live_others
from tgbot.delivery.sending import MAX_ATTEMPTS
from tgbot.domain.deletions import DELETE_WINDOW, Claimed, DeletionState
from tgbot.domain.schedule import Clock
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

BATCH = 100  # deleteMessages: "A JSON-serialized list of 1-100 identifiers"
CLAIM = 500  # rows claimed per transaction
CONCURRENCY = 8  # deleteMessages calls in flight at once
RETRY_AFTER = 60.0  # seconds before a deletion the network or a 429 stopped is tried again


class Deleter:
    """Deletes the due messages of the deletion outbox with one bot.

    `owner` is this instance's name (its heartbeat), under which it claims rows; `clock` the
    campaign's now, which the rows' times are stamped with; `wall` the real seconds that
    heartbeats count.
    """

    def __init__(self, store: Store, bot: CampaignBot, clock: Clock, owner: str, *,
                 wall: Callable[[], float] = time.time) -> None:
        self.store, self.bot, self.clock, self.owner, self.wall = store, bot, clock, owner, wall
        self._running = asyncio.Lock()

    async def run(self) -> None:
        """Delete every message due now, behind replies in the budget (at once if running).

        Only the sender runs it. Rows claimed by another instance are put back first, unless
        it is alive and only replies (its /forget): one without a recent heartbeat has died,
        and one whose heartbeat says it sends has stopped or lost the sender lock to this
        process, so its rows need not wait out ALIVE. Ids kept 48 hours are dropped.
        """
        store, now = self.store, self.clock().timestamp()
        if self._running.locked():  # the beat comes again: one run at a time
            return
        async with self._running:
            repliers = [i.instance_id for i in live_others(await store.instances(), self.owner,
                                                            self.wall()) if not i.sending]
            if released := await store.deletions.release({self.owner, *repliers}):
                log.info("%d deletions left in flight by a stopped instance go back", released)
            if dropped := (await store.deletions.drop_older(now - DELETE_WINDOW)).get(
                    DeletionState.PENDING):
                log.info("%d kept message ids are 48 hours old and dropped", dropped)
            done = await self._delete_due(now, None, Priority.BROADCAST)
            if done:
                log.info("deletion outbox: %s", ", ".join(f"{n} {o}" for o, n in done.items()))

    async def delete_chat(self, chat_id: int) -> Counter[DeletionState]:
        """Delete a chat's due messages now, as a reply (/forget waits for it)."""
        return await self._delete_due(self.clock().timestamp(), chat_id, Priority.REPLY)

    async def _delete_due(self, now: float, chat_id: int | None,
                          priority: Priority) -> Counter[DeletionState]:
        done: Counter[DeletionState] = Counter()
        slots = asyncio.Semaphore(CONCURRENCY)
        while claimed := await self.store.deletions.claim(now, CLAIM, owner=self.owner,
                                                          chat_id=chat_id):
            by_chat: dict[int, list[Claimed]] = defaultdict(list)
            for row in claimed:
                by_chat[row.chat_id].append(row)
            batches = [rows[i:i + BATCH] for rows in by_chat.values()
                       for i in range(0, len(rows), BATCH)]

            async def one(rows: list[Claimed]) -> None:
                async with slots:
                    results = await self._delete(rows, now, priority)
                await self.store.deletions.close(rows[0].chat_id, results, now + RETRY_AFTER)
                done.update(results.values())

            await asyncio.gather(*(one(rows) for rows in batches))
        return done

    async def _delete(self, rows: list[Claimed], now: float,
                      priority: Priority) -> dict[int, DeletionState]:
        """Ask Telegram to delete one chat's messages; what became of each.

        Messages older than 48 hours are not asked for. One message Telegram refuses makes
        it refuse the whole call (it checks every message first): then each is asked alone.
        """
        results = {r.message_id: DeletionState.TOO_OLD for r in rows
                   if now - r.sent_at >= DELETE_WINDOW}
        ask = [r for r in rows if r.message_id not in results]
        if not ask:
            return results
        outcome = await self._ask(ask, priority)
        if outcome is DeletionState.FAILED and len(ask) > 1:
            for row in ask:
                results[row.message_id] = await self._ask([row], priority)
            return results
        return results | {row.message_id: outcome for row in ask}

    async def _ask(self, rows: list[Claimed], priority: Priority) -> DeletionState:
        """One deleteMessage(s) call for messages of one chat, and what it means for them."""
        chat_id, ids = rows[0].chat_id, [row.message_id for row in rows]
        try:
            if len(ids) == 1:
                await self.bot.delete_message(chat_id, ids[0], rate_limit_args=priority)
            else:
                await self.bot.delete_messages(chat_id, ids, rate_limit_args=priority)
        except Forbidden:  # blocked, deactivated
            return DeletionState.GONE
        except BadRequest as error:
            text = error.message.lower()
            if "message to delete not found" in text:  # the person or a timer deleted it
                return DeletionState.DELETED
            if "chat not found" in text:
                return DeletionState.GONE
            if "can't be deleted" in text and len(ids) == 1:
                return DeletionState.TOO_OLD
            log.info("deletion refused: %s", type(error).__name__)
            return DeletionState.FAILED
        except (RetryAfter, TelegramError) as error:  # the network, or too many requests
            log.info("deletion to retry: %s", type(error).__name__)
            return DeletionState.PENDING if min(r.attempts for r in rows) < MAX_ATTEMPTS \
                else DeletionState.FAILED
        return DeletionState.DELETED
