"""End to end: /recall and `tgbot recall` take back a day's or an announcement's copies.

Each delivered copy Telegram still lets a bot delete (48 hours) is deleted once, through the
deletion outbox; the older ones are counted per language; rows not sent yet close as
withdrawn and are never sent; a recall of something recalled sends nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    author_cannot_approve,
    button_data,
    buttons,
    press,
    push_round,
    queue_announcement,
    running_bot,
    say,
)
from tgbot.delivery.deleter import CONCURRENCY
from tgbot.domain.outbox import Due
from tgbot.fakeapi import FakeBotAPI
from tgbot.ops.metrics import REGISTRY
from tgbot.storage.backends import is_postgres_url
from tgbot.storage.store import Store

ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
SECOND = 4343  # the second organiser of the four-eyes test
EAST, WEST = "Pacific/Kiritimati", "Etc/GMT+12"  # UTC+14 and UTC-12
# 5 November's push reaches the east at 00:00 local (4 November, 10:00 UTC) and the west at
# 23:30 local (6 November, 11:30 UTC): 49.5 hours apart.
OLD = {71_001: ("private", "en"), 71_002: ("private", "fr"),
       -100_710_001: ("supergroup", "en"), -100_710_002: ("channel", "fr")}
YOUNG = {71_003: ("private", "en"), 71_004: ("private", "fr"), 71_005: ("private", "ru"),
         -100_710_003: ("channel", "fr"), -100_710_004: ("supergroup", "en")}
DISCREET = 71_004  # its copy waits in the deletion outbox already
LATER = 71_006  # in the west, its push at 23:55 local: after the recall
MINUTE = 60.0


def advance(clock: Clock, fake: FakeBotAPI, seconds: float) -> None:
    """The bot's clock and the loopback API's move together."""
    clock.now += dt.timedelta(seconds=seconds)
    fake.advance_clock(seconds)


async def subscribe(store: Store, chats: dict[int, tuple[str, str]], zone: str,
                    push_time: str) -> None:
    for chat_id, (kind, language) in chats.items():
        await store.set_language(chat_id, kind, language, dt.date(2027, 11, 1))
        await store.set_subscribed(chat_id, kind, True, dt.date(2027, 11, 1))
        await store.set_push_settings(chat_id, push_time=push_time, timezone=zone)


def add_chats(fake: FakeBotAPI, chats: dict[int, tuple[str, str]]) -> None:
    for chat_id, (kind, _) in chats.items():
        if kind == "private":
            fake.add_user(chat_id)
        elif kind == "channel":
            fake.add_channel(chat_id)
        else:
            fake.add_group(chat_id)


def shown(fake: FakeBotAPI, chats: dict[int, tuple[str, str]]) -> dict[int, set[int]]:
    """The ids of the bot's messages still in each chat."""
    return {chat_id: {m["message_id"] for m in fake.messages(chat_id)} for chat_id in chats}


async def delete_them(fake: FakeBotAPI, preview: dict) -> list[str]:
    """Press "Delete them" under a recall's preview; the lines it shows once "Finished."."""
    mark = fake.mark()
    await press(fake, ORGANISER, preview, button_data(preview, "Delete them"))
    status = await fake.async_wait_for(
        lambda c: c.method == "editMessageText" and c.ok and "Finished" in c.result["text"]
        and c.result["message_id"] == preview["message_id"], after=mark, timeout=15)
    return str(status.result["text"]).splitlines()


def withdrawn_in_metrics() -> float:
    """The push's rows closed as withdrawn, as this process's /metrics counts them."""
    return REGISTRY.get_sample_value("tgbot_delivered_total",
                                     {"kind": "push", "outcome": "withdrawn"}) or 0.0


def deletes_of(fake: FakeBotAPI, chat_id: int) -> list[int]:
    """Every message id the bot asked the loopback API to delete in a chat, in order."""
    asked: list[int] = []
    for call in fake.calls:
        if call.method in ("deleteMessage", "deleteMessages") and \
                int(call.params["chat_id"]) == chat_id:
            ids = call.params.get("message_ids") or [call.params["message_id"]]
            asked += [int(i) for i in (ids if isinstance(ids, list) else [ids])]
    return asked


