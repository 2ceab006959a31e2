"""/settings: the menu of times and regions, a region's zones, and the confirmations."""

from __future__ import annotations

from tgbot.domain.campaign import Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.zones import PUSH_TIMES, REGIONS
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import REMIND_TONIGHT, Reply, button, fill, push_when, zone_name
from tgbot.messages.discreet import discreet_button, what_it_does


def settings_menu(t: Translator, campaign: Campaign, chat: Chat | None,
                  reminder: str | None, discreet_hours: float) -> Reply:
    """The menu; a private chat also gets its reminder's and discreet mode's buttons.

    While discreet mode is on, the menu says what it does (deleted after `discreet_hours`).
    """
    text = fill(t.gettext("⚙️ <b>Settings</b>\nDaily action at <b>{time}</b>, "
                          "time zone <b>{zone}</b>.\nChoose a time, or change the "
                          "time zone:"), push_when(t, chat, campaign))
    text += "\n" + t.gettext("Or type it: /settings 21:30, /settings Manila")
    if chat is not None and chat.discreet:
        text += "\n\n" + what_it_does(t, discreet_hours)
    rows = [[button(t.digits(p), callbacks.TIME, p) for p in PUSH_TIMES[i:i + 3]] for i in (0, 3)]
    rows += [[button(t.gettext(name), callbacks.REGION, name) for name, _ in REGIONS[j:j + 3]]
             for j in (0, 3)]
    if chat is not None and chat.kind == "private":
        rows.append([button(fill(t.gettext("🔕 Stop the reminder at {time}"),
                                 {"time": t.digits(reminder)}), callbacks.REMIND, "off")
                     if reminder else
                     button(t.gettext("⏰ Remind me tonight"), callbacks.REMIND, REMIND_TONIGHT)])
        rows.append([discreet_button(t, chat.discreet)])
    return Reply(t.direct(text), rows)


def zone_menu(t: Translator, zones: list[str]) -> Reply:
    """A region's zones, each named by its city in this language, and Back to the settings."""
    rows = [[button(zone_name(t, z), callbacks.ZONE, z) for z in zones[i:i + 3]]
            for i in range(0, len(zones), 3)]
    rows.append([button(t.gettext("⬅️ Back"), callbacks.SETTINGS)])
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
