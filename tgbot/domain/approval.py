"""Four eyes: what needs a second organiser's approval before anything is sent.

With TGBOT_APPROVALS=2 an announcement, a correction or a recall (any organiser's act that
reaches every chat) waits as a pending approval, keyed by its `Subject` and its id, until an
organiser other than its author approves it, or either cancels it. It is stored, so a restart
changes nothing; the sender's beat asks the other organisers for each request not asked yet
(one made with the CLI, or one whose asking a crash interrupted).

To add a subject:

1. a member of `Subject` (its value goes in the buttons' data and in `pending_approvals`);
2. its name for /stats (`tgbot.messages.organisers.SUBJECT_NAMES`) and the question the
   other organisers read (`tgbot.messages.organisers.APPROVAL_QUESTIONS`);
3. one storage function that settles the approval and starts the thing in the same
   transaction (as `approve_announcement`, `approve_correction`), and an `Approvable`
   entry in `tgbot.delivery.approvals.SUBJECTS` with how to preview, start and cancel it.

The flow itself (asking, Approve/Cancel, refusing the author, the author's status message)
is the same for every subject and needs nothing more.
"""

from __future__ import annotations

from collections import Counter
from enum import StrEnum
from typing import NamedTuple

from tgbot.domain.outbox import Kind

OPERATOR = 0  # the author of a request made with the CLI: no organiser, so any may approve


class Subject(StrEnum):
    """What can wait for approval."""

    ANNOUNCEMENT = "announcement"
    CORRECTION = "correction"
    RECALL = "recall"


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


class Approved(NamedTuple):
    """What an "Approve" press did: the verdict, what was approved, and how much it queued."""

    verdict: Verdict
    pending: Pending | None
    queued: int
    withdrawn: Counter[Kind] | None = None  # a recall's rows closed unsent, of each kind
