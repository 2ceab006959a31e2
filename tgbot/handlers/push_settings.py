"""/settings: the daily action's time and time zone, the reminder's and discreet mode's buttons.

Set by buttons (a time, a region, then a zone) or typed: `/settings 21:30`,
`/settings Manila`. A channel only types them, in a post: buttons there would be every
reader's to press.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain.commands import SETTINGS
from tgbot.domain.zones import PUSH_TIMES, REGION_ZONES, ZONES, find_zone, parse_time
from tgbot.handlers.common import answer_press, chat_of, may_manage, press_of, reply
from tgbot.messages import callbacks, discreet
from tgbot.messages import push_settings as replies


async def settings(update: Update, context: BotContext) -> None:
    """The settings menu; with an argument, a time or a place typed instead of pressed."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    if context.args or chat_of(update).type == "channel":
        await _typed_setting(update, context, " ".join(context.args or []))
        return
    reminder = await context.store.reminder(chat_of(update).id)
    await reply(update, context, replies.settings_menu(
        context.t, context.campaign, context.chat_record, reminder,
        context.services.settings.discreet_hours), edit=True)


async def _typed_setting(update: Update, context: BotContext, typed: str) -> None:
    """/settings 21:30, /settings Asia/Manila, /settings Manila: saved and confirmed."""
    t, chat, record = context.t, chat_of(update), context.chat_record
    push_time = record.push_time if record else None
    zone = record.timezone if record else None
    if (time := parse_time(typed)) is not None:
        push_time = time
    elif (found := find_zone(typed, t.code)) is not None:
        zone = found
    else:
        await reply(update, context, replies.unknown_setting(t))
        return
    await context.store.set_push_settings(chat.id, push_time=push_time, timezone=zone)
    record = await context.store.chat(chat.id)
    await reply(update, context, replies.setting_saved(t, context.campaign, record))


async def settings_press(update: Update, context: BotContext) -> None:
    """A time, a region (shows its zones) or a zone."""
    t, store, chat = context.t, context.store, chat_of(update)
    if not await may_manage(update, context):
        return
    press = callbacks.parse(press_of(update).data)
    record = context.chat_record
    if press is None or record is None:
        await answer_press(update)
        return
    if press.verb == callbacks.REGION.verb and press.arg in REGION_ZONES:
        await answer_press(update)
        await reply(update, context, replies.zone_menu(t, REGION_ZONES[press.arg]), edit=True)
        return
    push_time, zone = record.push_time, record.timezone
    if press.verb == callbacks.TIME.verb and press.arg in PUSH_TIMES:
        push_time = press.arg
    elif press.verb == callbacks.ZONE.verb and press.arg in ZONES:
        zone = press.arg
    else:
        await answer_press(update)
        return
    await store.set_push_settings(chat.id, push_time=push_time, timezone=zone)
    record = await store.chat(chat.id)
    await answer_press(update, replies.saved(t))
    await reply(update, context, replies.settings_menu(
        t, context.campaign, record, await store.reminder(chat.id),
        context.services.settings.discreet_hours), edit=True)


async def discreet_press(update: Update, context: BotContext) -> None:
    """Discreet mode on or off (a private chat's; from /settings or /subscribe).

    Turned on in a chat whose own auto-delete timer is off, it says once how to set it:
    the bot cannot.
    """
    t, store, chat = context.t, context.store, chat_of(update)
    press = callbacks.parse(press_of(update).data)
    if press is None or chat.type != "private" or context.chat_record is None:
        await answer_press(update)
        return
    turned_on = await store.set_discreet(chat.id, press.arg == "on") and press.arg == "on"
    record = context.chat_record = await store.chat(chat.id)
    await answer_press(update, replies.saved(t))
    await reply(update, context, replies.settings_menu(
        t, context.campaign, record, await store.reminder(chat.id),
        context.services.settings.discreet_hours), edit=True)
    if turned_on and not await _auto_delete_on(context, chat.id):
        await reply(update, context, discreet.auto_delete_hint(t))


async def _auto_delete_on(context: BotContext, chat_id: int) -> bool:
    """Whether Telegram's own timer deletes the chat's messages (getChat; unknown: no)."""
    try:
        return bool((await context.bot.get_chat(chat_id)).message_auto_delete_time)
    except TelegramError:
        return False


HANDLERS = [
    CommandHandler(SETTINGS.name, settings),
    CommandHandler(SETTINGS.name, settings, filters=filters.UpdateType.CHANNEL_POST),
    CallbackQueryHandler(settings, pattern=callbacks.SETTINGS.pattern),
    CallbackQueryHandler(settings_press, pattern=callbacks.either(callbacks.TIME, callbacks.REGION,
                                                                    callbacks.ZONE)),
    CallbackQueryHandler(discreet_press, pattern=callbacks.DISCREET.pattern),
]
