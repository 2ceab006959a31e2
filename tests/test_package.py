"""The bot as operators install it: a wheel in a fresh virtual environment, run from an empty
folder, finds its catalogs and answers in French against the loopback Bot API."""

from __future__ import annotations

import datetime as dt
import os
import site
import subprocess
import sys
import sysconfig
import zoneinfo
from pathlib import Path

import pytest

from tests.helpers.harness import ACTIONS, ROOT, campaign_copy, campaign_starting
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import I18n

USER = 7001
# One worker builds the wheel once for the module (pytest-xdist sends the group to one worker).
pytestmark = pytest.mark.xdist_group("wheel")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding only the built wheel (its dependencies come from ours)."""
    scratch = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(scratch / "dist"), str(ROOT)], check=True, timeout=300)
    wheel = next((scratch / "dist").glob("*.whl"))
    venv = scratch / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages",
                    str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    purelib = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                              "['purelib'])"], check=True, capture_output=True,
                             text=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
            *site.getsitepackages()}
    # A plain path line: our dependencies, but not our editable install's import hook.
    Path(purelib, "dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "-q", str(wheel)], check=True, timeout=300)
    return venv


def run_in(venv: Path, folder: Path, *args: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(venv / "bin" / "tgbot"), *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=60)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    return {**env, **extra}


@pytest.mark.long
def test_the_wheel_carries_the_catalogs(installed: Path, tmp_path: Path) -> None:
    where = subprocess.run([installed / "bin" / "python", "-c",
                            "import tgbot, tgbot.config as c; print(tgbot.__file__); "
                            "print(c.Settings.from_env().locales)"],
                           cwd=tmp_path, env=clean_env(), capture_output=True, text=True,
                           check=True).stdout.split()
    assert where[0].startswith(str(installed)), where
    assert Path(where[1]) == Path(where[0]).parent / "locales"
    assert (Path(where[1]) / "fr" / "LC_MESSAGES" / "tgbot.po").is_file()
    overridden = subprocess.run([installed / "bin" / "python", "-c",
                                 "import tgbot.config as c; print(c.Settings.from_env().locales)"],
                                cwd=tmp_path, env=clean_env(TGBOT_LOCALES="/srv/catalogs"),
                                capture_output=True, text=True, check=True).stdout.strip()
    assert overridden == "/srv/catalogs"
    version = run_in(installed, tmp_path, "--version", env=clean_env())
    assert version.returncode == 0
    assert version.stdout.strip() == f"tgbot {version_of_checkout()}"


def version_of_checkout() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "tgbot" / "__init__.py").read_text(), namespace)  # noqa: S102 - our own file
    return namespace["__version__"]


def campaign_running_today(folder: Path) -> Path:
    """The campaign moved so that today (in its zone) is one of its days."""
    today = dt.datetime.now(zoneinfo.ZoneInfo("America/Toronto")).date()
    start = min(today, dt.date(today.year, 12, 9))
    text = ACTIONS.read_text(encoding="utf-8")
    return campaign_copy(folder, campaign_starting(text, start))


def test_installed_bot_answers_in_french_from_an_empty_folder(installed: Path,
                                                              tmp_path: Path) -> None:
    campaign_path = campaign_running_today(tmp_path / "campaign")
    empty = tmp_path / "empty"
    empty.mkdir()
    french = I18n(ROOT / "locales").get("fr")
    campaign = load_campaign(campaign_path)
    today = dt.datetime.now(campaign.tz).date()
    action = campaign.action_for_day(campaign.day_of(today))
    with FakeBotAPI() as fake:
        fake.add_user(USER, first_name="Claire", language_code="fr")
        env = clean_env(TGBOT_TOKEN=fake.token, TGBOT_API_URL=fake.root_url,
                        TGBOT_DB=str(tmp_path / "bot.sqlite3"),
                        TGBOT_CAMPAIGN=str(campaign_path))
        bot = subprocess.Popen([str(installed / "bin" / "tgbot"), "run"], cwd=empty, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            fake.wait_polling(timeout=30)
            mark = fake.mark()
            fake.send_message(USER, "/start")
            welcome = fake.wait_for_message(USER, after=mark, timeout=15)
            assert "Bienvenue" in welcome["text"]
            mark = fake.mark()
            fake.send_message(USER, "/today")
            message = fake.wait_for_message(USER, after=mark, timeout=15)
            title = french.gettext(action.title)
            assert title != action.title
            assert title in message["text"]
        finally:
            bot.terminate()
            output, _ = bot.communicate(timeout=30)
    assert "Traceback" not in output, output
    assert "FileNotFoundError" not in output, output


def test_run_help_shows_the_defaults() -> None:
    shown = subprocess.run([sys.executable, "-m", "tgbot", "run", "--help"],
                           capture_output=True, text=True, check=True,
                           env={**clean_env(), "COLUMNS": "200"}).stdout
    for default in ("TGBOT_API_URL; default https://api.telegram.org",
                    "TGBOT_DB; default ./tgbot.sqlite3", "TGBOT_CAMPAIGN; default actions.yaml",
                    "TGBOT_LOG_LEVEL; default INFO", "address (default 127.0.0.1)",
                    "port (default 8443)", "TGBOT_TOKEN; required"):
        assert default in shown, shown


def test_the_wheel_carries_every_module_of_the_checkout(installed: Path) -> None:
    """A folder missing from pyproject's package list would be left out of the wheel."""
    site = next(installed.glob("lib/python*/site-packages"))
    shipped = {p.relative_to(site).as_posix() for p in (site / "tgbot").rglob("*.py")}
    checkout = {p.relative_to(ROOT).as_posix() for p in (ROOT / "tgbot").rglob("*.py")}
    assert checkout - shipped == set()


def test_init_writes_the_shipped_campaign_that_check_accepts_outside_a_checkout(
        installed: Path, tmp_path: Path) -> None:
    made = run_in(installed, tmp_path, "init", "mine", env=clean_env())
    assert made.returncode == 0, made.stderr
    folder = tmp_path / "mine"
    assert (folder / "actions.yaml").read_bytes() == ACTIONS.read_bytes()
    assert {p.name for p in (folder / "images").iterdir()} == \
        {p.name for p in (ROOT / "images").glob("*.png")}
    checked = run_in(installed, folder, "check", env=clean_env())
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("actions.yaml: OK (23 Actions in 23 Days 2027, 23 actions")
    assert "shipped" not in checked.stderr  # the folder's own file, not the fallback
    again = run_in(installed, tmp_path, "init", "mine", env=clean_env())
    assert again.returncode == 2
    assert again.stderr.strip().splitlines() == [
        "tgbot: mine/actions.yaml already exists: `tgbot init` writes a new campaign "
        "only where there is none (choose another folder)"]


def test_commands_that_read_a_campaign_fall_back_on_the_shipped_one(installed: Path,
                                                                    tmp_path: Path) -> None:
    checked = run_in(installed, tmp_path, "check", env=clean_env())
    assert checked.returncode == 0, checked.stderr
    notes = [line for line in checked.stderr.splitlines() if "shipped" in line]
    assert len(notes) == 1 and "no actions.yaml in this folder" in notes[0], checked.stderr
    assert "tgbot init" in notes[0]
    preview = run_in(installed, tmp_path, "preview", "--date", "2027-11-05", env=clean_env())
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith("Day 5 of 23")
    status = run_in(installed, tmp_path, "status", "--db", str(tmp_path / "none.sqlite3"),
                    env=clean_env())
    assert "no actions.yaml in this folder" in status.stderr
    assert "actions.yaml: cannot read" not in status.stderr
