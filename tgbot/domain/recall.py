"""Recalls: take back every delivered copy of a day's action or of an announcement.

A day's copies are its action's and its evening reminders' (each carries the action's title
and buttons).

A recall deletes the copies Telegram still lets a bot delete (sent less than 48 hours ago,
`DELETE_WINDOW`) through the deletion outbox, closes the rows not sent yet as withdrawn, and
reports per language how many copies were deleted and how many could not be. A day or an
announcement is recalled once: its later rows are withdrawn as they are queued.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

from tgbot.domain.deletions import DeletionState


class Phase(StrEnum):
    """Where a recall is: waiting for a second organiser's approval, or under way."""

    WAITING = "waiting"  # TGBOT_APPROVALS=2: nothing withdrawn or deleted yet
    RECALLED = "recalled"  # its rows are withdrawn and its copies in the deletion outbox


@dataclass(frozen=True)
class Target:
    """What a recall takes back: a campaign day (`edition`, `day`) or an announcement."""

    edition: int | None = None
    day: int | None = None
    announcement_id: int | None = None

    @classmethod
    def of_day(cls, edition: int, day: int) -> Target:
        """A day's action of one edition."""
        return cls(edition, day)

    @classmethod
    def of_announcement(cls, announcement_id: int) -> Target:
        """An announcement."""
        return cls(announcement_id=announcement_id)


class Preview(NamedTuple):
    """What a recall would do: per language, copies to delete and copies too old to delete.

    `withdrawn` counts the rows not sent yet that would close as withdrawn; `already` says
    the target was recalled (or waits for approval) already: a recall sends nothing;
    `waiting` is the id of its recall while that waits for a second organiser's approval.
    """

    deletable: Counter[str]
    too_old: Counter[str]
    withdrawn: int
    already: bool
    waiting: int | None = None

    @property
    def empty(self) -> bool:
        """Nothing to delete and nothing to withdraw."""
        return not (self.deletable.total() or self.too_old.total() or self.withdrawn)


@dataclass(frozen=True)
class Report:
    """A recall's copies per language and outcome (`DeletionState`), for the organiser's status."""

    recall_id: int
    chat_id: int
    message_id: int
    language: str | None  # the organiser's, which the report is written in
    copies: dict[str, Counter[str]] = field(default_factory=dict)  # language -> outcomes

    @property
    def finished(self) -> bool:
        """No copy is still to delete."""
        return not any(c[DeletionState.PENDING] + c[DeletionState.DELETING]
                       for c in self.copies.values())
