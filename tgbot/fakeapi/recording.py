"""The request log of the fake and blocking waits on it (for tests driving a live bot)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Call:
    """One request as the fake understood it and answered it.

    `method` is the documented spelling (e.g. "sendMessage") whatever case the bot used;
    `params` are decoded (JSON fields as Python objects, uploads as `Upload`); `at` is
    time.monotonic() when the request arrived.
    """

    method: str
    params: dict[str, Any]
    ok: bool
    result: Any
    error_code: int | None
    description: str | None
    at: float

    def short(self) -> str:
        """One-line summary for timeout messages."""
        if self.ok:
            return f"{self.method} ok"
        return f"{self.method} {self.error_code} {self.description}"


class Recorder:
    """Append-only call list plus a Condition so waiters wake when a call is recorded."""

    def __init__(self, lock: threading.RLock) -> None:
        self.calls: list[Call] = []
        # how many calls had been recorded when the last getUpdates began (a long poll is
        # recorded only once it answers); -1 before the first
        self.last_poll_began = -1
        self.changed = threading.Condition(lock)

    def record(self, call: Call) -> None:
        """Append a call and wake everyone waiting in wait_for."""
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()

    def poll_begun(self) -> None:
        """Note a getUpdates that has begun, and wake everyone waiting in wait_polling."""
        with self.changed:
            self.last_poll_began = len(self.calls)
            self.changed.notify_all()

    def wait_polling(self, *, timeout: float, after: int) -> None:
        """Until a getUpdates begins with at least `after` calls recorded."""
        with self.changed:
            if not self.changed.wait_for(lambda: self.last_poll_began >= after, timeout):
                raise TimeoutError(self._summary("no getUpdates began", timeout, after))

    def wait_for(self, predicate: Callable[[Call], bool], *, timeout: float,
                 after: int) -> Call:
        """First call at index >= after satisfying predicate; scans each call once."""
        deadline = time.monotonic() + timeout
        index = max(after, 0)
        with self.changed:
            while True:
                while index < len(self.calls):
                    call = self.calls[index]
                    index += 1
                    if predicate(call):
                        return call
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._summary("no matching call", timeout, after))
                self.changed.wait(remaining)

    def _summary(self, missing: str, timeout: float, after: int) -> str:
        recent = self.calls[max(after, len(self.calls) - 8):]
        listed = "; ".join(call.short() for call in recent) or "none"
        return (f"{missing} within {timeout:g}s "
                f"({len(self.calls) - after} calls since index {after}); last: {listed}")
