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
from typing import TYPE_CHECKING

from telegram import Bot
from telegram.error import TelegramError

from tgbot.domain.campaign import Action
from tgbot.domain.outbox import OPEN_STATES, State
from tgbot.i18n.translator import Translator
from tgbot.messages import fill

if TYPE_CHECKING:  # the deliverer tells through this module, and the services hold it
    from tgbot.context import Services

log = logging.getLogger(__name__)


async def check(services: Services, bot: Bot) -> None:
    """Tell the organisers of a lagging outbox or a push none of whose messages went out."""
    store, campaign = services.store, services.campaign
    now = services.clock().timestamp()
    waiting = await store.oldest_waiting(now)
    if waiting is not None:
        due_at, incident = waiting
        lag = now - due_at
        if lag > services.settings.alert_lag and await store.first_notice(f"lag:{incident}"):
            minutes = max(1, round(lag / 60))
            await _tell(services, bot, lambda t: fill(t.ngettext(
                "⚠️ Sending is behind: a message due {minutes} minute ago is still waiting. "
                "The operators' dashboard shows why (429s, the sender lock).",
                "⚠️ Sending is behind: a message due {minutes} minutes ago is still waiting. "
                "The operators' dashboard shows why (429s, the sender lock).", minutes),
                {"minutes": t.number(minutes)}))
    last = await store.last_push(campaign.edition, now)
    if last is None:
        return
    day, states = last
    failed = states.get(State.FAILED, 0)
    still_open = sum(states.get(state, 0) for state in OPEN_STATES)
    if failed and not still_open and not states.get(State.SENT, 0) \
            and await store.first_notice(f"failed:push:{campaign.edition}:{day}"):
        await _tell(services, bot, lambda t: fill(t.ngettext(
            "❌ The push of day {day} failed: its {count} message could not be sent.",
            "❌ The push of day {day} failed: none of its {count} messages could be sent.",
            failed), {"day": t.number(day), "count": t.number(failed)}))


async def push_times_lost(services: Services, bot: Bot, now: dt.datetime) -> None:
    """Subscribers' push times were planned with a clock that was ahead, and planned again."""
    if await services.store.first_notice(f"lost:push:{services.campaign.edition}:{now.date()}"):
        await _tell(services, bot, lambda t: t.gettext(
            "⚠️ The server's clock was ahead: some subscribers' next daily push was planned "
            "for a wrong time, or not at all. The bot has planned it again; ask the "
            "operators to check the server's clock."))


async def campaign_file_broken(services: Services, bot: Bot, problem: str) -> None:
    """A start found actions.yaml broken and runs the last good campaign (once per problem)."""
    if await services.store.first_notice(f"campaign-file:{problem}"):
        await _tell(services, bot, lambda t: t.gettext(
            "⚠️ The campaign file has a problem, so the bot runs the last good campaign. "
            "Fix the file, then send /reload:") + f"\n<pre>{html.escape(problem)}</pre>")


async def not_safe(services: Services, bot: Bot, action: Action, language: str) -> None:
    """Enough readers of one language find a day not safe: told once per day and language."""
    edition, threshold = services.campaign.edition, services.settings.not_safe_alert
    if await services.store.not_safe_count(edition, action.id, language) >= threshold \
            and await services.store.first_notice(f"not-safe:{edition}:{action.day}:{language}"):
        await _tell(services, bot, lambda t: fill(t.gettext(
            "⛔ {count} or more people reading in {language} said day {day} is not safe where "
            "they live. Consider adapting or correcting the day (its safer way, or a note): "
            "/reload after you edit the campaign file."),
            {"count": t.number(threshold), "language": t.language_name(language),
             "day": t.number(action.day)}))


async def _tell(services: Services, bot: Bot, text: Callable[[Translator], str]) -> None:
    """Each organiser in their own language; one who never opened the bot is skipped."""
    for admin in sorted(services.settings.admins):
        chat = await services.store.chat(admin)
        t = services.i18n.get(chat.language if chat else None)
        try:
            await bot.send_message(admin, text(t))
        except TelegramError as error:
            log.warning("could not alert an organiser: %s", error)
