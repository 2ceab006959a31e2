"""End to end: organisers' /stats, /announce and /reload; stats, export and backup commands."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from telegram.ext import Application

from tests.conftest import ALICE, BRUNO
from tests.helpers import postgres
from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    buttons,
    campaign_copy,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
    subscribe_all,
)
from tgbot.domain.campaign import MESSAGE_LIMIT
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.flood import FloodGate
from tgbot.domain.outbox import Kind
from tgbot.domain.stats import KEPT_SOURCES, OTHER_SOURCE, SHOWN_SOURCES, start_source
from tgbot.fakeapi import FakeBotAPI
from tgbot.messages.discreet import first_line_room
from tgbot.storage.store import Store

ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
CAMPAIGN = load_campaign(ACTIONS)
TODAY = dt.date(2027, 11, 5)


async def subscribe(store: Store, chat_id: int, language: str) -> None:
    await store.set_language(chat_id, "private", language, TODAY)
    await store.set_subscribed(chat_id, "private", True, TODAY)


async def draft(fake: FakeBotAPI, command: str) -> tuple[dict, dict]:
    """Send an /announce command as the organiser; return its preview and the Send question."""
    mark = fake.mark()
    fake.send_message(ORGANISER, command)
    asked = await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok
                                      and "Send it?" in c.result["text"], after=mark)
    sent = [c.result for c in fake.calls[mark:fake.calls.index(asked)]
            if c.method == "sendMessage" and c.ok]
    return sent[-1], asked.result


async def test_organiser_commands_do_not_exist_for_others(fake: FakeBotAPI,
                                                          bot: Application) -> None:
    for command in ("/stats", "/announce Hello all", "/reload"):
        mark = fake.mark()
        fake.send_message(ALICE, command)
        fake.send_message(ALICE, "/why")
        first = await fake.async_wait_for_message(ALICE, after=mark)
        assert "Maguindanao" in first["text"], command  # nothing answered the command
    assert await bot.bot_data.store.announcement(1) is None


async def test_announce_preview_cancel_and_send(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ORGANISER)
    store = bot.bot_data.store
    for chat_id, language in ((ALICE, "en"), (BRUNO, "pt")):
        await subscribe(store, chat_id, language)
    preview, question = await draft(fake, "/announce Vigil <b>tonight</b> at 19:00 & online")
    # what the organiser typed is shown as typed: their "<b>" is text, safely escaped
    assert preview["text"] == "Vigil <b>tonight</b> at 19:00 & online"
    assert "2 subscribed chats" in question["text"]
    await press(fake, ORGANISER, question, button_data(question, "Cancel"),
                expect="editMessageText")
    await press(fake, ORGANISER, question, button_data(question, "Send"),
                expect="editMessageText")  # a cancelled draft cannot be sent
    # (the day's action may reach her meanwhile: she subscribed after today's push time)
    assert not sent_to(fake, ALICE, "Vigil")

    _, question = await draft(fake, "/announce Vigil tonight")
    await press(fake, ORGANISER, question, button_data(question, "Send"))
    for chat_id in (ALICE, BRUNO):
        assert (await fake.async_wait_for_message(
            chat_id, text_contains="Vigil tonight"))["text"] == "Vigil tonight"
    status = await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                                       and "2 of 2 sent" in c.result["text"], timeout=8)
    assert "Finished" in status.result["text"]


async def test_announce_to_one_language(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ORGANISER)
    store = bot.bot_data.store
    await subscribe(store, ALICE, "en")
    await subscribe(store, BRUNO, "pt")
    preview, question = await draft(fake, "/announce pt Vigília hoje")
    assert preview["text"] == "Vigília hoje"
    assert "1 subscribed chat in Portuguese. Send it?" in question["text"]
    await press(fake, ORGANISER, question, button_data(question, "Send"))
    assert (await fake.async_wait_for_message(BRUNO, text_contains="Vigília"))["text"] == \
        "Vigília hoje"
    await asyncio.sleep(0.3)
    assert not sent_to(fake, ALICE, "Vigília")  # (she gets the daily push, in English)


async def test_an_announcement_leaves_room_for_a_discreet_chats_first_line(
        fake: FakeBotAPI, bot: Application) -> None:
    """A discreet chat's copy opens with a neutral line: a text that fills Telegram's 4096
    characters once came back "message is too long" for those chats alone."""
    fake.add_user(ORGANISER)
    store = bot.bot_data.store
    await subscribe(store, ALICE, "en")
    assert await store.set_discreet(ALICE, True)
    room = first_line_room(bot.bot_data.i18n, Kind.ANNOUNCEMENT)
    limit = MESSAGE_LIMIT - room
    assert 10 < room < 40  # the longest language's line, and the blank line under it
    answer = await say(fake, ORGANISER, "/announce " + "a" * (limit + 1))
    assert answer["text"] == (
        f"⚠️ This text has {limit + 1:,} characters; an announcement can have {limit:,} at "
        "most (Telegram's limit, less the neutral first line of discreet chats' copies). "
        "Shorten it and send it again.")
    assert not buttons(answer) and await store.announcement(1) is None
    _, question = await draft(fake, "/announce " + "b" * limit)
    await press(fake, ORGANISER, question, button_data(question, "Send"))
    copy = await fake.async_wait_for_message(ALICE, text_contains="b" * limit)
    assert copy["text"].startswith("📝 A new note\n\n") and copy["text"].endswith("b" * limit)
    assert not [c for c in fake.calls if c.method == "sendMessage" and not c.ok]


async def test_an_announcement_to_nobody_asks_nothing(fake: FakeBotAPI,
                                                       bot: Application) -> None:
    fake.add_user(ORGANISER)
    await subscribe(bot.bot_data.store, ALICE, "en")
    answer = await say(fake, ORGANISER, "/announce fa Vigil tonight")
    assert answer["text"] == ("No subscribed chat reads Persian: this announcement would "
                              "reach nobody, so there is nothing to send.")
    assert not buttons(answer)
    assert await bot.bot_data.store.announcement(1) is None  # no draft left behind


async def test_announcement_resumes_after_a_sender_died(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """Rows a dead sender left in flight are sent once by the sender that takes over."""
    chats = list(range(7000, 7020))
    store = await Store.open(database)
    dead = store.sender_lock()  # another process, sending when the bot starts
    assert await dead.acquire()
    for chat_id in chats:
        fake.add_user(chat_id)
        await subscribe(store, chat_id, "en")
    announcement = await store.create_announcement("Resumed", None, TODAY)
    assert await store.start_announcement(announcement, now=clock.now.timestamp()) == 20
    orphaned = await store.claim(5, owner="dead-sender", now=time.time())  # in flight when it died
    assert len(orphaned) == 5
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        assert await app.bot_data.deliverer.run_round() is None  # not the sender yet
        await dead.release()  # it dies; the bot takes over at its next round
        await store.close()
        await push_round(app)
        for _ in range(100):  # the scheduler's own round may still hold the last rows
            if await app.bot_data.store.announcement_states(announcement) == {"sent": 20}:
                break
            await asyncio.sleep(0.05)
        received = [m["chat"]["id"] for c in chats for m in fake.messages(c)
                    if m.get("text") == "Resumed"]  # (the daily push of day 5 goes out too)
        assert sorted(received) == chats
        assert await app.bot_data.store.announcement_states(announcement) == {"sent": 20}


async def test_new_this_week_counts_by_the_campaigns_date(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """A subscription and the week /stats counts it in are dated by the same day.

    Stamped with the subscriber's local date and counted from the UTC date, a subscription
    one evening in Toronto fell out of "this week" a day early. Five subscribe, as /stats
    shows a count under 5 as "<5".
    """
    people = (ALICE, 1101, 1102, 1103, 1104)
    for user in (ORGANISER, *people[1:]):
        fake.add_user(user)
    clock.set_local("2027-10-29", "22:00")  # 30 October in UTC already
    async with running_bot(fake, tmp_path, clock, db=database):
        for user in people:
            await say(fake, user, "/subscribe")
        clock.set_local("2027-11-05", "20:00")  # a week on in Toronto, 6 November in UTC
        stats = await say(fake, ORGANISER, "/stats")
    assert "This week: 5 new, <5 lost" in stats["text"]


async def test_reload_refuses_a_broken_file_and_keeps_the_campaign(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    fake.add_user(ORGANISER)
    text = ACTIONS.read_text(encoding="utf-8")
    campaign = campaign_copy(tmp_path, text)
    title = CAMPAIGN.action_for_day(5).title
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        campaign.write_text(text.replace("kind: letter", "kind: poem", 1), encoding="utf-8")
        refused = await say(fake, ORGANISER, "/reload")
        assert "unknown kind 'poem'" in refused["text"]
        assert title in (await say(fake, ALICE, "/today"))["text"]
        campaign.write_text(text.replace(title, "Fixed typo in day five"), encoding="utf-8")
        ok = await say(fake, ORGANISER, "/reload")
        assert "reloaded" in ok["text"]
        assert "Fixed typo in day five" in (await say(fake, ALICE, "/today"))["text"]
        assert app.bot_data.campaign.action_for_day(5).title == "Fixed typo in day five"


async def test_stats_figures_and_chart(fake: FakeBotAPI, bot: Application) -> None:
    fake.add_user(ORGANISER)
    store = bot.bot_data.store
    await subscribe(store, ALICE, "en")
    await subscribe(store, BRUNO, "pt")
    await store.set_subscribed(-100777, "supergroup", True, TODAY)
    source = start_source("newsletter")
    assert source == "newsletter"
    await store.count_start(source, keep=KEPT_SOURCES, other=OTHER_SOURCE)
    for user, day in ((ALICE, 1), (ALICE, 2), (BRUNO, 2)):
        await store.set_completed(user, 2027, CAMPAIGN.action_for_day(day).id, True, TODAY)
    figures = await store.stats(CAMPAIGN, TODAY, time.time())
    assert figures.total_subscribers == 3
    assert figures.per_action == {1: 1, 2: 2}
    assert figures.sources == {"newsletter": 1}
    assert figures.new_this_week == 3
    mark = fake.mark()
    fake.send_message(ORGANISER, "/stats")
    photo = await fake.async_wait_for(lambda c: c.method == "sendPhoto" and c.ok, after=mark,
                                      timeout=15)
    text = next(c.result["text"] for c in fake.calls[mark:] if c.method == "sendMessage")
    # every count under 5 reads "<5": one, two or four people can be told apart
    assert "Subscribers: <5 (private <5, groups <5, channels <5)" in text
    assert "newsletter <5" in text and "1: <5, 2: <5" in text
    upload = photo.params["photo"]
    assert upload.data.startswith(b"\x89PNG\r\n\x1a\n") and len(upload.data) > 5000


async def test_junk_deep_link_sources_cannot_make_stats_too_long(fake: FakeBotAPI,
                                                                 bot: Application) -> None:
    """Strangers' long /start payloads once made /stats "400: message is too long"."""
    bot.bot_data.flood = FloodGate(rate=1000, burst=1000)  # a few people, many links each
    fake.add_user(ORGANISER)
    store = bot.bot_data.store
    for user in range(5001, 5005):
        fake.add_user(user)
    payloads = [f"src_{n:03d}_{'x' * 56}" for n in range(70)]  # 64 characters, Telegram's most
    payloads += [f"s{n}" for n in range(12)] + ["NEWsletter", "newsletter"]
    for n, payload in enumerate(payloads):
        fake.send_message(5001 + n % 4, f"/start {payload}")
    for _ in range(600):
        if sum((await store.start_sources()).values()) == len(payloads):
            break
        await asyncio.sleep(0.1)
    mark = fake.mark()
    fake.send_message(ORGANISER, "/stats")
    answer = await fake.async_wait_for(lambda c: c.method == "sendMessage"
                                       and c.params.get("chat_id") == ORGANISER, after=mark,
                                       timeout=15)
    assert answer.ok, answer.short()
    assert len(answer.result["text"]) < 4096
    line = next(line for line in answer.result["text"].splitlines()
                if line.startswith("Starts by source:"))
    assert line.count(",") == SHOWN_SOURCES  # the top ten, then "other"
    assert "newsletter <5" in line and line.endswith("other 73")
    # stored: names an organiser could have made, the rest together
    sources = await store.start_sources()
    assert sources == {"other": 70, "newsletter": 2, **{f"s{n}": 1 for n in range(12)}}


