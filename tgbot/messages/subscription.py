"""/subscribe, /unsubscribe and /settings: confirmations, and the time and zone keyboards."""

from __future__ import annotations

import html

from tgbot.campaign import Campaign
from tgbot.i18n import Translator
from tgbot.messages.common import REMIND_TONIGHT, Reply, Row, button, fill, push_when, zone_name
from tgbot.store import Chat
from tgbot.zones import PUSH_TIMES, REGIONS, SUGGESTED_ZONES, ZONES


def subscribed(t: Translator, campaign: Campaign, chat: Chat | None, *, changed: bool,
               offer_zones: bool) -> Reply:
    """Subscribed now (`changed`) or already, at which time; `offer_zones` for a private
    chat still in the campaign's zone: its language's zone in one tap, or the full list.
    """
    text = t.gettext("🔔 Subscribed! You will get each day's action at {time} ({zone}).") \
        if changed else t.gettext("You are already subscribed: each day's action comes at "
                                  "{time} ({zone}).")
    rows = [[button(t.gettext("⚙️ Settings"), "settings")]]
    if offer_zones:
        text += "\n\n" + t.gettext("Not your time zone? Tap below, or send your city, for "
                                    "example: /settings Lagos")
        rows = _zone_suggestion(t, campaign) + [[button(t.gettext("🌍 Another time zone"),
                                                        "settings")]]
    return Reply(fill(text, push_when(t, chat, campaign)), rows)


def _zone_suggestion(t: Translator, campaign: Campaign) -> list[Row]:
    """A button for the zone the person's language suggests, unless it is the campaign's."""
    zone = SUGGESTED_ZONES.get(t.code)
    if zone is None or zone == campaign.timezone:
        return []
    return [[button(fill(t.gettext("🕘 Use {zone} time"), {"zone": zone_name(t, zone)}),
                    "tz", ZONES.index(zone))]]


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
                           "it."))


def channel_subscribed(t: Translator, name: str) -> Reply:
    """/subscribe @channel done: the channel gets the daily action from now on."""
    return Reply(fill(t.gettext("🔔 The channel {name} is subscribed: it will get each day's "
                                "action."), {"name": html.escape(name)}))


def settings_menu(t: Translator, campaign: Campaign, chat: Chat | None,
                  reminder: str | None) -> Reply:
    """The menu; a private chat also gets its reminder's button (set tonight, or stop)."""
    text = fill(t.gettext("⚙️ <b>Settings</b>\nDaily action at <b>{time}</b>, "
                          "time zone <b>{zone}</b>.\nChoose a time, or change the "
                          "time zone:"), push_when(t, chat, campaign))
    text += "\n" + t.gettext("Or type it: /settings 21:30, /settings Manila")
    rows = [[button(t.digits(p), "time", p) for p in PUSH_TIMES[i:i + 3]] for i in (0, 3)]
    rows += [[button(t.gettext(name), "region", i) for i, (name, _) in
              enumerate(REGIONS[j:j + 3], start=j)] for j in (0, 3)]
    if chat is not None and chat.kind == "private":
        rows.append([button(fill(t.gettext("🔕 Stop the reminder at {time}"),
                                 {"time": t.digits(reminder)}), "remind", "off")
                     if reminder else
                     button(t.gettext("⏰ Remind me tonight"), "remind", REMIND_TONIGHT)])
    return Reply(t.direct(text), rows)


def zone_menu(t: Translator, region: int) -> Reply:
    """A region's zones, each named by its city in this language, and Back to the settings."""
    zones = REGIONS[region][1]
    rows = [[button(zone_name(t, z), "tz", ZONES.index(z)) for z in zones[i:i + 3]]
            for i in range(0, len(zones), 3)]
    rows.append([button(t.gettext("⬅️ Back"), "settings")])
    return Reply(t.gettext("🌍 Choose your time zone:"), rows)


def unknown_setting(t: Translator) -> Reply:
    """/settings with text that is neither a time nor a place the bot knows."""
    return Reply(t.gettext("I don't know that time or place. Send a time, a time zone or a "
                           "city, for example: /settings 21:30, /settings Asia/Manila, "
                           "/settings Lagos"))


def setting_saved(t: Translator, campaign: Campaign, chat: Chat | None) -> Reply:
    """A typed setting saved: the time and zone now in force."""
    return Reply(fill(t.gettext("✅ Saved: each day's action comes at {time} ({zone})."),
                      push_when(t, chat, campaign)))


def saved(t: Translator) -> str:
    """The toast of a pressed time or zone (the menu itself shows the new value)."""
    return t.gettext("Saved.")
