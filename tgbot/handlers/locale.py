"""Resolve the chat's language once per update, before the feature handlers run.

It runs in group -2, after the flood gate (-4) and the repeat filter (-3): a flood or a
repeat costs no read of the chat (the flood gate calls it for its one notice only).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import TypeHandler

from tgbot.context import BotContext


async def resolve_locale(update: Update, context: BotContext) -> None:
    """The stored choice of the chat; at first contact, Telegram's hint, negotiated and stored.

    Updates without a chat (inline queries) store nothing: their sender may be a stranger.
    """
    services = context.services
    chat, user = update.effective_chat, update.effective_user
    if chat is None and user is not None:  # an inline query: read the person's choice only
        record = await context.store.chat(user.id)
        context.chat_record = record
        context.t = services.i18n.get(record.language if record and record.language
                                      else services.i18n.negotiate(user.language_code))
        return
    record = await context.store.chat(chat.id) if chat else None
    if chat is not None and (record is None or record.language is None):
        code = services.i18n.negotiate(user.language_code if user else None)
        await context.store.set_language(chat.id, chat.type, code, services.campaign_date())
        record = await context.store.chat(chat.id)
    context.chat_record = record
    context.t = services.i18n.get(record.language if record else None)


HANDLERS = [TypeHandler(Update, resolve_locale)]
