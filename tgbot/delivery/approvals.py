"""Four eyes for every subject: ask the other organisers, approve, cancel.

The flow is one for every `Subject` (`tgbot.domain.approval`); what differs is in `SUBJECTS`,
one `Approvable` per subject: the question the other organisers read, and the storage
functions that start it (settling the approval in the same transaction) or cancel it.

The other organisers are asked by the sender, at its beat and when a request is made: each
request not asked yet (one made with the CLI, whose author is the operator, or one whose
asking a crash interrupted) is asked in each organiser's own language, then recorded as
asked. A crash between the questions and that record asks again: an organiser may read a
question twice, but none is left unasked.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram.error import TelegramError

from tgbot.config import Settings
from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.corrections import Corrector
from tgbot.delivery.instances import Instance
from tgbot.delivery.recalls import count_withdrawn
from tgbot.delivery.sending import send_reply
from tgbot.domain import schedule
from tgbot.domain.announcement import Phase
from tgbot.domain.approval import Approved, Subject
from tgbot.domain.campaign import CampaignInForce
from tgbot.domain.schedule import Clock
from tgbot.i18n.translator import I18n, Translator
from tgbot.messages import Reply
from tgbot.messages import organisers as replies
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Approvable:
    """How the four-eyes flow handles one subject.

    `question`: what the other organisers read (None: nothing waits any more); `start`: an
    organiser's Approve, settling and starting in one transaction; `cancel`: True if it was
    waiting; `progress`: the author's status message (sent or edited so far, of how many,
    finished).
    """

    question: Callable[[Approvals, int, Translator], Awaitable[list[Reply] | None]]
    start: Callable[[Approvals, int, int], Awaitable[Approved]]
    cancel: Callable[[Store, int], Awaitable[bool]]
    progress: Callable[[Translator, int, int, bool], str]


class Approvals:
    """Asks, approves and cancels what waits for a second organiser (TGBOT_APPROVALS=2)."""

    def __init__(self, store: Store, bot: CampaignBot, current: CampaignInForce, clock: Clock,
                 translations: I18n, settings: Settings, corrector: Corrector,
                 instance: Instance) -> None:
        self.store, self.bot, self.current, self.clock = store, bot, current, clock
        self.translations, self.settings = translations, settings
        self.corrector, self.instance = corrector, instance
        self._asking = asyncio.Lock()

    async def ask(self) -> None:
        """Ask the other organisers about each request not asked yet; only the sender asks."""
        if self._asking.locked() or not await self.instance.is_sender():
            return
        async with self._asking:
            for pending, organisers in await self.store.unasked(self.settings.admins):
                for organiser in organisers:
                    await self._ask_one(pending.what, pending.id, organiser)
                await self.store.asked(pending.what, pending.id)

    async def _ask_one(self, what: Subject, item: int, organiser: int) -> None:
        """Send one organiser, in their language, the question about `item`."""
        chat = await self.store.chat(organiser)
        question = await SUBJECTS[what].question(
            self, item, self.translations.get(chat.language if chat else None))
        try:
            for reply in question or []:
                await send_reply(self.bot, self.store, organiser, reply)
        except TelegramError as error:  # never started the bot, or blocked it
            log.warning("an organiser could not be asked to approve %s %d: %s", what, item,
                        error)

    @staticmethod
    def handles(what: Subject) -> bool:
        """Whether the flow knows how to start and cancel `what`."""
        return what in SUBJECTS

    @staticmethod
    def progress(what: Subject, t: Translator, queued: int) -> str:
        """The author's status message once approved: nothing sent yet of `queued`."""
        return SUBJECTS[what].progress(t, 0, queued, not queued)

    async def approve(self, what: Subject, item: int, by: int) -> Approved:
        """Organiser `by` pressed Approve: settled and started in one transaction."""
        return await SUBJECTS[what].start(self, item, by)

    async def cancel(self, what: Subject, item: int) -> bool:
        """Cancel what waits (by either organiser); False if it was not waiting."""
        return await SUBJECTS[what].cancel(self.store, item)

    def lasts(self, lifetime: float | None) -> dt.timedelta:
        """How long an announcement stays worth sending: its own lifetime, or the configured."""
        return dt.timedelta(seconds=lifetime or self.settings.announcement_lifetime)


