"""Every language is complete, safe to send, and formats dates, numbers and plurals its own way."""

from __future__ import annotations

import datetime as dt
import gettext
import random
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.lists import format_list

from tgbot import messages
from tgbot.domain.campaign import CAPTION_LIMIT, MESSAGE_LIMIT
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.chat import Chat
from tgbot.domain.progress import progress
from tgbot.i18n.catalogs import check_all
from tgbot.i18n.extract import extract_campaign
from tgbot.i18n.loading import translation_problems
from tgbot.i18n.translator import DEFAULT_LANGUAGE, I18n, discover_languages
from tgbot.messages.privacy import my_data
from tgbot.messages.samples import samples
from tgbot.telegram_html import parse_html

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
CAMPAIGN = load_campaign(ROOT / "actions.yaml")
I18N = I18n(LOCALES, discover_languages(LOCALES))  # every catalog, also one held back
LANGUAGES = list(I18N.languages)
TRANSLATED = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


@pytest.mark.parametrize("code", TRANSLATED)
def test_catalog_is_complete_with_matching_placeholders_and_tags(code: str) -> None:
    """Also what `tgbot catalogs` checks: every message translated, same {x} and tags."""
    report = check_all(LOCALES, ROOT / "actions.yaml", [code])
    assert report.problems + report.untranslated == []


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_plural_forms_agree_with_cldr(code: str) -> None:
    """The catalog's Plural-Forms picks the CLDR category Babel knows for every count."""
    t = I18N.get(code)
    if code == DEFAULT_LANGUAGE or not isinstance(t.translations, gettext.GNUTranslations):
        return
    plural_rule = Locale.parse(code).plural_form
    used = {plural_rule(n) for n in range(300)}  # CLDR's "many" of fr/es is for millions only
    order = [tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in used]
    nplurals = len({t.translations.plural(n) for n in range(300)})
    if nplurals == 1:  # the language does not inflect nouns for number (Persian)
        return
    for n in range(300):
        assert order[t.translations.plural(n)] == plural_rule(n), (code, n)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_message_of_the_edition_is_valid_and_within_limits(code: str) -> None:
    t = I18N.get(code)
    replies = [messages.welcome(t, CAMPAIGN, False), messages.help_text(t, CAMPAIGN),
               messages.faq_menu(t, CAMPAIGN), messages.no_match(t, CAMPAIGN),
               messages.countdown(t, CAMPAIGN, dt.date(2027, 10, 1)),
               messages.campaign_over(t, CAMPAIGN, 21), messages.language_menu(t, I18N.languages),
               messages.actions_list(t, CAMPAIGN, set(), 12)]
    replies += [messages.faq_answer(t, CAMPAIGN, e) for e in CAMPAIGN.faq]
    for action in CAMPAIGN.actions:
        replies.append(messages.action_message(t, CAMPAIGN, action, bot_username="b"))
        if action.letter:
            replies.append(messages.letter_message(t, CAMPAIGN, action))
    done = {a.id for a in CAMPAIGN.actions[:5]}
    seventh = progress(CAMPAIGN, done, CAMPAIGN.date_of(7))
    replies.append(messages.progress_message(t, CAMPAIGN, seventh))
    checked = [(reply, CAPTION_LIMIT if reply.photo else MESSAGE_LIMIT) for reply in replies]
    # every other reply of the bot, with the sample data the preview shows
    checked += [(sample.reply, sample.limit)
                for sample in samples(t, CAMPAIGN, I18N.languages, "your_bot")]
    for reply, limit in checked:
        visible = parse_html(reply.text).text
        assert 0 < len(visible) <= limit, reply.text
        assert "{" not in visible, f"unfilled placeholder in {code}: {visible[:80]}"
        for row in reply.buttons:
            assert len(row) <= 8
            for button in row:
                assert button.text.strip()
                assert button.callback_data is None or len(button.callback_data.encode()) <= 64


def test_negotiation_from_telegram_language_codes() -> None:
    assert I18N.negotiate("pt-BR") == "pt"
    assert I18N.negotiate("es-419") == "es"
    assert I18N.negotiate("tl") == "fil"
    assert I18N.negotiate("fil") == "fil"
    assert I18N.negotiate("fr") == "fr"
    assert I18N.negotiate("uk") == "uk"
    assert I18N.negotiate("zz") == "en"
    assert I18N.negotiate("de") == "en"
    assert I18N.negotiate(None) == "en"
    assert I18N.negotiate("not a tag!") == "en"


DATES = [dt.date(2027, 11, d) for d in (1, 2, 5, 11, 21, 23)] + [dt.date(2028, 1, 1)]


