"""The bot joining and leaving groups and channels, and groups becoming supergroups."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ChatMemberHandler, MessageHandler, filters

from tgbot.context import BotContext
from tgbot.groups import membership_change
from tgbot.handlers.common import reply
from tgbot.messages import Reply


async def bot_membership(update: Update, context: BotContext) -> None:
    """Added: introduce the bot once. Removed or kicked: unsubscribe, send nothing more."""
    change = update.my_chat_member
    chat = update.effective_chat
    what = membership_change(change.old_chat_member.status, change.new_chat_member.status)
    if what == "removed":
        await context.store.set_subscribed(chat.id, chat.type, False,
                                           context.services.today())
    elif what == "added" and chat.type != "channel":
        t = context.tr
        await reply(update, context, Reply(t.direct("\n\n".join([
            t.gettext("👋 Hello! I bring one simple action a day for the International Day "
                      "to End Impunity, and answer questions about the campaign."),
            t.gettext("An admin can send /subscribe to get each day's action here, "
                      "/settings to choose the time and /language to choose the language. "
                      "Everyone can press \"I did it\" under an action."),
        ]))))
    elif what == "added":
        t = context.tr
        await reply(update, context, Reply(t.gettext(
            "Thank you for adding me. Post /subscribe in the channel (or send me "
            "/subscribe @channelname in a private chat) to get each day's action here.")))


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its subscription, language and settings move with it."""
    message = update.effective_message
    if message.migrate_to_chat_id:
        await context.store.migrate_chat(message.chat.id, message.migrate_to_chat_id)


HANDLERS = [
    ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER),
    MessageHandler(filters.StatusUpdate.MIGRATE, migrated),
]
