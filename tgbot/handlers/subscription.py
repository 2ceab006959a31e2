"""/subscribe, /unsubscribe and /settings (push time and time zone: buttons, a one-tap
suggestion of the local zone, or typed: `/settings 21:30`, `/settings Manila`).
"""

from __future__ import annotations

import html

from babel.dates import get_timezone_location
from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot import callbacks, messages, schedule
from tgbot.context import BotContext
from tgbot.groups import ADMIN_STATUSES
from tgbot.handlers.common import answer_press, may_manage, reply, topic_of
from tgbot.i18n import Translator
from tgbot.messages import Reply, button
from tgbot.store import Chat, Due
from tgbot.zones import PUSH_TIMES, REGIONS, SUGGESTED_ZONES, ZONES, find_zone, parse_time


def zone_name(t: Translator, zone: str) -> str:
    """A zone as its city, in the user's language: "Manille", "Торонто"."""
    if zone == "UTC":
        return "UTC"
    # Babel names some three-part zones "Argentina/Buenos Aires": keep the city.
    return get_timezone_location(zone, locale=t.code, return_city=True).split("/")[-1]


def _when(t: Translator, context: BotContext, chat: Chat | None) -> dict[str, str]:
    campaign = context.campaign
    push = schedule.push_time(chat, campaign).strftime("%H:%M")
    return {"time": t.digits(push), "zone": zone_name(t, schedule.chat_zone(chat, campaign).key)}


async def subscribe(update: Update, context: BotContext) -> None:
    """Subscribe; during the campaign, today's action comes at once (recorded in the outbox)."""
    if not await may_manage(update, context):
        return
    if context.args and update.effective_chat.type == "private":
        await subscribe_channel(update, context, context.args[0])
        return
    await answer_press(update)
    chat, t, store = update.effective_chat, context.tr, context.store
    today = context.services.campaign_today(context.chat_record)
    changed = await store.set_subscribed(chat.id, chat.type, True, today, topic_of(update))
    record = await store.chat(chat.id)
    text = t.gettext("🔔 Subscribed! You will get each day's action at {time} ({zone}).") \
        if changed else t.gettext("You are already subscribed: each day's action comes at "
                                  "{time} ({zone}).")
    rows = [[button(t.gettext("⚙️ Settings"), "settings")]]
    if chat.type == "private" and record is not None and record.timezone is None:
        # everyone starts in the campaign's zone: offer theirs in one tap
        text += "\n\n" + t.gettext("Not your time zone? Tap below, or send your city, for "
                                    "example: /settings Lagos")
        rows = _zone_suggestion(t, context) + [[button(t.gettext("🌍 Another time zone"),
                                                       "settings")]]
    await reply(update, context, Reply(messages.fill(text, _when(t, context, record)), rows))
    campaign = context.campaign
    day = campaign.day_of(today)
    if day is not None and await store.enqueue(campaign.edition, [Due(
            chat.id, day, schedule.day_ends_at(schedule.chat_zone(record, campaign), campaign,
                                               day), context.services.clock().timestamp())]):
        # in the background: the outbox may also hold a broadcast this handler must not wait for
        context.services.deliverer.wake()


def _zone_suggestion(t: Translator, context: BotContext) -> list[list]:
    """A button for the zone the person's language suggests, unless it is the campaign's."""
    zone = SUGGESTED_ZONES.get(t.code)
    if zone is None or zone == context.campaign.timezone:
        return []
    return [[button(messages.fill(t.gettext("🕘 Use {zone} time"), {"zone": zone_name(t, zone)}),
                    "tz", ZONES.index(zone))]]


async def subscribe_channel(update: Update, context: BotContext, target: str) -> None:
    """/subscribe @channel from a private chat: both the person and the bot must be admins."""
    t, user = context.tr, update.effective_user
    try:
        channel = await context.bot.get_chat(target if not target.lstrip("-").isdigit()
                                             else int(target))
        person = await context.bot.get_chat_member(channel.id, user.id)
        bot = await context.bot.get_chat_member(channel.id, context.bot.id)
    except BadRequest:
        await reply(update, context, Reply(t.gettext(
            "I can't find that channel. Add me to it as an administrator, then send "
            "/subscribe @channelname here.")))
        return
    if channel.type != "channel":
        await reply(update, context, Reply(t.gettext(
            "That is not a channel. In a group, send /subscribe in the group itself.")))
        return
    if person.status not in ADMIN_STATUSES or bot.status not in ADMIN_STATUSES:
        await reply(update, context, Reply(t.gettext(
            "Both you and I must be administrators of the channel to subscribe it.")))
        return
    today = context.services.campaign_today(None)
    await context.store.set_subscribed(channel.id, "channel", True, today)
    await reply(update, context, Reply(messages.fill(
        t.gettext("🔔 The channel {name} is subscribed: it will get each day's action."),
        {"name": html.escape(channel.title or target)})))


