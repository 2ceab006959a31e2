"""/mydata shows everything stored about the user; /forget deletes it after a confirmation.

Both work only in a private chat: in a group they get one line pointing there.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain.commands import FORGET, MYDATA
from tgbot.domain.deletions import NOT_DELETED, DeletionState, Kept
from tgbot.handlers.common import answer_press, press_of, reply, user_of
from tgbot.messages import callbacks
from tgbot.messages import privacy as replies

PRIVATE = filters.ChatType.PRIVATE


async def my_data(update: Update, context: BotContext) -> None:
    """/mydata: every row about the person, read now, in their language."""
    user = user_of(update)
    data = await context.store.user_data(user.id)
    services = context.services
    await reply(update, context, replies.my_data(context.t, context.campaign, user.id, data,
                                                 services.i18n.languages,
                                                 services.settings.retention_days))


async def forget(update: Update, context: BotContext) -> None:
    """/forget: ask first; nothing is deleted before the confirmation press."""
    await reply(update, context, replies.forget_question(context.t))


async def forget_confirmed(update: Update, context: BotContext) -> None:
    """The confirmation press: every row about the person goes, in one transaction.

    Then the bot's messages to them that Telegram still lets it delete go too (the question
    with them), and a new message says how many could not.
    """
    services, user_id, now = context.services, user_of(update).id, context.services.clock()
    await answer_press(update)
    question = press_of(update).message
    if question is not None:
        await context.store.deletions.keep([Kept(user_id, question.message_id,
                                                 now.timestamp())])
    older = await context.store.forget_user(user_id, now.timestamp())
    context.chat_record = None  # gone: the answer below is kept nowhere
    done = await services.deliverer.deleter.delete_chat(user_id)
    await context.store.deletions.forget_chat(user_id)
    not_deleted = older + sum(done[outcome] for outcome in NOT_DELETED)
    await reply(update, context,
                replies.forgotten(context.t, done[DeletionState.DELETED], not_deleted))


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