async def test_recall_a_day_deletes_the_young_copies_and_counts_the_old(
        fake: FakeBotAPI, tmp_path: Path, database: str) -> None:
    """Day 5 pushed to private chats, groups and channels in three languages, half of them
    more than 48 hours before the recall: /recall 5 previews per language, "Delete them"
    deletes each young copy once (a discreet chat's too, whose deletion was queued already),
    leaves the old ones and reports them per language; a push of day 5 due after the recall
    closes as withdrawn, never sent; /recall 5 again does nothing."""
    clock = Clock(dt.datetime(2027, 11, 4, 9, 55, tzinfo=dt.UTC))
    for chats in (OLD, YOUNG, {LATER: ("private", "en")}):
        add_chats(fake, chats)
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        store: Store = app.bot_data.store
        await subscribe(store, OLD, EAST, "00:00")
        await subscribe(store, YOUNG, WEST, "23:30")
        await subscribe(store, {LATER: ("private", "en")}, WEST, "23:55")
        assert await store.set_discreet(DISCREET, True)
        advance(clock, fake, 10 * MINUTE)  # 5 November, 00:05 in the east
        await push_round(app)
        old = shown(fake, OLD)
        assert all(len(ids) == 1 for ids in old.values()), old
        advance(clock, fake, 49.5 * 3600)  # 5 November, 23:35 in the west
        await push_round(app)
        young = shown(fake, YOUNG)
        assert all(len(ids) == 1 for ids in young.values()), young
        assert not fake.messages(LATER)

        question = await say(fake, ORGANISER, "/recall 5")
        assert question["text"].splitlines() == [
            "🗑 Recall day 5? Delivered copies to delete: 5.",
            "English: 2 to delete, 2 too old", "French: 2 to delete, 2 too old",
            "Russian: 1 to delete, 0 too old",
            "Copies sent more than 48 hours ago stay: Telegram no longer lets a bot delete "
            "them."]
        assert [b["text"] for b in buttons(question)] == ["🗑 Delete them", "Cancel"]
        assert shown(fake, YOUNG) == young  # a preview deletes nothing
        mark = fake.mark()
        assert (await delete_them(fake, question)) == [
            "🗑 5 of 9 delivered copies deleted",
            "English: 2 deleted, 2 too old, 0 unreachable",
            "French: 2 deleted, 2 too old, 0 unreachable",
            "Russian: 1 deleted, 0 too old, 0 unreachable", "Finished."]
        assert not any(shown(fake, YOUNG).values())  # the loopback API's messages are gone
        still = shown(fake, OLD)  # they got day 7 since
        assert all(ids <= still[chat_id] for chat_id, ids in old.items())  # too old: they stay
        for chat_id, ids in young.items():
            assert deletes_of(fake, chat_id) == list(ids)  # once each, the discreet one too
        assert not [c for c in fake.calls[mark:] if c.method.startswith("deleteMessage")
                    and int(c.params["chat_id"]) in OLD and not c.ok]

        advance(clock, fake, 21 * MINUTE)  # 23:56 in the west: LATER's push of day 5 is due
        await push_round(app)
        assert not fake.messages(LATER)
        assert (await store.delivery_states(2027, 5)).get("withdrawn") == 1
        mark = fake.mark()
        again = await say(fake, ORGANISER, "/recall 5")
        assert again["text"] == "This was recalled already: nothing more is deleted or sent."
        assert not [c for c in fake.calls[mark:] if c.method.startswith("deleteMessage")]
    # nothing asked that Telegram refused: the old ones were never asked
    assert not [c for c in fake.calls if c.method.startswith("deleteMessage") and not c.ok]


