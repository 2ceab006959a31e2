"""Tell the organisers (TGBOT_ADMINS) in Telegram when the push falls behind, fails or was lost.

Looked at on every beat by every instance; each incident is claimed in the database first,
so it is told once, whichever instance sees it and however long it lasts: a lagging push is
one incident per campaign day (per announcement), a failed push one per day, push times
lost to a clock that was ahead one per date. A day that TGBOT_NOT_SAFE_ALERT readers of one
language find not safe is one incident per day and language, looked at when one says so.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
from collections.abc import Callable

from telegram import Bot
from telegram.error import TelegramError

from tgbot.config import Settings
from tgbot.domain.campaign import Action, Campaign
from tgbot.domain.outbox import OPEN_STATES, State
from tgbot.i18n.translator import I18n, Translator
from tgbot.messages import fill
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


class Alerts:
    """The organisers' alerts, sent by `bot` in each organiser's language."""

    def __init__(self, store: Store, bot: Bot, translations: I18n, settings: Settings) -> None:
        self.store, self.bot, self.translations = store, bot, translations
        self.admins, self.lag_limit = settings.admins, settings.alert_lag
        self.not_safe_threshold = settings.not_safe_alert

    async def check(self, campaign: Campaign, now: float) -> None:
        """Tell the organisers of a lagging outbox or a push none of whose messages went out."""
        store = self.store
        waiting = await store.oldest_waiting(now)
        if waiting is not None:
            due_at, incident = waiting
            lag = now - due_at
            if lag > self.lag_limit and await store.first_notice(f"lag:{incident}"):
                minutes = max(1, round(lag / 60))
                await self._tell(lambda t: fill(t.ngettext(
                    "⚠️ Sending is behind: a message due {minutes} minute ago is still "
                    "waiting. The operators' dashboard shows why (429s, the sender lock).",
                    "⚠️ Sending is behind: a message due {minutes} minutes ago is still "
                    "waiting. The operators' dashboard shows why (429s, the sender lock).",
                    minutes), {"minutes": t.number(minutes)}))
        last = await store.last_push(campaign.edition, now)
        if last is None:
            return
        day, states = last
        failed = states.get(State.FAILED, 0)
        still_open = sum(states.get(state, 0) for state in OPEN_STATES)
        if failed and not still_open and not states.get(State.SENT, 0) \
                and await store.first_notice(f"failed:push:{campaign.edition}:{day}"):
            await self._tell(lambda t: fill(t.ngettext(
                "❌ The push of day {day} failed: its {count} message could not be sent.",
                "❌ The push of day {day} failed: none of its {count} messages could be sent.",
                failed), {"day": t.number(day), "count": t.number(failed)}))

    async def push_times_lost(self, campaign: Campaign, now: dt.datetime) -> None:
        """Subscribers' push times were planned with a clock that was ahead, and planned again."""
        if await self.store.first_notice(f"lost:push:{campaign.edition}:{now.date()}"):
            await self._tell(lambda t: t.gettext(
                "⚠️ The server's clock was ahead: some subscribers' next daily push was planned "
                "for a wrong time, or not at all. The bot has planned it again; ask the "
                "operators to check the server's clock."))

    async def campaign_file_broken(self, problem: str) -> None:
        """A start found actions.yaml broken and runs the last good campaign (once per problem)."""
        if await self.store.first_notice(f"campaign-file:{problem}"):
            await self._tell(lambda t: t.gettext(
                "⚠️ The campaign file has a problem, so the bot runs the last good campaign. "
                "Fix the file, then send /reload:") + f"\n<pre>{html.escape(problem)}</pre>")

    async def not_safe(self, campaign: Campaign, action: Action, language: str) -> None:
        """Enough readers of one language find a day not safe: told once per day and language."""
        edition, threshold = campaign.edition, self.not_safe_threshold
        if await self.store.not_safe_count(edition, action.id, language) >= threshold \
                and await self.store.first_notice(f"not-safe:{edition}:{action.day}:{language}"):
            await self._tell(lambda t: fill(t.gettext(
                "⛔ {count} or more people reading in {language} said day {day} is not safe "
                "where they live. Consider adapting or correcting the day (its safer way, or a "
                "note): /reload after you edit the campaign file."),
                {"count": t.number(threshold), "language": t.language_name(language),
                 "day": t.number(action.day)}))

    async def _tell(self, text: Callable[[Translator], str]) -> None:
        """Each organiser in their own language; one who never opened the bot is skipped."""
        for admin in sorted(self.admins):
            chat = await self.store.chat(admin)
            t = self.translations.get(chat.language if chat else None)
            try:
                await self.bot.send_message(admin, text(t))
            except TelegramError as error:
                log.warning("could not alert an organiser: %s", error)
