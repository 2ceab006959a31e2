"""Each language's Atom feed (RFC 4287): one entry per day reached, with the bot's message.

Feed readers, e-mail digests and mirrors follow the campaign from it without Telegram. Built
with the standard library's ElementTree, which escapes every text it writes.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

from tgbot.domain.campaign import Campaign
from tgbot.i18n.translator import Translator
from tgbot.messages.actions import action_text
from tgbot.messages.common import campaign_values, fill
from tgbot.site.pages import FEED, INDEX, INTRO, day_file

ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_PRE = re.compile(r"(<pre>.*?</pre>)", re.DOTALL)


def published(campaign: Campaign, day: int) -> dt.datetime:
    """When a day comes out: its date at the campaign's push time, in the campaign's zone."""
    return dt.datetime.combine(campaign.date_of(day), campaign.push_time, tzinfo=campaign.tz)


def atom_id(campaign: Campaign, *path: str | int) -> str:
    """A permanent id (of a feed, or a day in it), the same wherever the site is served from."""
    name = "/".join([f"{campaign.website}#{campaign.edition}", *map(str, path)])
    return uuid.uuid5(uuid.NAMESPACE_URL, name).urn


def as_web_html(text: str) -> str:
    """Telegram HTML for a feed reader: its line breaks as <br> (a <pre> keeps its own)."""
    return "".join(part if part.startswith("<pre>") else part.replace("\n", "<br>\n")
                   for part in _PRE.split(text))


def atom_feed(t: Translator, campaign: Campaign, reached: int, site_url: str = "") -> bytes:
    """The feed of one language, newest day first; links are absolute under `site_url`."""
    base = f"{site_url.rstrip('/')}/{t.code}/" if site_url else ""
    days = [a for a in campaign.actions if a.day <= reached][::-1]
    feed = ET.Element(f"{{{ATOM}}}feed", {XML_LANG: t.code})

    def add(parent: ET.Element, tag: str, text: str = "", **attributes: str) -> ET.Element:
        child = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text:
            child.text = text
        return child

    add(feed, "title", t.gettext(campaign.name))
    add(feed, "subtitle", fill(t.gettext(INTRO), campaign_values(t, campaign)))
    add(feed, "id", atom_id(campaign, t.code))
    moments = [published(campaign, a.day) for a in days] or [published(campaign, 1)]
    add(feed, "updated", max(moments).isoformat())
    add(add(feed, "author"), "name", campaign.organiser)
    add(feed, "link", rel="alternate", type="text/html", href=base + INDEX)
    add(feed, "link", rel="self", type="application/atom+xml", href=base + FEED)
    for action in days:
        entry = add(feed, "entry")
        add(entry, "title", t.gettext(action.title))
        add(entry, "id", atom_id(campaign, t.code, action.day))
        moment = published(campaign, action.day).isoformat()
        add(entry, "published", moment)
        add(entry, "updated", moment)
        add(entry, "link", rel="alternate", type="text/html", href=base + day_file(action.day))
        add(entry, "content", as_web_html(action_text(t, campaign, action)), type="html")
    ET.register_namespace("", ATOM)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
