"""Every bad input an operator or organiser can give gets one line naming the problem and the
fix, never a traceback: real `tgbot` processes, real files, the loopback Bot API."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.harness import ACTIONS, Clock, campaign_copy, running_bot, say, subscribe_all
from tgbot.fakeapi import FakeBotAPI

ORGANISER = 4242  # in TGBOT_ADMINS of the test settings
TEXT = ACTIONS.read_text(encoding="utf-8")


def tgbot(*args: str, cwd: Path | None = None, input: str | None = None,
          **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    return subprocess.run([sys.executable, "-m", "tgbot", *args], cwd=cwd, input=input,
                          env={**clean, **env}, capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess[str], status: int = 2) -> str:
    """The single line a failed command printed on stderr."""
    assert result.returncode == status, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def changed(folder: Path, old: str, new: str) -> Path:
    assert old in TEXT, old
    return campaign_copy(folder, TEXT.replace(old, new, 1))


def line_of(text: str, path: Path) -> int:
    return path.read_text(encoding="utf-8").split(text)[0].count("\n") + 1


# --- the campaign file -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["check"], ["preview", "--date", "2027-11-05"],
                                     ["demo"], ["run"]])
def test_an_impossible_date_is_one_line_in_every_command(tmp_path: Path,
                                                         command: list[str]) -> None:
    path = changed(tmp_path, "start_date: 2027-11-01", "start_date: 2027-11-31")
    args = [*command, str(path)] if command == ["check"] else [*command, "--campaign", str(path)]
    result = tgbot(*args, input="/quit\n", TGBOT_TOKEN="123456789:" + "A" * 35,
                   TGBOT_API_URL="http://127.0.0.1:9")
    line = one_line(result)
    assert line.startswith(f"{path}:{line_of('start_date:', path)}: '2027-11-31' is not a real "
                           "date"), line
    assert "YYYY-MM-DD" in line


async def test_reload_reports_an_impossible_date(fake: FakeBotAPI, tmp_path: Path, clock: Clock,
                                                 database: str) -> None:
    fake.add_user(ORGANISER)
    campaign = campaign_copy(tmp_path, TEXT)
    async with running_bot(fake, tmp_path, clock, db=database, campaign=campaign):
        campaign.write_text(TEXT.replace("start_date: 2027-11-01", "start_date: 2027-11-31"),
                            encoding="utf-8")
        refused = await say(fake, ORGANISER, "/reload")
        assert f"{campaign}:{line_of('start_date:', campaign)}: '2027-11-31' is not a real " \
               "date" in refused["text"]
        assert "unchanged" in refused["text"]


def check_problems(path: Path) -> list[str]:
    result = tgbot("check", str(path))
    assert result.returncode == 2, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr.strip().splitlines()


@pytest.mark.parametrize(("old", "new", "snippet", "expected"), [
    ("The {edition} campaign, <b>23", "The {edtion} campaign, <b>23", "{edtion}",
     "unknown placeholder {edtion} in 'answer' of faq entry at line "),
    ("The {edition} campaign, <b>23", "The {edition campaign, <b>23", "{edition campaign",
     "'{edition' is not a placeholder; write one as {name}, with both braces"),
    ("culminates on <b>{end_date}</b>", "culminates on {end_date}}", "{end_date}}",
     "'{end_date}}' is not a placeholder"),
    ('title: "', 'title: "The {edition} ', 'title: "The {edition}',
     "unknown placeholder {edition} in 'title' of action at line "),
])
def test_misspelt_placeholders_are_named_with_their_line(tmp_path: Path, old: str, new: str,
                                                         snippet: str, expected: str) -> None:
    path = changed(tmp_path, old, new)
    problems = check_problems(path)
    assert any(p.startswith(f"{path}:{line_of(snippet, path)}: ") and expected in p
               for p in problems), problems
    if "{edtion}" in new:
        assert any("(did you mean {edition}?" in p for p in problems), problems
    if "title" in old:
        assert any("(known here: none;" in p for p in problems), problems


def test_html_errors_point_at_the_broken_tag(tmp_path: Path) -> None:
    """Day 1's body is a block of several lines: the error names the line of the bad tag."""
    body = TEXT.split("  - day: 1\n", 1)[1].split("    body: |\n", 1)[1].split("\n")
    third = body[2]
    assert third.strip(), body[:3]
    path = changed(tmp_path, third, third + " <br>")
    problems = check_problems(path)
    assert problems == [f"{path}:{line_of(third + ' <br>', path)}: 'body' in action at line "
                        f"{line_of('  - day: 1', path)} is not valid Telegram HTML: "
                        'Unsupported start tag "br"'], problems
    path = changed(tmp_path, third, third + " <b>bold</i>")
    problems = check_problems(path)
    assert len(problems) == 1 and "byte offset" not in problems[0], problems
    assert problems[0].startswith(f"{path}:{line_of(third + ' <b>', path)}: "), problems
    assert 'expected "</b>", found "</i>"' in problems[0]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('push_time: "09:00"', "push_time: 9:30",
     "'push_time: 9:30' without quotes is a number to YAML (570, minutes in base 60); write "
     'it in quotes: push_time: "09:30"'),
    ('timezone: "America/Toronto"', 'timezone: "Toronto"',
     "unknown time zone 'Toronto' (did you mean America/Toronto?)"),
    ('timezone: "America/Toronto"', "timezone: Europe/Pariss",
     "unknown time zone 'Europe/Pariss' (did you mean Europe/Paris"),
    ('name: "23 Actions in 23 Days"', "name: 23 Actions: in 23 Days",
     "YAML syntax error: a ': ' inside a value: put that text in quotes"),
    ('name: "23 Actions in 23 Days"', 'name: "23 Actions in 23 Days',
     "YAML syntax error: a quote opened on this line is never closed"),
    ('name: "23 Actions in 23 Days"', '\tname: "23 Actions in 23 Days"',
     "YAML syntax error: a tab character: indent with spaces only"),
])
def test_campaign_messages_say_how_to_fix(tmp_path: Path, old: str, new: str,
                                          expected: str) -> None:
    path = changed(tmp_path, old, new)
    problems = check_problems(path)
    first = line_of(new, path)
    assert any(p.startswith(f"{path}:{first}: ") and expected in p for p in problems), problems


