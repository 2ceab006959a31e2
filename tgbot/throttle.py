"""Edits of a message, throttled: the last state wins, at most one edit per interval.

A group's counter ("12 people did it") changes with every press; Telegram allows about 20
messages a minute in a group, so bursts of presses collapse into one edit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from telegram.error import TelegramError

log = logging.getLogger(__name__)

Edit = Callable[[], Awaitable[object]]


class ThrottledEdits:
    """Per message: edit now if the last edit is old enough, else once when it is."""

    def __init__(self, interval: float = 3.0) -> None:
        self.interval = interval
        self._last: dict[tuple[int, int], float] = {}
        self._pending: dict[tuple[int, int], Edit] = {}

    async def submit(self, key: tuple[int, int], edit: Edit) -> None:
        """Ask for `edit` of message `key` (chat id, message id); a newer one replaces it."""
        waiting = key in self._pending
        self._pending[key] = edit
        if waiting:
            return
        delay = self._last.get(key, 0.0) + self.interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await self._run(key)

    async def _run(self, key: tuple[int, int]) -> None:
        edit = self._pending.pop(key)
        self._last[key] = time.monotonic()
        try:
            await edit()
        except TelegramError as error:  # "not modified" or the message is gone: nothing to do
            log.debug("counter edit skipped: %s", error)