def babel_written(code: str, date: dt.date, written: str) -> str:
    """What Babel wrote, with our touches: French "1er", Brazilian "1º", Persian digits."""
    t = I18N.get(code)
    if code in ("fr", "pt") and date.day == 1:
        assert written.startswith("1 "), written  # Babel's pattern opens with the day
        written = {"fr": "1er", "pt": "1º"}[code] + written[1:]
    return t.digits(written)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_dates_are_written_with_babels_patterns(code: str) -> None:
    """Day and month from the locale's own skeleton ("5 de noviembre", "Nobyembre 5")."""
    t = I18N.get(code)
    for date in DATES:
        assert t.day_month(date) == babel_written(
            code, date, format_skeleton("MMMMd", date, locale=t.format_locale))
        assert t.date(date) == babel_written(
            code, date, format_date(date, format="long", locale=t.format_locale))
    action = CAMPAIGN.actions[4]
    header = messages.action_message(t, CAMPAIGN, action, bot_username="b").text.split("\n")[0]
    assert t.day_month(CAMPAIGN.date_of(action.day)) in header


def test_dates_read_as_each_language_writes_them() -> None:
    """The cases the review found, spelled out (Babel's data gives them; this says why)."""
    assert I18N.get("es").day_month(dt.date(2027, 11, 5)).endswith(" de noviembre")
    assert I18N.get("pt").day_month(dt.date(2027, 11, 5)).endswith(" de novembro")
    assert I18N.get("fil").day_month(dt.date(2027, 11, 23)).startswith("Nobyembre")
    assert I18N.get("fr").day_month(dt.date(2027, 11, 1)).startswith("1er ")
    assert I18N.get("fr").day_month(dt.date(2027, 11, 21)).startswith("21 ")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_lists_and_their_plurals_follow_babel(code: str) -> None:
    """ "Still open: days 1, 2 and 3": the locale's own list pattern and a plural form."""
    t = I18N.get(code)
    for count in range(1, 7):
        items = [t.number(n) for n in range(1, count + 1)]
        assert t.join(items) == t.digits(format_list(items, locale=t.format_locale))
    for done in (set(), {a.id for a in CAMPAIGN.actions[1:]}, {CAMPAIGN.actions[0].id}):
        result = progress(CAMPAIGN, done, CAMPAIGN.date_of(4))
        text = messages.progress_message(t, CAMPAIGN, result).text
        left = [t.number(a.day) for a in result.left]
        line = messages.fill(t.ngettext("Still open: day {days}.", "Still open: days {days}.",
                                        len(left)), {"days": t.join(left)})
        assert t.direct(line) in text.split("\n"), text
        assert t.digits(format_list(left, locale=t.format_locale)) in line
    english = I18N.get("en")
    one = messages.progress_message(english, CAMPAIGN, progress(CAMPAIGN, set(CAMPAIGN.actions[
        i].id for i in (1, 2)), CAMPAIGN.date_of(3))).text
    assert "Still open: day 1." in one
    assert "Still open: days 1, 2, 3 and 4." in messages.progress_message(
        english, CAMPAIGN, progress(CAMPAIGN, set(), CAMPAIGN.date_of(4))).text


def test_persian_counter_is_right_for_every_number() -> None:
    """Persian has one plural form, so the counter must not inflect (never "۱ نفر ... اند")."""
    t = I18N.get("fa")
    group = [messages.action_message(t, CAMPAIGN, CAMPAIGN.actions[0], bot_username="b",
                                     chat_kind="group", counter=n).text for n in range(1, 31)]
    frame = t.ngettext("👥 {count} person here did it.", "👥 {count} people here did it.", 1)
    assert frame != "👥 {count} person here did it.", "not translated"
    for n in range(31):
        assert t.ngettext("👥 {count} person here did it.", "👥 {count} people here did it.",
                          n) == frame
    # The count stands alone at the end, after a colon: nothing after it agrees with it.
    assert frame.rstrip(".").endswith(": {count}"), frame
    for n, text in enumerate(group, start=1):
        assert messages.fill(frame, {"count": t.number(n)}) in text
        assert t.number(n) in text


def test_review_fixes_in_dates_numbers_and_my_data() -> None:
    """Brazilian "1º", Persian "٬", no "р.." in Ukrainian, /mydata in the reader's language."""
    assert I18N.get("pt").date(dt.date(2027, 11, 1)) == "1º de novembro de 2027"
    assert I18N.get("fa").number(4321) == "۴٬۳۲۱"
    ukrainian = I18N.get("uk")
    line = messages.fill(ukrainian.gettext("🔒 Day {day} opens on {date}."),
                         {"day": "23", "date": ukrainian.date(dt.date(2027, 11, 23))})
    assert line.endswith("2027\u202fр.") and not line.endswith(".."), line
    chat = Chat(chat_id=7, kind="private", language="uk", subscribed=True, push_time="21:30",
                timezone="Europe/Kiev", thread_id=None)
    data = {"chat": chat, "completions": [(2027, CAMPAIGN.actions[1].id, "2027-11-02", 0)],
            "not_safe": [], "group_presses": [], "deliveries": 1, "announcements": 0,
            "reminder": "21:00", "partner": None, "kept_messages": 0}
    text = my_data(ukrainian, CAMPAIGN, 7, data, {"uk": "Українська"}).text
    assert "Київ" in text and "Europe/Kiev" not in text
    assert "2 листопада 2027\u202fр." in text and "2027-11-02" not in text
    persian = my_data(I18N.get("fa"), CAMPAIGN, 7, data, {"uk": "Українська"}).text
    assert "۲۱:۳۰" in persian and "۲۰۲۷:" in persian and "21:" not in persian


