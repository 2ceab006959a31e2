"""The campaign FAQ: a command per question, the /faq menu, and questions typed in the chat."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from tgbot.context import BotContext, Services
from tgbot.domain.commands import ASKED, FAQ
from tgbot.handlers.common import answer_press, message_of, reply
from tgbot.messages import callbacks
from tgbot.messages import faq as replies


async def menu(update: Update, context: BotContext) -> None:
    """/faq and the Questions button: the menu of questions (in place of a menu pressed)."""
    await answer_press(update)
    await reply(update, context, replies.faq_menu(context.t, context.campaign), edit=True)


async def faq_press(update: Update, context: BotContext) -> None:
    """A question's button: its answer in place of the menu; an unknown id gets the menu."""
    press = callbacks.parse(update.callback_query.data if update.callback_query else None)
    entry = context.campaign.faq_by_id(press.arg) if press and press.arg else None
    if entry is None:
        await menu(update, context)
        return
    await answer_press(update)
    await reply(update, context, replies.faq_answer(context.t, context.campaign, entry), edit=True)


def _command(message: Message, bot_username: str) -> str | None:
    """The command a message starts with, if it is addressed to us (/cmd or /cmd@our_bot)."""
    if not message.text or not message.text.startswith("/"):
        return None
    command, _, target = message.text.split()[0][1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None
    return command.lower()


class FaqCommand(filters.MessageFilter):
    """Matches /about, /why, ...: looked up in the campaign in force, so /reload adds commands."""

    def __init__(self, services: Services) -> None:
        super().__init__(name="FaqCommand")
        self.services = services

    def filter(self, message: Message) -> bool:
        """Whether the message is a command of one of the campaign's FAQ entries."""
        command = _command(message, self.services.bot_username)
        return any(e.command == command for e in self.services.campaign.faq)


async def faq_command(update: Update, context: BotContext) -> None:
    """/about, /why, ...: the answer of the FAQ entry with that command."""
    command = _command(message_of(update), context.services.bot_username)
    entry = next(e for e in context.campaign.faq if e.command == command)
    await reply(update, context, replies.faq_answer(context.t, context.campaign, entry))


class AddressedToUs(filters.MessageFilter):
    """Text meant for the bot, never talk between members.

    Anything in a private chat; in a group only a reply to one of the bot's own messages or
    a mention of the bot itself.
    """

    def __init__(self, services: Services) -> None:
        super().__init__(name="AddressedToUs")
        self.services = services

    def filter(self, message: Message) -> bool:
        """Whether the message is addressed to the bot (see the class)."""
        if message.chat.type == "private":
            return True
        ours = self.services.bot_username.lower()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None \
                and (replied.from_user.username or "").lower() == ours:
            return True
        return any(mention.lower() == f"@{ours}"
                   for mention in message.parse_entities(["mention"]).values())


async def question(update: Update, context: BotContext) -> None:
    """Free text: the FAQ entry or the bot's command it asks about, or what the bot answers.

    In a group, one line pointing to the private chat instead of the list.
    """
    message = update.effective_message
    text = (message.text or "") if message else ""
    mention = f"@{context.services.bot_username}"
    text = re.sub(re.escape(mention), " ", text, flags=re.IGNORECASE)
    entry_id = context.services.matcher(context.t).match(text) or ""
    command = next((c for c in ASKED if "/" + c.name == entry_id), None)
    entry = context.campaign.faq_by_id(entry_id)
    if command is not None:
        await reply(update, context, replies.command_answer(context.t, command))
    elif entry is not None:
        await reply(update, context, replies.faq_answer(context.t, context.campaign, entry))
    elif update.effective_chat and update.effective_chat.type != "private":
        await reply(update, context,
                    replies.ask_in_private(context.t, context.services.bot_username))
    else:
        await reply(update, context, replies.no_match(context.t, context.campaign))


def handlers(services: Services) -> list:
    """The FAQ handlers; the commands themselves come from the campaign file in force."""
    addressed = AddressedToUs(services)
    return [
        CommandHandler(FAQ.name, menu),
        MessageHandler(FaqCommand(services), faq_command),
        CallbackQueryHandler(faq_press, pattern=callbacks.FAQ.pattern),
        MessageHandler(filters.TEXT & ~filters.COMMAND & addressed, question),
    ]
