"""Four eyes: what needs a second organiser's approval before anything is sent.

With TGBOT_APPROVALS=2 an announcement (and any other organiser's act that reaches every
chat) waits as a pending approval, keyed by what it is and its id, until an organiser other
than its author approves it, or either cancels it. It is stored, so a restart changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class Subject(StrEnum):
    """What can wait for approval."""

    ANNOUNCEMENT = "announcement"


class Verdict(StrEnum):
    """What an organiser's "Approve" did."""

    APPROVED = "approved"
    OWN = "own"  # refused: the author cannot approve their own
    GONE = "gone"  # nothing waits: approved or cancelled already


class Pending(NamedTuple):
    """Something waiting for approval, and the author's message that will show its progress."""

    what: Subject
    id: int
    status: tuple[int, int, str] | None  # (chat id, message id, language) of the author's
