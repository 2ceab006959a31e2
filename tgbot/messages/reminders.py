"""The evening reminder and what /remind answers."""

from __future__ import annotations

import html

from tgbot.domain.campaign import Action, Campaign
from tgbot.i18n.translator import Translator
from tgbot.messages.actions import action_message
from tgbot.messages.common import Reply, fill


def reminder(t: Translator, campaign: Campaign, action: Action, *, bot_username: str) -> Reply:
    """The short evening reminder of a day's action not done yet, with the action's buttons."""
    text = fill(t.gettext("⏰ Today's action is still waiting for you: <b>{title}</b>\n"
                          "/today shows it in full."),
                {"title": html.escape(t.gettext(action.title))})
    rows = action_message(t, campaign, action, bot_username=bot_username,
                          offer_reminder=False).buttons
    return Reply(t.direct(text), rows)


def reminder_set(t: Translator, time: str, zone: str) -> Reply:
    """The confirmation of a reminder at `time` in the chat's `zone` (already a city name)."""
    return Reply(fill(t.gettext("⏰ Reminder set for {time} ({zone}): if today's action is not "
                                "done by then, I will remind you. /remind off stops it."),
                      {"time": t.digits(time), "zone": zone}))


def reminder_off(t: Translator, time: str | None, zone: str) -> Reply:
    """/remind off: which reminder stopped, or that there was none."""
    if time is None:
        return Reply(t.gettext("You have no reminder. /remind 21:00 sets one."))
    return Reply(fill(t.gettext("🔕 Reminder at {time} ({zone}) stopped."),
                      {"time": t.digits(time), "zone": zone}))


def reminder_usage(t: Translator, time: str | None, zone: str) -> Reply:
    """/remind without a valid time: how to use it, and the reminder set now, if any."""
    lines = [t.gettext("Send /remind with a time, for example /remind 21:00: if today's action "
                       "is not done by then, I will remind you.")]
    if time is not None:
        lines.append(fill(t.gettext("Your reminder now: {time} ({zone}). /remind off stops "
                                    "it."), {"time": t.digits(time), "zone": zone}))
    return Reply("\n\n".join(lines))


def reminders_are_private(t: Translator) -> Reply:
    """/remind in a group: reminders are one person's, set in the private chat."""
    return Reply(t.gettext("⏰ Reminders are personal: send me /remind 21:00 in our private "
                           "chat."))
