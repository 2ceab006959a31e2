"""Edits of a message, throttled: the last state wins, at most one edit per interval.

A group's counter ("12 people did it") changes with every press; Telegram allows about 20
messages a minute in a group, so bursts of presses collapse into one edit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError

log = logging.getLogger(__name__)

Edit = Callable[[], Awaitable[object]]


class ThrottledEdits:
    """Per message: edit now if the last edit is old enough, else once when it is.

    The interval counts from the moment the last edit was answered, so the next one reaches
    Telegram at least `interval` after it, however slowly either request travels.
    """

    def __init__(self, interval: float = 3.0) -> None:
        self.interval = interval
        self._last: dict[tuple[int, int], float] = {}
        self._pending: dict[tuple[int, int], Edit] = {}
        self._running: set[tuple[int, int]] = set()

    async def submit(self, key: tuple[int, int], edit: Edit) -> None:
        """Ask for `edit` of message `key` (chat id, message id); a newer one replaces it.

        The first caller for a message makes its edits, one after another, while later
        callers only leave theirs to be made.
        """
        self._pending[key] = edit
        if key in self._running:
            return
        self._forget_old()
        self._running.add(key)
        try:
            while key in self._pending:
                delay = self._last.get(key, -math.inf) + self.interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                await self._run(key)
        finally:
            self._running.discard(key)

    def _forget_old(self) -> None:
        """Drop the edit times that no longer hold anything back.

        Kept, one per message ever edited, they would grow for as long as the bot runs.
        """
        now = time.monotonic()
        for key in [k for k, at in self._last.items() if now - at >= self.interval]:
            if key not in self._running:
                del self._last[key]

    async def _run(self, key: tuple[int, int]) -> None:
        edit = self._pending.pop(key)
        try:
            await edit()
        except TelegramError as error:  # "not modified" or the message is gone: nothing to do
            log.debug("counter edit skipped: %s", error)
        finally:
            self._last[key] = time.monotonic()
