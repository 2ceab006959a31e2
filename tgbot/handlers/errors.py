"""The one error handler: log without personal data, apologise in the user's language."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from tgbot.context import BotContext
from tgbot.i18n.translator import Translator
from tgbot.messages.errors import apology
from tgbot.ops import metrics

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure (no update contents: they hold names and texts) and say sorry."""
    kind = type(update).__name__ if update is not None else "job"
    log.error("error while handling %s", kind, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    t = context.t if context.has_language else _language_of(update, context)
    try:
        await context.bot.send_message(update.effective_chat.id, apology(t))
        metrics.replied()
    except TelegramError:
        log.warning("could not send the apology either")
    raise ApplicationHandlerStop  # the later groups would fail the same way: one apology


def _language_of(update: Update, context: BotContext) -> Translator:
    """The language Telegram says the person uses, for an apology before the resolver ran.

    With the database down, their stored choice cannot be read, and an apology in a
    language they do not read is silence.
    """
    i18n = context.bot_data.i18n
    user = update.effective_user
    return i18n.get(i18n.negotiate(user.language_code if user else None))
