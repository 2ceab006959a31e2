"""What every handler does to reply: send or edit a rendered message, and answer presses.

Also the update's parts a handler's filter guarantees (its chat, its sender, its press),
narrowed once here instead of checked for None in every handler.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from telegram import CallbackQuery, Chat, Message, Update, User
from telegram.error import BadRequest

from tgbot.context import BotContext
from tgbot.delivery.sending import send_reply
from tgbot.domain import deletions, partners, stats
from tgbot.messages.common import Reply, admins_only
from tgbot.ops import metrics

T = TypeVar("T")


def _present(part: T | None, what: str) -> T:
    assert part is not None, f"a handler registered for updates with {what}"
    return part


def chat_of(update: Update) -> Chat:
    """The chat of an update from a chat (a message, a press, a membership change)."""
    return _present(update.effective_chat, "a chat")


def user_of(update: Update) -> User:
    """The person behind an update sent by someone (a private message, a press, a query)."""
    return _present(update.effective_user, "a sender")


def message_of(update: Update) -> Message:
    """The message of a message update (a command, a text, a service message)."""
    return _present(update.effective_message, "a message")


def press_of(update: Update) -> CallbackQuery:
    """The button press of a CallbackQueryHandler's update."""
    return _present(update.callback_query, "a button press")


async def reply(update: Update, context: BotContext, message: Reply, *,
                edit: bool = False) -> None:
    """Answer in the update's chat (and topic); `edit` replaces a menu in place after a press.

    A discreet chat's new message is kept in the deletion outbox, to go with the others.
    """
    query = update.callback_query
    if edit and query and isinstance(query.message, Message) \
            and query.message.text is not None and message.photo is None:
        with edit_may_repeat():
            await query.edit_message_text(message.text, reply_markup=message.markup)
        metrics.replied()
        return
    sent = await send_reply(context.bot, context.store, chat_of(update).id, message,
                            topic_of(update))
    metrics.replied()
    record = context.chat_record
    if record is not None and record.discreet:
        now = context.services.clock().timestamp()
        if (row := deletions.kept(record, sent.message_id, now,
                                  context.services.settings.discreet_hours)) is not None:
            await context.store.deletions.keep([row])


@contextlib.contextmanager
def edit_may_repeat() -> Iterator[None]:
    """Around an edit: Telegram's "message is not modified" means there is nothing to do.

    A press carries the message as it was when pressed, so a second press queued before the
    first one's edit asks for the same edit again.
    """
    try:
        yield
    except BadRequest as error:
        if "not modified" not in error.message.lower():
            raise


def topic_of(update: Update) -> int | None:
    """The forum topic the update came from, so answers and pushes go back to it."""
    source = update.effective_message
    return source.message_thread_id if source and source.is_topic_message else None


async def answer_press(update: Update, text: str | None = None) -> None:
    """Stop the button's spinner, with a short toast when there is something to say."""
    if update.callback_query:
        await update.callback_query.answer(text)


async def may_manage(update: Update, context: BotContext) -> bool:
    """Whether this person may change the chat's settings; refused with a word if not.

    In a private chat its person may. A message in a group comes from an admin (asked by
    getChatMember, cached, never believed from text) or from an anonymous admin posting as
    the group itself (sender_chat); a channel post comes only from the channel's admins. A
    button press is different: every reader of a channel and every member of a group can
    press, and a modified client can send any data, so the presser must administer the chat,
    and a press with no chat (on an inline message) may change none.
    """
    chat, user, press = update.effective_chat, update.effective_user, update.callback_query
    if await _presser_manages(context, chat, user) if press is not None \
            else await _sender_manages(context, chat, update.effective_message, user):
        return True
    refusal = admins_only(context.t, chat.type if chat else "group")
    if press is not None:
        await press.answer(refusal, show_alert=True)
    else:
        await reply(update, context, Reply(refusal))
    return False


async def _presser_manages(context: BotContext, chat: Chat | None, user: User | None) -> bool:
    """A press: its own private chat, or a group or channel it administers; no chat, no."""
    if chat is None or user is None:
        return False
    if chat.type == "private":
        return chat.id == user.id
    return await is_admin(context, chat, user)


async def _sender_manages(context: BotContext, chat: Chat | None, message: Message | None,
                          user: User | None) -> bool:
    """A message: private, a channel post, an anonymous admin, or an admin by getChatMember."""
    if chat is None or chat.type in ("private", "channel"):
        return True
    if message is not None and message.sender_chat is not None \
            and message.sender_chat.id == chat.id:
        return True
    return await is_admin(context, chat, user)


async def is_admin(context: BotContext, chat: Chat, user: User | None) -> bool:
    """Whether `user` administers the group or channel, by getChatMember (cached a minute)."""
    if user is None:
        return False

    async def status(chat_id: int, user_id: int) -> str:
        try:
            return (await context.bot.get_chat_member(chat_id, user_id)).status
        except BadRequest:  # "user not found": someone Telegram does not list as a member
            return "left"

    return await context.services.admins.is_admin(chat.id, user.id, status)


async def count_start(context: BotContext) -> None:
    """Count a /start's deep-link source (an aggregate, never who); a bad payload is ignored.

    A partner's link (start=p_cpj) is also kept on the chat, if it is the chat's first.
    """
    payload = context.args[0] if context.args else ""
    source = stats.start_source(payload)
    if source:
        await context.store.count_start(source, keep=stats.KEPT_SOURCES, other=stats.OTHER_SOURCE)
    partner = partners.partner_of(payload, context.services.settings.partners)
    if partner and context.chat_record:
        await context.store.record_partner(context.chat_record.chat_id, partner)
