"""A running bot process, as its heartbeats in the shared database tell it."""

from __future__ import annotations

from typing import NamedTuple


class Instance(NamedTuple):
    """One instance on the database: when it started and last beat, and what it does.

    Times are UTC timestamps. `reply_lease` is how many of Telegram's messages per second its
    replies may use (the sender leaves those to it); `version` is its tgbot release.
    """

    instance_id: str
    started_at: float
    heartbeat_at: float
    sending: bool
    reply_lease: int
    version: str | None
