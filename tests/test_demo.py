"""`tgbot demo` driven through a pseudo-terminal, as a newcomer would use it."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tgbot.cli.demo import _demo
from tgbot.cli.main import _parser
from tgbot.storage.store import Store


class Terminal:
    """A process on a pseudo-terminal: type lines, wait for text on the screen."""

    def __init__(self, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave,
                                        close_fds=True)
        os.close(slave)
        self.screen = ""

    def expect(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{text!r} not shown; screen ends with:\n{self.screen[-800:]}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.screen += os.read(self.master, 65536).decode("utf-8", "replace")
                except OSError:
                    break
        return self.screen

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> int:
        try:
            return self.process.wait(timeout=15)
        finally:
            os.close(self.master)


def test_demo_start_press_a_button_and_switch_language() -> None:
    terminal = Terminal(sys.executable, "-m", "tgbot", "demo", "--date", "2027-11-05")
    try:
        terminal.expect("/quit leaves.\r\nyou › ")  # the prompt: the terminal echoes after it
        terminal.type("/start")
        screen = terminal.expect("[5] ⚙️ Settings")
        # As the README shows it: your line after "you ›", the bot's after "bot ›", indented.
        assert "you › /start\r\n" in screen
        assert "bot › 👋 Welcome! 23 November is the anniversary of the Maguindanao" in screen
        assert re.search(r"\r\n {6}From 1 November 2027 to 23 November 2027", screen), screen
        assert "\r\n   [1] ❓ Questions   [2] 📅 Today's action\r\n" in screen
        terminal.type("2")
        terminal.expect("Day 5 of 23")
        terminal.type("1")
        assert re.search(r"\r {6}\(✅ Thank you! 1 action done\.\)", terminal.expect("done.)"))
        terminal.type("/language")
        terminal.expect("[2] Français")
        terminal.type("2")
        terminal.expect("Bienvenue")
        terminal.type("/quit")
        assert terminal.close() == 0
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait()


def test_demo_without_a_date_starts_on_a_campaign_day_and_says_so() -> None:
    terminal = Terminal(sys.executable, "-m", "tgbot", "demo")
    try:
        screen = terminal.expect("a number presses that button")
        first = screen.splitlines()[0]
        found = re.search(r"today is \d{4}-\d\d-\d\d, day (\d+) of the campaign", first)
        assert found, first
        database = Path(re.search(r"Database: (\S+) \(thrown away when you quit", screen)[1])
        assert database.is_file()
        terminal.type("/today")
        terminal.expect(f"Day {found[1]} of 23")
        terminal.type("/quit")
        assert terminal.close() == 0
        assert not database.exists()
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
            terminal.process.wait()


async def test_quitting_the_demo_hands_over_the_sender_lock_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo stops as `tgbot run` does: a bot started next on its database sends at once."""
    db = tmp_path / "demo.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("/today\n/quit\n"))
    args = _parser().parse_args(["demo", "--date", "2027-11-05", "--db", str(db)])
    assert await _demo(args, tmp_path) == 0
    store = await Store.open(str(db))
    lock = store.sender_lock()
    try:
        assert await lock.acquire()
        assert await store.instances() == []  # and its heartbeat is gone: nobody waits for it
    finally:
        await lock.release()
        await store.close()


async def test_a_second_demo_session_on_the_same_database_answers_its_first_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--db keeps the update ids the bot handled; the next session's ids must not repeat them."""
    db = tmp_path / "demo.sqlite3"
    args = _parser().parse_args(["demo", "--date", "2027-11-05", "--db", str(db)])
    monkeypatch.setattr(sys, "stdin", io.StringIO("/start\n/subscribe\n/quit\n"))
    assert await _demo(args, tmp_path) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("/progress\n/quit\n"))
    assert await _demo(args, tmp_path) == 0
    assert "You have completed" in capsys.readouterr().out.replace("<b>", "")
