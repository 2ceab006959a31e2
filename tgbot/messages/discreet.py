"""Discreet mode: the neutral first line of what the bot sends, and what the mode does.

A discreet chat's push, reminder and announcement open with a line that says nothing about
the campaign, so a chat list or a notification shows only that line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from telegram import InlineKeyboardButton

from tgbot.domain.campaign import MESSAGE_LIMIT
from tgbot.domain.outbox import Kind
from tgbot.domain.translatable import N_
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, button, fill
from tgbot.telegram_html import parse_html

# The first line of a discreet chat's messages, which the chat list and the lock screen show.
# TRANSLATORS: shown on a lock screen: say nothing about the campaign or human rights.
NEUTRAL_LINES = {Kind.PUSH: N_("📝 Your daily note"), Kind.REMINDER: N_("⏰ A reminder"),
                 Kind.ANNOUNCEMENT: N_("📝 A new note")}


def neutral(t: Translator, reply: Reply, kind: Kind) -> Reply:
    """A message for a discreet chat: a neutral first line above it; the buttons stay."""
    return replace(reply, text=t.direct(t.gettext(NEUTRAL_LINES[kind])) + "\n\n" + reply.text)


def first_line_room(translations: Iterable[Translator], kind: Kind) -> int:
    """The most characters a discreet chat's neutral first line adds, in any language."""
    text = Reply("x")  # one character of text, under the line Telegram counts with it
    return max(len(parse_html(neutral(t, text, kind).text).text) - 1 for t in translations)


def announcement_limit(translations: Iterable[Translator]) -> int:
    """The most characters an announcement can have.

    Telegram's limit, less the neutral first line its discreet chats' copies open with.
    """
    return MESSAGE_LIMIT - first_line_room(translations, Kind.ANNOUNCEMENT)


def discreet_button(t: Translator, on: bool) -> InlineKeyboardButton:
    """The button that turns discreet mode on (it is off) or off (it is on)."""
    if on:
        return button(t.gettext("🤫 Discreet: on (turn off)"), callbacks.DISCREET, "off")
    return button(t.gettext("🤫 Discreet mode"), callbacks.DISCREET, "on")


def what_it_does(t: Translator, hours: float) -> str:
    """The settings menu's line while discreet mode is on."""
    text = t.ngettext("🤫 Discreet: my daily messages come silently, open with a neutral line, "
                      "cannot be forwarded or saved, and I delete them after {hours} hour.",
                      "🤫 Discreet: my daily messages come silently, open with a neutral line, "
                      "cannot be forwarded or saved, and I delete them after {hours} hours.",
                      round(hours))
    return fill(text, {"hours": t.number(hours)})


def auto_delete_hint(t: Translator) -> Reply:
    """Discreet mode turned on where Telegram's own auto-delete timer is off: how to set it."""
    return Reply(t.gettext("🤫 I can only delete my own messages. To have Telegram delete "
                           "yours too, turn on auto-delete in this chat: tap my name at the "
                           "top, then ⋮ (or Edit), \"Auto-delete messages\", and choose 1 "
                           "day."))
