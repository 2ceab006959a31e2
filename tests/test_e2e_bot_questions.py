"""End to end: typed questions about using the bot itself get the command that does it and
its button, in every language; the campaign's FAQ questions still get their answers."""

from __future__ import annotations

import pytest
from telegram.ext import Application

from tests.conftest import ALICE
from tests.helpers.harness import ACTIONS, ROOT, buttons, press, say, subscribe_all
from tgbot.config import Settings
from tgbot.context import Services
from tgbot.domain import commands
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n
from tgbot.messages import callbacks
from tgbot.messages.common import REMIND_TONIGHT

CAMPAIGN = load_campaign(ACTIONS)
I18N = I18n(ROOT / "locales")
# A user per language, each typing the way people of that language ask.
SPEAKERS = {"ru": 7101, "fr": 7102, "es": 7103, "ar": 7104, "fa": 7105, "uk": 7106,
            "pt-BR": 7107, "tl": 7108}
BUTTON_DATA = {
    commands.UNSUBSCRIBE: callbacks.UNSUBSCRIBE.data(),
    commands.SETTINGS: callbacks.SETTINGS.data(),
    commands.TODAY: callbacks.TODAY.data(),
    commands.PROGRESS: callbacks.PROGRESS.data(),
    commands.LANGUAGE: callbacks.LANGUAGES.data(),
    commands.REMIND: callbacks.REMIND.data(REMIND_TONIGHT),
    commands.MYDATA: callbacks.MYDATA.data(),
}


async def asks(fake: FakeBotAPI, user: int, text: str, command: commands.Command,
               language: str = "en") -> dict:
    answer = await say(fake, user, text)
    t = I18N.get(language)
    assert t.gettext(command.help) in answer["text"], (text, answer)
    assert [b["callback_data"] for b in buttons(answer)] == [BUTTON_DATA[command]], text
    return answer


@pytest.mark.parametrize(("typed", "command"), [
    ("how do I unsubscribe", commands.UNSUBSCRIBE),
    ("unsubscribe", commands.UNSUBSCRIBE),
    ("stop", commands.UNSUBSCRIBE),
    ("Stop!", commands.UNSUBSCRIBE),
    ("how can I change the time", commands.SETTINGS),
    ("what is today's action", commands.TODAY),
    ("my progress", commands.PROGRESS),
    ("remind me", commands.REMIND),
    ("change language", commands.LANGUAGE),
    ("what do you know about me?", commands.MYDATA),
])
async def test_a_question_about_the_bot_gets_its_command_and_button(
        fake: FakeBotAPI, bot: Application, typed: str, command: commands.Command) -> None:
    await asks(fake, ALICE, typed, command)


@pytest.mark.parametrize(("language", "typed", "command"), [
    ("ru", "как отписаться", commands.UNSUBSCRIBE),
    ("ru", "Как изменить время?", commands.SETTINGS),
    ("fr", "comment me désabonner ?", commands.UNSUBSCRIBE),
    ("fr", "quelle est l'action du jour", commands.TODAY),
    ("es", "¿Cómo me doy de baja?", commands.UNSUBSCRIBE),
    ("ar", "كيف ألغي الاشتراك؟", commands.UNSUBSCRIBE),
    ("fa", "پیشرفت من", commands.PROGRESS),
    ("uk", "як змінити мову", commands.LANGUAGE),
    ("pt-BR", "quais dados vocês guardam", commands.MYDATA),
    ("tl", "paalalahanan mo ako", commands.REMIND),
])
async def test_each_language_asks_in_its_own_words(fake: FakeBotAPI, bot: Application,
                                                   language: str, typed: str,
                                                   command: commands.Command) -> None:
    user = SPEAKERS[language]
    fake.add_user(user, language_code=language)
    code = {"pt-BR": "pt", "tl": "fil"}.get(language, language)
    await asks(fake, user, typed, command, code)


async def test_the_buttons_do_what_their_commands_do(fake: FakeBotAPI, bot: Application) -> None:
    await subscribe_all(bot.bot_data.settings.db, [ALICE])
    answer = await asks(fake, ALICE, "how do I unsubscribe", commands.UNSUBSCRIBE)
    mark = fake.mark()
    await press(fake, ALICE, answer, BUTTON_DATA[commands.UNSUBSCRIBE])
    confirmed = await fake.async_wait_for_message(ALICE, after=mark, timeout=5)
    assert confirmed["text"].startswith("🔕 Unsubscribed.")
    assert not (await bot.bot_data.store.chat(ALICE)).subscribed
    answer = await asks(fake, ALICE, "what data do you store", commands.MYDATA)
    mark = fake.mark()
    await press(fake, ALICE, answer, BUTTON_DATA[commands.MYDATA])
    shown = await fake.async_wait_for_message(ALICE, after=mark, timeout=5)
    assert shown["text"] == (await say(fake, ALICE, "/mydata"))["text"]


async def test_the_campaigns_questions_still_get_their_answers(fake: FakeBotAPI,
                                                              bot: Application) -> None:
    for typed, entry in [("how can I help", "involved"), ("what can i do", "involved"),
                         ("who organises this?", "organisers"), ("why 23 nov???", "why"),
                         ("when does it start", "when")]:
        answer = await say(fake, ALICE, typed)
        assert answer["text"].startswith(CAMPAIGN.faq_by_id(entry).question), typed


def test_every_phrasing_in_every_language_finds_its_own_entry() -> None:
    """A translator's phrase that another entry claims would send people to the wrong answer."""
    services = Services(Settings(locales=ROOT / "locales"), CAMPAIGN)
    for t in services.i18n:
        matcher = services.matcher(t)
        asked = {"/" + c.name: t.gettext(c.asked).splitlines() for c in commands.ASKED}
        known = {e.id: [t.gettext(p) for p in (e.question, *e.also)] for e in CAMPAIGN.faq}
        for entry, phrases in {**known, **asked}.items():
            for phrase in phrases:
                assert matcher.match(phrase) == entry, (t.code, phrase)


async def test_unsubscribe_is_in_help_and_in_every_languages_menu(fake: FakeBotAPI,
                                                                  bot: Application) -> None:
    shown = await say(fake, ALICE, "/help")
    assert "/unsubscribe – stop the daily action" in shown["text"]
    menus = fake.calls_to("setMyCommands")
    assert len(menus) == 9
    for menu in menus:
        code = {"tl": "fil", "": "en"}.get(menu.params.get("language_code", ""),
                                           menu.params.get("language_code", ""))
        entry = next(c for c in menu.params["commands"] if c["command"] == "unsubscribe")
        assert entry["description"] == I18N.get(code).gettext("Stop the daily action")
