"""End to end: a second campaign of another length (16 days, 25 November to 10 December, in
another organisation's name and zone) runs from its file alone: /today, /action, progress,
the push, the preview, `tgbot check` and `tgbot run`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ALICE, BRUNO
from tests.helpers.harness import (
    ROOT,
    Clock,
    button_data,
    press,
    push_round,
    running_bot,
    say,
    sent_to,
)
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI

CAMPAIGN16 = ROOT / "tests" / "data" / "campaign16" / "actions.yaml"
MANILA = "Asia/Manila"


def test_the_file_alone_sets_the_length_the_dates_and_the_names() -> None:
    campaign = load_campaign(CAMPAIGN16)
    assert campaign.days == 16 and len(campaign.actions) == 16
    assert campaign.day_of(campaign.end_date) == 16
    assert campaign.reached(campaign.end_date.replace(day=31)) == 16


async def test_a_16_day_campaign_runs_with_no_code_change(fake: FakeBotAPI, tmp_path: Path,
                                                          clock: Clock, database: str) -> None:
    campaign = load_campaign(CAMPAIGN16)
    clock.set_local("2027-11-27", "10:00", MANILA)  # day 3, after the 08:00 push
    async with running_bot(fake, tmp_path, clock, db=database,
                           campaign=CAMPAIGN16) as application:
        welcome = await say(fake, ALICE, "/start")
        assert "Free Voices Network" in welcome["text"]
        assert "from 25 November 2027 to 10 December 2027" in welcome["text"]
        assert "23" not in welcome["text"] and "Maguindanao" not in welcome["text"]
        today = await say(fake, ALICE, "/today")
        assert "Day 3 of 16" in today["text"]
        assert campaign.action_for_day(3).title in today["text"]
        await press(fake, ALICE, today, button_data(today, "I did it"),
                    expect="editMessageReplyMarkup")
        progress = await say(fake, ALICE, "/progress")
        assert "completed 1 action of 16" in progress["text"].replace("<b>", "").replace(
            "</b>", "")
        refused = await say(fake, ALICE, "/action 17")
        assert refused["text"] == ("Send /action with a day number from 1 to 16, for example: "
                                   "/action 5")
        portuguese = await say(fake, BRUNO, "/action 17")
        assert "de 1 a 16" in portuguese["text"]
        later = await say(fake, ALICE, "/action 16")
        assert later["text"] == "🔒 Day 16 opens on 10 December 2027."
        every = await say(fake, ALICE, "/actions")
        assert "16 Days for Women Journalists" in every["text"]
        assert "16. Opens on 10 December" in every["text"] and "17." not in every["text"]

        await say(fake, BRUNO, "/subscribe")
        await push_round(application)
        pushed = sent_to(fake, BRUNO, "16")
        assert pushed and "Dia 3 de 16" in pushed[-1]["text"], pushed

        clock.set_local("2027-12-10", "10:00", MANILA)
        last = await say(fake, ALICE, "/action 16")
        assert "Day 16 of 16" in last["text"]
        assert campaign.action_for_day(16).title in last["text"]
        clock.set_local("2027-12-11", "10:00", MANILA)
        over = await say(fake, ALICE, "/today")
        assert "You completed 1 action of 16." in over["text"]


def tgbot(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tgbot", *args], capture_output=True,
                          text=True, timeout=120, env=env, cwd=ROOT)


def test_tgbot_check_and_preview_take_the_16_day_file() -> None:
    checked = tgbot("check", str(CAMPAIGN16))
    assert checked.returncode == 0, checked.stderr
    assert "16 actions" in checked.stdout
    preview = tgbot("preview", "--campaign", str(CAMPAIGN16), "--date", "2027-12-10")
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Day 16 of 16 · 10 December")
    outside = tgbot("preview", "--campaign", str(CAMPAIGN16), "--date", "2027-12-11")
    assert outside.returncode != 0 and "2027-11-25" in outside.stderr + outside.stdout


def test_tgbot_run_answers_from_the_16_day_file(tmp_path: Path) -> None:
    with FakeBotAPI() as fake:
        fake.add_user(ALICE)
        env = {**os.environ, "TGBOT_TOKEN": fake.token, "TGBOT_API_URL": fake.root_url,
               "TGBOT_DB": str(tmp_path / "bot.sqlite3"), "TGBOT_CAMPAIGN": str(CAMPAIGN16),
               "TGBOT_LOCALES": str(ROOT / "locales")}
        process = subprocess.Popen([sys.executable, "-m", "tgbot", "run"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            fake.wait_polling(timeout=60)
            mark = fake.mark()
            fake.send_message(ALICE, "/action 17")
            answer = fake.wait_for_message(ALICE, after=mark, timeout=30)
        finally:
            process.terminate()
            out, _ = process.communicate(timeout=30)
    assert answer["text"] == ("Send /action with a day number from 1 to 16, for example: "
                              "/action 5"), out
    assert "2027-11-25 to 2027-12-10" in out
