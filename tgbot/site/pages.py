"""The mirror site's HTML pages: the language chooser, each language's index, and each day.

A day's page shows the bot's own message for that day (`messages.action_text`), its letter
(`messages.letter_message`) and post (`messages.post_text`) as the bot renders them: Telegram
HTML is a small subset of HTML, so it goes into the page as it is, and the site never says
anything else than the bot. Pages load nothing: no script, no font, no stylesheet file; their
one style is inline, allowed by its hash in a strict Content-Security-Policy.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass

from tgbot import messages
from tgbot.domain.campaign import Action, Campaign
from tgbot.domain.translatable import N_
from tgbot.i18n.translator import DEFAULT_LANGUAGE, I18n, Translator
from tgbot.messages.actions import action_text
from tgbot.messages.common import SAFETY_LINE, fill

# TRANSLATORS: atop the mirror site, a web copy of the bot for those who cannot open Telegram.
INTRO = N_("One action a day, from {start_date} to {end_date}. Each day's action from the "
           "campaign's Telegram bot is also here, for anyone who cannot open Telegram.")
FEED_LINK = N_("📰 Get each new action in a feed reader (Atom)")
PREVIOUS_DAY = N_("Previous day")
NEXT_DAY = N_("Next day")
# TRANSLATORS: on the mirror site, above a pre-written post shown as text to copy.
POST_HEADING = N_("📋 <b>Your post</b>: copy it, then paste it on any platform (Facebook, "
                  "Instagram, WhatsApp, Bluesky, X…).")

FEED = "feed.xml"
INDEX = "index.html"
IMAGES = "images"

CSS = """
body { margin: 0 auto; max-width: 42em; padding: 0 16px 32px; background: #fafaf7;
       color: #1a1a1a; font: 17px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
header { padding: 16px 0 8px; border-bottom: 2px solid #b3261e; margin-bottom: 16px; }
header a, h1 { color: #1a1a1a; font-weight: 700; text-decoration: none; font-size: 1.2em; }
a { color: #0b57a4; }
nav { margin: 12px 0; }
nav a { margin-inline-end: 12px; display: inline-block; }
/* each paragraph takes the direction of its first strong letter, as Telegram lays it out */
.message { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext;
           background: white; border-radius: 8px; padding: 12px 16px; margin: 12px 0;
           box-shadow: 0 1px 2px #0002; }
.message pre, .message code { white-space: pre-wrap; font: 15px/1.45 ui-monospace, monospace;
           background: #f1f1ec; }
.message pre { padding: 8px; margin: 0; }
.message blockquote { border-inline-start: 3px solid #b3261e; margin: 4px 0;
                      padding-inline-start: 8px; }
img { max-width: 100%; height: auto; border-radius: 8px; }
ul.days, ul.links { padding-inline-start: 0; list-style: none; }
ul.days li, ul.links li { margin: 6px 0; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# Nothing loads but this page's own style and the site's own images; no form, no <base>.
CSP = (f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'")


@dataclass(frozen=True)
class Page:
    """One HTML file of the site: where it goes (relative to the site's root) and its text."""

    path: str
    text: str


def day_file(day: int) -> str:
    """A day's page, inside its language's folder."""
    return f"day-{day}.html"


def _page(t: Translator | None, title: str, body: str, alternates: dict[str, str],
          feed: str = "") -> str:
    """A whole HTML document; `alternates` is each language's version of it, by code."""
    lang, direction = (t.code, "rtl" if t.rtl else "ltr") if t else (DEFAULT_LANGUAGE, "ltr")
    links = "".join(f'<link rel="alternate" hreflang="{code}" href="{html.escape(href)}">\n'
                    for code, href in alternates.items())
    if alternates:
        links += (f'<link rel="alternate" hreflang="x-default" '
                  f'href="{html.escape(next(iter(alternates.values())))}">\n')
    if feed:
        links += (f'<link rel="alternate" type="application/atom+xml" '
                  f'href="{html.escape(feed)}">\n')
    return f"""<!DOCTYPE html>
<html lang="{lang}" dir="{direction}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
{links}<style>{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""


def _languages_nav(i18n: I18n, target: str, here: str = "") -> str:
    """Links to `target` (a file in each language's folder) in every other language."""
    return "<nav>" + "".join(
        f'<a href="../{t.code}/{target}" hreflang="{t.code}" lang="{t.code}">'
        f"{html.escape(i18n.languages[t.code])}</a>"
        for t in i18n if t.code != here) + "</nav>"


def _alternates(i18n: I18n, target: str, prefix: str = "../") -> dict[str, str]:
    return {t.code: f"{prefix}{t.code}/{target}" for t in i18n}


def chooser(campaign: Campaign, i18n: I18n) -> Page:
    """The site's root: the campaign's name, then every language in its own name."""
    links = "".join(
        f'<li><a href="{t.code}/{INDEX}" hreflang="{t.code}" lang="{t.code}" '
        f'dir="{"rtl" if t.rtl else "ltr"}">{html.escape(i18n.languages[t.code])}</a></li>'
        for t in i18n)
    name = html.escape(campaign.name)
    body = f'<header><h1>{name}</h1></header>\n<ul class="days">{links}</ul>'
    return Page(INDEX, _page(None, campaign.name, body, _alternates(i18n, INDEX, "")))


def _header(t: Translator, campaign: Campaign, *, home: bool) -> str:
    name = html.escape(t.gettext(campaign.name))
    return (f"<header><h1>{name}</h1></header>" if home
            else f'<header><a href="{INDEX}">{name}</a></header>')


def index(t: Translator, i18n: I18n, campaign: Campaign, reached: int) -> Page:
    """A language's home: what the site is, the days reached, the next one's date, the feed."""
    values = messages.campaign_values(t, campaign)
    days = [f'<li><a href="{day_file(a.day)}">{t.number(a.day)}. '
            f"{html.escape(t.gettext(a.title))}</a></li>"
            for a in campaign.actions if a.day <= reached]
    upcoming = next((a for a in campaign.actions if a.day > reached), None)
    if upcoming is not None:
        days.append("<li>" + fill(t.gettext("🔒 {day}. Opens on {date}"),
                                  {"day": t.number(upcoming.day),
                                   "date": t.day_month(campaign.date_of(upcoming.day))})
                    + "</li>")
    body = "\n".join([
        _header(t, campaign, home=True),
        f"<p>{fill(t.gettext(INTRO), values)}</p>",
        f"<p>{t.gettext(SAFETY_LINE)}</p>",
        f'<ul class="days">{"".join(days)}</ul>',
        f'<p><a href="{FEED}">{t.gettext(FEED_LINK)}</a></p>',
        _languages_nav(i18n, INDEX, t.code),
    ])
    return Page(f"{t.code}/{INDEX}", _page(t, t.gettext(campaign.name), body,
                                           _alternates(i18n, INDEX), FEED))


def post_block(t: Translator, campaign: Campaign, action: Action) -> str:
    """The day's pre-written post as text to copy, in Telegram HTML like the bot's replies."""
    post = html.escape(messages.post_text(t, campaign, action))
    return t.direct(f"{t.gettext(POST_HEADING)}\n\n<pre>{post}</pre>")


def day(t: Translator, i18n: I18n, campaign: Campaign, action: Action,
        days: Sequence[int]) -> Page:
    """A day's page: the bot's message, its image, letter and post, its links; then nav."""
    parts = [_header(t, campaign, home=False)]
    if action.image is not None:
        parts.append(f'<p><img src="../{IMAGES}/{html.escape(action.image.name)}" alt=""></p>')
    parts.append(f'<div class="message" id="action">{action_text(t, campaign, action)}</div>')
    if action.letter is not None:
        letter = messages.letter_message(t, campaign, action).text
        parts.append(f'<div class="message" id="letter">{letter}</div>')
    if action.tweet:
        parts.append(f'<div class="message" id="post">{post_block(t, campaign, action)}</div>')
    if action.links:
        parts.append('<ul class="links">' + "".join(
            f'<li><a href="{html.escape(link.url)}" rel="noopener noreferrer">'
            f"{html.escape(t.gettext(link.label))}</a></li>" for link in action.links) + "</ul>")
    position = days.index(action.day)
    nav = [f'<a href="{INDEX}">{t.gettext("📋 All actions")}</a>']
    if position > 0:
        nav.append(f'<a href="{day_file(days[position - 1])}" rel="prev">'
                   f"{t.gettext(PREVIOUS_DAY)}</a>")
    if position + 1 < len(days):
        nav.append(f'<a href="{day_file(days[position + 1])}" rel="next">'
                   f"{t.gettext(NEXT_DAY)}</a>")
    parts += ["<nav>" + "".join(nav) + "</nav>", _languages_nav(i18n, day_file(action.day),
                                                                 t.code)]
    title = f"{t.gettext(action.title)} · {t.gettext(campaign.name)}"
    return Page(f"{t.code}/{day_file(action.day)}",
                _page(t, title, "\n".join(parts), _alternates(i18n, day_file(action.day)),
                      FEED))