def cli(*args: str, db: Path | str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tgbot", *args, "--db", str(db),
                           "--campaign", str(ACTIONS)], capture_output=True, text=True,
                          timeout=60)


async def test_cli_stats_export_and_backup_during_writes(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    await subscribe(store, ALICE, "en")
    for day in range(1, 6):
        await store.set_completed(ALICE, 2027, CAMPAIGN.action_for_day(day).id, True, TODAY)

    async def keep_writing() -> int:
        written = 0
        for user in range(9000, 9400):
            await store.set_completed(user, 2027, CAMPAIGN.action_for_day(1).id, True, TODAY)
            written += 1
        return written

    writer = asyncio.create_task(keep_writing())
    await asyncio.sleep(0.05)
    committed_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM completions")
    before = committed_before.fetchone()[0]
    backup = tmp_path / "copy.sqlite3"
    result = await asyncio.to_thread(cli, "backup", str(backup), db=db)
    assert result.returncode == 0, result.stderr
    await writer
    await store.close()
    copy = sqlite3.connect(backup)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT COUNT(*) FROM completions").fetchone()[0] >= before
    table = cli("stats", db=db)
    assert "subscribers: <5" in table.stdout and "day  1: 401" in table.stdout
    assert "day  2: <5" in table.stdout
    csv_file = tmp_path / "report.csv"
    assert cli("export", "--csv", str(csv_file), db=db).returncode == 0
    lines = csv_file.read_text().splitlines()
    assert lines[0] == "day,action,date,language,completions"
    assert f"1,{CAMPAIGN.action_for_day(1).id},2027-11-05,en,<5" in lines
    assert cli("backup", str(backup), db=db).returncode == 2  # never overwrites


def copy_db(source: str, target: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tgbot", "copy-db", source, target],
                          capture_output=True, text=True, timeout=120)


def test_cli_copy_db_into_postgresql_checks_counts_and_hides_the_password(
        tmp_path: Path, postgres_server: str) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(subscribe_all(str(db), [ALICE, BRUNO, 3003]))
    url = postgres.create_database(postgres_server).replace("://postgres@",
                                                             "://postgres:hunter2@")
    try:
        copied = copy_db(str(db), url)
        assert copied.returncode == 0, copied.stderr
        assert "chats 3" in copied.stdout
        copy_table = cli("stats", db=url).stdout
        assert "subscribers: <5" in copy_table  # 3, read as it was: small counts read <5
        assert copy_table == cli("stats", db=db).stdout
        again = copy_db(str(db), url)  # never into a database with a campaign
        assert again.returncode == 2 and "is not empty" in again.stderr
        backup = cli("backup", str(tmp_path / "copy.sqlite3"), db=url)
        assert backup.returncode == 2 and "pg_dump" in backup.stderr
        unreachable = cli("stats", db="postgresql://tgbot:hunter2@127.0.0.1:1/tgbot")
        assert unreachable.returncode == 2 and "cannot open the database" in unreachable.stderr
        for result in (copied, again, unreachable):
            assert "hunter2" not in result.stdout + result.stderr
            assert "Traceback" not in result.stderr
        assert "postgresql://tgbot:***@127.0.0.1:1/tgbot" in unreachable.stderr
    finally:
        postgres.drop_database(url)


async def test_sighup_reloads_the_campaign(fake: FakeBotAPI, tmp_path: Path,
                                           clock: Clock, database: str) -> None:
    text = ACTIONS.read_text(encoding="utf-8")
    campaign = campaign_copy(tmp_path, text)
    title = CAMPAIGN.action_for_day(5).title
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign) as app:
        campaign.write_text(text.replace(title, "Edited by the organisers"), encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        for _ in range(100):
            if app.bot_data.campaign.action_for_day(5).title != title:
                break
            await asyncio.sleep(0.02)
        assert "Edited by the organisers" in (await say(fake, ALICE, "/today"))["text"]
