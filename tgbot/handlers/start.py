"""/start (with deep-link sources), /help and the main menu."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot.context import BotContext
from tgbot.domain import stats
from tgbot.domain.commands import HELP, START
from tgbot.handlers import actions
from tgbot.handlers.common import answer_press, reply
from tgbot.messages import callbacks
from tgbot.messages import start as replies
from tgbot.messages.common import stale_button

# Channel posts link to "day5": open that day's action in the private chat.
DAY_PAYLOAD_RE = re.compile(r"day(\d{1,2})")


async def start(update: Update, context: BotContext) -> None:
    """Greet; count the deep-link source (an aggregate, never who). A bad payload is ignored."""
    payload = context.args[0] if context.args else ""
    await stats.count_start(context.store, payload)
    day = DAY_PAYLOAD_RE.fullmatch(payload)
    if day:
        await actions.open_day(update, context, int(day[1]))
        return
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
    CommandHandler(START.name, start),
    CommandHandler(HELP.name, help_command),
    CallbackQueryHandler(menu, pattern=callbacks.MENU.pattern),
]
