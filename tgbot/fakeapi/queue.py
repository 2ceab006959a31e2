"""The bot's queue of updates, as the Bot API server keeps it: which kinds, for how long."""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

# "Specify an empty list to receive all update types except chat_member, message_reaction,
# and message_reaction_count (default)." (getUpdates.allowed_updates)
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Seconds an update waits in the queue (the timeouts add_update passes in Client.cpp): a
# button press or an inline query nobody fetched soon is of no use any more.
UPDATE_LIFETIME = {"callback_query": 150, "inline_query": 30, "chosen_inline_result": 600}
# Any other: "they will not be kept longer than 24 hours" (Bot API, Getting updates).
DEFAULT_LIFETIME = 86400


def update_kind(update: dict[str, Any]) -> str | None:
    """The update's type: its one key besides update_id."""
    return next((key for key in update if key != "update_id"), None)


class UpdateQueue:
    """Unconfirmed updates in id order; not thread-safe by itself (used under the state lock).

    As the server's queue (Client.cpp `add_update_impl`, `get_allowed_update_types`): an
    update of a kind allowed_updates excludes is dropped on arrival, and each update expires
    after its kind's lifetime on the fake's clock (`clock`, Unix seconds).
    """

    def __init__(self, kinds: tuple[str, ...], clock: Callable[[], int]) -> None:
        self.pending: deque[dict[str, Any]] = deque()
        self.next_id = 1
        self.allowed: frozenset[str] | None = None  # None: the documented default
        self.poll_seq = 0
        self._kinds = frozenset(kinds)
        self._clock = clock
        self._expires: dict[int, int] = {}  # update_id -> Unix time it is dropped

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update, assigning the next update_id when it has none.

        An update of a kind allowed_updates excludes is dropped on arrival: the setting
        "doesn't affect updates created before the call" (getUpdates.allowed_updates), so
        ones queued earlier are still delivered.
        """
        if "update_id" not in update:
            update = {"update_id": self.next_id, **update}
        self.next_id = max(self.next_id, int(update["update_id"]) + 1)
        if self.allows(update):
            lifetime = UPDATE_LIFETIME.get(update_kind(update) or "", DEFAULT_LIFETIME)
            self._expires[update["update_id"]] = self._clock() + lifetime
            self.pending.append(update)
        return update

    def set_allowed(self, kinds: list[str]) -> None:
        """Set allowed_updates; unknown names are ignored, and none left means the default."""
        known = frozenset(kind.lower() for kind in kinds) & self._kinds
        self.allowed = known or None

    def allows(self, update: dict[str, Any]) -> bool:
        """Whether `update` passes allowed_updates (or the default, without chat_member)."""
        kind = update_kind(update)
        if self.allowed is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed

    def confirm_below(self, offset: int) -> None:
        """An offset confirms (forgets) every update with a lower id."""
        while self.pending and self.pending[0]["update_id"] < offset:
            self._expires.pop(self.pending.popleft()["update_id"], None)

    def keep_last(self, count: int) -> None:
        """A negative offset -N keeps the last N updates and forgets all earlier ones."""
        while len(self.pending) > count:
            self._expires.pop(self.pending.popleft()["update_id"], None)

    def count(self) -> int:
        """How many updates wait (expired ones dropped first)."""
        self._drop_expired()
        return len(self.pending)

    def take(self, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` live updates from the head (they stay queued until confirmed)."""
        self._drop_expired()
        return list(itertools.islice(self.pending, limit))

    def remove(self, update_id: int) -> None:
        """Forget one update, once the webhook delivered or gave it up."""
        self._expires.pop(update_id, None)
        if self.pending and self.pending[0]["update_id"] == update_id:
            self.pending.popleft()
        else:
            self.pending = deque(u for u in self.pending if u["update_id"] != update_id)

    def clear(self) -> None:
        """Drop every pending update (drop_pending_updates)."""
        self.pending.clear()
        self._expires.clear()

    def _drop_expired(self) -> None:
        now = self._clock()
        if any(expires <= now for expires in self._expires.values()):
            self.pending = deque(u for u in self.pending if self._expires[u["update_id"]] > now)
            self._expires = {u["update_id"]: self._expires[u["update_id"]] for u in self.pending}