async def unsubscribe(update: Update, context: BotContext) -> None:
    if not await may_manage(update, context):
        return
    await answer_press(update)
    chat, t = update.effective_chat, context.tr
    today = context.services.campaign_today(context.chat_record)
    changed = await context.store.set_subscribed(chat.id, chat.type, False, today)
    text = t.gettext("🔕 Unsubscribed. You will get no more daily messages; /subscribe "
                     "brings them back.") if changed else t.gettext("You are not subscribed.")
    await reply(update, context, Reply(text))


def _settings_reply(t: Translator, context: BotContext, chat: Chat | None,
                    reminder: str | None) -> Reply:
    """The menu; a private chat also gets its reminder's button (set tonight, or stop)."""
    text = messages.fill(t.gettext("⚙️ <b>Settings</b>\nDaily action at <b>{time}</b>, "
                                   "time zone <b>{zone}</b>.\nChoose a time, or change the "
                                   "time zone:"), _when(t, context, chat))
    text += "\n" + t.gettext("Or type it: /settings 21:30, /settings Manila")
    rows = [[button(t.digits(p), "time", p) for p in PUSH_TIMES[i:i + 3]] for i in (0, 3)]
    rows += [[button(t.gettext(name), "region", i) for i, (name, _) in
              enumerate(REGIONS[j:j + 3], start=j)] for j in (0, 3)]
    if chat is not None and chat.kind == "private":
        rows.append([button(messages.fill(t.gettext("🔕 Stop the reminder at {time}"),
                                          {"time": t.digits(reminder)}), "remind", "off")
                     if reminder else
                     button(t.gettext("⏰ Remind me tonight"), "remind", messages.REMIND_TONIGHT)])
    return Reply(t.direct(text), rows)


async def settings(update: Update, context: BotContext) -> None:
    """The settings menu; with an argument, a time or a place typed instead of pressed."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    if context.args:
        await _typed_setting(update, context, " ".join(context.args))
        return
    reminder = await context.store.reminder(update.effective_chat.id)
    await reply(update, context, _settings_reply(context.tr, context, context.chat_record,
                                                 reminder), edit=True)


async def _typed_setting(update: Update, context: BotContext, typed: str) -> None:
    """/settings 21:30, /settings Asia/Manila, /settings Manila: saved and confirmed."""
    t, chat, record = context.tr, update.effective_chat, context.chat_record
    push_time = record.push_time if record else None
    zone = record.timezone if record else None
    if (time := parse_time(typed)) is not None:
        push_time = time
    elif (found := find_zone(typed, t.code)) is not None:
        zone = found
    else:
        await reply(update, context, Reply(t.gettext(
            "I don't know that time or place. Send a time, a time zone or a city, for "
            "example: /settings 21:30, /settings Asia/Manila, /settings Lagos")))
        return
    await context.store.set_push_settings(chat.id, push_time=push_time, timezone=zone)
    record = await context.store.chat(chat.id)
    await reply(update, context, Reply(messages.fill(
        t.gettext("✅ Saved: each day's action comes at {time} ({zone})."),
        _when(t, context, record))))


async def settings_press(update: Update, context: BotContext) -> None:
    """A time, a region (shows its zones) or a zone."""
    t, store, chat = context.tr, context.store, update.effective_chat
    if not await may_manage(update, context):
        return
    press = callbacks.parse(update.callback_query.data)
    record = context.chat_record
    if press is None or record is None:
        await answer_press(update)
        return
    if press.verb == "region" and int(press.arg) < len(REGIONS):
        await answer_press(update)
        zones = REGIONS[int(press.arg)][1]
        rows = [[button(zone_name(t, z), "tz", ZONES.index(z)) for z in zones[i:i + 3]]
                for i in range(0, len(zones), 3)]
        rows.append([button(t.gettext("⬅️ Back"), "settings")])
        await reply(update, context, Reply(t.gettext("🌍 Choose your time zone:"), rows),
                    edit=True)
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
    await answer_press(update, t.gettext("Saved."))
    await reply(update, context, _settings_reply(t, context, record,
                                                 await store.reminder(chat.id)), edit=True)


HANDLERS = [
    CommandHandler("subscribe", subscribe),
    CommandHandler("subscribe", subscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler("unsubscribe", unsubscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler("unsubscribe", unsubscribe),
    CommandHandler("settings", settings),
    CallbackQueryHandler(subscribe, pattern=r"^sub$"),
    CallbackQueryHandler(unsubscribe, pattern=r"^unsub$"),
    CallbackQueryHandler(settings, pattern=r"^settings$"),
    CallbackQueryHandler(settings_press, pattern=r"^(time|region|tz):"),
]
