"""Pure functions of the domain: FAQ matching, callback data, progress, schedule, outcomes."""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
import re
import zoneinfo
from collections.abc import Iterator
from pathlib import Path

import pytest
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut

from tests.helpers.worst_text import INLINE_QUERY_CHARS, cpu_milliseconds, worst_texts
from tgbot.config import Settings
from tgbot.context import Services
from tgbot.delivery.sending import MAX_ATTEMPTS, outcome
from tgbot.domain.approval import Subject
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.chat import Chat
from tgbot.domain.faq import MAX_QUESTION_WORDS, MAX_TYPO_LOOKUPS, FaqMatcher, question_words
from tgbot.domain.progress import progress, streak
from tgbot.domain.schedule import due_day, next_push
from tgbot.domain.stats import LastPush, Stats
from tgbot.domain.zones import MAX_PLACE_CHARS, REGIONS, ZONES, find_zone
from tgbot.i18n.translator import I18n
from tgbot.messages import callbacks
from tgbot.messages.inline import inline_cards, rank_cards
from tgbot.messages.organisers import stats_message
from tgbot.ops.logsafe import RedactToken

ROOT = Path(__file__).resolve().parent.parent
CAMPAIGN = load_campaign(ROOT / "actions.yaml")


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    return FaqMatcher.build({e.id: [e.question, e.button, *e.also] for e in CAMPAIGN.faq})


@pytest.mark.parametrize(("question", "entry"), [
    ("who organises this?", "organisers"),
    ("Who ORGANIZES it", "organisers"),
    ("why november 23", "why"),
    ("why 23 nov???", "why"),
    ("how can I help", "involved"),
    ("how can i partcipate", "involved"),
    ("Whta is the day to end impunity", "about"),
    ("when does it start", "when"),
    ("when was it established", "history"),
])
def test_faq_matching_tolerates_case_punctuation_and_typos(matcher: FaqMatcher, question: str,
                                                           entry: str) -> None:
    assert matcher.match(question) == entry


@pytest.mark.parametrize("question", ["pizza recipe", "what is it", "hello", "", "🙂"])
def test_faq_matching_refuses_to_guess(matcher: FaqMatcher, question: str) -> None:
    assert matcher.match(question) is None


@pytest.fixture(scope="module")
def services() -> Services:
    return Services(Settings(), CAMPAIGN)


