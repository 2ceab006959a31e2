"""Real `tgbot run` processes in webhook mode on PostgreSQL, behind a small load balancer, as
an operator runs them. Two instances: an update repeated to the other instance is acted on
once, an organiser's /reload on one reaches the other (whose own file never changed), a
broken file is refused everywhere, and both status ports answer and are scraped. One
instance: PostgreSQL stops mid-broadcast and comes back, and nothing is lost.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.helpers import postgres
from tests.helpers.balancer import Balancer
from tests.helpers.harness import (
    ROOT,
    WEBHOOK_SECRET,
    button_data,
    count_rows,
    free_port,
    subscribe_all,
)
from tests.test_e2e_scale import broadcast, campaign_running_today
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n

ALICE, ORGANISER = 1001, 4242
ABOUT = "Two dates frame the campaign"  # in the /about answer of actions.yaml


@pytest.fixture
def pg_database(postgres_server: str) -> Iterator[str]:
    url = postgres.create_database(postgres_server)
    try:
        yield url
    finally:
        postgres.drop_database(url)


class Instance:
    """One `tgbot run --webhook` process with its own campaign folder and status port."""

    def __init__(self, fake: FakeBotAPI, db: str, folder: Path, balancer_port: int) -> None:
        folder.mkdir()
        self.campaign = campaign_running_today(folder)
        self.port, self.status_port = free_port(), free_port()
        self.log = folder / "tgbot.log"
        env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
               "TGBOT_DB": db, "TGBOT_CAMPAIGN": str(self.campaign),
               "TGBOT_LOCALES": str(ROOT / "locales"), "TGBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
               "TGBOT_ADMINS": str(ORGANISER)}
        with self.log.open("wb") as stream:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tgbot", "run", "--port", str(self.port),
                 "--webhook", f"http://127.0.0.1:{balancer_port}/hook",
                 "--status-port", str(self.status_port)],
                env=env, stdout=stream, stderr=subprocess.STDOUT)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.status_port}{path}", timeout=10)

    def ready(self) -> bool:
        try:
            return self.get("/readyz").status_code == 200
        except httpx.TransportError:
            return False

    def metrics(self) -> dict[tuple[str, tuple], float]:
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(self.get("/metrics").text)
                for s in family.samples}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def answers(fake: FakeBotAPI, chat_id: int, mark: int) -> list[dict]:
    return [c.result for c in fake.calls[mark:]
            if c.method == "sendMessage" and c.ok and int(c.params["chat_id"]) == chat_id]


def ask(fake: FakeBotAPI, user_id: int, text: str) -> str:
    mark = fake.mark()
    fake.send_message(user_id, text)
    return fake.wait_for_message(user_id, after=mark, timeout=20)["text"]


@pytest.mark.long
def test_two_instances_behind_a_balancer_act_once_and_share_a_reload(
        pg_database: str, tmp_path: Path) -> None:
    with FakeBotAPI() as fake:
        fake.add_user(ALICE)
        fake.add_user(ORGANISER)
        instances: list[Instance] = []
        backends: list[int] = []
        with Balancer(backends) as balancer:
            try:
                for name in ("a", "b"):
                    instances.append(Instance(fake, pg_database, tmp_path / name,
                                              balancer.port))
                    backends.append(instances[-1].port)
                    wait_until(instances[-1].ready, 60, f"instance {name} never got ready")
                first, second = instances
                wait_until(lambda: len(fake.calls_to("setWebhook")) >= 2, 30, "no webhook")

                # §1 a late answer: the update is sent again and reaches the other instance
                balancer.answer_late(1)
                mark = fake.mark()
                update = fake.send_message(ALICE, "/about")
                wait_until(lambda: len(set(balancer.backends_of(update["update_id"]))) == 2,
                           30, "the repeat never reached the other instance")
                wait_until(lambda: answers(fake, ALICE, mark), 20, "no answer")
                time.sleep(1.5)  # the repeat had time to be (wrongly) answered
                assert len(answers(fake, ALICE, mark)) == 1

                # ...and a repeated "I did it" press counts once
                mark = fake.mark()
                fake.send_message(ALICE, "/today")
                action = fake.wait_for_message(ALICE, after=mark, timeout=20)
                balancer.answer_late(1)
                mark = fake.mark()
                press = fake.press_button(ALICE, ALICE, action["message_id"],
                                          button_data(action, "did"))
                wait_until(lambda: len(set(balancer.backends_of(press["update_id"]))) == 2,
                           30, "the repeated press never reached the other instance")
                wait_until(lambda: fake.calls_to("answerCallbackQuery"), 20, "no answer")
                time.sleep(1.5)
                assert len([c for c in fake.calls[mark:]
                            if c.method == "answerCallbackQuery"]) == 1
                assert count_rows(pg_database, "completions", "edition",
                                  load_campaign(first.campaign).edition) == 1
                repeats = sum(i.metrics().get(("tgbot_updates_repeated_total", ()), 0)
                              for i in instances)
                assert repeats == 2

                # §2 /reload on the first instance reaches the second, whose file is as it was
                text = first.campaign.read_text(encoding="utf-8")
                first.campaign.write_text(text.replace(ABOUT, "EDITED " + ABOUT),
                                          encoding="utf-8")
                balancer.pin = 0
                assert "✅" in ask(fake, ORGANISER, "/reload")
                balancer.pin = 1
                reloaded_at = time.monotonic()
                while "EDITED" not in ask(fake, ALICE, "/about"):  # at its next beat
                    assert time.monotonic() - reloaded_at < 10, "the second kept the old campaign"
                    time.sleep(0.5)  # (the flood gate allows one message a second)
                assert "EDITED" not in second.campaign.read_text(encoding="utf-8")
                balancer.pin = 0
                assert "EDITED" in ask(fake, ALICE, "/about")

                # a broken file is refused, and every instance keeps the last good campaign
                first.campaign.write_text(text.replace("actions:", "actions: [", 1),
                                          encoding="utf-8")
                assert "❌" in ask(fake, ORGANISER, "/reload")
                time.sleep(2.5)  # a beat later
                for index in (0, 1):
                    balancer.pin = index
                    assert "EDITED" in ask(fake, ALICE, "/about")

                # §3 both status ports: exactly one instance sends
                scraped = [i.metrics() for i in instances]
                assert sorted(m[("tgbot_sender", ())] for m in scraped) == [0, 1]
                handled = sum(m.get(("tgbot_updates_total", (("kind", "message"),)), 0)
                              for m in scraped)
                assert handled >= 8
                assert all(m[("tgbot_handler_seconds_count", ())] >= 1 for m in scraped)
                assert all(i.get("/healthz").status_code == 200 for i in instances)

                # §4 `tgbot status` from the heartbeats: two instances, one of them sends
                status = subprocess.run(
                    [sys.executable, "-m", "tgbot", "status"], capture_output=True,
                    text=True, timeout=60, env={**os.environ, "TGBOT_DB": pg_database,
                                                "TGBOT_CAMPAIGN": str(second.campaign)})
                assert status.returncode == 0, status.stderr
                lines = status.stdout.splitlines()
                assert "instances: 2" in lines
                rows = [line for line in lines if line.startswith("  ")]
                assert [row.split()[-1] for row in rows].count("sends") == 1
                sender = next(row.split()[0] for row in rows if row.endswith("sends"))
                assert f"sender lock: held by {sender}" in lines
                assert any(line.startswith("outbox (push): backlog ") for line in lines)
            finally:
                for instance in instances:
                    instance.stop()
        for instance in instances:
            log = instance.log.read_text()
            assert "Traceback" not in log, log[-3000:]
            assert log.count(" started: mode webhook") == 1
        logs = [i.log.read_text() for i in instances]
        assert sum("sends the push" in log for log in logs) == 1


@pytest.mark.long
def test_postgresql_stops_mid_broadcast_and_comes_back(
        own_postgres: postgres.ThrowawayPostgres, tmp_path: Path) -> None:
    """A few seconds without the database: readiness says so, a person writing meanwhile
    gets an apology in their language, and once it is back the broadcast finishes, with no
    restart and nobody missed."""
    db = postgres.create_database(own_postgres.url)
    chat_ids = list(range(70_000, 70_200))
    writer = 79
    with FakeBotAPI() as fake:
        for chat_id in chat_ids:
            fake.add_user(chat_id)
        fake.add_user(writer, language_code="fr")
        asyncio.run(subscribe_all(db, chat_ids))
        fake.set_rate_limits(per_second=30, per_chat_per_second=1, per_group_per_minute=20)
        with Balancer([]) as balancer:
            instance = Instance(fake, db, tmp_path / "a", balancer.port)
            balancer.backends.append(instance.port)
            try:
                wait_until(lambda: len(broadcast(fake, set(chat_ids))) >= 40, 60,
                           "the broadcast never started")
                own_postgres.pause()
                assert instance.get("/readyz").status_code == 503
                mark = fake.mark()
                fake.send_message(writer, "/about")
                sorry = fake.wait_for_message(writer, after=mark, timeout=20)["text"]
                assert sorry == I18n(ROOT / "locales").get("fr").gettext(
                    "😔 Sorry, something went wrong on my side. Please try again in a moment.")
                time.sleep(2)
                own_postgres.resume()
                wait_until(instance.ready, 30, "readiness never came back")
                wait_until(lambda: {int(c.params["chat_id"]) for c in
                                    broadcast(fake, set(chat_ids)) if c.ok} == set(chat_ids),
                           60, "the broadcast did not resume")
                assert instance.process.poll() is None  # no restart
                assert "impunité" in ask(fake, writer, "/about")
            finally:
                instance.stop()
        received = Counter(int(c.params["chat_id"]) for c in broadcast(fake, set(chat_ids))
                           if c.ok)
        assert sum(n - 1 for n in received.values()) <= 8  # at most the rows in flight