# --- the command line ---------------------------------------------------------------------------


def test_webhook_must_be_https(tmp_path: Path) -> None:
    line = one_line(tgbot("run", "--webhook", "http://bot.example.org/hook",
                          "--campaign", str(ACTIONS), TGBOT_TOKEN="123456789:" + "A" * 35,
                          TGBOT_WEBHOOK_SECRET="s3cret"))
    assert line == ("tgbot: --webhook must be a public https:// URL (Telegram requires HTTPS), "
                    "not 'http://bot.example.org/hook'")


@pytest.mark.parametrize("level", ["WARNING", "INFO"])
def test_a_refused_set_webhook_is_one_line(tmp_path: Path, level: str) -> None:
    """Against a local Bot API server (the loopback one here) http:// passes our check, and
    the server's refusal is the one line: not PTB's traceback of its set-webhook loop before
    it, nor a start-up line (at INFO, the lines of what was done before stay)."""
    with FakeBotAPI() as fake:
        fake.fail_next("setWebhook", 400, "Bad Request: bad webhook: Failed to resolve host: "
                                          "Name or service not known")
        result = tgbot("run", "--webhook", "http://bot.invalid/hook", "--port", "0",
                       TGBOT_WEBHOOK_SECRET="s3cret", TGBOT_TOKEN=fake.token,
                       TGBOT_API_URL=fake.root_url,
                       TGBOT_CAMPAIGN=str(ACTIONS), TGBOT_DB=str(tmp_path / "bot.sqlite3"),
                       TGBOT_LOG_LEVEL=level)
    assert " started: " not in result.stderr
    if level == "INFO":  # what the bot did before the refusal, then the line
        result.stderr = "\n".join(line for line in result.stderr.splitlines()
                                   if " INFO tgbot." not in line)
    assert one_line(result) == (
        "tgbot: Telegram refused the webhook http://bot.invalid/hook: Bad webhook: failed to "
        "resolve host: name or service not known (check that the URL is public HTTPS with a "
        "valid certificate)")


