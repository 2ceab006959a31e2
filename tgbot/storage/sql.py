"""What the store's parts share: their base class, and small pieces of SQL they all write.

Every part of the store (`tgbot.storage.chats`, `.outbox` and the rest) runs its SQL on the
one `Database`; `tgbot.storage.store.Store` is all of them together.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from tgbot.domain.chat import Chat
from tgbot.storage.backends import Database
from tgbot.storage.pseudonyms import Pseudonyms

# Telegram ids per statement in an IN (...) list: far below both databases' parameter limits.
CHUNK = 500
# a timestamp parameter, typed for both databases (REAL is 4 bytes in PostgreSQL)
TIME = "CAST(? AS DOUBLE PRECISION)"
CHAT_COLUMNS = ("chat_id, kind, language, subscribed, push_time, timezone, thread_id, "
                "next_push_at, discreet")


class Part:
    """One part of the store: the tables of one aggregate, on the database they share.

    Methods take Telegram user ids; the tables of what people did hold the person's pseudonym
    (`people.person(user_id)`, see `tgbot.storage.pseudonyms`).
    """

    def __init__(self, db: Database, people: Pseudonyms) -> None:
        self._db = db
        self._people = people


def chat_of(row: tuple[Any, ...]) -> Chat:
    """The chat of a row that starts with `CHAT_COLUMNS`."""
    return Chat(row[0], row[1], row[2], bool(row[3]), row[4], row[5], row[6], row[7],
                bool(row[8]))


def look_now() -> float:
    """A next_push_at (or a reminder's next_at) that says "look at it at once".

    Negative, so it is due whatever the clock says, and different at each change (a random
    stamp, not a time), so a planner that read the chat before the change cannot write
    over it.
    """
    return -1.0 - random.random()  # noqa: S311 - a stamp, not a secret


def marks(values: list[Any]) -> str:
    """As many `?` placeholders as values, for an IN (...) list."""
    return ", ".join("?" * len(values))


def chunks(values: list[Any], size: int = CHUNK) -> Iterable[list[Any]]:
    """The values in lists of at most `size`, for one statement each."""
    return (values[i:i + size] for i in range(0, len(values), size))


def listed(*values: StrEnum) -> str:
    """Words of a vocabulary (outbox states, kinds) as SQL string literals: 'sent', 'gone'.

    The store's SQL spells the states it looks for in its text, where an index sees them,
    from the enums that name them.
    """
    return ", ".join(f"'{value}'" for value in values)
