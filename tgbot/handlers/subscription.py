"""/subscribe, /unsubscribe and /settings (push time and time zone: buttons, a one-tap
suggestion of the local zone, or typed: `/settings 21:30`, `/settings Manila`).
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot import callbacks, schedule
from tgbot.commands import SETTINGS, SUBSCRIBE, UNSUBSCRIBE
from tgbot.context import BotContext
from tgbot.groups import ADMIN_STATUSES
from tgbot.handlers.common import (
    answer_press,
    chat_of,
    may_manage,
    press_of,
    reply,
    topic_of,
    user_of,
)
from tgbot.messages import subscription as replies
from tgbot.store import Due
from tgbot.zones import PUSH_TIMES, REGIONS, ZONES, find_zone, parse_time


async def subscribe(update: Update, context: BotContext) -> None:
    """Subscribe; during the campaign, today's action comes at once (recorded in the outbox)."""
    if not await may_manage(update, context):
        return
    chat, store, campaign = chat_of(update), context.store, context.campaign
    if context.args and chat.type == "private":
        await subscribe_channel(update, context, context.args[0])
        return
    await answer_press(update)
    today = context.services.campaign_today(context.chat_record)
    changed = await store.set_subscribed(chat.id, chat.type, True, today, topic_of(update))
    record = await store.chat(chat.id)
    # everyone starts in the campaign's zone: a private chat is offered theirs in one tap
    offer_zones = chat.type == "private" and record is not None and record.timezone is None
    await reply(update, context, replies.subscribed(context.t, campaign, record, changed=changed,
                                                    offer_zones=offer_zones))
    day = campaign.day_of(today)
    if day is not None and await store.enqueue(campaign.edition, [Due(
            chat.id, day, schedule.day_ends_at(schedule.chat_zone(record, campaign), campaign,
                                               day), context.services.clock().timestamp())]):
        # in the background: the outbox may also hold a broadcast this handler must not wait for
        context.services.deliverer.wake()


async def subscribe_channel(update: Update, context: BotContext, target: str) -> None:
    """/subscribe @channel from a private chat: both the person and the bot must be admins."""
    t, user = context.t, user_of(update)
    try:
        channel = await context.bot.get_chat(target if not target.lstrip("-").isdigit()
                                             else int(target))
        person = await context.bot.get_chat_member(channel.id, user.id)
        bot = await context.bot.get_chat_member(channel.id, context.bot.id)
    except BadRequest:
        await reply(update, context, replies.channel_not_found(t))
        return
    if channel.type != "channel":
        await reply(update, context, replies.not_a_channel(t))
        return
    if person.status not in ADMIN_STATUSES or bot.status not in ADMIN_STATUSES:
        await reply(update, context, replies.channel_admins_only(t))
        return
    today = context.services.campaign_today(None)
    await context.store.set_subscribed(channel.id, "channel", True, today)
    await reply(update, context, replies.channel_subscribed(t, channel.title or target))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """Unsubscribe the chat; no daily message goes to it until /subscribe."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    chat = chat_of(update)
    today = context.services.campaign_today(context.chat_record)
    changed = await context.store.set_subscribed(chat.id, chat.type, False, today)
    await reply(update, context, replies.unsubscribed(context.t, changed))


async def settings(update: Update, context: BotContext) -> None:
    """The settings menu; with an argument, a time or a place typed instead of pressed."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    if context.args:
        await _typed_setting(update, context, " ".join(context.args))
        return
    reminder = await context.store.reminder(chat_of(update).id)
    await reply(update, context, replies.settings_menu(context.t, context.campaign,
                                                       context.chat_record, reminder), edit=True)


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
    if press.verb == "region" and int(press.arg) < len(REGIONS):
        await answer_press(update)
        await reply(update, context, replies.zone_menu(t, int(press.arg)), edit=True)
        return
    push_time, zone = record.push_time, record.timezone
    if press.verb == "time" and press.arg in PUSH_TIMES:
        push_time = press.arg
    elif press.verb == "tz" and int(press.arg) < len(ZONES):
        zone = ZONES[int(press.arg)]
    else:
        await answer_press(update)
        return
    await store.set_push_settings(chat.id, push_time=push_time, timezone=zone)
    record = await store.chat(chat.id)
    await answer_press(update, replies.saved(t))
    await reply(update, context, replies.settings_menu(t, context.campaign, record,
                                                       await store.reminder(chat.id)), edit=True)


HANDLERS = [
    CommandHandler(SUBSCRIBE.name, subscribe),
    CommandHandler(SUBSCRIBE.name, subscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler(UNSUBSCRIBE.name, unsubscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler(UNSUBSCRIBE.name, unsubscribe),
    CommandHandler(SETTINGS.name, settings),
    CallbackQueryHandler(subscribe, pattern=r"^sub$"),
    CallbackQueryHandler(unsubscribe, pattern=r"^unsub$"),
    CallbackQueryHandler(settings, pattern=r"^settings$"),
    CallbackQueryHandler(settings_press, pattern=r"^(time|region|tz):"),
]
