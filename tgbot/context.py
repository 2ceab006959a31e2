"""What every handler can reach: the services of the running bot and the update's language.

`Services` lives in `application.bot_data` (filled in `post_init`); `BotContext` exposes it
as typed properties and carries the Translator that the locale resolver picked for this
update, so no handler looks up strings in dictionaries or resolves a language itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from tgbot.campaign import Campaign
from tgbot.config import Settings
from tgbot.faq import FaqMatcher
from tgbot.flood import FloodGate
from tgbot.groups import AdminCache
from tgbot.i18n import I18n, Translator
from tgbot.schedule import local_now
from tgbot.store import Chat, Store
from tgbot.throttle import ThrottledEdits

if TYPE_CHECKING:
    from tgbot.delivery import Deliverer
    from tgbot.status import StatusServer


@dataclass
class Services:
    """The long-lived parts of the bot, created at start-up, shared by all handlers."""

    settings: Settings = field(default_factory=Settings)
    store: Store = None  # type: ignore[assignment]  # set in post_init
    campaign: Campaign = None  # type: ignore[assignment]
    i18n: I18n = None  # type: ignore[assignment]
    bot_username: str = ""
    deliverer: Deliverer = None  # type: ignore[assignment]
    # The current time; tests and `tgbot demo --date` move it, nothing else reads the clock.
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    flood: FloodGate = field(default_factory=FloodGate)
    admins: AdminCache = field(default_factory=AdminCache)
    edits: ThrottledEdits = field(default_factory=ThrottledEdits)
    status: StatusServer | None = None
    beat: asyncio.Lock = field(default_factory=asyncio.Lock)  # one operations beat at a time
    # the published version of `campaign` (tgbot.campaign_sync), and one this instance refused
    campaign_version: str = ""
    refused_version: str = ""
    _matchers: dict[str, FaqMatcher] = field(default_factory=dict)

    def set_campaign(self, campaign: Campaign, version: str = "") -> None:
        """Swap in a (re)loaded campaign; FAQ matchers are rebuilt on demand."""
        self.campaign = campaign
        self.campaign_version = version
        self._matchers.clear()

    def matcher(self, t: Translator) -> FaqMatcher:
        """The FAQ matcher for one language, built from that language's phrasings."""
        if t.code not in self._matchers:
            phrasings = {e.id: [t.gettext(p) for p in (e.question, e.button, *e.also)]
                         for e in self.campaign.faq}
            self._matchers[t.code] = FaqMatcher.build(phrasings)
        return self._matchers[t.code]

    def today(self) -> dt.date:
        """Today in UTC: the day stamp of stored dates (new this week, completed on)."""
        return self.clock().date()

    def campaign_today(self, chat: Chat | None) -> dt.date:
        """The date in the chat's own time zone (the campaign's, until the chat picks one)."""
        return local_now(chat, self.campaign, self.clock()).date()


class BotContext(CallbackContext[ExtBot, dict, dict, Services]):
    """CallbackContext with typed access to the services and this update's language."""

    def __init__(self, application: Application, chat_id: int | None = None,
                 user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._t: Translator | None = None
        self.chat_record: Chat | None = None

    @property
    def services(self) -> Services:
        """The bot's long-lived services (`application.bot_data`), typed."""
        return self.bot_data

    @property
    def store(self) -> Store:
        """The database, through the domain methods of `tgbot.store`."""
        return self.bot_data.store

    @property
    def campaign(self) -> Campaign:
        """The campaign in force now (a /reload swaps it between updates)."""
        return self.bot_data.campaign

    @property
    def t(self) -> Translator:
        """The Translator for this update, picked once by the locale resolver (group -1)."""
        if self._t is None:
            raise RuntimeError("no language for this update yet: the locale resolver "
                               "(tgbot.handlers.locale, group -1) has not run")
        return self._t

    @t.setter
    def t(self, translator: Translator) -> None:
        self._t = translator

    @property
    def has_language(self) -> bool:
        """Whether this update's language is resolved; the error handler may run before."""
        return self._t is not None
