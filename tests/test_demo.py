"""`tgbot demo` driven through a pseudo-terminal, as a newcomer would use it."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time


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
    terminal = Terminal(sys.executable, "-m", "tgbot.cli", "demo", "--date", "2027-11-05")
    try:
        terminal.expect("a number presses that button")
        terminal.type("/start")
        terminal.expect("[2] 📅 Today's action")
        terminal.type("2")
        terminal.expect("Day 5 of 23")
        terminal.type("/language")
        terminal.expect("[2] Français")
        terminal.type("2")
        terminal.expect("Bienvenue")
        terminal.type("/quit")
        assert terminal.close() == 0
    finally:
        if terminal.process.poll() is None:
            terminal.process.kill()