async def _announcement_question(approvals: Approvals, announcement: int,
                                 t: Translator) -> list[Reply] | None:
    """The draft as subscribers will see it, then whom it reaches and when."""
    draft = await approvals.store.announcement(announcement)
    if draft is None or draft.state != Phase.DRAFT:
        return None
    audience = await approvals.store.audience(draft.language)
    return [Reply(draft.text),
            replies.approval_request(t, announcement, audience, approvals.lasts(draft.lifetime),
                                      draft.language, draft.send_at)]


async def _start_announcement(approvals: Approvals, announcement: int, by: int) -> Approved:
    """Approve a draft: its rows queued (at each zone's time, for a scheduled one)."""
    now, store = approvals.clock(), approvals.store
    draft = await store.announcement(announcement)
    due_at = schedule.announcement_due(draft.send_at, approvals.current.campaign, now) \
        if draft and draft.send_at else None
    return await store.approve_announcement(
        announcement, by, now=now.timestamp(),
        lifetime=approvals.settings.announcement_lifetime, due_at=due_at)


async def _correction_question(approvals: Approvals, correction: int,
                               t: Translator) -> list[Reply] | None:
    """What the correction would edit now, per language.

    A day's copies that changed; an announcement's new text, then its delivered copies.
    """
    store = approvals.store
    announcement = await store.corrected_announcement(correction)
    if announcement is not None:
        announcement_id, text = announcement
        if text is None:  # started already
            return None
        return [Reply(text), replies.announcement_correction_approval_request(
            t, correction, await store.announcement_copies(announcement_id))]
    corrected = await store.corrected_day(correction)
    if corrected is None or corrected[0] != approvals.current.campaign.edition:
        return None
    _, per_language, _ = await approvals.corrector.changed_copies(corrected[1])
    return [replies.correction_approval_request(t, correction, corrected[1], per_language)]


async def _start_correction(approvals: Approvals, correction: int, by: int) -> Approved:
    """Approve a correction: each copy that differs from the text in force gets an edit.

    A day's copies are counted at the approval, not at the request: the day's text may have
    been corrected again in between, and the copies are edited to the text in force. An
    announcement's are counted in the approval's transaction, which gives it its new text.
    """
    store = approvals.store
    if await store.corrected_announcement(correction) is not None:
        return await store.approve_announcement_correction(correction, by)
    corrected = await store.corrected_day(correction)
    edition = approvals.current.campaign.edition
    changed = [] if corrected is None or corrected[0] != edition \
        else (await approvals.corrector.changed_copies(corrected[1]))[0]
    return await store.approve_correction(correction, by, changed)


async def _recall_question(approvals: Approvals, recall: int,
                           t: Translator) -> list[Reply] | None:
    """What the recall would delete and withdraw now, per language."""
    target = await approvals.store.waiting_recall(recall)
    if target is None:
        return None
    preview = await approvals.store.recall_preview(target, approvals.clock().timestamp())
    return [replies.recall_approval_request(t, recall, target, preview)]


async def _start_recall(approvals: Approvals, recall: int, by: int) -> Approved:
    """Approve a recall: its rows withdrawn and its copies due in the deletion outbox.

    The deletion outbox deletes them at the sender's next beat, and the recall's report
    follows in the author's status message (`tgbot.delivery.recalls`).
    """
    approved = await approvals.store.approve_recall(recall, by, approvals.clock().timestamp())
    if approved.withdrawn:
        count_withdrawn(approved.withdrawn)
    return approved


SUBJECTS: dict[Subject, Approvable] = {
    Subject.ANNOUNCEMENT: Approvable(_announcement_question, _start_announcement,
                                     Store.cancel_announcement, replies.announcement_progress),
    Subject.CORRECTION: Approvable(_correction_question, _start_correction,
                                   Store.cancel_correction, replies.correction_progress),
    Subject.RECALL: Approvable(_recall_question, _start_recall, Store.cancel_recall,
                               replies.recall_started),
}
