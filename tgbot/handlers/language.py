"""/language: a button per language, each in its own name; the choice is stored per chat."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot.context import BotContext
from tgbot.domain.commands import LANGUAGE
from tgbot.handlers.common import answer_press, chat_of, may_manage, press_of, reply
from tgbot.messages import callbacks
from tgbot.messages import language as replies
from tgbot.messages.start import welcome


async def menu(update: Update, context: BotContext) -> None:
    """/language and the Language button: the languages, for whoever may change them."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    languages = replies.language_menu(context.t, context.services.i18n.languages)
    await reply(update, context, languages, edit=True)


async def choose(update: Update, context: BotContext) -> None:
    """Store the language and answer in it at once."""
    if not await may_manage(update, context):
        return
    press = callbacks.parse(press_of(update).data)
    i18n = context.services.i18n
    if press is None or press.arg not in i18n.languages:
        await answer_press(update)
        return
    chat = chat_of(update)
    await context.store.set_language(chat.id, chat.type, press.arg,
                                      context.campaign_date)
    t = context.t = i18n.get(press.arg)
    await answer_press(update, replies.language_saved(t))
    subscribed = bool(context.chat_record and context.chat_record.subscribed)
    await reply(update, context, welcome(t, context.campaign, subscribed), edit=True)


HANDLERS = [
    CommandHandler(LANGUAGE.name, menu),
    CallbackQueryHandler(menu, pattern=callbacks.LANGUAGES.pattern),
    CallbackQueryHandler(choose, pattern=callbacks.LANGUAGE.pattern),
]
