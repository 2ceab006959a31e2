"""Organisers' commands: /stats, /announce, /reload and /correct.

To anyone else they do not exist.

Organisers are the user ids in TGBOT_ADMINS, checked by id, never by name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from tgbot.config import parse_lifetime
from tgbot.context import BotContext, Services
from tgbot.domain.commands import ANNOUNCE, CORRECT, RELOAD, STATS
from tgbot.handlers.common import answer_press, chat_of, message_of, press_of, reply, user_of
from tgbot.messages import callbacks
from tgbot.messages import organisers as replies
from tgbot.messages.chart import chart_png
from tgbot.messages.common import Reply
from tgbot.ops import campaign_sync

LIFETIME = re.compile(r"\d+[mhd]")  # "/announce 12h ...": how long it stays worth sending


def organisers(services: Services) -> filters.BaseFilter:
    """Only organisers, in private chats; everyone else falls through as if no command."""
    return filters.User(user_id=services.settings.admins) & filters.ChatType.PRIVATE


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the campaign's figures as text, then the completions chart."""
    campaign = context.campaign
    figures = await context.store.stats(campaign, context.campaign_date,
                                        context.services.clock().timestamp())
    await reply(update, context, replies.stats_message(context.t, campaign, figures))
    png = await asyncio.to_thread(chart_png, figures, f"{campaign.name} {campaign.edition}")
    await context.bot.send_photo(chat_of(update).id, png)


async def announce(update: Update, context: BotContext) -> None:
    """/announce [xx] [12h] TEXT: preview exactly as subscribers will see it, then Send/Cancel.

    `xx` reaches one language only; `12h` (or 90m, 2d) is how long the announcement
    stays worth sending, instead of TGBOT_ANNOUNCEMENT_LIFETIME.
    """
    t, message, services = context.t, message_of(update), context.services
    text = message.text_html.split(maxsplit=1)[1] if len((message.text or "").split()) > 1 \
        else ""
    language, lifetime = None, None
    for _ in range(2):  # the language and the lifetime, in either order
        first, _, rest = text.partition(" ")
        if not rest.strip():
            break
        if first in services.i18n.languages and language is None:
            language, text = first, rest.strip()
        elif LIFETIME.fullmatch(first) and lifetime is None:
            lifetime, text = parse_lifetime(first, "the lifetime"), rest.strip()
    if not text:
        await reply(update, context, replies.announce_usage(t))
        return
    audience = await context.store.audience(language)
    if not audience:
        await reply(update, context, replies.announce_nobody(t, language))
        return
    announcement = await context.store.create_announcement(text, language,
                                                           services.campaign_date(), lifetime)
    await reply(update, context, Reply(text))
    lasts = dt.timedelta(seconds=lifetime or services.settings.announcement_lifetime)
    await reply(update, context,
                replies.announce_question(t, announcement, audience, lasts, language))


async def announce_press(update: Update, context: BotContext) -> None:
    """Send or Cancel under a preview; only organisers' presses count."""
    t, store, query = context.t, context.store, press_of(update)
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in context.services.settings.admins:
        await answer_press(update)
        return
    announcement = int(press.arg)
    if press.verb == callbacks.ANNOUNCE_CANCEL.verb:
        await store.cancel_announcement(announcement)
        await answer_press(update)
        await reply(update, context, replies.announcement_cancelled(t), edit=True)
        return
    status = query.message
    total = await store.start_announcement(
        announcement, now=context.services.clock().timestamp(),
        lifetime=context.services.settings.announcement_lifetime,
        status=(status.chat.id, status.message_id, t.code) if status else None)
    await answer_press(update)
    if not total:
        await reply(update, context, replies.announcement_gone(t), edit=True)
        return
    # the sender edits the status message with the progress at each beat
    # (delivery/announcements.py)
    await reply(update, context, Reply(replies.announcement_progress(t, 0, total, False)),
                edit=True)
    context.services.deliverer.wake()


async def reload_command(update: Update, context: BotContext) -> None:
    """Re-read actions.yaml for every instance.

    A file with problems is refused and the campaign stays as it was, everywhere.
    """
    services = context.services
    problems = await campaign_sync.reload(services.store, services.current,
                                          services.settings.campaign,
                                          services.clock().timestamp())
    await reply(update, context, replies.reload_result(context.t, problems))


async def correct(update: Update, context: BotContext) -> None:
    """/correct DAY: how many delivered copies of the day change, per language; Edit/Cancel."""
    args, campaign = context.args or [], context.campaign
    day = int(args[0]) if len(args) == 1 and args[0].isdigit() else 0
    if campaign.action_for_day(day) is None:
        await reply(update, context, replies.correct_usage(context.t))
        return
    _, per_language, _ = await context.services.deliverer.corrector.changed_copies(day)
    if not per_language:
        await reply(update, context, replies.correct_nothing(context.t, day))
        return
    await reply(update, context,
                replies.correct_question(context.t, day, campaign.edition, per_language))


async def correct_press(update: Update, context: BotContext) -> None:
    """Edit them or Cancel under a correction's preview; only organisers' presses count."""
    t, query, services = context.t, press_of(update), context.services
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in services.settings.admins:
        await answer_press(update)
        return
    await answer_press(update)
    if press.verb == callbacks.CORRECT_CANCEL.verb or press.edition != context.campaign.edition:
        await reply(update, context, replies.announcement_cancelled(t), edit=True)
        return
    status = query.message
    _, total = await services.deliverer.corrector.queue(
        int(press.arg), (status.chat.id, status.message_id, t.code) if status else None)
    # the sender edits the status message as the edits go out (delivery/corrections.py)
    await reply(update, context, Reply(replies.correction_progress(t, 0, total, not total)),
                edit=True)
    services.deliverer.wake()


def handlers(services: Services) -> list[BaseHandler]:
    """The organisers' handlers; their filter needs the admins of this bot's settings."""
    only = organisers(services)
    return [
        CommandHandler(STATS.name, stats, filters=only),
        CommandHandler(ANNOUNCE.name, announce, filters=only),
        CommandHandler(RELOAD.name, reload_command, filters=only),
        CommandHandler(CORRECT.name, correct, filters=only),
        CallbackQueryHandler(correct_press, pattern=callbacks.either(callbacks.CORRECT_SEND,
                                                                   callbacks.CORRECT_CANCEL)),
        CallbackQueryHandler(announce_press, pattern=callbacks.either(callbacks.ANNOUNCE_SEND,
                                                                    callbacks.ANNOUNCE_CANCEL)),
    ]
