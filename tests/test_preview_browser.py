"""The campaign preview page, opened in a real headless Chromium (installed by .ci/run)."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.browser import chromium
from tests.helpers.harness import ROOT
from tgbot.domain.campaign_file import load_campaign
from tgbot.i18n.translator import I18n
from tgbot.messages.samples import samples

CAMPAIGN = load_campaign(ROOT / "actions.yaml")
I18N = I18n(ROOT / "locales")
LANGUAGES = list(I18N.languages)
# the days (each with its letter and post), the FAQ answers, then every other reply
PER_LANGUAGE = (len(CAMPAIGN.actions) + sum(1 for a in CAMPAIGN.actions if a.letter)
                + sum(1 for a in CAMPAIGN.actions if a.tweet) + len(CAMPAIGN.faq)
                + len(list(samples(I18N.get("en"), CAMPAIGN, I18N.languages, "your_bot"))))
# One worker writes the page once for the module (pytest-xdist sends the group to one worker).
pytestmark = pytest.mark.xdist_group("preview")


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("preview") / "preview.html"
    result = subprocess.run([sys.executable, "-m", "tgbot", "preview", "--html", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return path


@pytest.mark.long
def test_page_renders_every_day_in_every_language(page: Path, tmp_path: Path) -> None:
    dom = chromium("--dump-dom", page.as_uri(), profile=tmp_path / "profile").stdout
    body = re.search(r"<body([^>]*)>", dom)
    assert body, dom[:500]
    assert "data-errors" not in body[1]  # no script error on the page
    rendered = json.loads(html.unescape(re.search(r'data-rendered="([^"]*)"', body[1])[1]))
    assert rendered == {code: PER_LANGUAGE for code in LANGUAGES}
    for code in LANGUAGES:
        direction = "rtl" if I18N.get(code).rtl else "ltr"
        assert f"id=\"{code}\" lang=\"{code}\" dir=\"{direction}\"" in dom
    # every language complete, nothing near the limits
    assert dom.count('data-flagged="0"') == len(LANGUAGES)


def test_posts_and_letters_are_shown_in_every_language_with_their_length(page: Path) -> None:
    """Reviewers read the words people will send, not just a "Post it" button."""
    from tgbot import messages
    from tgbot.i18n.translator import I18n

    text = page.read_text(encoding="utf-8")
    i18n = I18n(ROOT / "locales")
    for t in i18n:
        section = text[text.index(f"id='{t.code}'"):]
        section = section[:section.index("</section>")]
        for action in CAMPAIGN.actions:
            if action.tweet:
                post = messages.post_text(t, CAMPAIGN, action)
                assert html.escape(post) in section, (t.code, action.day)
                assert f"Post · day {action.day} · {len(post)} / 280 characters" in section
            if action.letter:
                letter = messages.letter_message(t, CAMPAIGN, action).text
                assert letter in section, (t.code, action.day)
                # the letter's own length, against the limit `tgbot check` holds it to
                length = len(messages.letter_text(t, CAMPAIGN, action))
                assert f"Letter · day {action.day} · {length} / 3000 characters" in section


def test_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "preview.png"
    chromium("--window-size=1280,1400", f"--screenshot={shot}", page.as_uri(),
             profile=tmp_path / "profile")
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 50_000  # a page with content, not blank


def test_missing_translation_is_flagged(tmp_path: Path) -> None:
    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    po = locales / "fr" / "LC_MESSAGES" / "tgbot.po"
    title = CAMPAIGN.action_for_day(3).title
    text = po.read_text(encoding="utf-8")
    start = text.index(f'msgid "{title}"')
    end = text.index("\n\n", start)
    po.write_text(text[:start] + f'msgid "{title}"\nmsgstr ""' + text[end:], encoding="utf-8")
    out = tmp_path / "preview.html"
    result = subprocess.run([sys.executable, "-m", "tgbot", "preview", "--html", str(out)],
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "TGBOT_LOCALES": str(locales)})
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    french = page[page.index("id='fr'"):page.index("id='es'")]
    assert "data-flagged='1'" in french  # only that one message
    assert f"not translated: {html.escape(title)}" in french
