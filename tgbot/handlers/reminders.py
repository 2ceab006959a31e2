"""/remind HH:MM, /remind off and "⏰ Remind me tonight": an opt-in daily reminder.

It exists in private chats only. The scheduler queues it in the outbox like the push (delivery.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot.context import BotContext
from tgbot.domain import schedule
from tgbot.domain.commands import REMIND
from tgbot.domain.zones import parse_time
from tgbot.handlers.common import answer_press, chat_of, press_of, reply
from tgbot.messages import callbacks
from tgbot.messages import reminders as replies
from tgbot.messages.common import zone_name


async def remind(update: Update, context: BotContext) -> None:
    """/remind 21:00 sets the reminder, /remind off stops it; anything else says how."""
    t = context.t
    if chat_of(update).type != "private":
        await reply(update, context, replies.reminders_are_private(t))
        return
    typed = " ".join(context.args or []).strip().lower()
    if typed == "off":
        await _stop(update, context)
    elif (at := parse_time(typed)) is not None:
        await _set(update, context, at)
    else:
        current = await context.store.reminder(chat_of(update).id)
        await reply(update, context, replies.reminder_usage(t, current, _zone(context)))


async def remind_press(update: Update, context: BotContext) -> None:
    """⏰ Remind me tonight under today's action, and its buttons in /settings."""
    press = callbacks.parse(press_of(update).data)
    if press is None or update.effective_chat is None or \
            update.effective_chat.type != "private":
        await answer_press(update)
        return
    await answer_press(update)
    if press.arg == "off":
        await _stop(update, context)
    else:
        await _set(update, context, press.arg)


async def _set(update: Update, context: BotContext, at: str) -> None:
    chat = context.chat_record
    assert chat is not None  # the locale resolver stored the private chat
    first = schedule.next_push(chat, context.campaign, context.services.clock(),
                               schedule.clock_time(at))
    await context.store.set_reminder(chat.chat_id, at, first)
    await reply(update, context, replies.reminder_set(context.t, at, _zone(context)))


async def _stop(update: Update, context: BotContext) -> None:
    chat_id = chat_of(update).id
    current = await context.store.reminder(chat_id)
    await context.store.set_reminder(chat_id, None)
    await reply(update, context, replies.reminder_off(context.t, current, _zone(context)))


def _zone(context: BotContext) -> str:
    """The chat's zone as its city, for the confirmations."""
    return zone_name(context.t, schedule.chat_zone(context.chat_record, context.campaign).key)


HANDLERS = [
    CommandHandler(REMIND.name, remind),
    CallbackQueryHandler(remind_press, pattern=callbacks.REMIND.pattern),
]
