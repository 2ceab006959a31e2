"""Organisers' commands: /stats, /announce and /reload. To anyone else they do not exist.

Organisers are the user ids in TGBOT_ADMINS, checked by id, never by name.
"""

from __future__ import annotations

import asyncio
import html

from telegram import Message, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot import callbacks, campaign_sync
from tgbot.chart import chart_png
from tgbot.context import BotContext, Services
from tgbot.handlers.common import answer_press, reply
from tgbot.messages import Reply, button, fill
from tgbot.stats import collect

PROGRESS_EVERY = 2.0  # seconds between edits of the announcement's status message


def organisers(services: Services) -> filters.BaseFilter:
    """Only organisers, in private chats; everyone else falls through as if no command."""
    return filters.User(user_id=services.settings.admins) & filters.ChatType.PRIVATE


async def stats(update: Update, context: BotContext) -> None:
    t, campaign = context.tr, context.campaign
    figures = await collect(context.store, campaign, context.services.today())
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
                                    "failed {failed}, blocked {gone}"),
                          {"day": str(day), "sent": str(states.get("sent", 0)),
                           "pending": str(states.get("pending", 0) + states.get("sending", 0)),
                           "failed": str(states.get("failed", 0)),
                           "gone": str(states.get("gone", 0))}))
    await reply(update, context, Reply("\n".join(lines)))
    png = await asyncio.to_thread(chart_png, figures, f"{campaign.name} {campaign.edition}")
    await context.bot.send_photo(update.effective_chat.id, png)


async def announce(update: Update, context: BotContext) -> None:
    """/announce [xx] TEXT: preview exactly as subscribers will see it, with Send / Cancel."""
    t, message = context.tr, update.effective_message
    text = message.text_html.split(maxsplit=1)[1] if len((message.text or "").split()) > 1 \
        else ""
    language = None
    first, _, rest = text.partition(" ")
    if first in context.services.i18n.languages and rest.strip():
        language, text = first, rest.strip()
    if not text:
        await reply(update, context, Reply(t.gettext(
            "Write the announcement after the command: /announce Your text. To reach only "
            "one language, start with its code: /announce fr Votre texte.")))
        return
    announcement = await context.store.create_announcement(text, language,
                                                           context.services.today())
    audience = await context.store.audience(language)
    await reply(update, context, Reply(text))
    await reply(update, context, Reply(
        fill(t.ngettext("☝️ This goes to {count} subscribed chat. Send it?",
                        "☝️ This goes to {count} subscribed chats. Send it?", audience),
             {"count": t.number(audience)}),
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
    total = await store.start_announcement(announcement)
    await answer_press(update)
    if not total:
        await reply(update, context, Reply(t.gettext("This announcement was already sent or "
                                                     "cancelled.")), edit=True)
        return
    status = update.callback_query.message
    context.services.deliverer.wake()
    context.application.create_task(_report(context, status, announcement, total))


async def _report(context: BotContext, status: Message, announcement: int, total: int) -> None:
    """Edit one status message with the progress until every row is closed."""
    t = context.tr
    while True:
        await asyncio.sleep(PROGRESS_EVERY)
        states = await context.store.announcement_states(announcement)
        done = states.get("sent", 0)
        open_rows = states.get("pending", 0) + states.get("sending", 0)
        text = fill(t.gettext("📣 {sent} of {total} sent"),
                    {"sent": t.number(done), "total": t.number(total)})
        if not open_rows:
            text += "\n" + fill(t.gettext("Finished. Not delivered: {failed}."),
                                {"failed": t.number(total - done)})
        await context.bot.edit_message_text(text, status.chat.id, status.message_id)
        if not open_rows:
            return


async def reload_command(update: Update, context: BotContext) -> None:
    """Re-read actions.yaml for every instance; a file with problems is refused and the
    campaign stays as it was, everywhere."""
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
