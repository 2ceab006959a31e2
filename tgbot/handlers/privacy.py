"""/mydata shows everything stored about the user; /forget deletes it after a confirmation.

Both work only in a private chat: in a group they get one line pointing there.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain.commands import FORGET, MYDATA
from tgbot.handlers.common import answer_press, reply, user_of
from tgbot.messages import callbacks
from tgbot.messages import privacy as replies

PRIVATE = filters.ChatType.PRIVATE


async def my_data(update: Update, context: BotContext) -> None:
    """/mydata: every row about the person, read now, in their language."""
    user = user_of(update)
    data = await context.store.user_data(user.id)
    await reply(update, context, replies.my_data(context.t, context.campaign, user.id, data,
                                                 context.services.i18n.languages))


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask first; nothing is deleted before the confirmation press."""
    await reply(update, context, replies.forget_question(context.t))


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """The confirmation press: every row about the person goes, in one transaction."""
    await context.store.forget_user(user_of(update).id)
    await answer_press(update)
    await reply(update, context, replies.forgotten(context.t), edit=True)


async def my_data_press(update: Update, context: BotContext) -> None:
    """The "My data" button (under a typed question about privacy): /mydata, in private only."""
    await answer_press(update)
    if update.effective_chat is not None and update.effective_chat.type == "private":
        await my_data(update, context)
    else:
        await in_group(update, context)


async def in_group(update: Update, context: BotContext) -> None:
    """/mydata and /forget in a group: personal data is never shown there."""
    await reply(update, context, replies.data_in_private(context.t,
                                                         context.services.bot_username))


HANDLERS = [
    CommandHandler(MYDATA.name, my_data, filters=PRIVATE),
    CommandHandler(FORGET.name, forget, filters=PRIVATE),
    CommandHandler([MYDATA.name, FORGET.name], in_group, filters=filters.ChatType.GROUPS),
    CallbackQueryHandler(forget_confirmed, pattern=callbacks.FORGET.pattern),
    CallbackQueryHandler(my_data_press, pattern=callbacks.MYDATA.pattern),
]
