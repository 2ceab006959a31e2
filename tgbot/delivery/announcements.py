"""An announcement's progress: the organiser's status message, edited while it goes out."""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import TelegramError

from tgbot import messages
from tgbot.domain.outbox import OPEN_STATES, State
from tgbot.i18n.translator import I18n
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


class AnnouncementProgress:
    """Keeps each organiser's status message up to date while their announcement goes out."""

    def __init__(self, store: Store, bot: Bot, translations: I18n) -> None:
        self.store, self.bot, self.translations = store, bot, translations

    async def report(self) -> None:
        """Edit each status message whose figure changed; the last edit says it is finished."""
        store = self.store
        for announcement, chat_id, message_id, language, shown in \
                await store.announcements_to_report():
            states = await store.announcement_states(announcement)
            sent, total = states.get(State.SENT, 0), sum(states.values())
            finished = not sum(states.get(state, 0) for state in (*OPEN_STATES, State.SCHEDULED))
            if sent == shown and not finished:
                continue
            text = messages.announcement_progress(self.translations.get(language), sent,
                                                  total, finished)
            try:
                await self.bot.edit_message_text(text, chat_id, message_id)
            except TelegramError as error:  # deleted, or not modified: nothing to show
                log.info("announcement %d progress not shown: %s", announcement, error)
            await store.reported(announcement, sent, finished)
