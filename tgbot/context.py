"""What every handler can reach: the services of the running bot and the update's language.

`Services` lives in `application.bot_data` (built with the application, opened in
`post_init`); `BotContext` exposes it as typed properties and carries the Translator that the
locale resolver picked for this update, so no handler looks up strings in dictionaries or
resolves a language itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from tgbot.config import Settings
from tgbot.delivery.deliverer import Deliverer
from tgbot.delivery.throttle import ThrottledEdits
from tgbot.domain.campaign import Campaign
from tgbot.domain.commands import ASKED
from tgbot.domain.faq import FaqMatcher
from tgbot.domain.flood import FloodGate
from tgbot.domain.groups import AdminCache
from tgbot.domain.schedule import local_now
from tgbot.i18n.translator import I18n, Translator
from tgbot.storage.store import Chat, Store

if TYPE_CHECKING:
    from tgbot.delivery.bot import CampaignBot
    from tgbot.ops.status import StatusServer


class NotOpenError(RuntimeError):
    """The database or the deliverer asked for before `Services.open` (or after `close`)."""


@dataclass
class Services:
    """The long-lived parts of the bot, shared by all handlers.

    Built with the settings and the campaign (the handlers' filters need both before the bot
    starts); the database and the deliverer come with `open`, in `post_init` or `tgbot push`,
    and go with `close`.
    """

    settings: Settings
    campaign: Campaign
    # the published version of `campaign` (tgbot.ops.campaign_sync), and one this instance refused
    campaign_version: str = ""
    refused_version: str = ""
    # The current time; tests and `tgbot demo --date` move it, nothing else reads the clock.
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    flood: FloodGate = field(default_factory=FloodGate)
    admins: AdminCache = field(default_factory=AdminCache)
    edits: ThrottledEdits = field(default_factory=ThrottledEdits)
    beat: asyncio.Lock = field(default_factory=asyncio.Lock)  # one operations beat at a time
    outbox_forgotten_at: float = 0.0  # when the beat last deleted old outbox rows
    bot_username: str = ""  # the bot's own @name, learned in `open`
    status: StatusServer | None = None  # the status port, when TGBOT_STATUS_PORT asks for it
    # why the bot stops by itself (another process polls with its token); set with `given_up`
    gave_up: str = ""
    given_up: asyncio.Event = field(default_factory=asyncio.Event)
    i18n: I18n = field(init=False)  # every language in settings.locales
    _store: Store | None = field(default=None, init=False, repr=False)
    _deliverer: Deliverer | None = field(default=None, init=False, repr=False)
    _matchers: dict[str, FaqMatcher] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self.i18n = I18n(self.settings.locales, self.settings.languages)

    async def open(self, bot: CampaignBot | None = None) -> None:
        """Open the database and, given the (initialised) bot, the deliverer that sends with it.

        Without a bot (`push --dry-run`, a benchmark) only the database opens.
        """
        self._store = await Store.open(self.settings.db)
        if bot is not None:
            self.bot_username = bot.bot.username or ""
            self._deliverer = Deliverer(self, bot)

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
        """The push, announcements and reminders, sent with the bot given to `open`."""
        if self._deliverer is None:
            raise NotOpenError("no deliverer: await Services.open(bot) first")
        return self._deliverer

    def set_campaign(self, campaign: Campaign, version: str = "") -> None:
        """Swap in a (re)loaded campaign; FAQ matchers are rebuilt on demand."""
        self.campaign = campaign
        self.campaign_version = version
        self._matchers.clear()

    def matcher(self, t: Translator) -> FaqMatcher:
        """The typed-question matcher for one language, built from that language's phrasings.

        It knows the campaign's FAQ entries (by id) and the bot's own commands people ask
        about (by "/name", which no FAQ id can be): their name, menu line and asked phrases.
        """
        if t.code not in self._matchers:
            phrasings: dict[str, Iterable[str]] = {
                e.id: [t.gettext(p) for p in (e.question, e.button, *e.also)]
                for e in self.campaign.faq}
            for command in ASKED:
                asked = t.gettext(command.asked).splitlines() if command.asked else []
                menu = [t.gettext(command.menu)] if command.menu else []
                phrasings["/" + command.name] = [command.name, *menu, *asked]
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
        """The database, through the domain methods of `tgbot.storage.store`."""
        return self.bot_data.store

    @property
    def campaign(self) -> Campaign:
        """The campaign in force now (a /reload swaps it between updates)."""
        return self.bot_data.campaign

    @property
    def today(self) -> dt.date:
        """Today in this chat's own time zone: which campaign day it is for the reader."""
        return self.bot_data.campaign_today(self.chat_record)

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
