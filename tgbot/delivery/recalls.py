"""Recalls: the preview, the start, and the organiser's status message of each recall.

The copies themselves are deleted by the deletion outbox's `Deleter`, under the budget;
`Recaller.report` then shows each recall's outcome per language in the organiser's status
message, until no copy is left to delete.
"""

from __future__ import annotations

import logging
from collections import Counter

from telegram.error import TelegramError

from tgbot import messages
from tgbot.delivery.bot import CampaignBot
from tgbot.domain.outbox import METRIC_OUTCOME, Kind, State
from tgbot.domain.recall import Preview, Report, Target
from tgbot.domain.schedule import Clock
from tgbot.i18n.translator import I18n
from tgbot.ops import metrics
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


def count_withdrawn(withdrawn: Counter[Kind]) -> None:
    """A recall's rows closed unsent, of each kind, in /metrics (`tgbot_delivered_total`)."""
    for kind, rows in withdrawn.items():
        metrics.delivered(kind, METRIC_OUTCOME[State.WITHDRAWN], rows)


class Recaller:
    """Previews and starts recalls, and reports them to the organisers who asked."""

    def __init__(self, store: Store, bot: CampaignBot, translations: I18n,
                 clock: Clock) -> None:
        self.store, self.bot, self.translations, self.clock = store, bot, translations, clock
        self._shown: dict[int, str] = {}  # what each status message shows already

    async def preview(self, target: Target) -> Preview:
        """What recalling `target` now would delete, could not delete, and withdraw."""
        return await self.store.recall_preview(target, self.clock().timestamp())

    async def queue(self, target: Target,
                    status: tuple[int, int, str] | None = None) -> int | None:
        """Start recalling `target`; its id, or None if it was recalled already.

        `status` (chat, message, language): the organiser's message that shows the outcome.
        """
        started = await self.store.queue_recall(target, self.clock().timestamp(), status)
        if started is None:
            return None
        recall_id, withdrawn = started
        count_withdrawn(withdrawn)
        return recall_id

    async def request(self, target: Target, author: int,
                      status: tuple[int, int, str] | None = None) -> tuple[int, bool] | None:
        """A recall that waits for another organiser's approval (four eyes).

        Its id, and whether it is new (False: one waited already); None if `target` was
        recalled already.
        """
        return await self.store.request_recall(target, author, self.clock().timestamp(),
                                               status)

    async def report(self) -> list[tuple[Report, int]]:
        """Show each recall under way in its status message; the reports and rows withdrawn.

        A recall with no copy left to delete is shown finished, once; a message is edited only
        when what it shows changed.
        """
        reports = await self.store.recall_reports()
        for report, withdrawn in reports:
            text = messages.recall_progress(self.translations.get(report.language), report,
                                            withdrawn)
            if report.message_id is not None and self._shown.get(report.recall_id) != text:
                try:
                    await self.bot.edit_message_text(text, report.chat_id, report.message_id)
                    self._shown[report.recall_id] = text
                except TelegramError as error:  # deleted, or not modified: nothing to show
                    log.info("recall %d progress not shown: %s", report.recall_id, error)
            if report.finished:
                await self.store.finish_recall(report.recall_id)
        return reports
