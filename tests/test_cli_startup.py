"""What a `tgbot` command imports: only the commands that talk to Telegram load its library.

Most of a process's start is imports; a command that reads only files or the database
(`tgbot status`, `tgbot check`...) starts without python-telegram-bot, its HTTP clients, the
scheduler or the engine. Each command runs for real, in a fresh process, on a real database.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.harness import ACTIONS, subscribe_all

# the libraries of a bot that talks to Telegram, and the parts of tgbot built on them
TELEGRAM_SIDE = ("telegram", "aiohttp", "httpx", "tornado", "apscheduler", "tgbot.app",
                 "tgbot.context", "tgbot.delivery", "tgbot.fakeapi", "tgbot.messages")
# runs `tgbot ARGS...`, then writes the name of every module it imported to the file named first
RUN_AND_LIST_MODULES = (
    "import sys\n"
    "from pathlib import Path\n"
    "from tgbot.cli.main import main\n"
    "status = main(sys.argv[2:])\n"
    "Path(sys.argv[1]).write_text('\\n'.join(sys.modules), encoding='utf-8')\n"
    "sys.exit(status)\n")


@pytest.mark.parametrize("command", [
    ["check", "{campaign}"], ["catalogs"], ["status"], ["stats"],
    ["export", "--csv", "{tmp}/report.csv"], ["backup", "{tmp}/copy.sqlite3"],
    ["copy-db", "{db}", "{tmp}/copied.sqlite3"], ["init", "{tmp}/new"]])
def test_commands_on_files_and_the_database_import_nothing_of_telegram(
        tmp_path: Path, command: list[str]) -> None:
    db = tmp_path / "bot.sqlite3"
    asyncio.run(subscribe_all(str(db), [1, 2]))
    listed = tmp_path / "modules.txt"
    args = [arg.format(campaign=ACTIONS, tmp=tmp_path, db=db) for arg in command]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    result = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST_MODULES, str(listed), *args], cwd=tmp_path,
        env={**clean, "TGBOT_DB": str(db), "TGBOT_CAMPAIGN": str(ACTIONS),
             "TGBOT_ID_KEY_FILE": f"{db}.idkey"},  # copy-db gives the copy the source's key
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    imported = listed.read_text(encoding="utf-8").split()
    inside = tuple(f"{side}." for side in TELEGRAM_SIDE)
    assert [m for m in imported if m in TELEGRAM_SIDE or m.startswith(inside)] == []