async def test_recall_a_day_takes_back_its_evening_reminders_too(
        fake: FakeBotAPI, tmp_path: Path, database: str) -> None:
    """A day's reminder carries its title and buttons: /recall deletes it with the action's
    copy, and a reminder of that day due after the recall is never sent."""
    clock = Clock(dt.datetime(2027, 11, 5, 11, 59, tzinfo=dt.UTC))
    early, late = 71_101, 71_102  # reminders at 13:00 and at 15:00, London time (UTC)
    chats = {early: ("private", "en"), late: ("private", "fr")}
    add_chats(fake, chats)
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        store: Store = app.bot_data.store
        await subscribe(store, chats, "Europe/London", "12:00")
        for chat_id, at in ((early, "13:00"), (late, "15:00")):
            await store.set_reminder(chat_id, at, clock().timestamp())
        advance(clock, fake, 2 * MINUTE)  # 12:01: day 5's push
        await push_round(app)
        advance(clock, fake, 60 * MINUTE)  # 13:01: the early chat's reminder
        await push_round(app)
        await push_round(app)
        sent = shown(fake, chats)
        assert (len(sent[early]), len(sent[late])) == (2, 1), sent

        question = await say(fake, ORGANISER, "/recall 5")
        assert question["text"].splitlines()[:3] == [
            "🗑 Recall day 5? Delivered copies to delete: 3.",
            "English: 2 to delete, 0 too old", "French: 1 to delete, 0 too old"]
        assert (await delete_them(fake, question))[0] == "🗑 3 of 3 delivered copies deleted"
        assert shown(fake, chats) == {early: set(), late: set()}
        assert sorted(deletes_of(fake, early)) == sorted(sent[early])  # each once

        advance(clock, fake, 120 * MINUTE)  # 15:01: the late chat's reminder of day 5
        await push_round(app)
        await push_round(app)
        assert shown(fake, chats) == {early: set(), late: set()}


async def question_for(fake: FakeBotAPI, user_id: int, command: str) -> dict:
    """Send /announce as an organiser; the question under the preview."""
    mark = fake.mark()
    fake.send_message(user_id, command)
    asked = await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok
                                      and bool(buttons(c.result)), after=mark)
    return asked.result


async def reply_to(fake: FakeBotAPI, user_id: int, text: str, message: dict) -> dict:
    """Send `text` as a reply to one of the bot's messages; the bot's first answer."""
    mark = fake.mark()
    fake.send_message(user_id, text, reply_to_message_id=message["message_id"])
    answer = await fake.async_wait_for(lambda c: c.method == "sendMessage" and c.ok and int(
        c.params["chat_id"]) == user_id, after=mark)
    return answer.result


