"""What several replies share: the `Reply` itself, buttons, placeholders and share links.

Also the few lines more than one feature sends (a stale button, the admins-only refusal,
the pointer from a group to the private chat) and the zone and push time as a person reads
them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from babel.dates import get_timezone_location
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from tgbot.domain import schedule, stats
from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.translatable import N_
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks

Row = list[InlineKeyboardButton]
# Shown on /start, /help and every day that asks for a letter or a post: some supporters live
# where naming officials or signing with one's address can bring reprisals.
# TRANSLATORS: read by people for whom the campaign can be dangerous: keep it short and plain.
SAFETY_LINE = N_("🛡 Do only what is safe where you live: skip or adapt any day.")
# The kind of "chat" of a card shared through inline mode, and the deep-link source of its
# button: it reaches chats the bot is not in, so it has no per-person buttons.
INLINE = "inline"
# "⏰ Remind me tonight": the reminder's time, in the chat's zone.
REMIND_TONIGHT = "20:00"


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text (or a photo's caption) and its buttons."""

    text: str
    buttons: list[Row] = field(default_factory=list)
    photo: Path | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        """The buttons as Telegram takes them; None sends a message without a keyboard."""
        return InlineKeyboardMarkup(self.buttons) if self.buttons else None


def button(text: str, kind: callbacks.Button, arg: str | int = "",
           edition: int | None = None) -> InlineKeyboardButton:
    """A button of one kind, carrying `arg` (and `edition`) for its handler."""
    return InlineKeyboardButton(text, callback_data=kind.data(arg, edition))


def fill(text: str, values: dict[str, str]) -> str:
    """Put values into {placeholders}; unknown braces are left as written.

    A value that ends a sentence with its own full stop ("23 листопада 2027 р.") takes the
    place of the sentence's: "{date}." never renders "р..".
    """
    def value(match: re.Match[str]) -> str:
        filled = values.get(match[1], match[0])
        return filled if match[2] and filled.endswith(".") else filled + match[2]
    return re.sub(r"\{(\w+)\}(\.?)", value, text)


def campaign_values(t: Translator, campaign: Campaign) -> dict[str, str]:
    """The placeholders a campaign text may use, formatted for this language."""
    return {name: t.date(value) if isinstance(value, dt.date)
            else t.digits(str(value)) if isinstance(value, int) else value
            for name, value in campaign.placeholders().items()}


def open_bot_button(t: Translator, bot_username: str, source: str) -> InlineKeyboardButton:
    """A link that opens the bot through a deep link whose source /start counts."""
    return InlineKeyboardButton(t.gettext("▶️ Open in the bot"),
                                url=f"https://t.me/{bot_username}?start={source}")


def share_url(bot_username: str, source: str, text: str) -> str:
    """A t.me/share link inviting friends to the bot through a deep link we can count."""
    return telegram_share(f"https://t.me/{bot_username}?start={source}", text)


def telegram_share(url: str, text: str) -> str:
    """Telegram's own share link: the person picks chats to send `text` and `url` to."""
    return "https://t.me/share/url?" + urlencode({"url": url, "text": text}, quote_via=quote)


def private_chat_pointer(t: Translator, text: str, bot_username: str) -> Reply:
    """One line for a group, with a button that opens the private chat with the bot."""
    return Reply(t.direct(text), [[InlineKeyboardButton(t.gettext("💬 Open a private chat"),
                                                        url=create_deep_linked_url(
                                                            bot_username))]])


def stale_button(t: Translator) -> str:
    """The toast for a button from an earlier edition, or one nobody handles any more."""
    return t.gettext("This button is from an earlier campaign.")


def admins_only(t: Translator, chat_kind: str = "group") -> str:
    """Why a member's or reader's change was refused: settings are the chat's admins'."""
    if chat_kind == "channel":
        return t.gettext("Only the channel's admins can change this.")
    return t.gettext("Only the group's admins can change this.")


def zone_name(t: Translator, zone: str) -> str:
    """A zone as its city, in the user's language: "Manille", "Торонто"."""
    if zone == "UTC":
        return "UTC"
    # Babel names some three-part zones "Argentina/Buenos Aires": keep the city.
    return get_timezone_location(zone, locale=t.code, return_city=True).split("/")[-1]


def push_when(t: Translator, chat: Chat | None, campaign: Campaign) -> dict[str, str]:
    """{time} and {zone} of the chat's daily action, as this language writes them."""
    push = schedule.push_time(chat, campaign).strftime("%H:%M")
    return {"time": t.digits(push), "zone": zone_name(t, schedule.chat_zone(chat, campaign).key)}


def count_shown(t: Translator, count: int) -> str:
    """A count organisers see, in the reader's digits: the number, or "<5" (`stats.too_few`).

    Written for an HTML message: "<5" comes as "&lt;5", which Telegram shows as "<5".
    """
    return f"&lt;{t.number(stats.MIN_SHOWN)}" if stats.too_few(count) else t.number(count)
