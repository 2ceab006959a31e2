"""Throttle one person who floods the bot; everyone else is served as usual (group -1)."""

from __future__ import annotations

import time

from telegram import Update
from telegram.ext import ApplicationHandlerStop, TypeHandler

from tgbot.context import BotContext


async def flood_control(update: Update, context: BotContext) -> None:
    """Stop handling an update from someone over their budget; tell them once."""
    user = update.effective_user
    if user is None:
        return
    verdict = context.services.flood.check(user.id, time.monotonic())
    if verdict == "serve":
        return
    if verdict == "notice" and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, context.tr.gettext(
            "⏳ That was a lot at once. Please wait a few seconds, then try again."))
    raise ApplicationHandlerStop


HANDLERS = [TypeHandler(Update, flood_control)]