async def test_recall_an_announcement_by_replying_to_its_status(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """/recall in reply to an announcement's status message deletes its copies in every
    language; a scheduled announcement recalled before its time is never sent; a recalled
    announcement is not recalled again."""
    readers = {72_001: ("private", "en"), 72_002: ("private", "fr"),
               -100_720_001: ("channel", "pt")}
    add_chats(fake, readers)
    fake.add_user(ORGANISER)
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        store: Store = app.bot_data.store
        for chat_id, (kind, language) in readers.items():
            await store.set_language(chat_id, kind, language, dt.date(2027, 11, 1))
            await store.set_subscribed(chat_id, kind, True, dt.date(2027, 11, 1))
        await push_round(app)  # the day's action first, so that only the announcement waits
        before = shown(fake, readers)
        usage = await say(fake, ORGANISER, "/recall")
        assert usage["text"].startswith("Write the day after the command: /recall 5.")

        question = await question_for(fake, ORGANISER, "/announce Vigil tonight")
        mark = fake.mark()
        await press(fake, ORGANISER, question, button_data(question, "Send"))
        await fake.async_wait_for(lambda c: c.method == "editMessageText" and c.ok
                                  and "Finished" in c.result["text"], after=mark, timeout=15)
        sent = {chat_id: ids - before[chat_id] for chat_id, ids in shown(fake, readers).items()}
        assert all(len(ids) == 1 for ids in sent.values()), sent

        preview = await reply_to(fake, ORGANISER, "/recall", question)
        assert preview["text"].splitlines() == [
            "🗑 Recall announcement 1? Delivered copies to delete: 3.",
            "English: 1 to delete, 0 too old", "French: 1 to delete, 0 too old",
            "Portuguese: 1 to delete, 0 too old"]
        assert (await delete_them(fake, preview))[0] == "🗑 3 of 3 delivered copies deleted"
        assert shown(fake, readers) == before  # the announcement is gone, the day stays
        for chat_id, ids in sent.items():
            assert deletes_of(fake, chat_id) == list(ids)
        again = await reply_to(fake, ORGANISER, "/recall", question)
        assert again["text"] == "This was recalled already: nothing more is deleted or sent."

        later = await question_for(fake, ORGANISER, "/announce at 18:00 Vigil later")
        await press(fake, ORGANISER, later, button_data(later, "Send"))
        preview = await reply_to(fake, ORGANISER, "/recall", later)
        assert preview["text"].splitlines() == [
            "🗑 Recall announcement 2? Delivered copies to delete: 0.",
            "Not sent yet, and then never sent: 3."]
        assert (await delete_them(fake, preview)) == [
            "🗑 0 of 0 delivered copies deleted", "Withdrawn before they were sent: 3.",
            "Finished."]
        advance(clock, fake, 24 * 3600)  # 18:00 came in every zone
        await push_round(app)
        assert not [m for chat_id in readers for m in fake.messages(chat_id)
                    if "Vigil later" in (m.get("text") or "")]
        assert await store.announcement_states(2) == {"withdrawn": 3}


def environment(fake: FakeBotAPI, db: str, **extra: str) -> dict[str, str]:
    """The settings of a `tgbot` process on the loopback API and a database."""
    return {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
            "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS),
            "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_ADMINS": str(ORGANISER), **extra}


def tgbot(fake: FakeBotAPI, db: str, *args: str) -> str:
    """Run a `tgbot` command as organisers do; its output (it must succeed)."""
    done = subprocess.run([sys.executable, "-m", "tgbot", *args], env=environment(fake, db),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def query(db: str, sql: str) -> list[tuple[str, ...]]:
    """Rows read beside the bot with the database's own client (sqlite3 or psql)."""
    if is_postgres_url(db):
        out = subprocess.run(["psql", db, "-At", "-F", "|", "-c", sql], check=True,
                             capture_output=True, text=True).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]
    with sqlite3.connect(db) as connection:
        return [tuple(str(v) for v in row) for row in connection.execute(sql)]


async def subscribe_chats(db: str, chats: dict[int, tuple[str, str]],
                          pending_day: int | None = None) -> None:
    """Subscribe chats straight in the database; with `pending_day`, queue that day for them."""
    store = await Store.open(db)
    try:
        for chat_id, (kind, language) in chats.items():
            await store.set_language(chat_id, kind, language, dt.date(2027, 10, 1))
            await store.set_subscribed(chat_id, kind, True, dt.date(2027, 10, 1))
        if pending_day is not None:
            await store.enqueue(2027, [Due(chat_id, pending_day) for chat_id in chats])
    finally:
        await store.close()


@pytest.mark.long
def test_recall_from_the_command_line(database: str) -> None:
    """`tgbot recall 1` previews per language and deletes nothing; with --yes it deletes each
    copy once and withdraws a row not sent yet, which a later push does not send; again, it
    sends nothing. `tgbot recall --announcement 1` takes
    an announcement back."""
    chats = {73_001: ("private", "en"), 73_002: ("private", "en"), 73_003: ("private", "fr"),
             -100_730_001: ("supergroup", "en"), -100_730_002: ("channel", "fr")}
    waiting = {73_004: ("private", "fr")}
    with FakeBotAPI() as fake:
        add_chats(fake, {**chats, **waiting})
        asyncio.run(subscribe_chats(database, chats))
        assert "sent: 5" in tgbot(fake, database, "push", "--date", "2027-11-01")
        pushed = shown(fake, chats)
        asyncio.run(subscribe_chats(database, waiting, pending_day=1))

        preview = tgbot(fake, database, "recall", "1")
        assert preview.splitlines() == [
            "en: 3 to delete, 0 too old", "fr: 2 to delete, 0 too old",
            "5 copies to delete, 0 too old (48 hours), 1 not sent yet to withdraw, run again "
            "with --yes to recall it"]
        assert not fake.calls_to("deleteMessage") and shown(fake, chats) == pushed

        done = tgbot(fake, database, "recall", "1", "--yes")
        assert "en: deleted 3, too old 0, unreachable 0, to retry 0" in done, done
        assert "fr: deleted 2, too old 0, unreachable 0, to retry 0" in done
        assert "recall 1: withdrawn 1, finished" in done
        assert not any(shown(fake, chats).values())
        for chat_id, ids in pushed.items():
            assert deletes_of(fake, chat_id) == list(ids)

        mark = fake.mark()
        assert "sent: 0" in tgbot(fake, database, "push", "--date", "2027-11-01")
        assert not fake.messages(73_004)
        again = tgbot(fake, database, "recall", "1", "--yes")
        assert "(recalled already)" in again
        assert not [c for c in fake.calls[mark:] if c.method.startswith("deleteMessage")]
        assert query(database, "SELECT state FROM deliveries WHERE chat_id = 73004") == [
            ("withdrawn",)]

        asyncio.run(queue_announcement(database, 6))  # every chat subscribed
        tgbot(fake, database, "push")
        vigil = {chat_id: [m["message_id"] for m in fake.messages(chat_id)
                           if m.get("text") == "Vigil tonight"] for chat_id in (73_001, 73_003)}
        assert all(len(ids) == 1 for ids in vigil.values())
        out = tgbot(fake, database, "recall", "--announcement", "1", "--yes")
        assert ": withdrawn 0, finished" in out and "en: deleted 3," in out
        assert not [m for chat_id in vigil for m in fake.messages(chat_id)
                    if m.get("text") == "Vigil tonight"]


@pytest.mark.long
def test_kill_9_mid_recall_then_restart(database: str) -> None:
    """`tgbot run` killed with SIGKILL while it deletes a recalled day's 200 copies; the next
    `tgbot run` deletes the rest: every copy is deleted, none that was recorded deleted is
    asked for again, and the status message ends finished."""
    chats = {chat_id: ("private", "en") for chat_id in range(74_000, 74_200)}
    with FakeBotAPI() as fake:
        add_chats(fake, chats)
        fake.add_user(ORGANISER)
        asyncio.run(subscribe_chats(database, chats))
        assert "sent: 200" in tgbot(fake, database, "push", "--date", "2027-11-01")
        pushed = shown(fake, chats)

        def start() -> subprocess.Popen[str]:
            mark = fake.mark()
            process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"],
                                       env=environment(fake, database), text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            fake.wait_polling(after=mark, timeout=60)
            return process

        first = start()
        mark = fake.mark()
        fake.send_message(ORGANISER, "/recall 1")
        question = fake.wait_for(lambda c: c.method == "sendMessage" and c.ok
                                 and bool(buttons(c.result)), after=mark, timeout=30).result
        assert question["text"].startswith("🗑 Recall day 1? Delivered copies to delete: 200.")
        fake.press_button(ORGANISER, ORGANISER, question["message_id"],
                          button_data(question, "Delete them"))
        deadline = time.monotonic() + 60
        while len(fake.calls_to("deleteMessage")) < 40:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.01)
        first.kill()
        first.communicate(timeout=30)
        assert len(fake.calls_to("deleteMessage")) < len(chats)  # it really died midway
        recorded = {(int(chat), int(message)) for chat, message in query(
            database, "SELECT chat_id, message_id FROM deletions WHERE state = 'deleted'")}
        assert recorded
        mark = fake.mark()
        second = start()
        try:
            status = fake.wait_for(
                lambda c: c.method == "editMessageText" and c.ok
                and c.result["message_id"] == question["message_id"]
                and "Finished" in c.result["text"], after=mark, timeout=90)
        finally:
            second.send_signal(signal.SIGTERM)
            output, _ = second.communicate(timeout=30)
        assert second.returncode == 0, output
        assert status.result["text"].splitlines()[:2] == [
            "🗑 200 of 200 delivered copies deleted",
            "English: 200 deleted, 0 too old, 0 unreachable"]
        asked_again = {(int(c.params["chat_id"]), int(c.params["message_id"]))
                       for c in fake.calls[mark:] if c.method == "deleteMessage"}
        asked = Counter(int(c.params["chat_id"]) for c in fake.calls_to("deleteMessage"))
    assert not any(shown(fake, chats).values())
    assert not asked_again & recorded  # none recorded deleted is asked for again
    assert set(asked) == set(chats) and max(asked.values()) <= 2
    assert len([chat for chat, n in asked.items() if n > 1]) <= CONCURRENCY
    assert {chat: ids for chat, ids in pushed.items()} == {
        chat: {int(c.params["message_id"]) for c in fake.calls_to("deleteMessage")
               if int(c.params["chat_id"]) == chat} for chat in chats}


