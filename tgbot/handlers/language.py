"""/language: a button per language, each in its own name; the choice is stored per chat."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot import callbacks, messages
from tgbot.context import BotContext
from tgbot.handlers.common import answer_press, may_manage, reply


async def language_menu(update: Update, context: BotContext) -> None:
    if not await may_manage(update, context):
        return
    await answer_press(update)
    menu = messages.language_menu(context.tr, context.services.i18n.languages)
    await reply(update, context, menu, edit=True)


async def choose(update: Update, context: BotContext) -> None:
    """Store the language and answer in it at once."""
    if not await may_manage(update, context):
        return
    press = callbacks.parse(update.callback_query.data)
    i18n = context.services.i18n
    if press is None or press.arg not in i18n.languages:
        await answer_press(update)
        return
    chat = update.effective_chat
    await context.store.set_language(chat.id, chat.type, press.arg,
                                      context.services.today())
    t = context.t = i18n.get(press.arg)
    await answer_press(update, t.gettext("Language saved."))
    subscribed = bool(context.chat_record and context.chat_record.subscribed)
    await reply(update, context, messages.welcome(t, context.campaign, subscribed), edit=True)


HANDLERS = [
    CommandHandler("language", language_menu),
    CallbackQueryHandler(language_menu, pattern=r"^languages$"),
    CallbackQueryHandler(choose, pattern=r"^lang:"),
]
