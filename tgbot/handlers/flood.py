"""Throttle one person who floods the bot; everyone else is served as usual (group -4).

The gate runs first of all, before the chat's language is read from the database: a flood
of a thousand presses costs no reads, only the one notice resolves a language.
"""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from tgbot.context import BotContext
from tgbot.handlers.locale import resolve_locale
from tgbot.messages.flood import flood_notice


async def flood_control(update: Update, context: BotContext) -> None:
    """Stop handling an update from someone over their budget; tell them once."""
    user = update.effective_user
    if user is None:
        return
    verdict = context.services.flood.check(user.id, time.monotonic())
    if verdict == "serve":
        return
    if verdict == "notice" and update.effective_chat is not None:
        await resolve_locale(update, context)
        await context.bot.send_message(update.effective_chat.id, flood_notice(context.t))
    raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, flood_control)]