async def test_four_eyes_nothing_is_deleted_before_the_second_organisers_approve(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """With TGBOT_APPROVALS=2, "Delete them" only asks the other organiser; the author's own
    Approve is refused and nothing is deleted or withdrawn; /stats names the recall; the
    second organiser's Approve deletes each copy once and the author's message reports it."""
    readers = {75_001: ("private", "en"), 75_002: ("private", "pt")}
    add_chats(fake, readers)
    for organiser in (ORGANISER, SECOND):
        fake.add_user(organiser)
    async with running_bot(fake, tmp_path, clock, db=database, approvals=2,
                           admins=frozenset({ORGANISER, SECOND})) as app:
        store: Store = app.bot_data.store
        for chat_id, (kind, language) in readers.items():
            await store.set_language(chat_id, kind, language, dt.date(2027, 11, 1))
            await store.set_subscribed(chat_id, kind, True, dt.date(2027, 11, 1))
        await push_round(app)
        pushed = shown(fake, readers)
        assert all(len(ids) == 1 for ids in pushed.values())

        question = await say(fake, ORGANISER, "/recall 5")
        mark = fake.mark()
        waiting = await press(fake, ORGANISER, question, button_data(question, "Delete them"),
                              expect="editMessageText")
        assert "Waiting for another organiser" in waiting["text"]
        asked = await fake.async_wait_for_message(SECOND, after=mark, text_contains="recall")
        assert asked["text"].splitlines() == [
            "🖐 Another organiser asks you to approve this recall.",
            "🗑 Recall day 5? Delivered copies to delete: 2.",
            "English: 1 to delete, 0 too old", "Portuguese: 1 to delete, 0 too old"]
        stats = await author_cannot_approve(fake, ORGANISER, question, waiting)
        assert "Waiting for a second organiser's approval: recall 1" in stats
        again = await say(fake, ORGANISER, "/recall 5")  # not "recalled already": it waits
        assert again["text"] == waiting["text"] and buttons(again) == buttons(waiting)
        await push_round(app)
        await asyncio.sleep(2.5)  # a beat of the deletion outbox
        assert shown(fake, readers) == pushed
        assert not [c for c in fake.calls if c.method.startswith("deleteMessage")]

        # a new subscriber's row of day 5, not sent yet when the recall is approved (the
        # beat waits meanwhile, so that it cannot send it first)
        assert app.job_queue is not None
        beat = app.job_queue.get_jobs_by_name("daily-push")[0]
        beat.enabled = False
        await push_round(app)  # the beat's round under way, if any, has ended
        fake.add_user(LATER)
        await store.set_subscribed(LATER, "private", True, dt.date(2027, 11, 1))
        await store.enqueue(2027, [Due(LATER, 5)])
        withdrawn = withdrawn_in_metrics()
        mark = fake.mark()
        approved = await press(fake, SECOND, asked, button_data(asked, "✅"),
                               expect="editMessageText")
        assert approved["chat"]["id"] == SECOND
        beat.enabled = True
        status = await fake.async_wait_for(
            lambda c: c.method == "editMessageText" and c.ok and "Finished" in c.result["text"]
            and c.result["message_id"] == question["message_id"], after=mark, timeout=15)
        assert status.result["text"].splitlines()[0] == "🗑 2 of 2 delivered copies deleted"
        assert not any(shown(fake, readers).values())
        for chat_id, ids in pushed.items():
            assert deletes_of(fake, chat_id) == list(ids)
        assert await store.waiting_approvals() == []
        assert (await store.delivery_states(2027, 5)).get("withdrawn") == 1
        assert withdrawn_in_metrics() - withdrawn == 1  # counted by the approval's start too
        assert not fake.messages(LATER)
