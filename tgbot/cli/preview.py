"""`tgbot preview`: one day's message as text, or (`--html`) the whole campaign on one page.

The page holds every day in every language; organisers and translators review it before
1 November. Messages are drawn as Telegram chat bubbles with their buttons; each pre-written
post is shown in full with its length against the 280-character limit, each letter with its
length; after the days come every other reply of the bot, with sample data
(`tgbot.messages.samples`). Right-to-left languages run right to left; a campaign text still
in English where a translation is expected, or any text close to a limit, is flagged.
"""

from __future__ import annotations

import argparse
import html
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tgbot import messages
from tgbot.cli.options import campaign_day, settings_from
from tgbot.cli.starter import fall_back_on_shipped
from tgbot.config import ConfigError
from tgbot.domain.campaign import CAPTION_LIMIT, MESSAGE_LIMIT, TWEET_LIMIT, Campaign
from tgbot.domain.campaign_file import LETTER_LIMIT, load_campaign
from tgbot.i18n.translator import DEFAULT_LANGUAGE, I18n, Translator
from tgbot.messages.samples import samples
from tgbot.telegram_html import parse_html

NEAR_LIMIT = 0.9  # flag texts over 90% of Telegram's limit


def cmd_preview(args: argparse.Namespace) -> int:
    """`tgbot preview`: one day's message as plain text, or every day as an HTML page."""
    settings = settings_from(args)
    fall_back_on_shipped(settings)
    campaign = load_campaign(settings.campaign)
    i18n = I18n(settings.locales, settings.languages)
    if args.lang not in i18n.languages:
        raise ConfigError(f"unknown language '{args.lang}' "
                          f"(one of: {', '.join(i18n.languages)})")
    if args.html:
        Path(args.html).write_text(render_page(campaign, i18n), encoding="utf-8")
        print(f"{args.html}: every day in {len(i18n.languages)} languages")
        return 0
    if args.date is None:
        raise ConfigError("preview needs --date YYYY-MM-DD (one day) or --html FILE (all)")
    action = campaign.action_for_day(campaign_day(campaign, args.date))
    assert action is not None, "campaign_day gives a day of the campaign"
    t = i18n.get(args.lang)
    reply = messages.action_message(t, campaign, action, bot_username="your_bot")
    print(parse_html(reply.text).text)
    for row in reply.buttons:
        print("  ".join(f"[{b.text}]" for b in row))
    return 0


@dataclass(frozen=True)
class Flag:
    """Something a reviewer should look at in one bubble."""

    kind: str  # "untranslated" | "near-limit"
    text: str


@dataclass(frozen=True)
class Shown:
    """One bubble of the page: a message as Telegram shows it, or a post as it is shared."""

    label: str
    reply: messages.Reply
    sources: list[str]
    limit: int


def flags(t: Translator, shown: Shown) -> list[Flag]:
    """What a reviewer should look at in one bubble."""
    found = []
    if t.code != DEFAULT_LANGUAGE:
        found += [Flag("untranslated", f"not translated: {s[:60]}") for s in shown.sources
                  if not t.translated(s)]
    length = len(parse_html(shown.reply.text).text)
    if length > NEAR_LIMIT * shown.limit:
        found.append(Flag("near-limit", f"{length} of {shown.limit} characters"))
    return found


def _day_messages(t: Translator, campaign: Campaign, bot_username: str) -> Iterator[Shown]:
    for action in campaign.actions:
        sources = [action.title, action.body, *(link.label for link in action.links)]
        sources += [action.safer] if action.safer else []
        reply = messages.action_message(t, campaign, action, bot_username=bot_username)
        yield Shown("", reply, sources, CAPTION_LIMIT if reply.photo else MESSAGE_LIMIT)
        if action.tweet:
            post = messages.post_text(t, campaign, action)
            yield Shown(f"🐦 Post · day {action.day} · {len(post)} / {TWEET_LIMIT} characters",
                        messages.Reply(html.escape(post)), [action.tweet], TWEET_LIMIT)
        if action.letter:
            # the letter's own length, against the limit `tgbot check` holds it to
            length = len(messages.letter_text(t, campaign, action))
            yield Shown(f"✉️ Letter · day {action.day} · {length} / {LETTER_LIMIT} characters",
                        messages.letter_message(t, campaign, action),
                        [action.letter.to, action.letter.send, action.letter.text],
                        MESSAGE_LIMIT)
    for entry in campaign.faq:
        yield Shown(f"/{entry.command}", messages.faq_answer(t, campaign, entry),
                    [entry.question, entry.answer], MESSAGE_LIMIT)


