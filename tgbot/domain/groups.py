"""Groups and channels, as plain decisions: did the bot join or leave, is someone an admin.

The admin answer comes from Telegram (getChatMember), cached briefly so a busy group does not
cost a call per message; it is never taken from message text.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

ADMIN_STATUSES = frozenset({"creator", "administrator"})
PRESENT_STATUSES = frozenset({"creator", "administrator", "member", "restricted"})
ADMIN_CACHE_SECONDS = 60.0


def membership_change(old_status: str, new_status: str) -> str | None:
    """"added" or "removed" when the bot's own membership changed that way, else None."""
    was, is_now = old_status in PRESENT_STATUSES, new_status in PRESENT_STATUSES
    if is_now and not was:
        return "added"
    if was and not is_now:
        return "removed"
    return None


class AdminCache:
    """Remembers getChatMember answers for a minute."""

    def __init__(self, ttl: float = ADMIN_CACHE_SECONDS) -> None:
        self.ttl = ttl
        self._answers: dict[tuple[int, int], tuple[bool, float]] = {}

    async def is_admin(self, chat_id: int, user_id: int,
                       ask: Callable[[int, int], Awaitable[str]]) -> bool:
        """Whether `user_id` administers `chat_id`; `ask` fetches a member's status."""
        now = time.monotonic()
        cached = self._answers.get((chat_id, user_id))
        if cached and cached[1] > now:
            return cached[0]
        answer = await ask(chat_id, user_id) in ADMIN_STATUSES
        if len(self._answers) > 10_000:
            self._answers = {k: v for k, v in self._answers.items() if v[1] > now}
        self._answers[(chat_id, user_id)] = (answer, now + self.ttl)
        return answer