def test_dates_numbers_and_direction_follow_the_locale() -> None:
    date = dt.date(2027, 11, 1)
    assert I18N.get("fr").date(date) == "1er novembre 2027"
    assert I18N.get("ru").day_month(dt.date(2027, 11, 23)) == "23 ноября"
    assert I18N.get("fa").number(23) == "۲۳"
    assert I18N.get("en").number(1000) == "1,000"
    assert I18N.get("ar").direct("IFEX 23\nx").startswith("\u200f")
    assert I18N.get("en").direct("IFEX") == "IFEX"


@pytest.mark.parametrize(("code", "n", "word"), [
    ("ru", 1, "действие"), ("ru", 3, "действия"), ("ru", 5, "действий"), ("ru", 21, "действие"),
    ("uk", 2, "дії"),
])
def test_plural_forms_in_replies(code: str, n: int, word: str) -> None:
    t = I18N.get(code)
    text = t.ngettext("You completed {count} action of {total}.",
                      "You completed {count} actions of {total}.", n)
    assert word in text


def test_missing_translation_falls_back_to_english_for_that_string_only() -> None:
    t = I18N.get("fr")
    assert t.gettext("a message no catalog has") == "a message no catalog has"
    assert t.gettext("Language saved.") != "Language saved."


def test_campaign_extractor_yields_real_lines_and_comments() -> None:
    with (ROOT / "actions.yaml").open("rb") as handle:
        found = list(extract_campaign(handle, None, None, {}))
    lines = (ROOT / "actions.yaml").read_text(encoding="utf-8").splitlines()
    titles = [(line, text, comments) for line, _, text, comments in found
              if comments[0].endswith(": title")]
    assert len(titles) == 23
    line, text, comments = titles[0]
    assert text in lines[line - 1]
    assert comments == ["day 1 (letter): title"]


@pytest.mark.parametrize("code", ["ru", "uk", "ar", "fa"])
def test_unesco_is_written_in_the_languages_own_script(code: str) -> None:
    """ЮНЕСКО, اليونسكو, یونسکو in running text; only @UNESCO handles and URLs stay Latin."""
    import re

    from tgbot.i18n.catalogs import read_catalog

    catalog = read_catalog(LOCALES / code / "LC_MESSAGES" / "tgbot.po", code)
    for message in catalog:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            running = re.sub(r"@UNESCO\b|https?://\S+", "", text or "")
            assert "unesco" not in running.lower(), (code, text[:80])


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_day_carries_the_safety_line(code: str) -> None:
    """Do only what is safe where you live: on /start, /help, every day and every letter."""
    t = I18N.get(code)
    line = t.gettext(messages.SAFETY_LINE)
    assert code == DEFAULT_LANGUAGE or t.translated(messages.SAFETY_LINE)
    assert line in messages.welcome(t, CAMPAIGN, False).text
    assert line in messages.help_text(t, CAMPAIGN).text
    for action in CAMPAIGN.actions:
        assert line in messages.action_message(t, CAMPAIGN, action, bot_username="b").text
        if action.letter:
            assert line in messages.letter_message(t, CAMPAIGN, action).text
    for action in CAMPAIGN.actions:
        if action.safer:
            assert t.gettext(action.safer) != action.safer or code == DEFAULT_LANGUAGE


def test_letter_and_post_days_offer_a_safer_way_and_no_letter_speaks_for_the_organiser() -> None:
    for action in CAMPAIGN.actions:
        if action.letter or action.kind == "tweet":
            assert action.safer, f"day {action.day} offers no safer way"
        if action.letter:
            assert "coordinated by" not in action.letter.text
            assert "IFEX" not in action.letter.text
    english = I18N.get("en")
    for action in CAMPAIGN.actions:
        if action.letter:
            letter = messages.letter_message(english, CAMPAIGN, action).text
            assert "{" not in letter
            if "campaign" in action.letter.text:
                assert "{organiser}" in action.letter.text
                assert CAMPAIGN.organiser in letter


def test_tdlib_accepts_any_text_without_a_tag_or_an_entity() -> None:
    """The catalog check asks TDLib only about texts with "<" or "&" (translator._html_error):
    any other text, whatever its characters, is one TDLib accepts."""
    draw = random.Random(23)
    characters = [chr(c) for c in range(1, 0x3000) if chr(c) not in "<&"
                  and not 0xD800 <= c < 0xE000] + ["\u200f", "\U0001F600", ">", ";", "#"]
    for _ in range(3000):
        parse_html("".join(draw.choice(characters) for _ in range(draw.randint(1, 40))))


def test_a_translation_with_the_sources_tags_in_an_order_telegram_refuses() -> None:
    assert translation_problems("<b>What I can do</b>", "</b>Ce que je peux faire<b>") == [
        "not valid Telegram HTML: Can't parse entities: Unexpected end tag at byte offset 0"]
    assert translation_problems("Day {day} & more", "Jour {day} & plus") == []
