"""Per-person flood control: a token bucket per user, so one person cannot use up the budget.

Pure and in memory: `FloodGate.check` says whether to serve an update, to serve nothing but
one notice, or to drop it quietly. Buckets of people who went quiet are pruned.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float
    noticed: bool = False


class FloodGate:
    """Allow `burst` updates at once per person, refilled at `rate` per second."""

    def __init__(self, rate: float = 1.0, burst: float = 15.0, idle: float = 600.0) -> None:
        self.rate, self.burst, self.idle = rate, burst, idle
        self._buckets: dict[int, _Bucket] = {}
        self._last_prune = 0.0

    def check(self, user_id: int, now: float) -> str:
        """"serve", "notice" (the first refusal: tell them once) or "drop"."""
        self._prune(now)
        bucket = self._buckets.setdefault(user_id, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= self.burst - 1.0:  # calm again: a later flood gets a notice
            bucket.noticed = False
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return "serve"
        if bucket.noticed:
            return "drop"
        bucket.noticed = True
        return "notice"

    def _prune(self, now: float) -> None:
        if now - self._last_prune < self.idle:
            return
        self._last_prune = now
        self._buckets = {user: b for user, b in self._buckets.items()
                         if now - b.updated < self.idle}
