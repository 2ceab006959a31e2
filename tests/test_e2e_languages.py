"""End to end in every language: a short conversation comes back in the user's language."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from tests.helpers.harness import ROOT, button_data, press, say
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import TELEGRAM_CODES, I18n
from tgbot.telegram_html import parse_html

I18N = I18n(ROOT / "locales")
LANGUAGES = list(I18N.languages)
CAMPAIGN = load_campaign(ROOT / "actions.yaml")
# What Telegram clients report: a region tag for some, Tagalog's code for Filipino.
CLIENT_CODES = {"pt": "pt-BR", "es": "es-419", **TELEGRAM_CODES}


def visible(t_text: str) -> str:
    return parse_html(t_text).text


@pytest.mark.parametrize("code", list(LANGUAGES))
async def test_conversation_in_each_language(fake: FakeBotAPI, bot: Application,
                                             code: str) -> None:
    user = 8000 + list(LANGUAGES).index(code)
    fake.add_user(user, language_code=CLIENT_CODES.get(code, code))
    t = I18N.get(code)
    welcome = await say(fake, user, "/start")
    intro = visible(t.gettext("👋 <b>Welcome!</b> 23 November is the anniversary of the "
                              "Maguindanao massacre: a day to demand justice for people "
                              "targeted for exercising their right to freedom of expression."))
    assert intro in welcome["text"].replace("\u200f", "")
    about = CAMPAIGN.faq_by_id("about")
    answer = await say(fake, user, f"/{about.command}")
    assert visible(t.gettext(about.question)) in answer["text"].replace("\u200f", "")
    typed = await say(fake, user, t.gettext(CAMPAIGN.faq_by_id("why").also[0]))
    assert visible(t.gettext(CAMPAIGN.faq_by_id("why").question)) in \
        typed["text"].replace("\u200f", "")
    today = await say(fake, user, "/today")
    title = t.gettext(CAMPAIGN.action_for_day(5).title)
    assert title in today["text"]
    assert t.day_month(CAMPAIGN.date_of(5)) in today["text"]
    await press(fake, user, today, button_data(today, t.gettext("✅ I did it")),
                expect="editMessageReplyMarkup")
    progress = await say(fake, user, "/progress")
    expected = t.ngettext("📊 You have completed <b>{count}</b> action of {total}.",
                          "📊 You have completed <b>{count}</b> actions of {total}.", 1)
    expected = visible(expected.replace("{count}", t.number(1))
                       .replace("{total}", t.number(23)))
    assert expected in progress["text"].replace("\u200f", "")
    if code in ("ar", "fa"):
        assert all(line.startswith("\u200f") for line in progress["text"].split("\n") if line)
    if code != "en":
        assert title != CAMPAIGN.action_for_day(5).title  # really translated
