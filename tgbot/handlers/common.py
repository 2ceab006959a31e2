"""What every handler does to reply: send or edit a rendered message, and answer presses."""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest

from tgbot.context import BotContext
from tgbot.delivery import send_reply
from tgbot.messages import Reply


async def reply(update: Update, context: BotContext, message: Reply, *,
                edit: bool = False) -> None:
    """Answer in the update's chat (and topic); `edit` replaces a menu in place after a press."""
    query = update.callback_query
    if edit and query and query.message and query.message.text is not None \
            and message.photo is None:
        try:
            await query.edit_message_text(message.text, reply_markup=message.markup)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return
    chat = update.effective_chat
    source = update.effective_message
    thread = source.message_thread_id if source and source.is_topic_message else None
    assert chat is not None
    await send_reply(context.bot, context.store, chat.id, message, thread)


async def answer_press(update: Update, text: str | None = None) -> None:
    """Stop the button's spinner, with a short toast when there is something to say."""
    if update.callback_query:
        await update.callback_query.answer(text)