def _other_replies(t: Translator, campaign: Campaign, languages: dict[str, str],
                   bot_username: str) -> Iterator[Shown]:
    """The bot's own replies; their strings are the catalogs' (`tgbot catalogs` checks them)."""
    for sample in samples(t, campaign, languages, bot_username):
        yield Shown(sample.label, sample.reply, [], sample.limit)


def _bubble(label: str, reply: messages.Reply, found: list[Flag]) -> str:
    rows = "".join(
        "<div class='row'>" + "".join(
            f"<span class='button'>{html.escape(b.text)}{' ↗' if b.url else ''}</span>"
            for b in row) + "</div>" for row in reply.buttons)
    image = "<div class='photo'>🖼 infographic</div>" if reply.photo else ""
    marks = "".join(f"<div class='flag {f.kind}'>⚠ {html.escape(f.text)}</div>" for f in found)
    head = f"<div class='label'>{html.escape(label)}</div>" if label else ""
    return (f"<div class='message'>{head}{image}<div class='text'>{reply.text}</div>"
            f"<div class='keyboard'>{rows}</div>{marks}</div>")


def render_page(campaign: Campaign, i18n: I18n, bot_username: str = "your_bot") -> str:
    """The self-contained HTML page (inline CSS, no external files)."""
    sections, nav = [], []
    for t in i18n:
        name = i18n.languages[t.code]
        bubbles, flagged = [], 0
        for shown in [*_day_messages(t, campaign, bot_username),
                      *_other_replies(t, campaign, i18n.languages, bot_username)]:
            found = flags(t, shown)
            flagged += bool(found)
            bubbles.append(_bubble(shown.label, shown.reply, found))
        direction = "rtl" if t.rtl else "ltr"
        nav.append(f"<a href='#{t.code}'>{html.escape(name)}</a>")
        sections.append(
            f"<section id='{t.code}' lang='{t.code}' dir='{direction}' "
            f"data-messages='{len(bubbles)}' data-flagged='{flagged}'>"
            f"<h2>{html.escape(name)} <small>{len(bubbles)} messages, "
            f"{flagged} flagged</small></h2><div class='chat'>{''.join(bubbles)}</div>"
            "</section>")
    title = html.escape(f"{campaign.name} {campaign.edition}")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}: preview</title>
<style>{CSS}</style></head>
<body><header><h1>{title}</h1><p>{html.escape(str(campaign.start_date))} to
{html.escape(str(campaign.end_date))} · every day in every language, as Telegram shows it.</p>
<nav>{" · ".join(nav)}</nav></header>
{"".join(sections)}
<script>{SCRIPT}</script></body></html>
"""


CSS = """
body { margin: 0; font: 15px/1.4 -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       background: #dfe7ee; color: #111; }
header { background: #527da3; color: white; padding: 12px 24px; }
header a { color: white; } h1 { margin: 0 0 4px; font-size: 20px; }
section { padding: 8px 24px 24px; border-bottom: 4px solid #c3d0db; }
h2 small { font-weight: normal; color: #555; font-size: 13px; }
.chat { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 12px; }
.message { background: white; border-radius: 12px; padding: 8px 12px; box-shadow: 0 1px 2px #0002;
           align-self: start; }
.label { color: #527da3; font-weight: 600; font-size: 12px; margin-bottom: 4px; }
/* each paragraph takes the direction of its first strong letter, as Telegram lays it out */
.text { white-space: pre-wrap; overflow-wrap: anywhere; unicode-bidi: plaintext; }
.text pre { background: #f2f4f7; padding: 6px; white-space: pre-wrap; font-size: 13px; }
.text blockquote { border-inline-start: 3px solid #527da3; margin: 4px 0;
                   padding-inline-start: 8px; }
.photo { background: #c8d6e5; border-radius: 8px; height: 80px; display: flex;
         align-items: center; justify-content: center; margin-bottom: 6px; }
.keyboard .row { display: flex; gap: 4px; margin-top: 4px; }
.button { flex: 1; text-align: center; background: #eef3f8; color: #2a6ba5; border-radius: 6px;
          padding: 5px 4px; font-size: 13px; }
.flag { margin-top: 6px; padding: 3px 6px; border-radius: 4px; font-size: 12px; }
.flag.untranslated { background: #fde2e1; color: #9b1c1c; }
.flag.near-limit { background: #fff4cf; color: #7a5b00; }
"""

# Counts what the browser really rendered, for the browser test and for a curious reader.
SCRIPT = """
window.addEventListener("error", () => document.body.dataset.errors =
  String(Number(document.body.dataset.errors || 0) + 1));
document.body.dataset.rendered = JSON.stringify(Object.fromEntries(
  [...document.querySelectorAll("section")].map(
    s => [s.id, s.querySelectorAll(".message").length])));
"""
