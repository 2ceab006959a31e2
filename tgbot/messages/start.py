"""/start, /help and the main menu."""

from __future__ import annotations

import html

from tgbot.domain.campaign import Campaign
from tgbot.domain.commands import COMMANDS
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import SAFETY_LINE, Reply, Row, button, campaign_values, fill
from tgbot.telegram_html import parse_html


def main_menu(t: Translator, subscribed: bool) -> list[Row]:
    """The welcome's buttons; Subscribe turns into Unsubscribe once the chat is subscribed."""
    sub = (button(t.gettext("🔕 Unsubscribe"), callbacks.UNSUBSCRIBE) if subscribed
           else button(t.gettext("🔔 Subscribe"), callbacks.SUBSCRIBE))
    return [[button(t.gettext("❓ Questions"), callbacks.FAQ),
             button(t.gettext("📅 Today's action"), callbacks.TODAY)],
            [sub, button(t.gettext("🌐 Language"), callbacks.LANGUAGES)],
            [button(t.gettext("⚙️ Settings"), callbacks.SETTINGS),
             button(t.gettext("📊 My progress"), callbacks.PROGRESS)]]


def welcome(t: Translator, campaign: Campaign, subscribed: bool) -> Reply:
    """/start and the Back button: what the campaign is (its own welcome), when, and the menu."""
    values = campaign_values(t, campaign)
    opening = [fill(t.gettext(campaign.welcome), values)] if campaign.welcome else []
    text = "\n\n".join([
        *opening,
        fill(t.gettext("From {start_date} to {end_date}, I bring you one simple action a day, "
                       "answer your questions about the campaign and keep track of what you "
                       "have done."), values),
        t.gettext(SAFETY_LINE),
        t.gettext("🔐 I keep only your settings and the actions you mark; /forget deletes "
                  "them."),
    ])
    return Reply(t.direct(text), main_menu(t, subscribed))


def help_text(t: Translator, campaign: Campaign, site_url: str = "") -> Reply:
    """/help: the bot's own commands (tgbot.domain.commands), then the campaign's FAQ commands.

    With the mirror site's address (TGBOT_SITE_URL), a line says where to find the actions
    when Telegram is blocked.
    """
    lines = [t.gettext("<b>What I can do</b>")]
    lines += [t.gettext(c.help) for c in COMMANDS if c.help]
    lines += [f"/{e.command} – {html.escape(t.gettext(e.description))}" for e in campaign.faq]
    lines += [t.gettext("You can also just type a question."), ""]
    if site_url:
        lines += [site_line(t, site_url), ""]
    lines.append(t.gettext(SAFETY_LINE))
    return Reply(t.direct("\n".join(lines)), [[button(t.gettext("❓ Questions"), callbacks.FAQ)]])


def site_page(t: Translator, site_url: str) -> str:
    """The mirror site's home page in this language (`tgbot site` writes one per language)."""
    return f"{site_url}/{t.code}/"


def site_line(t: Translator, site_url: str) -> str:
    """Where the actions are when Telegram is blocked: the mirror site, in this language."""
    return fill(t.gettext("🌐 If Telegram is blocked where you are, every action is also on "
                          "the web: {url}"), {"url": html.escape(site_page(t, site_url))})


def description(t: Translator, campaign: Campaign, site_url: str) -> str:
    """The bot's description (the empty chat's "What can this bot do?"), with the site."""
    return f"{t.gettext(campaign.name)}\n\n{parse_html(site_line(t, site_url)).text}"
