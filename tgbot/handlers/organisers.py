"""Organisers' commands: /stats, /announce and /reload. To anyone else they do not exist.

Organisers are the user ids in TGBOT_ADMINS, checked by id, never by name.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import re

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot import callbacks, campaign_sync, messages
from tgbot.chart import chart_png
from tgbot.config import parse_lifetime
from tgbot.context import BotContext, Services
from tgbot.handlers.common import answer_press, reply
from tgbot.messages import Reply, button, fill
from tgbot.stats import collect, stars_spent

LIFETIME = re.compile(r"\d+[mhd]")  # "/announce 12h ...": how long it stays worth sending


def organisers(services: Services) -> filters.BaseFilter:
    """Only organisers, in private chats; everyone else falls through as if no command."""
    return filters.User(user_id=services.settings.admins) & filters.ChatType.PRIVATE


async def stats(update: Update, context: BotContext) -> None:
    t, campaign = context.tr, context.campaign
    figures = await collect(context.store, campaign, context.services.today(),
                            context.services.clock().timestamp())
    lines = [fill(t.gettext("📊 <b>{name} {edition}</b>"),
                  {"name": html.escape(t.gettext(campaign.name)),
                   "edition": str(campaign.edition)}),
             fill(t.gettext("Subscribers: {total} (private {private}, groups {groups}, "
                            "channels {channels})"),
                  {"total": t.number(figures.total_subscribers),
                   "private": t.number(figures.subscribers["private"]),
                   "groups": t.number(figures.subscribers["group"]
                                      + figures.subscribers["supergroup"]),
                   "channels": t.number(figures.subscribers["channel"])}),
             fill(t.gettext("This week: {new} new, {lost} lost"),
                  {"new": t.number(figures.new_this_week),
                   "lost": t.number(figures.lost_this_week)}),
             t.gettext("By language:") + " " + ", ".join(
                 f"{code} {count}" for code, count in sorted(figures.by_language.items())),
             t.gettext("Starts by source:") + " " + (", ".join(
                 f"{html.escape(s)} {n}" for s, n in figures.sources.items()) or "–"),
             t.gettext("Completions per day:") + " " + (", ".join(
                 f"{day}: {n}" for day, n in sorted(figures.per_action.items())) or "–")]
    if figures.last_push:
        day, states = figures.last_push
        lines.append(fill(t.gettext("Last push (day {day}): sent {sent}, pending {pending}, "
                                    "expired {expired}, failed {failed}, blocked {gone}"),
                          {"day": str(day), "sent": t.number(states.get("sent", 0)),
                           "pending": t.number(states.get("pending", 0)
                                               + states.get("sending", 0)),
                           "expired": t.number(states.get("expired", 0)),
                           "failed": t.number(states.get("failed", 0)),
                           "gone": t.number(states.get("gone", 0))}))
        if states.get("paid"):
            lines.append(fill(t.gettext("Stars spent on the last push: {stars}"),
                              {"stars": t.number(stars_spent(states))}))
    await reply(update, context, Reply("\n".join(lines)))
    png = await asyncio.to_thread(chart_png, figures, f"{campaign.name} {campaign.edition}")
    await context.bot.send_photo(update.effective_chat.id, png)


async def announce(update: Update, context: BotContext) -> None:
    """/announce [xx] [12h] TEXT: preview exactly as subscribers will see it, with Send /
    Cancel. `xx` reaches one language only; `12h` (or 90m, 2d) is how long the announcement
    stays worth sending, instead of TGBOT_ANNOUNCEMENT_LIFETIME.
    """
    t, message, services = context.tr, update.effective_message, context.services
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
        await reply(update, context, Reply(t.gettext(
            "Write the announcement after the command: /announce Your text. To reach only "
            "one language, start with its code: /announce fr Votre texte.")))
        return
    announcement = await context.store.create_announcement(text, language, services.today(),
                                                           lifetime)
    audience = await context.store.audience(language)
    await reply(update, context, Reply(text))
    lasts = dt.timedelta(seconds=lifetime or services.settings.announcement_lifetime)
    await reply(update, context, Reply(
        fill(t.ngettext("☝️ This goes to {count} subscribed chat. Send it?",
                        "☝️ This goes to {count} subscribed chats. Send it?", audience),
             {"count": t.number(audience)}) + "\n"
        + fill(t.gettext("⏳ Chats it has not reached within {duration} will not get it."),
               {"duration": t.duration(lasts)}),
        [[button(t.gettext("📣 Send"), "annsend", announcement),
          button(t.gettext("Cancel"), "anncancel", announcement)]]))


async def announce_press(update: Update, context: BotContext) -> None:
    t, store = context.tr, context.store
    press = callbacks.parse(update.callback_query.data)
    if press is None or update.effective_user.id not in context.services.settings.admins:
        await answer_press(update)
        return
    announcement = int(press.arg)
    if press.verb == "anncancel":
        await store.cancel_announcement(announcement)
        await answer_press(update)
        await reply(update, context, Reply(t.gettext("Cancelled: nothing was sent.")),
                    edit=True)
        return
    status = update.callback_query.message
    total = await store.start_announcement(
        announcement, now=context.services.clock().timestamp(),
        lifetime=context.services.settings.announcement_lifetime,
        status=(status.chat.id, status.message_id, t.code) if status else None)
    await answer_press(update)
    if not total:
        await reply(update, context, Reply(t.gettext("This announcement was already sent or "
                                                     "cancelled.")), edit=True)
        return
    # the sender edits the status message with the progress at each beat (delivery.py)
    await reply(update, context, Reply(messages.announcement_progress(t, 0, total, False)),
                edit=True)
    context.services.deliverer.wake()


async def reload_command(update: Update, context: BotContext) -> None:
    """Re-read actions.yaml for every instance; a file with problems is refused and the
    campaign stays as it was, everywhere.
    """
    t = context.tr
    problems = await campaign_sync.reload(context.services)
    if problems:
        await reply(update, context, Reply(
            t.gettext("❌ The campaign file has problems; the running campaign is unchanged:")
            + "\n<pre>" + html.escape("\n".join(problems[:20])) + "</pre>"))
    else:
        await reply(update, context, Reply(t.gettext("✅ Campaign reloaded.")))


def handlers(services: Services) -> list:
    only = organisers(services)
    return [
        CommandHandler("stats", stats, filters=only),
        CommandHandler("announce", announce, filters=only),
        CommandHandler("reload", reload_command, filters=only),
        CallbackQueryHandler(announce_press, pattern=r"^ann(send|cancel):"),
    ]
