"""Act on each update once, whichever instance it reaches (group -3, after the flood gate).

Telegram sends an update again when a webhook answers late or fails, and behind a load
balancer the repeat may reach another instance; a restarted poller may get the last batch
again. Every instance records the update_ids it takes in the shared database; a repeat is
dropped before any handler runs, so a repeated "I did it" press cannot count twice.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from tgbot.context import BotContext
from tgbot.ops import metrics

log = logging.getLogger(__name__)


async def drop_repeats(update: Update, context: BotContext) -> None:
    """Stop an update whose id some instance recorded already; record a new one."""
    if not await context.store.first_sight(update.update_id,
                                           context.services.clock().timestamp()):
        metrics.repeated_update()
        log.info("update %d was handled already; dropped", update.update_id)
        raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, drop_repeats)]
