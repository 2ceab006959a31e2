"""/mydata and /forget: everything stored about a person, and its deletion."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from typing import Any

from tgbot.domain.campaign import Campaign
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, button, fill, private_chat_pointer, zone_name


def _title(t: Translator, campaign: Campaign, edition: int, *, action_id: str | None = None,
           day: int | None = None) -> str:
    """An action's title in this language; its id (or day) if it is from another edition."""
    action = None
    if edition == campaign.edition:
        action = (campaign.action_by_id(action_id) if action_id is not None
                  else campaign.action_for_day(day or 0))
    if action is not None:
        return html.escape(t.gettext(action.title))
    if action_id is not None:
        return html.escape(action_id)
    return fill(t.gettext("day {day}"), {"day": t.number(day or 0)})


def my_data(t: Translator, campaign: Campaign, user_id: int, data: Mapping[str, Any],
            languages: dict[str, str], retention_days: int | None = None) -> Reply:
    """/mydata: every row `Store.user_data` holds about the person, in words, and /forget.

    With TGBOT_RETENTION_DAYS (`retention_days`), also when their answers go by themselves.
    """
    chat = data["chat"]
    lines = [t.gettext("🔐 <b>What I store about you</b>"),
             fill(t.gettext("Your Telegram user id: {id}"), {"id": str(user_id)})]
    if chat is not None:
        lines.append(fill(t.gettext("Language: {language}"),
                          {"language": languages.get(chat.language or "", "–")}))
        lines.append(t.gettext("Subscribed: yes") if chat.subscribed
                     else t.gettext("Subscribed: no"))
        when = {"time": t.digits(chat.push_time or campaign.push_time.strftime("%H:%M")),
                "zone": zone_name(t, chat.timezone or campaign.timezone)}
        lines.append(fill(t.gettext("Daily message: {time} {zone}") if chat.push_time
                          or chat.timezone
                          else t.gettext("Daily message: {time} {zone} (the campaign's "
                                         "default)"), when))
    if data["partner"]:
        lines.append(fill(t.gettext("You came through the link of the partner organisation "
                                    "{partner}"), {"partner": html.escape(data["partner"])}))
    if data["reminder"]:
        lines.append(fill(t.gettext("Reminder: {time}"), {"time": t.digits(data["reminder"])}))
    def answer(edition: int, action: str, on: object, safer: bool = False) -> str:
        line = fill(t.gettext("{edition}: {action} ({date})"),
                    {"edition": t.digits(str(edition)),
                     "action": _title(t, campaign, edition, action_id=action),
                     "date": t.date(dt.date.fromisoformat(str(on)))})
        return f"{line} 🛡" if safer else line

    done = [answer(edition, action, on, bool(safer))
            for edition, action, on, safer in data["completions"]]
    lines.append(fill(t.ngettext("Completed actions ({count}):", "Completed actions ({count}):",
                                 len(done)), {"count": t.number(len(done))}))
    lines += done or ["–"]
    if any(safer for _, _, _, safer in data["completions"]):
        lines.append(t.gettext("🛡: you did the safer version."))
    if data["not_safe"]:
        lines.append(fill(t.ngettext("Not safe where you live ({count}):",
                                     "Not safe where you live ({count}):",
                                     len(data["not_safe"])),
                          {"count": t.number(len(data["not_safe"]))}))
        lines += [answer(edition, action, on) for edition, action, on in data["not_safe"]]
    presses = [fill(t.gettext("{edition}: {action} (group {group})"),
                    {"edition": t.digits(str(edition)),
                     "action": _title(t, campaign, edition, day=day),
                     "group": str(group)})
               for edition, day, group in data["group_presses"]]
    if presses:
        lines.append(fill(t.ngettext("\"I did it\" in groups ({count}):",
                                     "\"I did it\" in groups ({count}):", len(presses)),
                          {"count": t.number(len(presses))}))
        lines += presses
    lines.append(fill(t.ngettext("Daily messages sent to you: {count}",
                                 "Daily messages sent to you: {count}", data["deliveries"]),
                      {"count": t.number(data["deliveries"])}))
    lines.append(fill(t.ngettext("Announcements sent to you: {count}",
                                 "Announcements sent to you: {count}", data["announcements"]),
                      {"count": t.number(data["announcements"])}))
    if data["kept_messages"]:
        lines.append(fill(t.ngettext("My messages to you that I can still delete (their ids "
                                     "are kept for 48 hours): {count}",
                                     "My messages to you that I can still delete (their ids "
                                     "are kept for 48 hours): {count}", data["kept_messages"]),
                          {"count": t.number(data["kept_messages"])}))
    lines.append(t.gettext("I never store your name, username, phone number or what you "
                           "write. /forget deletes all of the above."))
    if retention_days is not None:
        lines.append(fill(t.ngettext(
            "Your completed actions and answers are deleted by themselves {count} day after "
            "the campaign ends.",
            "Your completed actions and answers are deleted by themselves {count} days after "
            "the campaign ends.", retention_days), {"count": t.number(retention_days)}))
    return Reply(t.direct("\n".join(lines)))


def forget_question(t: Translator) -> Reply:
    """/forget: what goes, that it cannot be undone, and a button to confirm."""
    return Reply(
        t.gettext("Delete everything I store about you (language, subscription, completed "
                  "actions)? This cannot be undone."),
        [[button(t.gettext("🗑 Yes, delete everything"), callbacks.FORGET),
          button(t.gettext("Cancel"), callbacks.MENU)]])


def forgotten(t: Translator, deleted: int, not_deleted: int) -> Reply:
    """/forget confirmed: everything is gone, and a new message starts from scratch.

    Also how many of the bot's messages in the chat it deleted, and how many it could not.
    """
    lines = [t.gettext("Done: I have deleted everything I stored about you. If you write "
                       "again, I will treat you as a new user.")]
    if deleted:
        lines.append(fill(t.ngettext("I also deleted {count} of my messages in this chat.",
                                     "I also deleted {count} of my messages in this chat.",
                                     deleted), {"count": t.number(deleted)}))
    if not_deleted:
        lines.append(fill(t.ngettext("{count} older message of mine could not be deleted: "
                                     "Telegram lets me delete my messages only for 48 hours. "
                                     "You can delete them yourself.",
                                     "{count} older messages of mine could not be deleted: "
                                     "Telegram lets me delete my messages only for 48 hours. "
                                     "You can delete them yourself.", not_deleted),
                          {"count": t.number(not_deleted)}))
    return Reply("\n\n".join(lines))


def data_in_private(t: Translator, bot_username: str) -> Reply:
    """/mydata and /forget in a group: personal data is never shown there."""
    return private_chat_pointer(t, t.gettext("🔐 I show and delete your data only in a private "
                                             "chat with me."), bot_username)