@pytest.fixture
def compared() -> Iterator[list[str]]:
    """The typed words and places difflib compares with what the bot knows, as they happen."""
    real = difflib.get_close_matches
    words: list[str] = []

    def counting(word: str, *args: object, **kwargs: object) -> list[str]:
        words.append(word)
        return real(word, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(difflib, "get_close_matches", counting)
        yield words


def test_no_text_costs_the_matchers_more_than_a_few_milliseconds(services: Services) -> None:
    """4096 × "ﷺ" once took 1.3 s of the event loop (NFKD makes it 16,384 words), stalling
    everyone; now the worst text in any language costs a few milliseconds (bound with room).
    """
    services.set_campaign(CAMPAIGN)  # no matcher built yet, nothing remembered
    action = CAMPAIGN.action_for_day(5)
    for t in services.i18n:
        cards = inline_cards(t, CAMPAIGN, CAMPAIGN.date_of(5), action, taken=3, bot_username="b")
        rank_cards(cards, "a")  # built once a day and language, as by the day's first query
        find_zone("Lagos", t.code)  # the language's city names, read once per process
        for name, text in worst_texts(t, CAMPAIGN).items():
            costs = {"FAQ": cpu_milliseconds(services.matcher(t).match, text),
                     "inline": cpu_milliseconds(rank_cards, cards, text[:INLINE_QUERY_CHARS]),
                     "zone": cpu_milliseconds(find_zone, text[:MAX_PLACE_CHARS], t.code)}
            assert max(costs.values()) < 50, (t.code, name, costs)


def test_the_work_per_text_is_bounded(services: Services, compared: list[str]) -> None:
    """However long the text, a few words are read, fewer are compared, none twice."""
    services.set_campaign(CAMPAIGN)
    for t in services.i18n:
        matcher = services.matcher(t)
        for name, text in worst_texts(t, CAMPAIGN).items():
            assert len(question_words(text)) <= MAX_QUESTION_WORDS
            compared.clear()
            matcher.match(text)
            assert len(compared) <= MAX_TYPO_LOOKUPS, (t.code, name)
            compared.clear()
            matcher.match(text)
            assert compared == [], (t.code, name)  # the same typos again: remembered
            find_zone("Lagos " + text, t.code)
            assert compared == [], (t.code, name)  # too long to be a place: not compared


def test_callbacks_round_trip_and_refuse_forgeries() -> None:
    data = callbacks.DONE.data("maguindanao-letter", 2027)
    assert callbacks.parse(data) == callbacks.Callback("done", "maguindanao-letter", 2027)
    for forged in ["done:2027:../../etc", "done:20x7:a", "nope", "done:2027:" + "a" * 60,
                   "lang:english", "\x00\xff", "faq:about:extra", "tz:-1", "",
                   "approve:draft:1", "approve:correction:", "apcancel:recall:1:2"]:
        assert callbacks.parse(forged) is None, forged
    with pytest.raises(ValueError):
        callbacks.DONE.data("Not Valid", 2027)
    approve = callbacks.parse(callbacks.APPROVE.data(callbacks.subject_data(Subject.RECALL, 7)))
    assert approve is not None and callbacks.subject_of(approve) == (Subject.RECALL, 7)


def test_every_button_of_the_campaign_fits_telegrams_64_bytes() -> None:
    for action in CAMPAIGN.actions:
        for kind in (callbacks.DONE, callbacks.UNDO, callbacks.LETTER):
            assert len(kind.data(action.id, 2027).encode()) <= 64
    for zone in ZONES:
        assert len(callbacks.ZONE.data(zone).encode()) <= 64
    for region, _ in REGIONS:
        assert callbacks.parse(callbacks.REGION.data(region)) == callbacks.Callback(
            "region", region)


def test_a_zone_button_names_its_zone_so_a_reordered_list_cannot_redirect_it() -> None:
    assert callbacks.ZONE.data("Asia/Manila") == "tz:Asia/Manila"
    assert callbacks.parse("tz:America/Argentina/Buenos_Aires") == callbacks.Callback(
        "tz", "America/Argentina/Buenos_Aires")
    assert callbacks.parse("tz:12") is None  # an index from an older version: stale


def test_a_buttons_pattern_routes_its_own_presses_and_no_others() -> None:
    kinds = [getattr(callbacks, name) for name in dir(callbacks)
             if isinstance(getattr(callbacks, name), callbacks.Button)]
    samples = {kind: kind.data(*{"faq": ("about",), "act": (3, 2027), "lang": ("fr",),
                                 "time": ("07:00",), "region": ("Africa",),
                                 "tz": ("Africa/Lagos",), "remind": ("off",),
                                 "discreet": ("on",), "annsend": (1,), "anncancel": (1,),
                                 "approve": ("correction:3",),
                                 "apcancel": ("announcement:1",), "corrann": (4,),
                                 "corrsend": (5, 2027), "recday": (5, 2027), "recann": (1,)}.get(
                                     kind.verb, ("day-1", 2027) if kind.shape else ()))
               for kind in kinds}
    for kind in kinds:
        for other, data in samples.items():
            assert bool(re.match(kind.pattern, data)) == (other is kind), (kind.verb, data)


def test_streak() -> None:
    assert streak({1, 2, 3}, 3) == 3
    assert streak({1, 2, 3}, 4) == 3  # today still open
    assert streak({1, 3}, 3) == 1
    assert streak({1, 2}, 5) == 0
    assert streak(set(), 0) == 0


def test_progress_counts_left_only_reached_days() -> None:
    ids = {a.day: a.id for a in CAMPAIGN.actions}
    result = progress(CAMPAIGN, {ids[1], ids[2], ids[4]}, CAMPAIGN.date_of(5))
    assert (result.done, result.total, result.streak) == (3, 23, 1)
    assert [a.day for a in result.left] == [3, 5]
    after = progress(CAMPAIGN, {ids[1]}, CAMPAIGN.end_date + dt.timedelta(days=1))
    assert len(after.left) == 22


def chat(chat_id: int, zone: str | None = None, time: str | None = None) -> Chat:
    return Chat(chat_id, "private", "en", True, time, zone, None)


def test_due_uses_each_chats_local_time_and_only_today() -> None:
    # 2027-11-05 13:30 UTC is 09:30 in Toronto (summer time until 7 Nov), 22:30 in Tokyo,
    # 02:30 on 6 November in Auckland
    now = dt.datetime(2027, 11, 5, 13, 30, tzinfo=dt.UTC)
    chats = [chat(1), chat(2, "Asia/Tokyo", "23:00"), chat(3, "Pacific/Auckland", "01:00"),
             chat(4, "Europe/Paris", "18:00")]
    assert [due_day(c, CAMPAIGN, now) for c in chats] == [5, None, 6, None]


def test_due_outside_the_campaign_is_empty() -> None:
    assert due_day(chat(1), CAMPAIGN, dt.datetime(2027, 12, 1, 20, tzinfo=dt.UTC)) is None


def test_next_push_is_the_next_local_push_time_on_a_campaign_day() -> None:
    toronto = zoneinfo.ZoneInfo("America/Toronto")

    def at(date: str, time: str, zone: dt.tzinfo = toronto) -> float:
        return dt.datetime.fromisoformat(f"{date}T{time}").replace(tzinfo=zone).timestamp()

    def utc(date: str, time: str) -> dt.datetime:
        return dt.datetime.fromtimestamp(at(date, time, dt.UTC), dt.UTC)

    # before the campaign: its first day; after today's push: tomorrow's, across the DST change
    assert next_push(chat(1), CAMPAIGN, utc("2027-10-20", "12:00")) == at("2027-11-01", "09:00")
    assert next_push(chat(1), CAMPAIGN, utc("2027-11-06", "14:00")) == at("2027-11-07", "09:00")
    assert next_push(chat(1), CAMPAIGN, utc("2027-11-06", "12:00")) == at("2027-11-06", "09:00")
    tokyo = chat(2, "Asia/Tokyo", "23:00")
    assert next_push(tokyo, CAMPAIGN, utc("2027-11-05", "13:30")) == \
        at("2027-11-05", "23:00", zoneinfo.ZoneInfo("Asia/Tokyo"))
    # after the last day's push: never again
    assert next_push(chat(1), CAMPAIGN, utc("2027-11-23", "15:00")) is None


@pytest.mark.parametrize(("error", "state"), [
    (None, "sent"),
    (Forbidden("Forbidden: bot was blocked by the user"), "gone"),
    (BadRequest("Chat not found"), "gone"),
    (BadRequest("Message is too long"), "failed"),
    (RetryAfter(7), "retry"),
    (ChatMigrated(-100123), "migrated"),
    (NetworkError("connection reset"), "retry"),
    (TimedOut(), "retry"),
])
def test_outcome_of_each_telegram_answer(error: Exception | None, state: str) -> None:
    assert outcome(error, attempts=1).state == state


def test_outcome_backs_off_then_gives_up() -> None:
    assert outcome(RetryAfter(7), 1).delay == 7
    assert outcome(NetworkError("x"), 3).delay == 8
    assert outcome(NetworkError("x"), MAX_ATTEMPTS).state == "failed"
    assert outcome(ChatMigrated(-100123), 1).new_chat_id == -100123


def test_token_redaction() -> None:
    token = "1234567:AAFakeTokenForLoopbackTestsOnly_0123"
    redact = RedactToken(token).redact
    assert token not in redact(f"POST https://api.telegram.org/bot{token}/getMe")
    assert "<token>" in redact(f"url /bot{token}/x")
    # a token-shaped string we were not told about is caught too
    assert "9876543:" not in redact("9876543:ZZFakeTokenForLoopbackTestsOnly_9999")


def test_typed_times_and_places() -> None:
    from tgbot.domain.zones import find_zone, parse_time
    assert [parse_time(x) for x in ("21:30", "9.05", "7h00", " 23:59 ")] == \
        ["21:30", "09:05", "07:00", "23:59"]
    assert [parse_time(x) for x in ("24:00", "21:3", "noon", "")] == [None] * 4
    assert find_zone("asia/MANILA", "en") == "Asia/Manila"
    assert find_zone("Manilla", "en") == "Asia/Manila"  # a typo
    assert find_zone("Manille", "fr") == "Asia/Manila"  # the city in the person's language
    assert find_zone("buenos aires", "es") == "America/Argentina/Buenos_Aires"
    assert find_zone("Kyiv", "en") == "Europe/Kyiv"
    assert find_zone("تهران", "fa") == "Asia/Tehran"
    assert find_zone("Atlantis", "en") is None and find_zone("", "en") is None


def test_the_commands_the_bot_registers_are_the_ones_named_in_commands() -> None:
    """One list: what the handlers register, what /help and the menu show, what FAQ entries
    cannot take (tgbot.domain.commands).
    """
    from telegram.ext import CommandHandler

    from tgbot.app import build_application
    from tgbot.config import Settings
    from tgbot.domain import commands

    application = build_application(Settings(token="1234567:" + "A" * 35), CAMPAIGN)
    registered = {name for group in application.handlers.values() for handler in group
                  if isinstance(handler, CommandHandler) for name in handler.commands}
    assert registered == commands.RESERVED
    assert [c.name for c in commands.COMMANDS if c.menu] == [
        "today", "actions", "progress", "subscribe", "unsubscribe", "settings", "remind",
        "language", "faq"]


async def test_throttled_edits_forget_messages_whose_interval_has_passed() -> None:
    from tgbot.throttle import ThrottledEdits

    edits = ThrottledEdits(interval=0.05)
    made: list[int] = []

    async def edit(n: int) -> None:
        made.append(n)

    for message in range(200):
        await edits.submit((1, message), lambda n=message: edit(n))
    await asyncio.sleep(0.1)
    await edits.submit((1, 999), lambda: edit(999))
    assert len(made) == 201
    assert len(edits._last) == 1  # only the message edited within the interval is remembered


def test_stats_counts_the_last_push_rows_a_recall_withdrew() -> None:
    """/stats says how many of the last push's rows were withdrawn (in every language), and
    says nothing of it when none were."""
    i18n = I18n(ROOT / "locales")
    recalled = Stats(last_push=LastPush(5, {"sent": 4, "withdrawn": 3}))
    text = stats_message(i18n.get("en"), CAMPAIGN, recalled).text
    assert "Withdrawn by a recall, never sent: 3" in text.splitlines()
    assert "jamais envoyés\u00a0: 3" in stats_message(i18n.get("fr"), CAMPAIGN, recalled).text
    plain = Stats(last_push=LastPush(5, {"sent": 4}))
    assert "Withdrawn" not in stats_message(i18n.get("en"), CAMPAIGN, plain).text
