"""The mirror site (`tgbot site`): built offline by the real command, read by real clients.

A browser (headless Chromium, the site served over HTTP), a feed parser (feedparser) and the
bot itself (through the loopback Bot API) each check what the site claims.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import http.server
import json
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import feedparser
import pytest
from PIL import Image
from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.browser import chromium
from tests.helpers.harness import ROOT, Clock, running_bot, say
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n
from tgbot.messages.actions import action_text
from tgbot.site.build import PAGE_LIMIT, days_reached
from tgbot.telegram_html import parse_html

CAMPAIGN = load_campaign(ROOT / "actions.yaml")
I18N = I18n(ROOT / "locales")
LANGUAGES = list(I18N.languages)
BUILT_ON = "2027-11-05"  # day 5 in the campaign's zone
REACHED = 5
CLIENT_CODES = {"fil": "tl"}  # what a Filipino Telegram client reports


def build(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`tgbot site` in a network namespace of its own, where no host can be reached."""
    return subprocess.run(["unshare", "--net", "--map-root-user", sys.executable, "-m", "tgbot",
                           "site", "--out", str(out), *args],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = build(out, "--date", BUILT_ON)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def whole_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whole") / "site"
    result = build(out, "--all", "--url", "https://mirror.example.org/impunity/")
    assert result.returncode == 0, result.stderr
    return out


def action_day_numbers(code: str, folder: Path) -> set[int]:
    return {int(re.fullmatch(r"day-(\d+)\.html", p.name)[1])
            for p in (folder / code).glob("day-*.html")}


def test_the_site_shows_the_days_reached_in_every_language(site: Path) -> None:
    assert (site / "index.html").is_file()
    for code in LANGUAGES:
        assert (site / code / "index.html").is_file()
        assert (site / code / "feed.xml").is_file()
        assert action_day_numbers(code, site) == set(range(1, REACHED + 1))  # day 6 not out


async def test_the_days_reached_are_those_of_today_for_the_bot(fake: FakeBotAPI,
                                                                tmp_path: Path) -> None:
    """At 23:00 in Toronto on 4 November it is already 5 November in UTC: still day 4."""
    now = dt.datetime(2027, 11, 5, 3, 0, tzinfo=dt.UTC)
    assert days_reached(CAMPAIGN, now) == 4
    async with running_bot(fake, tmp_path, Clock(now)):
        answer = (await say(fake, ALICE, "/today"))["text"]
    day_four = parse_html(action_text(I18N.get("en"), CAMPAIGN, CAMPAIGN.action_for_day(4)))
    assert answer == day_four.text


class Links(HTMLParser):
    """Every src and href of a page, and its CSP and inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.csp: list[str] = []
        self.styles: list[str] = []
        self.scripts = 0
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.urls += [v for k, v in attrs if k in ("src", "href", "srcset", "action") and v]
        if tag == "meta" and (values.get("http-equiv") or "").lower() == \
                "content-security-policy":
            self.csp.append(values["content"] or "")
        self.scripts += tag in ("script", "iframe", "object", "embed")
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def action_links() -> set[str]:
    """The actions' own links: their buttons' and those written in their texts, any language."""
    links = {link.url for action in CAMPAIGN.actions for link in action.links}
    for t in I18N:
        for action in CAMPAIGN.actions:
            links |= set(re.findall(r'href="([^"]+)"', action_text(t, CAMPAIGN, action)))
    return links


def test_pages_are_small_strict_and_load_nothing_from_elsewhere(whole_site: Path) -> None:
    allowed = action_links()
    pages = list(whole_site.rglob("*.html"))
    assert len(pages) == 1 + len(LANGUAGES) * (1 + len(CAMPAIGN.actions))
    for page in pages:
        data = page.read_bytes()
        assert len(data) < PAGE_LIMIT == 40 * 1024, page
        parser = Links()
        parser.feed(data.decode())
        assert parser.scripts == 0, page
        assert len(parser.csp) == 1, page
        policy = dict(rule.strip().split(" ", 1) for rule in parser.csp[0].split(";"))
        assert policy["default-src"] == "'none'" and policy["img-src"] == "'self'"
        # the page's one style is the one its policy allows, by hash
        assert len(parser.styles) == 1
        digest = base64.b64encode(hashlib.sha256(parser.styles[0].encode()).digest()).decode()
        assert policy["style-src"] == f"'sha256-{digest}'", page
        # the policy comes before anything it governs
        assert data.index(b"Content-Security-Policy") < data.index(b"<style>")
        for url in parser.urls:
            if urlparse(url).scheme or url.startswith("//"):
                assert url in allowed, (page, url)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(whole_site: Path) -> Iterator[str]:
    """The site on a static web server on 127.0.0.1, as any host would serve it."""
    handler = functools.partial(QuietHandler, directory=str(whole_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def browse(url: str, tmp_path: Path, name: str) -> tuple[str, Image.Image, list[str], str]:
    """The DOM, a screenshot, the URLs the page itself asked for, and the console's lines.

    No host but 127.0.0.1 resolves. The net log gives each request's initiator: the page for
    what the page asked for, "not an origin" for the navigation and Chromium's own requests
    (updates, sign-in), which are not the site's doing.
    """
    isolate = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
               "--enable-logging=stderr", "--v=0"]
    dom = chromium(*isolate, "--dump-dom", url, profile=tmp_path / f"{name}-dom").stdout
    shot, netlog = tmp_path / f"{name}.png", tmp_path / f"{name}.json"
    # the screenshot waits for every compositor stage, not just the first paint: on a
    # loaded machine a tile could still be blank (aligned_to copes with that too)
    drawn = chromium(*isolate, f"--log-net-log={netlog}", "--window-size=800,1400",
                     "--run-all-compositor-stages-before-draw", f"--screenshot={shot}", url,
                     profile=tmp_path / f"{name}-shot")
    log = json.loads(netlog.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [e["params"] for e in log["events"]
                if e["type"] == start and "url" in e.get("params", {})]
    assert url in [r["url"] for r in requests]  # the log has the page itself
    asked = [r["url"] for r in requests if r.get("initiator", "not an origin") != "not an origin"]
    return dom, Image.open(shot).convert("L"), asked, drawn.stderr


def aligned_to(image: Image.Image) -> str:
    """Which side the text lines start on: the side where most lines share one edge.

    Counted by the commonest edge (within 8 px) rather than the outermost one, so a
    title that reaches further, a centred row of links or a tile still unpainted in
    the screenshot does not decide it.
    """
    width, height = image.size
    pixels = image.load()
    lefts: Counter[int] = Counter()
    rights: Counter[int] = Counter()
    for y in range(height):
        ink = [x for x in range(width) if pixels[x, y] < 110]
        if ink and len(ink) < width / 4:  # a row of text, not a row of a picture
            lefts[ink[0] // 4] += 1
            rights[ink[-1] // 4] += 1

    def shared(edges: Counter[int]) -> int:
        common = edges.most_common(1)[0][0]
        return edges[common - 1] + edges[common] + edges[common + 1]

    flush_left, flush_right = shared(lefts), shared(rights)
    return "right" if flush_right > 2 * flush_left else "left" if flush_left > 2 * flush_right \
        else "unclear"


def test_a_day_in_arabic_is_drawn_right_to_left_with_nothing_from_outside(
        served: str, tmp_path: Path) -> None:
    pages = {code: f"{served}/{code}/day-22.html" for code in ("ar", "en")}  # with its image
    dom, image, asked, console = browse(pages["ar"], tmp_path, "ar")
    assert re.search(r'<html lang="ar" dir="rtl">', dom)
    assert 'id="action"' in dom and "ماغينداناو" in dom
    assert aligned_to(image) == "right"
    assert all(url.startswith(served + "/") for url in asked), asked
    assert f"{served}/images/day22-maguindanao.png" in asked  # the image is the site's own
    assert "Content Security Policy" not in console  # nothing refused: style and image allowed
    dom, image, asked, _ = browse(pages["en"], tmp_path, "en")
    assert '<html lang="en" dir="ltr">' in dom
    assert aligned_to(image) == "left"
    assert all(url.startswith(served + "/") for url in asked), asked


def test_every_feed_parses_with_one_entry_per_day_reached(site: Path, whole_site: Path
                                                          ) -> None:
    for folder, days, base in ((site, REACHED, ""),
                               (whole_site, len(CAMPAIGN.actions),
                                "https://mirror.example.org/impunity")):
        for code in LANGUAGES:
            feed = feedparser.parse((folder / code / "feed.xml").read_bytes())
            assert not feed.bozo, (code, feed.get("bozo_exception"))
            assert feed.version == "atom10"
            assert feed.feed.title == I18N.get(code).gettext(CAMPAIGN.name)
            assert len(feed.entries) == days
            assert len({entry.id for entry in feed.entries}) == days
            newest = feed.entries[0]
            action = CAMPAIGN.action_for_day(days)
            assert newest.title == I18N.get(code).gettext(action.title)
            assert newest.link == (f"{base}/{code}/day-{days}.html" if base
                                   else f"day-{days}.html")
            assert newest.published_parsed[:3] == CAMPAIGN.date_of(days).timetuple()[:3]


def page_message(site: Path, code: str, day: int) -> str:
    page = (site / code / f"day-{day}.html").read_text(encoding="utf-8")
    return re.search(r'<div class="message" id="action">(.*?)</div>', page, re.DOTALL)[1]


async def test_a_days_text_is_the_bots_message(fake: FakeBotAPI, bot: Application,
                                               site: Path) -> None:
    """Each language asks the bot for one of the days reached; the page says the same."""
    for n, code in enumerate(LANGUAGES):
        user, day = 700 + n, n % REACHED + 1
        fake.add_user(user, language_code=CLIENT_CODES.get(code, code))
        sent = await say(fake, user, f"/action {day}")
        shown = parse_html(page_message(site, code, day))
        assert shown.text == (sent.get("text") or sent.get("caption")), (code, day)
        assert len(shown.entities) == len(sent.get("entities") or sent["caption_entities"])


def test_a_later_build_replaces_an_earlier_one_whole(tmp_path: Path) -> None:
    """A review build (--all) never leaves tomorrow's pages published after the next build."""
    out = tmp_path / "site"
    assert build(out, "--all").returncode == 0
    assert build(out, "--date", "2027-11-02").returncode == 0
    assert action_day_numbers("fr", out) == {1, 2}
    assert not (out / "images").exists()  # day 22's image went with day 22
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    refused = build(tmp_path / "notes", "--all")
    assert refused.returncode == 2 and "not a site tgbot built" in refused.stderr
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"


async def test_help_and_description_link_to_the_site(fake: FakeBotAPI, tmp_path: Path) -> None:
    clock = Clock(dt.datetime(2027, 11, 5, 15, 0, tzinfo=dt.UTC))
    fake.add_user(801, language_code="fr")
    async with running_bot(fake, tmp_path, clock, site_url="https://mirror.example.org"):
        french = (await say(fake, 801, "/help"))["text"]
        english = (await say(fake, ALICE, "/help"))["text"]
    assert "https://mirror.example.org/fr/" in french
    assert "https://mirror.example.org/en/" in english
    descriptions = {c.params.get("language_code"): c.params["description"] for c in fake.calls
                    if c.method == "setMyDescription" and c.ok}
    assert set(descriptions) == {None, "fr", "es", "pt", "ru", "uk", "ar", "fa", "tl"}
    assert "https://mirror.example.org/fa/" in descriptions["fa"]
    assert "https://mirror.example.org/en/" in descriptions[None]


async def test_without_a_site_the_bot_says_nothing_of_one(fake: FakeBotAPI, tmp_path: Path
                                                          ) -> None:
    clock = Clock(dt.datetime(2027, 11, 5, 15, 0, tzinfo=dt.UTC))
    async with running_bot(fake, tmp_path, clock):
        answer = (await say(fake, ALICE, "/help"))["text"]
    assert "🌐" not in answer
    assert not [c for c in fake.calls if c.method == "setMyDescription"]
