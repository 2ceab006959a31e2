"""End to end: "I did the safer version" and "Not safe where I live" beside "I did it", what
organisers see of them (counts under 5 as "<5", an alert once per day and language), and
TGBOT_RETENTION_DAYS deleting per-person rows on the loopback clock."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    eventually,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.config import Settings
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outcomes import retired_through
from tgbot.errors import ConfigError
from tgbot.fakeapi import FakeBotAPI
from tgbot.storage.store import Store

CAMPAIGN = load_campaign(ACTIONS)
DAY5 = CAMPAIGN.action_for_day(5)
ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
GROUP = -100_5005
READERS = range(5001, 5007)  # supporters reading in English


async def answers(store: Store) -> dict[tuple[str, str, str], int]:
    return {(action, language, outcome): people
            for action, language, outcome, people in await store.outcome_counts(2027)}


def last_toast(fake: FakeBotAPI) -> str:
    return fake.calls_to("answerCallbackQuery")[-1].params.get("text", "")


async def test_safer_and_not_safe_beside_i_did_it_switch_and_undo(fake: FakeBotAPI,
                                                                  bot: Application) -> None:
    store = bot.bot_data.store
    action = await say(fake, ALICE, "/today")
    labels = [b["text"] for b in buttons(action)]
    assert labels[:3] == ["✅ I did it", "🛡 I did the safer version", "⛔ Not safe where I live"]
    markup = await press(fake, ALICE, action, button_data(action, "safer version"),
                         expect="editMessageReplyMarkup")
    assert buttons(markup)[0]["text"] == "↩️ Undo"
    assert "Thank you for doing it safely! 1 action done." in last_toast(fake)
    assert await store.completed(ALICE, 2027) == {DAY5.id}  # the safer way is done too
    assert await answers(store) == {(DAY5.id, "en", "safer"): 1}
    # another answer replaces it: pressed under the message as it was first sent
    await press(fake, ALICE, action, button_data(action, "Not safe"))
    assert "Your safety comes first" in last_toast(fake)
    assert await store.completed(ALICE, 2027) == set()  # not safe is no completion
    assert await answers(store) == {(DAY5.id, "en", "not_safe"): 1}
    progress = await say(fake, ALICE, "/progress")
    assert "completed 0 actions" in progress["text"].replace("<b>", "").replace("</b>", "")
    await press(fake, ALICE, action, button_data(action, "I did it"))
    assert await answers(store) == {(DAY5.id, "en", "done"): 1}
    await press(fake, ALICE, action, button_data(markup, "Undo"))
    assert await answers(store) == {}
    assert await store.completed(ALICE, 2027) == set()
    # a day without a safer way offers none
    plain = next(a for a in CAMPAIGN.actions if not a.safer and a.day < 5)
    day = await say(fake, ALICE, f"/action {plain.day}")
    assert "🛡 I did the safer version" not in [b["text"] for b in buttons(day)]
    assert "⛔ Not safe where I live" in [b["text"] for b in buttons(day)]


async def test_a_group_counts_who_did_it_safely_and_not_who_found_it_unsafe(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(READERS[0], language_code="en")
    fake.add_group(GROUP, admins=[ALICE], members=[BRUNO, READERS[0]])
    clock.set_local("2027-10-30", "12:00")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        store = app.bot_data.store
        await store.set_language(GROUP, "supergroup", "en", clock.now.date())
        await say(fake, ALICE, "/subscribe", chat_id=GROUP)
        clock.set_local("2027-11-05", "10:00")
        await push_round(app)
        push = sent_to(fake, GROUP, "Day 5 of 23")[0]
        labels = {b["text"] for b in buttons(push)}
        assert {"✅ I did it", "↩️ Undo", "🛡 I did the safer version",
                "⛔ Not safe where I live"} <= labels

        async def pressed(user: int, label: str, counter: str) -> None:
            mark = fake.mark()
            fake.press_button(user, GROUP, push["message_id"], button_data(push, label))
            await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                                      and counter in c.result["text"], after=mark, timeout=8)

        await pressed(ALICE, "safer version", "1 person here did it")
        await pressed(READERS[0], "I did it", "2 people here did it")
        await pressed(ALICE, "Not safe", "1 person here did it")  # switched: not counted
        assert await answers(store) == {(DAY5.id, "en", "done"): 1,
                                        (DAY5.id, "en", "not_safe"): 1}


async def test_no_reminder_for_a_day_found_not_safe(fake: FakeBotAPI, bot: Application,
                                                    clock: Clock) -> None:
    """"Still waiting for you" would nag someone who said the day is not safe for them."""
    for person in (ALICE, READERS[0]):
        fake.add_user(person, language_code="en")
        await say(fake, person, "/remind 21:00")
    action = await say(fake, ALICE, "/today")
    await press(fake, ALICE, action, button_data(action, "Not safe"))
    clock.set_local("2027-11-05", "21:00")
    await push_round(bot)
    await push_round(bot)
    assert sent_to(fake, READERS[0], "still waiting for you")  # the reminder runs
    assert not sent_to(fake, ALICE, "still waiting for you")


def export(db: str, csv_file: Path) -> list[list[str]]:
    """`tgbot export` as an organiser runs it; the rows of its outcomes file."""
    result = subprocess.run([sys.executable, "-m", "tgbot", "export", "--csv", str(csv_file),
                             "--db", db, "--campaign", str(ACTIONS)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcomes = csv_file.with_name(f"{csv_file.stem}-outcomes.csv")
    assert f"{outcomes}: " in result.stdout
    with outcomes.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def test_organisers_see_counts_under_five_as_few_and_are_told_once(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(ORGANISER, language_code="fr")
    for reader in READERS:
        fake.add_user(reader, language_code="en")
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        store = app.bot_data.store
        await store.set_language(ORGANISER, "private", "fr", clock.now.date())

        async def not_safe(reader: int) -> None:
            action = await say(fake, reader, "/today")
            await press(fake, reader, action, button_data(action, "Not safe"))

        def alerts() -> list[dict]:
            return sent_to(fake, ORGANISER, "Au moins")

        async def stats_answers() -> str:
            mark = fake.mark()
            fake.send_message(ORGANISER, "/stats")
            found = await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok
                                              and "🧭" in c.result["text"], after=mark,
                                              timeout=15)
            return found.result["text"]

        for reader in READERS[:4]:
            await not_safe(reader)
        text = await stats_answers()
        assert "Comment ça s’est passé" in text  # in the organiser's language
        assert "Jour 5\u00a0: en ✅ <5 🛡 <5 ⛔ <5" in text  # four is "<5", like none
        assert export(database, tmp_path / "four.csv")[1:] == [["5", "en", "<5", "<5", "<5"]]
        assert not alerts()
        await not_safe(READERS[4])
        await eventually(lambda: _true(alerts()), 10, "no alert at the threshold")
        assert "Au moins 5 personnes lisant en anglais" in alerts()[0]["text"]
        assert "jour 5" in alerts()[0]["text"]
        assert "Jour 5\u00a0: en ✅ <5 🛡 <5 ⛔ 5" in await stats_answers()
        rows = export(database, tmp_path / "five.csv")
        assert rows == [["day", "language", "did_it", "did_the_safer_version", "not_safe"],
                        ["5", "en", "<5", "<5", "5"]]
        await not_safe(READERS[5])  # past the threshold: told once only
        assert "⛔ 6" in await stats_answers()
        assert len(alerts()) == 1


async def _true(value: object) -> bool:
    return bool(value)


async def test_retention_deletes_per_person_rows_after_the_edition_keeps_counts(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(READERS[0], language_code="en")
    async with running_bot(fake, tmp_path, clock, db=database, retention_days=30) as app:
        services, store = app.bot_data, app.bot_data.store
        start = await say(fake, ALICE, "/start")
        assert "I keep only your settings and the actions you mark; /forget deletes them." \
            in start["text"]
        action = await say(fake, ALICE, "/today")
        await press(fake, ALICE, action, button_data(action, "safer version"))
        mine = await say(fake, READERS[0], "/today")
        await press(fake, READERS[0], mine, button_data(mine, "Not safe"))
        mydata = await say(fake, ALICE, "/mydata")
        assert "deleted by themselves 30 days after the campaign ends" in mydata["text"]
        assert "🛡: you did the safer version." in mydata["text"]
        counted = await answers(store)
        figures = await store.stats(CAMPAIGN, clock.now.date(), clock.now.timestamp())

        async def beat_at(moment: dt.datetime) -> None:
            clock.now = moment
            await eventually(lambda: _true(services.outbox_forgotten_at == moment.timestamp()),
                             15, "the beat did not look at old rows")

        # 30 days after the last day: still kept
        await beat_at(dt.datetime(2027, 12, 23, 15, 0, tzinfo=dt.UTC))
        assert await store.completed(ALICE, 2027) == {DAY5.id}
        assert (await store.user_data(READERS[0]))["not_safe"]
        # the 31st day: gone, the counts stay
        await beat_at(dt.datetime(2027, 12, 24, 15, 0, tzinfo=dt.UTC))
        assert await store.completed(ALICE, 2027) == set()
        assert (await store.user_data(READERS[0]))["not_safe"] == []
        assert (await store.user_data(ALICE))["completions"] == []
        assert await answers(store) == counted
        later = await store.stats(CAMPAIGN, clock.now.date(), clock.now.timestamp())
        assert later.per_action == figures.per_action and later.rows == figures.rows
        assert await store.completions_total(2027) == 1


def test_retired_editions_are_never_deleted_early() -> None:
    end, start = CAMPAIGN.end_date, CAMPAIGN.start_date
    assert retired_through(CAMPAIGN, end + dt.timedelta(days=30), 30) == 2026
    assert retired_through(CAMPAIGN, end + dt.timedelta(days=31), 30) == 2027
    # an earlier edition ended before this one began: at the latest the day before it
    assert retired_through(CAMPAIGN, start + dt.timedelta(days=29), 30) is None
    assert retired_through(CAMPAIGN, start + dt.timedelta(days=30), 30) == 2026


@pytest.mark.parametrize(("variables", "problem"), [
    ({"TGBOT_RETENTION_DAYS": "0"}, "TGBOT_RETENTION_DAYS must be a whole number, 1 or more"),
    ({"TGBOT_RETENTION_DAYS": "30d"}, "TGBOT_RETENTION_DAYS must be a whole number"),
    ({"TGBOT_NOT_SAFE_ALERT": "3"}, "TGBOT_NOT_SAFE_ALERT must be a whole number, 5 or more"),
])
def test_retention_and_alert_settings_are_checked(variables: dict[str, str],
                                                  problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        Settings.from_env(variables)
    assert Settings.from_env({}).retention_days is None  # off by default
    assert Settings.from_env({"TGBOT_RETENTION_DAYS": "30"}).retention_days == 30