@pytest.mark.parametrize("command", [["stats"], ["export", "--csv", "{tmp}/report.csv"],
                                     ["backup", "{tmp}/copy.sqlite3"], ["push", "--dry-run"],
                                     ["copy-db", "{db}", "{tmp}/copy.sqlite3"], ["status"]])
@pytest.mark.parametrize("where", ["missing folder", "mistyped file"])
def test_reading_a_database_that_does_not_exist(tmp_path: Path, command: list[str],
                                                where: str) -> None:
    db = tmp_path / ("no-such-folder/bot.sqlite3" if where == "missing folder"
                     else "bot.sqlite")
    args = [a.format(tmp=tmp_path, db=db) for a in command]
    result = tgbot(*args, *(["--db", str(db)] if command[0] != "copy-db" else []),
                   TGBOT_CAMPAIGN=str(ACTIONS))
    assert one_line(result) == f"tgbot: no database at {db}: check --db or TGBOT_DB"
    assert list(tmp_path.iterdir()) == []  # nothing created: no database, no report


def make_database(path: Path) -> Path:
    """A real database with two subscribers, made by the bot's own store."""
    asyncio.run(subscribe_all(str(path), [1, 2]))
    return path


def test_push_dry_run_needs_no_token(tmp_path: Path) -> None:
    db = make_database(tmp_path / "bot.sqlite3")
    result = tgbot("push", "--dry-run", "--date", "2027-11-05", "--db", str(db),
                   TGBOT_CAMPAIGN=str(ACTIONS))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == ("would send: 2, already sent or queued: 0, "
                                             "subscribers: 2")
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0] == 0


def test_export_and_backup_refuse_to_overwrite_or_write_nowhere(tmp_path: Path) -> None:
    db = make_database(tmp_path / "bot.sqlite3")
    report = tmp_path / "report.csv"
    report.write_text("precious\n")
    for args in (["export", "--csv", str(report)], ["backup", str(report)]):
        line = one_line(tgbot(*args, "--db", str(db), TGBOT_CAMPAIGN=str(ACTIONS)))
        assert line == f"tgbot: {report} exists already; choose a new file name"
    assert report.read_text() == "precious\n"
    nowhere = tmp_path / "missing" / "report.csv"
    for args in (["export", "--csv", str(nowhere)], ["backup", str(nowhere)]):
        line = one_line(tgbot(*args, "--db", str(db), TGBOT_CAMPAIGN=str(ACTIONS)))
        assert line == (f"tgbot: cannot write {nowhere}: the folder {nowhere.parent} does "
                        "not exist")
    written = tgbot("export", "--csv", str(tmp_path / "new.csv"), "--db", str(db),
                    TGBOT_CAMPAIGN=str(ACTIONS))
    assert written.returncode == 0, written.stderr


@pytest.mark.parametrize(("content", "expected"), [
    (b'campaign:\n  name: "caf\xe9"\n', ":2: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    (b"\n", ":1: the file is empty: it needs the campaign, faq and actions sections"),
    (b"campaign:\n  name: [one,\n  two\n", ":2: YAML syntax error: a list in [brackets] opened "
                                          "here is not closed with ]"),
])
def test_unreadable_campaign_files(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "actions.yaml"
    path.write_bytes(content)
    line = one_line(tgbot("check", str(path)))
    assert line.startswith(f"{path}{expected}"), line


@pytest.mark.parametrize("command", [["preview", "--date", "2027-11-05"], ["catalogs"],
                                     ["check"]])
def test_a_mistyped_catalogs_folder_is_one_line(tmp_path: Path, command: list[str]) -> None:
    """Not a bot silently speaking English only."""
    missing = tmp_path / "locale"
    line = one_line(tgbot(*command, TGBOT_LOCALES=str(missing), TGBOT_CAMPAIGN=str(ACTIONS)))
    assert line == f"tgbot: no catalogs folder at {missing}: check TGBOT_LOCALES"
