"""What every handler can reach: the services of the running bot and the update's language.

`Services` lives in `application.bot_data` (built with the application, opened in
`post_init`); `BotContext` exposes it as typed properties and carries the Translator that the
locale resolver picked for this update, so no handler looks up strings in dictionaries or
resolves a language itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterable
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from tgbot.config import Settings
from tgbot.domain import schedule
from tgbot.domain.campaign import Campaign, CampaignInForce
from tgbot.domain.chat import Chat
from tgbot.domain.commands import ASKED
from tgbot.domain.faq import FaqMatcher
from tgbot.domain.flood import FloodGate
from tgbot.domain.groups import AdminCache
from tgbot.domain.schedule import Clock
from tgbot.errors import NotOpenError
from tgbot.i18n.translator import I18n, Translator
from tgbot.storage.store import Store
from tgbot.throttle import ThrottledEdits

if TYPE_CHECKING:
    from tgbot.delivery.deliverer import Deliverer
    from tgbot.ops.alerts import Alerts
    from tgbot.ops.status import StatusServer


@dataclass
class Services:
    """The long-lived parts of the bot, shared by all handlers.

    Built with the settings and the campaign (the handlers' filters need both before the bot
    starts); the database comes with `open` and goes with `close`, and the wiring
    (`tgbot.app.start_engine`) gives it the delivery engine and the organisers' alerts once
    the bot is initialised.
    """

    settings: Settings
    first_campaign: InitVar[Campaign]
    # The campaign's now; tests and `tgbot demo --date` move it (set it before the bot
    # starts: the engine is given it then). Every reader of the campaign's day and hour is
    # given this clock; heartbeats and Telegram's waits count real seconds instead.
    clock: Clock = schedule.real_now
    flood: FloodGate = field(default_factory=FloodGate)
    admins: AdminCache = field(default_factory=AdminCache)
    edits: ThrottledEdits = field(default_factory=ThrottledEdits)
    beat: asyncio.Lock = field(default_factory=asyncio.Lock)  # one operations beat at a time
    outbox_forgotten_at: float = 0.0  # when the beat last deleted old outbox rows
    bot_username: str = ""  # the bot's own @name, learned when the engine starts
    status: StatusServer | None = None  # the status port, when TGBOT_STATUS_PORT asks for it
    # why the bot stops by itself (another process polls with its token); set with `given_up`
    gave_up: str = ""
    given_up: asyncio.Event = field(default_factory=asyncio.Event)
    # the campaign in force: a /reload, or another instance's publication, swaps it
    current: CampaignInForce = field(init=False)
    i18n: I18n = field(init=False)  # every language in settings.locales
    _store: Store | None = field(default=None, init=False, repr=False)
    _deliverer: Deliverer | None = field(default=None, init=False, repr=False)
    _alerts: Alerts | None = field(default=None, init=False, repr=False)

    def __post_init__(self, first_campaign: Campaign) -> None:
        self.current = CampaignInForce(first_campaign)
        self.i18n = I18n(self.settings.locales, self.settings.languages)

    async def open(self) -> None:
        """Open the database."""
        self._store = await Store.open(self.settings.db)

    async def close(self) -> None:
        """Stop the status port and close the database, whichever of them is open."""
        if self.status is not None:
            await self.status.stop()
            self.status = None
        if self._store is not None:
            await self._store.close()
            self._store = None

    @property
    def store(self) -> Store:
        """The open database."""
        if self._store is None:
            raise NotOpenError("the database is not open: await Services.open() first")
        return self._store

    @property
    def deliverer(self) -> Deliverer:
        """The push, announcements and reminders (`tgbot.app.start_engine` gives it)."""
        if self._deliverer is None:
            raise NotOpenError("no deliverer: start the engine first (tgbot.app.start_engine)")
        return self._deliverer

    @deliverer.setter
    def deliverer(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer

    @property
    def alerts(self) -> Alerts:
        """The organisers' alerts (`tgbot.app.start_engine` gives them, with the engine)."""
        if self._alerts is None:
            raise NotOpenError("no alerts: start the engine first (tgbot.app.start_engine)")
        return self._alerts

    @alerts.setter
    def alerts(self, alerts: Alerts) -> None:
        self._alerts = alerts

    @property
    def campaign(self) -> Campaign:
        """The campaign in force now."""
        return self.current.campaign

    def set_campaign(self, campaign: Campaign, version: str = "") -> None:
        """Swap in a (re)loaded campaign; FAQ matchers are rebuilt on demand."""
        self.current.swap(campaign, version)

    def matcher(self, t: Translator) -> FaqMatcher:
        """The typed-question matcher for one language, built from that language's phrasings.

        It knows the campaign's FAQ entries (by id) and the bot's own commands people ask
        about (by "/name", which no FAQ id can be): their name, menu line and asked phrases.
        """
        matchers = self.current.matchers
        if t.code not in matchers:
            phrasings: dict[str, Iterable[str]] = {
                e.id: [t.gettext(p) for p in (e.question, e.button, *e.also)]
                for e in self.campaign.faq}
            for command in ASKED:
                asked = t.gettext(command.asked).splitlines() if command.asked else []
                menu = [t.gettext(command.menu)] if command.menu else []
                phrasings["/" + command.name] = [command.name, *menu, *asked]
            matchers[t.code] = FaqMatcher.build(phrasings)
        return matchers[t.code]

    def campaign_date(self) -> dt.date:
        """The campaign's date: the stamp of stored dates (new this week, completed on)."""
        return schedule.campaign_date(self.campaign, self.clock())

    def local_date(self, chat: Chat | None) -> dt.date:
        """The date in the chat's own time zone (the campaign's, until the chat picks one).

        Which campaign day it is for the reader: today's action, the days reached.
        """
        return schedule.local_date(chat, self.campaign, self.clock())


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
        """The database, through the domain methods of `tgbot.storage.store`."""
        return self.bot_data.store

    @property
    def campaign(self) -> Campaign:
        """The campaign in force now (a /reload swaps it between updates)."""
        return self.bot_data.campaign

    @property
    def local_date(self) -> dt.date:
        """Today in this chat's own time zone: which campaign day it is for the reader."""
        return self.bot_data.local_date(self.chat_record)

    @property
    def campaign_date(self) -> dt.date:
        """Today in the campaign's zone: the date stamp of what this update stores."""
        return self.bot_data.campaign_date()

    @property
    def t(self) -> Translator:
        """The Translator for this update, picked once by the locale resolver (group -2)."""
        if self._t is None:
            raise RuntimeError("no language for this update yet: the locale resolver "
                               "(tgbot.handlers.locale, group -2) has not run")
        return self._t

    @t.setter
    def t(self, translator: Translator) -> None:
        self._t = translator

    @property
    def has_language(self) -> bool:
        """Whether this update's language is resolved; the error handler may run before."""
        return self._t is not None
