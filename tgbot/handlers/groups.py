"""The bot joining and leaving groups and channels, and groups becoming supergroups."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from tgbot.context import BotContext
from tgbot.domain.groups import membership_change
from tgbot.handlers.common import chat_of, message_of, reply
from tgbot.messages import groups as replies


async def bot_membership(update: Update, context: BotContext) -> None:
    """Added: introduce the bot once. Removed or kicked: unsubscribe, send nothing more."""
    change = update.my_chat_member
    assert change is not None, "a ChatMemberHandler for MY_CHAT_MEMBER"
    chat = chat_of(update)
    what = membership_change(change.old_chat_member.status, change.new_chat_member.status)
    if what == "removed":
        await context.store.set_subscribed(chat.id, chat.type, False,
                                           context.campaign_date)
    elif what == "added" and chat.type != "channel":
        await reply(update, context, replies.group_greeting(context.t))
    elif what == "added":
        await reply(update, context, replies.channel_greeting(context.t))


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its subscription, language and settings move with it."""
    message = message_of(update)
    if message.migrate_to_chat_id:
        await context.store.migrate_chat(message.chat.id, message.migrate_to_chat_id)


HANDLERS = [
    ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
]
