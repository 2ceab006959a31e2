"""Partner organisations see their own impact: a partner's link (start=p_<code>) is kept on the
chat, a partner's organiser's /stats shows only that partner's figures, in their language, an
organiser's shows every partner, and any count under 5 reads "<5". /mydata shows the partner,
/forget deletes it; `tgbot export --partners-csv` writes per-partner rows; a malformed
TGBOT_PARTNERS stops `tgbot run` with one line."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers.harness import (
    ACTIONS,
    Clock,
    button_data,
    forget_everything,
    press,
    running_bot,
    say,
)
from tgbot.config import ConfigError, parse_partners
from tgbot.domain import partners
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.partners import PartnerFigures
from tgbot.domain.stats import Stats
from tgbot.fakeapi import FakeBotAPI
from tgbot.messages.chart import chart
from tgbot.storage.migrations import migrations
from tgbot.storage.store import Store

CAMPAIGN = load_campaign(ACTIONS)
ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
CPJ_ORGANISERS, RSF_ORGANISER = (111, 222), 333
PARTNERS = {"cpj": frozenset(CPJ_ORGANISERS), "rsf": frozenset({RSF_ORGANISER})}
CPJ_PEOPLE = list(range(7001, 7007))  # six people through cpj's link
RSF_PEOPLE = [7101, 7102]
DATA = Path(__file__).parent / "data"


async def stats_text(fake: FakeBotAPI, user_id: int) -> str:
    """/stats as `user_id` sends it: the text of the bot's answer."""
    return (await say(fake, user_id, "/stats", timeout=15))["text"]


async def did_it(fake: FakeBotAPI, user_id: int, command: str) -> None:
    """Open a day's action with `command` and press "I did it" under it."""
    action = await say(fake, user_id, command)
    await press(fake, user_id, action, button_data(action, "I did it"),
                expect="editMessageReplyMarkup")


async def test_partners_see_their_own_figures_and_organisers_see_all(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, database: str) -> None:
    for user in (*CPJ_PEOPLE, *RSF_PEOPLE, ORGANISER, *CPJ_ORGANISERS, 7999):
        fake.add_user(user)
    fake.add_user(RSF_ORGANISER, language_code="fr")
    async with running_bot(fake, tmp_path, clock, db=database, partners=PARTNERS) as bot:
        for user in CPJ_PEOPLE:
            await say(fake, user, "/start p_cpj")
        for user in RSF_PEOPLE:
            await say(fake, user, "/start p_rsf")
        await say(fake, CPJ_PEOPLE[0], "/start p_rsf")  # a chat keeps its first partner
        await say(fake, 7999, "/start p_unknown")  # no such partner: nothing kept
        for user in (*CPJ_PEOPLE[:5], RSF_PEOPLE[0]):
            await say(fake, user, "/subscribe")
        for user in CPJ_PEOPLE[:5]:
            await did_it(fake, user, "/today")  # day 5
        for user in (CPJ_PEOPLE[5], RSF_PEOPLE[0]):
            await did_it(fake, user, "/action 3")
        store = bot.bot_data.store
        assert await store.partner(CPJ_PEOPLE[0]) == "cpj"
        assert await store.partner(7999) is None

        mark = fake.mark()
        for cpj_organiser in CPJ_ORGANISERS:
            cpj = await stats_text(fake, cpj_organiser)
            assert "Partner cpj: 6 started, 5 subscribed" in cpj
            assert "Completions per day: 3: <5, 5: 5" in cpj
            assert "Counts under 5 show as <5" in cpj
            assert "rsf" not in cpj and "Subscribers" not in cpj
        assert not [c for c in fake.calls[mark:] if c.method == "sendPhoto"]  # no chart
        rsf = await stats_text(fake, RSF_ORGANISER)
        assert "Partenaire rsf\u00a0: <5 arrivées, <5 abonnements" in rsf
        assert "Actions accomplies par jour\u00a0: 3: <5" in rsf
        assert "cpj" not in rsf

        everything = await stats_text(fake, ORGANISER)
        assert "Subscribers: 6 (private 6, groups <5, channels <5)" in everything
        assert "By language: en 6" in everything
        assert "Completions per day: 3: <5, 5: 5" in everything
        assert "By partner organisation:\nPartner cpj: 6 started, 5 subscribed\n" \
               "Completions per day: 3: <5, 5: 5\nPartner rsf: <5 started, <5 subscribed\n" \
               "Completions per day: 3: <5" in everything

        mydata = await say(fake, CPJ_PEOPLE[0], "/mydata")
        assert "You came through the link of the partner organisation cpj" in mydata["text"]
        confirm = await say(fake, CPJ_PEOPLE[0], "/forget")
        await forget_everything(fake, CPJ_PEOPLE[0], confirm)
        assert await store.partner(CPJ_PEOPLE[0]) is None
        mydata = await say(fake, CPJ_PEOPLE[0], "/mydata")
        assert "partner organisation" not in mydata["text"]
        figures = await store.partner_figures(CAMPAIGN, ["cpj"], others=False)
        assert figures == {"cpj": PartnerFigures(5, 4, Counter({5: 4, 3: 1}))}


