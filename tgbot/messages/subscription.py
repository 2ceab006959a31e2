"""/subscribe and /unsubscribe: the confirmations, and the refusals for a channel."""

from __future__ import annotations

import html

from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.zones import SUGGESTED_ZONES
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, Row, button, fill, push_when, zone_name
from tgbot.messages.discreet import discreet_button


def subscribed(t: Translator, campaign: Campaign, chat: Chat | None, *, changed: bool,
               offer_zones: bool) -> Reply:
    """Subscribed now (`changed`) or already, and at which time.

    `offer_zones`, for a private chat still in the campaign's zone: its language's zone in
    one tap, or the full list. A channel gets no Settings button: every reader could press it.
    A private chat not yet discreet is offered discreet mode.
    """
    text = t.gettext("🔔 Subscribed! You will get each day's action at {time} ({zone}).") \
        if changed else t.gettext("You are already subscribed: each day's action comes at "
                                  "{time} ({zone}).")
    rows = [] if chat is not None and chat.kind == "channel" \
        else [[button(t.gettext("⚙️ Settings"), callbacks.SETTINGS)]]
    if offer_zones:
        text += "\n\n" + t.gettext("Not your time zone? Tap below, or send your city, for "
                                    "example: /settings Lagos")
        rows = _zone_suggestion(t, campaign) + [[button(t.gettext("🌍 Another time zone"),
                                                        callbacks.SETTINGS)]]
    if chat is not None and chat.kind == "private" and not chat.discreet:
        rows.append([discreet_button(t, False)])
    return Reply(fill(text, push_when(t, chat, campaign)), rows)


def _zone_suggestion(t: Translator, campaign: Campaign) -> list[Row]:
    """A button for the zone the person's language suggests, unless it is the campaign's."""
    zone = SUGGESTED_ZONES.get(t.code)
    if zone is None or zone == campaign.timezone:
        return []
    return [[button(fill(t.gettext("🕘 Use {zone} time"), {"zone": zone_name(t, zone)}),
                    callbacks.ZONE, zone)]]


def unsubscribed(t: Translator, changed: bool) -> Reply:
    """Unsubscribed now (`changed`), or was not subscribed."""
    return Reply(t.gettext("🔕 Unsubscribed. You will get no more daily messages; /subscribe "
                           "brings them back.") if changed
                 else t.gettext("You are not subscribed."))


def channel_not_found(t: Translator) -> Reply:
    """/subscribe @channel for a chat the bot cannot see (not added, or mistyped)."""
    return Reply(t.gettext("I can't find that channel. Add me to it as an administrator, then "
                           "send /subscribe @channelname here."))


def not_a_channel(t: Translator) -> Reply:
    """/subscribe @name for a group: groups subscribe from inside."""
    return Reply(t.gettext("That is not a channel. In a group, send /subscribe in the group "
                           "itself."))


def channel_admins_only(t: Translator) -> Reply:
    """/subscribe @channel refused: the person or the bot is not the channel's admin."""
    return Reply(t.gettext("Both you and I must be administrators of the channel to subscribe "
                           "the channel."))


def channel_subscribed(t: Translator, name: str) -> Reply:
    """/subscribe @channel done: the channel gets the daily action from now on."""
    return Reply(fill(t.gettext("🔔 The channel {name} is subscribed: it will get each day's "
                                "action."), {"name": html.escape(name)}))
