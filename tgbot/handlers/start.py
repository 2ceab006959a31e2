"""/start (with deep-link sources), /help and the main menu."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain.commands import DAY_LINK, HELP, START
from tgbot.handlers.common import answer_press, count_start, reply
from tgbot.messages import callbacks
from tgbot.messages import start as replies
from tgbot.messages.common import stale_button


async def start(update: Update, context: BotContext) -> None:
    """Greet; count the deep-link source (an aggregate, never who). A bad payload is ignored.

    A link to a day ("start=day5") is the actions' handler's (`tgbot.handlers.actions`).
    """
    await count_start(context)
    subscribed = bool(context.chat_record and context.chat_record.subscribed)
    await reply(update, context, replies.welcome(context.t, context.campaign, subscribed))


async def help_command(update: Update, context: BotContext) -> None:
    """/help: the bot's commands, the campaign's FAQ commands, and the safety line."""
    await reply(update, context, replies.help_text(context.t, context.campaign,
                                                   context.services.settings.site_url))


async def menu(update: Update, context: BotContext) -> None:
    """The "Back" button: the welcome message with the main menu, in place."""
    await answer_press(update)
    subscribed = bool(context.chat_record and context.chat_record.subscribed)
    await reply(update, context, replies.welcome(context.t, context.campaign, subscribed),
                edit=True)


async def unknown_press(update: Update, context: BotContext) -> None:
    """A button no handler knows (stale or forged): stop its spinner politely, change nothing."""
    await answer_press(update, stale_button(context.t))


HANDLERS = [
    CommandHandler(START.name, start, filters=~filters.Regex(DAY_LINK)),
    CommandHandler(HELP.name, help_command),
    CallbackQueryHandler(menu, pattern=callbacks.MENU.pattern),
]