def tgbot(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tgbot", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **env})


@pytest.mark.parametrize(("value", "problem"), [
    ("cpj:98765;Bad-Code:43210", "check partner 2"),
    ("cpj", "check partner 1"),
    ("cpj:98765,me", "check partner 1"),
    ("cpj:98765;cpj:43210", "names the partner cpj twice"),
])
def test_a_malformed_partners_setting_is_one_line_without_the_ids(
        tmp_path: Path, value: str, problem: str) -> None:
    result = tgbot("run", env={"TGBOT_TOKEN": "123456:" + "A" * 35, "TGBOT_PARTNERS": value,
                               "TGBOT_DB": str(tmp_path / "x.sqlite3"),
                               "TGBOT_API_URL": "http://127.0.0.1:9"})  # nothing listens
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("tgbot: TGBOT_PARTNERS") and problem in line
    assert "98765" not in line and "43210" not in line


def test_partners_setting_parses() -> None:
    assert parse_partners(" cpj: 111, 222 ; rsf:333; ") == PARTNERS
    assert parse_partners("") == {}
    with pytest.raises(ConfigError):
        parse_partners("x" * 33 + ":1")
    assert partners.partner_of("p_cpj", PARTNERS) == "cpj"
    assert partners.partner_of("p_unknown", PARTNERS) is None
    assert partners.partner_of("cpj", PARTNERS) is None


async def test_cli_export_writes_rows_per_partner(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    try:
        today = CAMPAIGN.date_of(5)
        for user in range(8001, 8008):
            await store.set_subscribed(user, "private", True, today)
            await store.record_partner(user, "cpj" if user < 8007 else "rsf")
            await store.set_completed(user, 2027, CAMPAIGN.action_for_day(1).id, True, today)
        await store.set_completed(8001, 2027, CAMPAIGN.action_for_day(2).id, True, today)
    finally:
        await store.close()
    report, per_partner = tmp_path / "report.csv", tmp_path / "partners.csv"
    env = {"TGBOT_PARTNERS": "cpj:111;rsf:333;ipi:444", "TGBOT_DB": str(db),
           "TGBOT_CAMPAIGN": str(ACTIONS)}
    result = tgbot("export", "--csv", str(report), "--partners-csv", str(per_partner), env=env)
    assert result.returncode == 0, result.stderr
    assert per_partner.read_text().splitlines() == [
        "partner,figure,day,count",
        "cpj,started,,6", "cpj,subscribed,,6", "cpj,completions,1,6", "cpj,completions,2,<5",
        "ipi,started,,<5", "ipi,subscribed,,<5",
        "rsf,started,,<5", "rsf,subscribed,,<5", "rsf,completions,1,<5"]
    assert f"1,{CAMPAIGN.action_for_day(1).id},{today},?,7" in report.read_text()
    assert f"2,{CAMPAIGN.action_for_day(2).id},{today},?,<5" in report.read_text()


async def test_an_old_database_file_gets_partners(tmp_path: Path) -> None:
    """tests/data/v1.sqlite3 (the first release): chats and completions gain a partner."""
    path = tmp_path / "old.sqlite3"
    shutil.copy(DATA / "v1.sqlite3", path)
    store = await Store.open(path)
    try:
        assert await store.applied_migrations() == [name for name, _ in migrations("sqlite")]
        assert "0011_partners" in await store.applied_migrations()
        assert await store.partner(1001) is None
        assert await store.record_partner(1001, "cpj") is True
        assert await store.record_partner(1001, "rsf") is False  # the first one stays
        assert await store.partner(1001) == "cpj"
        day2 = CAMPAIGN.action_for_day(2).id
        assert await store.set_completed(1001, 2027, day2, True, CAMPAIGN.date_of(2))
        # the completion made before the link counts for nobody; the new one for cpj
        assert await store.completed(1001, 2027) == {"maguindanao-letter", day2}
        assert await store.partner_figures(CAMPAIGN, ["cpj", "rsf"], others=False) == {
            "cpj": PartnerFigures(1, 1, Counter({2: 1})), "rsf": PartnerFigures()}
    finally:
        await store.close()


def test_the_chart_shows_no_count_under_5() -> None:
    """A day with 1 to 4 completions is a bar up to 5 labelled "<5"; the line starts at 5."""
    figures = Stats(per_action=Counter({1: 3, 2: 8, 3: 1}),
                    subscriptions_by_date=[("2027-11-01", 2), ("2027-11-02", 4),
                                           ("2027-11-03", 1)])
    days, growth = chart(figures, "title", 23).axes
    heights = {round(bar.get_x() + bar.get_width() / 2): bar.get_height()
               for bar in days.patches if bar.get_height()}
    assert heights == {1: 5, 2: 8, 3: 5}
    assert sorted(text.get_text() for text in days.texts) == ["<5", "<5"]
    [line] = growth.get_lines()
    assert list(line.get_ydata()) == [6, 7]
