"""/subscribe and /unsubscribe: a chat, or a channel from a private chat, gets the daily action.

A private chat still in the campaign's time zone is offered its own in one tap.
"""

from __future__ import annotations

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain import schedule
from tgbot.domain.commands import SUBSCRIBE, UNSUBSCRIBE
from tgbot.domain.groups import ADMIN_STATUSES
from tgbot.handlers.common import answer_press, chat_of, may_manage, reply, topic_of, user_of
from tgbot.messages import callbacks
from tgbot.messages import subscription as replies


async def subscribe(update: Update, context: BotContext) -> None:
    """Subscribe; during the campaign, today's action comes at once (recorded in the outbox)."""
    if not await may_manage(update, context):
        return
    chat, store, campaign = chat_of(update), context.store, context.campaign
    if context.args and chat.type == "private":
        await subscribe_channel(update, context, context.args[0])
        return
    await answer_press(update)
    changed = await store.set_subscribed(chat.id, chat.type, True, context.campaign_date,
                                         topic_of(update))
    record = await store.chat(chat.id)
    # everyone starts in the campaign's zone: a private chat is offered theirs in one tap
    offer_zones = chat.type == "private" and record is not None and record.timezone is None
    await reply(update, context, replies.subscribed(context.t, campaign, record, changed=changed,
                                                    offer_zones=offer_zones))
    day = campaign.day_of(context.local_date)
    if day is not None and record is not None and await store.enqueue(campaign.edition, [
            schedule.day_row(record, campaign, day, context.services.clock().timestamp())]):
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
    await context.store.set_subscribed(channel.id, "channel", True, context.campaign_date)
    await reply(update, context, replies.channel_subscribed(t, channel.title or target))


async def unsubscribe(update: Update, context: BotContext) -> None:
    """Unsubscribe the chat; no daily message goes to it until /subscribe."""
    if not await may_manage(update, context):
        return
    await answer_press(update)
    chat = chat_of(update)
    changed = await context.store.set_subscribed(chat.id, chat.type, False,
                                                 context.campaign_date)
    await reply(update, context, replies.unsubscribed(context.t, changed))


HANDLERS = [
    CommandHandler(SUBSCRIBE.name, subscribe),
    CommandHandler(SUBSCRIBE.name, subscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler(UNSUBSCRIBE.name, unsubscribe, filters=filters.UpdateType.CHANNEL_POST),
    CommandHandler(UNSUBSCRIBE.name, unsubscribe),
    CallbackQueryHandler(subscribe, pattern=callbacks.SUBSCRIBE.pattern),
    CallbackQueryHandler(unsubscribe, pattern=callbacks.UNSUBSCRIBE.pattern),
]
