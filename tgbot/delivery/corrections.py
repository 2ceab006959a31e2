"""Corrections: edit every delivered copy of a day's action to the day's current text.

An organiser fixes a day in actions.yaml, reloads, and corrects it (`tgbot correct DAY`);
or corrects an announcement to a new text (`tgbot.storage.announcement_corrections`), whose
copies go through the same outbox of edits.
Each copy whose content changed gets one edit (`editMessageText`, or `editMessageCaption`
for a photo day) through an outbox like the push's: claimed, edited within the budget, then
closed with the copy's new content recorded.

Whether a copy changed is decided by a fingerprint of its content as sent (the day's text
and buttons in the chat's language and kind of chat, stored with its outbox row), not by
re-rendering the old campaign: the campaign's old text is not kept. The count of people who
did the action and a person's own Done/Undo button are left out of the fingerprint: they
change all day without the organiser touching the text. Reminders are not edited: they
carry the day's title and buttons only, and point to /today, which shows the day as it is.

A copy edited just before a crash, and not yet recorded, is edited again after the restart
with the same content: Telegram answers "message is not modified" and the chat sees one
edit, which closes the row as edited.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable

from telegram.error import BadRequest, Forbidden, TelegramError

from tgbot import messages
from tgbot.delivery.bot import CampaignBot
from tgbot.delivery.budget import Priority
from tgbot.delivery.instances import Instance
from tgbot.delivery.sending import Verdict, outcome
from tgbot.domain.campaign import Campaign, CampaignInForce
from tgbot.domain.outbox import OPEN_STATES, Copy, Edit, EditClosed, Kind, State
from tgbot.i18n.translator import I18n, Translator
from tgbot.messages import Reply
from tgbot.messages.discreet import neutral
from tgbot.storage.corrections import StatusMessage
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

BATCH = 64  # edits claimed at a time
EDITORS = 8  # edits in flight at once: enough to fill Telegram's 30 a second
# Telegram's answers for an edit that changes nothing, and for a message that is gone
# (telegram-bot-api's Client.cpp: MESSAGE_NOT_MODIFIED, check_message)
NOT_MODIFIED = "message is not modified"
NOT_FOUND = "message to edit not found"


def fingerprint(reply: Reply) -> str:
    """A short hash of a message's content: its text (or caption), buttons and image."""
    markup = reply.markup.to_dict() if reply.markup else None
    content = json.dumps([reply.text, markup, reply.photo.name if reply.photo else None],
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


def day_content(translations: I18n, campaign: Campaign, day: int, language: str | None,
                chat_kind: str, bot_username: str) -> Reply | None:
    """A day's action as its fingerprint sees it: not done, nobody counted; None: no action."""
    action = campaign.action_for_day(day)
    if action is None:
        return None
    return messages.action_message(translations.get(language), campaign, action,
                                   bot_username=bot_username, chat_kind=chat_kind)


def announced(t: Translator, text: str, discreet: bool) -> Reply:
    """An announcement's copy as its chat was sent it: a discreet chat's has a neutral line."""
    return neutral(t, Reply(text), Kind.ANNOUNCEMENT) if discreet else Reply(text)


class Corrector:
    """Previews, queues and sends the edits of corrections, for the sender."""

    def __init__(self, store: Store, bot: CampaignBot, current: CampaignInForce,
                 translations: I18n, instance: Instance, *,
                 wall: Callable[[], float] = time.time) -> None:
        self.store, self.bot, self.current = store, bot, current
        self.translations, self.instance, self.wall = translations, instance, wall
        self.bot_username = bot.bot.username or ""
        self.stopping = False

    def _fingerprints(self, day: int, copies: list[Copy]) -> dict[tuple[str, str], str | None]:
        """The fingerprint of the day's current content per (language, kind of chat)."""
        found: dict[tuple[str, str], str | None] = {}
        for copy in copies:
            key = (copy.language, copy.chat_kind)
            if key not in found:
                reply = day_content(self.translations, self.current.campaign, day, *key,
                                    self.bot_username)
                found[key] = fingerprint(reply) if reply else None
        return found

    async def changed_copies(self, day: int) -> tuple[list[Copy], Counter[str], Counter[str]]:
        """The delivered copies of a day whose content changed; per language, changed and not."""
        copies = await self.store.delivered_copies(self.current.campaign.edition, day)
        now = self._fingerprints(day, copies)
        changed = [c for c in copies if now[c.language, c.chat_kind] not in (None, c.shown)]
        unchanged = Counter(c.language for c in copies) - Counter(c.language for c in changed)
        return changed, Counter(c.language for c in changed), unchanged

    async def queue(self, day: int,
                    status: tuple[int, int, str] | None = None) -> tuple[int, int]:
        """Queue one edit per changed copy of a day; (the correction's id, edits queued).

        `status` (chat, message, language): the organiser's message to show the progress in.
        """
        changed, _, _ = await self.changed_copies(day)
        correction = await self.store.queue_correction(
            self.current.campaign.edition, day, changed, self.wall(),
            StatusMessage(*status) if status else None)
        return correction, len(changed)

    async def request(self, day: int, author: int,
                      status: tuple[int, int, str] | None = None) -> tuple[int, bool]:
        """A correction of a day that waits for another organiser's approval.

        Its id, and whether it is new (False: one of that day waited already). Nothing is
        queued yet: the copies to edit are counted when it is approved.
        """
        return await self.store.request_correction(
            self.current.campaign.edition, day, author, self.wall(),
            StatusMessage(*status) if status else None)

    async def drain(self) -> Counter[str]:
        """Send ready edits until none is left; how many closed in each state."""
        store, tally = self.store, Counter[str]()
        owner = uuid.uuid4().hex
        if released := await store.release_edits(owner):
            log.info("%d edits left in flight by a sender that stopped go back", released)
        while not self.stopping and await self.instance.is_sender() and (
                claimed := await store.claim_edits(BATCH, owner=owner, now=self.wall())):
            closed = await self._edit_all(claimed)
            await store.close_edits(closed)
            tally.update(c.state for c in closed)
            for correction in {c.edit.correction_id for c in closed}:
                await self._report(correction)
        return tally

    async def _report(self, correction: int) -> None:
        """Edit the organiser's status message with the correction's progress, if it has one."""
        status = await self.store.correction_status(correction)
        if status is None:
            return
        states = await self.store.correction_states(correction)
        finished = not sum(states.get(state, 0) for state in OPEN_STATES)
        text = messages.correction_progress(self.translations.get(status.language),
                                            states.get(State.SENT, 0), sum(states.values()),
                                            finished)
        try:
            await self.bot.edit_message_text(text, status.chat_id, status.message_id)
        except TelegramError as error:  # deleted, or not modified: nothing to show
            log.info("correction %d progress not shown: %s", correction, error)

    async def _edit_all(self, claimed: list[Edit]) -> list[EditClosed]:
        """Edit a claimed batch, EDITORS at a time (the budget paces them)."""
        chats = await self.store.chats([e.chat_id for e in claimed])
        campaign = self.current.campaign
        actions = {e.day: a for e in claimed if (a := campaign.action_for_day(e.day))}
        taken = await self.store.action_takers(campaign.edition,
                                               {a.id for a in actions.values()})
        done: set[int] = set()
        for day, action in actions.items():
            private = [e.chat_id for e in claimed if e.day == day and (
                chat := chats.get(e.chat_id)) and chat.kind == "private"]
            done |= await self.store.answered_by(campaign.edition, action.id, private)
        texts = {a: announcement.text for a in {e.announcement_id for e in claimed}
                 if a is not None and (announcement := await self.store.announcement(a))}
        gate = asyncio.Semaphore(EDITORS)

        async def one(edit: Edit) -> EditClosed:
            chat, action = chats.get(edit.chat_id), actions.get(edit.day)
            if edit.announcement_id is not None and chat is not None \
                    and edit.announcement_id in texts:
                async with gate:
                    return await self._edit(edit, announced(
                        self.translations.get(chat.language), texts[edit.announcement_id],
                        chat.discreet), None)
            if chat is None or action is None or edit.edition != campaign.edition:
                return EditClosed(edit, State.SKIPPED)
            t = self.translations.get(chat.language)
            reply = messages.action_message(t, campaign, action, bot_username=self.bot_username,
                                             chat_kind=chat.kind, done=edit.chat_id in done,
                                             taken=taken.get(action.id, 0))
            if chat.discreet:  # as its push was sent: a neutral first line
                reply = neutral(t, reply, Kind.PUSH)
            content = day_content(self.translations, campaign, edit.day, chat.language,
                                  chat.kind, self.bot_username)
            async with gate:
                return await self._edit(edit, reply, fingerprint(content) if content else None)

        return list(await asyncio.gather(*(one(edit) for edit in claimed)))

    async def _edit(self, edit: Edit, reply: Reply, shown: str | None) -> EditClosed:
        """Edit one copy; how its row closes."""
        error: TelegramError | None = None
        try:
            if reply.photo is None:
                await self.bot.edit_message_text(reply.text, edit.chat_id, edit.message_id,
                                                 reply_markup=reply.markup,
                                                 rate_limit_args=Priority.BROADCAST)
            else:
                await self.bot.edit_message_caption(edit.chat_id, edit.message_id,
                                                    caption=reply.text,
                                                    reply_markup=reply.markup,
                                                    rate_limit_args=Priority.BROADCAST)
        except TelegramError as exc:
            error = exc
        if isinstance(error, BadRequest) and NOT_MODIFIED in error.message.lower():
            error = None  # already shows it: edited before a crash, or by a press
        if error is None:
            return EditClosed(edit, State.SENT, shown)
        if isinstance(error, BadRequest) and NOT_FOUND in error.message.lower():
            return EditClosed(edit, State.SKIPPED)  # the chat deleted the message
        result = outcome(error, edit.attempts)
        log.info("edit of %s: %s (%s)", f"announcement {edit.announcement_id}"
                 if edit.announcement_id is not None else f"day {edit.day}", result.state,
                 type(error).__name__)
        if result.state == Verdict.RETRY:
            return EditClosed(edit, State.PENDING, not_before=self.wall() + result.delay)
        gone = result.state == Verdict.GONE or isinstance(error, Forbidden)
        return EditClosed(edit, State.GONE if gone else State.FAILED)
