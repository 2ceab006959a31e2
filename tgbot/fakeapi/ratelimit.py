"""Deterministic sliding-window flood control for sends and edits (Telegram's are softer)."""

from __future__ import annotations

from collections import deque

PAID_PER_SECOND = 1000


class RateLimiter:
    """Refuse a send when the accepted sends in the window already reach the limit.

    Windows are exact (1.0 s, 60.0 s on time.monotonic()) with no burst allowance, so a test
    gets the same answer every run; `None` disables a limit.  Not thread-safe by itself: the
    fake calls it under its state lock.
    """

    def __init__(self) -> None:
        self.per_second: float | None = None
        self.per_chat_per_second: float | None = None
        self.per_group_per_minute: float | None = None
        self.retry_after = 1
        self.rate_limited = 0
        self._all: deque[float] = deque()
        self._free: deque[float] = deque()
        self._per_chat: dict[int, deque[float]] = {}
        self._per_group: dict[int, deque[float]] = {}

    def configure(self, *, per_second: float | None, per_chat_per_second: float | None,
                  per_group_per_minute: float | None, retry_after: int) -> None:
        """Set new limits; the windows keep their history so limits apply immediately."""
        if retry_after < 1:
            raise ValueError("retry_after must be >= 1 (Telegram never answers 0)")
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self.per_group_per_minute = per_group_per_minute
        self.retry_after = retry_after

    @property
    def active(self) -> bool:
        """Whether any limit is set; with none, every send is admitted."""
        return (self.per_second is not None or self.per_chat_per_second is not None
                or self.per_group_per_minute is not None)

    def admit(self, chat_id: int, *, is_group: bool, paid: bool, now: float) -> int | None:
        """Record an accepted send and return None, or return retry_after (and count it).

        A paid broadcast (allow_paid_broadcast) "ignores broadcast limits" for 0.1 Star: up to
        PAID_PER_SECOND sends of any kind in a second; free sends stay within `per_second`
        free sends (paid ones do not use up the free budget).
        """
        if not self.active:
            return None
        chat_window = self._per_chat.setdefault(chat_id, deque())
        group_window = self._per_group.setdefault(chat_id, deque()) if is_group else None
        free_full = _full(self._free, self.per_second, now - 1.0)
        all_full = _full(self._all, None if self.per_second is None else PAID_PER_SECOND,
                         now - 1.0)
        if ((all_full if paid else free_full)
                or _full(chat_window, self.per_chat_per_second, now - 1.0)
                or (group_window is not None
                    and _full(group_window, self.per_group_per_minute, now - 60.0))):
            self.rate_limited += 1
            return self.retry_after
        self._all.append(now)
        if not paid:
            self._free.append(now)
        chat_window.append(now)
        if group_window is not None:
            group_window.append(now)
        return None


    def admit_edit(self, *, now: float) -> int | None:
        """Like admit, for an edit: it takes one of the bot's `per_second` messages only.

        The per-chat and per-group limits are about sending messages (Bots FAQ); whether
        Telegram's 30 a second counts edits is not documented, so the fake does, as
        python-telegram-bot's AIORateLimiter does for every request with a chat_id.
        """
        if self.per_second is None:
            return None
        if _full(self._free, self.per_second, now - 1.0) \
                or _full(self._all, PAID_PER_SECOND, now - 1.0):
            self.rate_limited += 1
            return self.retry_after
        self._all.append(now)
        self._free.append(now)
        return None


def _full(window: deque[float], limit: float | None, since: float) -> bool:
    """Drop timestamps older than `since`; True if the window already holds `limit` sends."""
    while window and window[0] <= since:
        window.popleft()
    return limit is not None and len(window) >= limit
