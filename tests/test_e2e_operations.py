"""Operations on one instance: a repeated update is acted on once (also after a restart), the
status port answers /healthz, /readyz and /metrics (parsed with prometheus_client's own
parser), the database going away and coming back, organisers told when sending lags or a
push fails, JSON logs and the startup line."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram import Update

from tests.conftest import ALICE, BRUNO
from tests.helpers import postgres
from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    campaign_copy,
    eventually,
    free_port,
    running_bot,
    say,
    subscribe_all,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outbox import Due
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n
from tgbot.ops import campaign_sync
from tgbot.storage.store import Store

CAMPAIGN = load_campaign(ACTIONS)
ORGANISER = 4242


async def get(port: int, path: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.get(f"http://127.0.0.1:{port}{path}")


async def scrape(port: int) -> dict[tuple[str, tuple], float]:
    """/metrics, parsed: {(sample name, sorted labels): value}."""
    body = (await get(port, "/metrics")).text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


async def test_a_repeated_update_is_acted_on_once_even_after_a_restart(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    """Polling: the same update_id handed to the bot again (a restarted poller gets the last
    batch again) is dropped before any handler; a repeated "I did it" press counts once."""
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        about = fake.send_message(ALICE, "/about")
        await fake.async_wait_for_message(ALICE, after=mark)
        today = await say(fake, ALICE, "/today")
        mark = fake.mark()
        press = fake.press_button(ALICE, ALICE, today["message_id"], button_data(today, "did"))
        await fake.async_wait_for(lambda c: c.method == "editMessageReplyMarkup", after=mark)
        mark = fake.mark()
        for update in (about, press):
            await app.update_queue.put(Update.de_json(update, app.bot))
        await asyncio.sleep(1.0)
        assert [c.method for c in fake.calls[mark:] if c.method != "getUpdates"] == []
    async with running_bot(fake, tmp_path, clock, db=database) as app:
        mark = fake.mark()
        for update in (about, press):
            await app.update_queue.put(Update.de_json(update, app.bot))
        await asyncio.sleep(1.0)
        assert [c.method for c in fake.calls[mark:]
                if c.method not in ("getUpdates", "setMyCommands", "getMe")] == []
        store = app.bot_data.store
        assert len(await store.completed(ALICE, CAMPAIGN.edition)) == 1
        # a new update is served as ever
        assert "Impunity" in (await say(fake, ALICE, "/about"))["text"]


async def test_status_port_health_readiness_and_metrics(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    port = free_port()
    async with running_bot(fake, tmp_path, clock, status_port=port):
        health = await get(port, "/healthz")
        assert health.status_code == 200
        ready = await get(port, "/readyz")
        assert (ready.status_code, ready.text) == (200, "ready\n")
        before = await scrape(port)
        await say(fake, ALICE, "/about")
        after = await scrape(port)

        def grew(name: str, **labels: str) -> float:
            key = (name, tuple(sorted(labels.items())))
            return after.get(key, 0) - before.get(key, 0)

        assert grew("tgbot_updates_total", kind="message") == 1
        assert grew("tgbot_replies_total") >= 1
        assert grew("tgbot_handler_seconds_count") == 1
        assert after[("tgbot_sender", ())] == 1  # the only instance sends
        assert ("tgbot_outbox_rows", (("kind", "push"), ("state", "pending"))) in after
        for outcome in ("sent", "retried", "blocked", "expired", "failed"):
            assert ("tgbot_delivered_total", (("kind", "announcement"),
                                              ("outcome", outcome))) in after
        for name in ("tgbot_rate_limited_total", "tgbot_stars_spent_total",
                     "tgbot_push_lag_seconds_count"):
            assert (name, ()) in after
        missing = await get(port, "/nothing")
        assert missing.status_code == 404
        async with httpx.AsyncClient() as client:  # only on 127.0.0.1 unless told otherwise
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://127.0.0.2:{port}/healthz")
    with pytest.raises(httpx.ConnectError):  # closed with the bot
        await get(port, "/healthz")
    async with running_bot(fake, tmp_path, clock, status_port=port, status_listen="127.0.0.2"
                           ), httpx.AsyncClient() as client:
        assert (await client.get(f"http://127.0.0.2:{port}/healthz")).status_code == 200


async def test_postgresql_going_away_readiness_and_an_answer_in_the_users_language(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock,
        own_postgres: postgres.ThrowawayPostgres) -> None:
    port = free_port()
    url = postgres.create_database(own_postgres.url)
    async with running_bot(fake, tmp_path, clock, db=url, status_port=port):
        await say(fake, BRUNO, "/about")  # Bruno writes in Portuguese (pt-BR)
        await asyncio.to_thread(own_postgres.pause)
        ready = await get(port, "/readyz")
        assert ready.status_code == 503 and ready.text.startswith("database unreachable")
        assert len(ready.text.splitlines()) == 1
        alive = await get(port, "/healthz")
        assert alive.status_code == 200  # the process lives: no restart wanted
        mark = fake.mark()
        answer = await say(fake, BRUNO, "/about", timeout=15)
        sorry = I18n(ROOT / "locales").get("pt").gettext(
            "😔 Sorry, something went wrong on my side. Please try again in a moment.")
        assert answer["text"] == sorry and "Sorry" not in sorry
        await asyncio.to_thread(own_postgres.resume)
        assert len([c for c in fake.calls[mark:] if c.method == "sendMessage"
                    and int(c.params["chat_id"]) == BRUNO]) == 1  # one apology, not one per step

        async def ready_again() -> bool:
            reply = await get(port, "/readyz")
            return reply.status_code == 200

        await eventually(ready_again, 30, "readiness never came back")
        answers = []
        for _ in range(3):  # a pooled connection from before may fail once more
            answers.append((await say(fake, BRUNO, "/about", timeout=15))["text"])
            if answers[-1] != sorry:
                break
        assert "Impunidade" in answers[-1]


def _age_outbox(db: str, due_at: float, not_before: float, state: str) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE deliveries SET due_at = ?, not_before = ?, state = ?",
                           (due_at, not_before, state))


async def test_organisers_are_told_once_when_sending_lags_and_when_a_push_fails(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    db = str(tmp_path / "bot.sqlite3")
    fake.add_user(ORGANISER, language_code="fr")
    await subscribe_all(db, [ALICE, BRUNO])
    store = await Store.open(db)
    try:
        await store.set_language(ORGANISER, "private", "fr", clock.now.date())
        assert await store.enqueue(CAMPAIGN.edition, [(ALICE, 5), (BRUNO, 5)]) == 2
    finally:
        await store.close()
    # due an hour ago, and held back (a retry backoff) so the sender cannot catch up
    _age_outbox(db, clock.now.timestamp() - 3600, time.time() + 3600, "pending")
    french = I18n(ROOT / "locales").get("fr")
    async with running_bot(fake, tmp_path, clock, alert_lag=600.0):
        told = await fake.async_wait_for_message(ORGANISER, timeout=15)
        assert told["text"] == french.ngettext(
            "⚠️ Sending is behind: a message due {minutes} minute ago is still waiting. "
            "The operators' dashboard shows why (429s, the sender lock).",
            "⚠️ Sending is behind: a message due {minutes} minutes ago is still waiting. "
            "The operators' dashboard shows why (429s, the sender lock).", 60
        ).replace("{minutes}", "60")
        mark = fake.mark()
        await asyncio.to_thread(_age_outbox, db, clock.now.timestamp() - 3600, 0, "failed")
        failed = await fake.async_wait_for_message(ORGANISER, after=mark, timeout=15)
        assert failed["text"] == french.ngettext(
            "❌ The push of day {day} failed: its {count} message could not be sent.",
            "❌ The push of day {day} failed: none of its {count} messages could be sent.", 2
        ).replace("{day}", "5").replace("{count}", "2")
        await asyncio.sleep(5)  # two more beats: nothing told twice
        assert len(fake.messages(ORGANISER)) == 2
    assert fake.messages(ALICE) == []  # the held-back rows never went


def run_json_logged(fake: FakeBotAPI, tmp_path: Path, db: str) -> subprocess.Popen[str]:
    env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
           "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS), "TGBOT_LOCALES": str(ROOT / "locales"),
           "TGBOT_LOG_FORMAT": "json"}
    return subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_tgbot_run_logs_json_lines_with_one_startup_line(tmp_path: Path) -> None:
    with FakeBotAPI() as fake:
        fake.add_user(ALICE)
        process = run_json_logged(fake, tmp_path, str(tmp_path / "bot.sqlite3"))
        try:
            fake.wait_for(lambda c: c.method == "setMyCommands", timeout=60)
            fake.send_message(ALICE, "/about")
            fake.wait_for_message(ALICE, timeout=30)
        finally:
            process.terminate()
            out, _ = process.communicate(timeout=30)
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= set(r) for r in records)
    started = [r["message"] for r in records if " started: " in r["message"]]
    assert len(started) == 1
    line = started[0]
    for part in ("tgbot 0.1.0", "mode polling", "bot.sqlite3", f"campaign {CAMPAIGN.edition}",
                 str(CAMPAIGN.start_date), str(CAMPAIGN.end_date), "@tgbot_demo_bot",
                 "sends the push"):
        assert part in line, (part, line)
    assert fake.token not in out and str(ALICE) not in out


@pytest.mark.long
def test_a_second_polling_instance_on_one_token_gives_up_with_one_clear_line(
        tmp_path: Path) -> None:
    """Telegram answers 409 Conflict to a getUpdates while another process polls: the
    instance started by mistake says so in one line and exits 2; the one that was running
    goes on answering."""
    from tgbot.app import NEWCOMER

    with FakeBotAPI() as fake:
        fake.add_user(ALICE)
        db = str(tmp_path / "bot.sqlite3")
        first = run_json_logged(fake, tmp_path, db)
        second = None
        try:
            fake.wait_polling(timeout=60)
            time.sleep(NEWCOMER)  # the first has been polling for a while
            second = run_json_logged(fake, tmp_path, db)
            out, _ = second.communicate(timeout=60)
            time.sleep(2)  # the last getUpdates of the second terminated the first's poll
            mark = fake.mark()
            fake.send_message(ALICE, "/about")
            fake.wait_for_message(ALICE, after=mark, timeout=30)
            assert first.poll() is None
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.terminate()
                    process.communicate(timeout=30)
    assert second.returncode == 2
    assert "Traceback" not in out
    conflicts = [line for line in out.splitlines() if "Conflict" in line]
    assert len(conflicts) == 1 and "webhook mode" in conflicts[0], out[-2000:]


def test_startup_line_hides_the_database_password() -> None:
    from tgbot.app import startup_line
    from tgbot.config import Settings
    from tgbot.context import Services

    services = Services(Settings(db="postgresql://tgbot:hunter2@db.example/tgbot"), CAMPAIGN)
    services.set_campaign(CAMPAIGN, "abc123")
    services.bot_username = "ifex_bot"
    line = startup_line(services, "webhook", False)
    assert "hunter2" not in line and "postgresql://tgbot:***@db.example/tgbot" in line
    assert "mode webhook" in line and "does not send" in line and "version abc123" in line


def test_status_report_after_heartbeats(tmp_path: Path) -> None:
    """`tgbot status` reads the instances' heartbeats, the outbox and the last push."""
    db = str(tmp_path / "bot.sqlite3")

    async def prepare() -> None:
        await subscribe_all(db, [ALICE, BRUNO])
        store = await Store.open(db)
        try:
            await store.enqueue(CAMPAIGN.edition, [(ALICE, 5), (BRUNO, 5)])
            now = dt.datetime.now(dt.UTC).timestamp()
            await store.set_reminder(ALICE, "21:00", now)
            await store.plan_reminders(CAMPAIGN.edition, [Due(ALICE, 5, None, None)], {})
            await store.heartbeat("alpha", started_at=now - 60, sending=True, reply_lease=0,
                                  version="0.1.0", now=now - 1)
            await store.heartbeat("beta", started_at=now - 600, sending=False, reply_lease=3,
                                  version="0.1.0", now=now - 120)
        finally:
            await store.close()

    asyncio.run(prepare())
    env = {**os.environ, "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(ACTIONS)}
    result = subprocess.run([sys.executable, "-m", "tgbot", "status"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "sender lock: held by alpha" in out
    assert "outbox (push): backlog 2, pending 2" in out
    assert "outbox (reminder): backlog 1, pending 1" in out
    assert "last push: day 5, pending 2" in out
    assert "instances: 2" in out
    beta = next(line for line in out.splitlines() if line.startswith("  beta"))
    assert "standby" in beta and "stale" in beta
    alpha = next(line for line in out.splitlines() if line.startswith("  alpha"))
    assert "sends" in alpha and "stale" not in alpha


def test_status_names_one_lock_holder_right_after_a_takeover() -> None:
    """The sender was killed 5 s ago: its last heartbeat still says it sends, and the
    instance that took over says so too. Only the newer one holds the lock."""
    from tgbot.domain.instance import Instance
    from tgbot.ops.report import status_report

    now = time.time()
    report = status_report(CAMPAIGN, [
        Instance("survivor", now - 600, now - 1, True, 2, "0.1.0"),
        Instance("killed", now - 900, now - 5, True, 2, "0.1.0")], {}, None, None, now)
    assert "sender lock: held by survivor" in report.splitlines()
    rows = {line.split()[0]: line for line in report.splitlines() if line.startswith("  ")}
    assert rows["survivor"].endswith("sends")
    assert rows["killed"].endswith("sent until another took over")


def test_a_bad_or_busy_status_port_is_one_clear_line(tmp_path: Path) -> None:
    with FakeBotAPI() as fake, socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        for port, expected in (("nine", "TGBOT_STATUS_PORT must be a port number"),
                               (str(taken), f"cannot serve the status port on 127.0.0.1:{taken}")):
            env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
                   "TGBOT_DB": str(tmp_path / "bot.sqlite3"), "TGBOT_CAMPAIGN": str(ACTIONS),
                   "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_STATUS_PORT": port}
            result = subprocess.run([sys.executable, "-m", "tgbot", "run"], env=env,
                                    capture_output=True, text=True, timeout=60)
            assert result.returncode == 2, result.stderr[-2000:]
            assert result.stderr.splitlines()[-1].startswith(f"tgbot: {expected}")
            assert "Traceback" not in result.stderr and fake.token not in result.stderr


def test_json_logs_keep_the_token_out_of_messages_and_tracebacks() -> None:
    token = "1234567:AAEabcdefghijklmnopqrstuvwxyz0123456"  # a test token: 7-digit id
    program = (
        "import logging\n"
        "from tgbot.ops.logsafe import setup_logging\n"
        f"setup_logging('INFO', {token!r}, 'json')\n"
        "try:\n"
        f"    raise ValueError('refused: ' + {token!r})\n"
        "except ValueError:\n"
        f"    logging.getLogger('tgbot.x').exception('failed for %s', {token!r})\n")
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                            timeout=60, check=True)
    [record] = [json.loads(line) for line in result.stderr.splitlines()]
    assert record["message"] == "failed for <token>" and record["level"] == "ERROR"
    assert "ValueError: refused: <token>" in record["exc_info"]
    assert dt.datetime.fromisoformat(record["time"]).tzinfo is not None
    assert token not in result.stderr


async def test_a_restart_runs_the_file_but_beside_others_never_brings_an_old_one_back(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    """One database. Restarts in turn: the file on disk is what runs, an edit and the edit
    reverted alike. A start beside a running instance (its heartbeat) with an old copy of
    the file runs the current campaign instead of bringing the old one back everywhere."""
    text = ACTIONS.read_text(encoding="utf-8")
    edited = text.replace("Two dates frame the campaign", "EDITED Two dates frame the campaign")
    assert edited != text
    campaign = campaign_copy(tmp_path, text)
    async with running_bot(fake, tmp_path, clock, campaign=campaign):
        assert "EDITED" not in (await say(fake, ALICE, "/about"))["text"]
    campaign.write_text(edited, encoding="utf-8")
    async with running_bot(fake, tmp_path, clock, campaign=campaign):
        assert "EDITED" in (await say(fake, ALICE, "/about"))["text"]
    campaign.write_text(text, encoding="utf-8")  # the edit reverted
    async with running_bot(fake, tmp_path, clock, campaign=campaign) as app:
        assert "EDITED" not in (await say(fake, ALICE, "/about"))["text"]
        assert app.bot_data.current.version == campaign_sync.version_of(text)
    campaign.write_text(edited, encoding="utf-8")
    async with running_bot(fake, tmp_path, clock, campaign=campaign):
        assert "EDITED" in (await say(fake, ALICE, "/about"))["text"]
    campaign.write_text(text, encoding="utf-8")  # a machine with the copy from before
    store = await Store.open(tmp_path / "bot.sqlite3")
    await store.heartbeat("another-instance", started_at=time.time(), sending=True,
                          reply_lease=0, version="0.1.0", now=time.time())
    await store.close()
    async with running_bot(fake, tmp_path, clock, campaign=campaign) as app:
        assert "EDITED" in (await say(fake, ALICE, "/about"))["text"]
        assert app.bot_data.current.version == campaign_sync.version_of(edited)


def test_a_broken_file_at_a_restart_runs_the_last_good_campaign(tmp_path: Path,
                                                               database: str) -> None:
    """A typo in actions.yaml and a restart mid-campaign: the bot runs the campaign stored in
    the database, says what to fix in one line, and tells the organisers; it answers."""
    text = ACTIONS.read_text(encoding="utf-8")
    campaign = campaign_copy(tmp_path, text)
    env = {**os.environ, "TGBOT_DB": database, "TGBOT_CAMPAIGN": str(campaign),
           "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_ADMINS": str(ORGANISER),
           "TGBOT_LOG_LEVEL": "WARNING"}
    with FakeBotAPI() as fake:
        fake.add_user(ALICE)
        fake.add_user(ORGANISER)
        env.update(TGBOT_TOKEN=fake.token, TGBOT_API_URL=fake.root_url)
        for broken in (False, True):
            if broken:
                campaign.write_text(text.replace("start_date: 2027-11-01",
                                                 "start_date: 2027-11-31"), encoding="utf-8")
            mark = fake.mark()
            process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                                       stderr=subprocess.PIPE, text=True)
            try:
                fake.wait_polling(after=mark, timeout=60)
                fake.send_message(ALICE, "/about")
                about = fake.wait_for_message(ALICE, after=mark, timeout=30)
                alert = [c for c in fake.calls[mark:] if c.ok and c.method == "sendMessage"
                         and int(c.params["chat_id"]) == ORGANISER]
            finally:
                process.terminate()
                _, errors = process.communicate(timeout=30)
            assert process.returncode == 0, errors
            assert "23 Actions in 23 Days" in about["text"]
    line = text.split("start_date:")[0].count("\n") + 1
    assert "Traceback" not in errors
    assert len(errors.strip().splitlines()) == 1, errors
    assert errors.split(" ERROR tgbot.app: ")[1].startswith(
        f"{campaign}:{line}: '2027-11-31' is not a real date"), errors
    assert "runs the last good campaign" in errors and "/reload" in errors
    assert len(alert) == 1 and "last good campaign" in alert[0].params["text"]
    assert f"{campaign}:{line}:" in alert[0].params["text"]
