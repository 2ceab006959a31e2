"""Progress of long command-line work: a bar on a terminal, plain lines in a log."""

from __future__ import annotations

import sys
from typing import TextIO


class ProgressReport:
    """Call `update(done)`; a terminal sees one redrawn bar, a file or pipe a line per 10%."""

    def __init__(self, total: int, label: str, stream: TextIO = sys.stderr) -> None:
        self.total, self.label, self.stream = max(total, 1), label, stream
        self.tty = stream.isatty()
        self._last_tenth = -1

    def update(self, done: int) -> None:
        """Report `done` of the total: redraw the bar, or write a line at each new tenth."""
        share = min(done / self.total, 1.0)
        if self.tty:
            bar = "#" * int(share * 30)
            self.stream.write(f"\r{self.label} [{bar:<30}] {done}/{self.total}")
            if share >= 1.0:
                self.stream.write("\n")
        elif int(share * 10) > self._last_tenth:
            self._last_tenth = int(share * 10)
            self.stream.write(f"{self.label}: {done}/{self.total}\n")
        self.stream.flush()
