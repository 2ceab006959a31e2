"""/remind HH:MM, /remind off and "⏰ Remind me tonight": an opt-in daily reminder, in
private chats only. The scheduler queues it in the outbox like the push (delivery.py).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot import callbacks, messages, schedule
from tgbot.context import BotContext
from tgbot.handlers.common import answer_press, reply
from tgbot.handlers.subscription import zone_name
from tgbot.messages import Reply
from tgbot.zones import parse_time


async def remind(update: Update, context: BotContext) -> None:
    """/remind 21:00 sets the reminder, /remind off stops it; anything else says how."""
    t = context.tr
    if update.effective_chat.type != "private":
        await reply(update, context, Reply(t.gettext(
            "⏰ Reminders are personal: send me /remind 21:00 in our private chat.")))
        return
    typed = " ".join(context.args or []).strip().lower()
    if typed == "off":
        await _stop(update, context)
    elif (at := parse_time(typed)) is not None:
        await _set(update, context, at)
    else:
        current = await context.store.reminder(update.effective_chat.id)
        await reply(update, context, messages.reminder_usage(t, current, _zone(context)))


async def remind_press(update: Update, context: BotContext) -> None:
    """ "⏰ Remind me tonight" under today's action (and in /settings)."""
    press = callbacks.parse(update.callback_query.data)
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
    await reply(update, context, messages.reminder_set(context.tr, at, _zone(context)))


async def _stop(update: Update, context: BotContext) -> None:
    chat_id = update.effective_chat.id
    current = await context.store.reminder(chat_id)
    await context.store.set_reminder(chat_id, None)
    await reply(update, context, messages.reminder_off(context.tr, current, _zone(context)))


def _zone(context: BotContext) -> str:
    return zone_name(context.tr, schedule.chat_zone(context.chat_record, context.campaign).key)


HANDLERS = [
    CommandHandler("remind", remind),
    CallbackQueryHandler(remind_press, pattern=r"^remind:"),
]
