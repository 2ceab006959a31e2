"""/mydata shows everything stored about the user; /forget deletes it after a confirmation."""

from __future__ import annotations

import html

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.handlers.common import answer_press, reply
from tgbot.messages import Reply, button, fill

PRIVATE = filters.ChatType.PRIVATE


async def my_data(update: Update, context: BotContext) -> None:
    t, user = context.tr, update.effective_user
    data = await context.store.user_data(user.id)
    chat, names = data["chat"], context.services.i18n.languages
    lines = [t.gettext("🔐 <b>What I store about you</b>"),
             fill(t.gettext("Your Telegram user id: {id}"), {"id": str(user.id)})]
    if chat is not None:
        lines.append(fill(t.gettext("Language: {language}"),
                          {"language": names.get(chat.language or "", "–")}))
        lines.append(t.gettext("Subscribed: yes") if chat.subscribed
                     else t.gettext("Subscribed: no"))
        if chat.push_time or chat.timezone:
            lines.append(fill(t.gettext("Daily message: {time} {zone}"),
                              {"time": chat.push_time or "", "zone": chat.timezone or ""}))
    done = [f"{edition}: {html.escape(action)} ({on})"
            for edition, action, on in data["completions"]]
    lines.append(fill(t.ngettext("Completed actions ({count}):", "Completed actions ({count}):",
                                 len(done)), {"count": t.number(len(done))}))
    lines += done or ["–"]
    lines.append(fill(t.ngettext("Daily messages sent to you: {count}",
                                 "Daily messages sent to you: {count}", data["deliveries"]),
                      {"count": t.number(data["deliveries"])}))
    lines.append(t.gettext("I never store your name, username, phone number or what you "
                           "write. /forget deletes all of the above."))
    await reply(update, context, Reply(t.direct("\n".join(lines))))


async def forget(update: Update, context: BotContext) -> None:
    t = context.tr
    await reply(update, context, Reply(
        t.gettext("Delete everything I store about you (language, subscription, completed "
                  "actions)? This cannot be undone."),
        [[button(t.gettext("🗑 Yes, delete everything"), "forget"),
          button(t.gettext("Cancel"), "menu")]]))


async def forget_confirmed(update: Update, context: BotContext) -> None:
    t = context.tr
    await context.store.forget_user(update.effective_user.id)
    await answer_press(update)
    await reply(update, context, Reply(t.gettext(
        "Done: I have deleted everything I stored about you. If you write again, I will "
        "treat you as a new user.")), edit=True)


HANDLERS = [
    CommandHandler("mydata", my_data, filters=PRIVATE),
    CommandHandler("forget", forget, filters=PRIVATE),
    CallbackQueryHandler(forget_confirmed, pattern=r"^forget$"),
]
