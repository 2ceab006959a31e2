"""The composition root: build the Application, wire every handler, start and stop services.

This is the only module that knows every handler. Order matters: group -2 stops a person
who floods the bot (before any database read), group -1 resolves the chat's language, and
only then do the feature handlers of group 0 run (one handler per group handles an update).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
)

from tgbot.bot import build_bot
from tgbot.campaign import Campaign
from tgbot.config import Settings
from tgbot.context import BotContext, Services
from tgbot.delivery import Deliverer, senders_for
from tgbot.handlers import (
    actions,
    errors,
    faq,
    flood,
    groups,
    language,
    locale,
    organisers,
    privacy,
    start,
    subscription,
)
from tgbot.i18n import DEFAULT_LANGUAGE, I18n, Translator, telegram_code
from tgbot.store import Store

log = logging.getLogger(__name__)

# Seconds between delivery rounds: each looks for chats whose push time has come and, on a
# standby instance, tries to take over from a sender that stopped.
PUSH_INTERVAL = 2.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER,
                   Update.CHANNEL_POST]


def build_application(settings: Settings, campaign: Campaign) -> Application:
    """The bot, ready for `run_polling`, `run_webhook` or `async with`."""
    application = (
        ApplicationBuilder()
        .bot(build_bot(settings, senders=senders_for(settings.rate), polling=True))
        .context_types(ContextTypes(context=BotContext, bot_data=Services))
        .concurrent_updates(8)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    services: Services = application.bot_data
    services.settings = settings
    services.set_campaign(campaign)
    services.i18n = I18n(settings.locales)

    application.add_handlers({
        -2: flood.HANDLERS,
        -1: locale.HANDLERS,
        0: [*groups.HANDLERS, *start.HANDLERS, *actions.HANDLERS, *subscription.HANDLERS,
            *language.HANDLERS, *privacy.HANDLERS, *organisers.handlers(services),
            *faq.handlers(services),
            CallbackQueryHandler(start.unknown_press)],  # last: any button nobody handled
    })
    application.add_error_handler(errors.on_error)
    return application


def bot_commands(t: Translator, campaign: Campaign) -> list[BotCommand]:
    """The command menu in one language."""
    own = [("today", t.gettext("Today's action")), ("actions", t.gettext("All actions")),
           ("progress", t.gettext("Your progress")), ("subscribe", t.gettext("Daily action")),
           ("settings", t.gettext("Time of the daily action")),
           ("language", t.gettext("Change language")), ("faq", t.gettext("Questions"))]
    own += [(e.command, t.gettext(e.description)) for e in campaign.faq]
    return [BotCommand(command, description) for command, description in own]


async def _post_init(application: Application) -> None:
    """Open the database, learn our username, register commands, start the daily push."""
    services: Services = application.bot_data
    services.store = await Store.open(services.settings.db)
    me = await application.bot.get_me()
    services.bot_username = me.username or ""
    for t in services.i18n:
        code = None if t.code == DEFAULT_LANGUAGE else telegram_code(t.code)
        if code is None and t.code != DEFAULT_LANGUAGE:
            continue
        await application.bot.set_my_commands(bot_commands(t, services.campaign),
                                              scope=BotCommandScopeDefault(), language_code=code)
    services.deliverer = Deliverer(services, application.bot)
    await services.deliverer.join()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _reload_on_signal,
                                                      services)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_beat, interval=PUSH_INTERVAL, first=1.0,
                                            name="daily-push")


async def _beat(context: BotContext) -> None:
    """The scheduler's beat (heartbeat, push, takeover), in the background; the job itself
    returns at once."""
    context.services.deliverer.beat()


def _reload_on_signal(services: Services) -> None:
    """SIGHUP: re-read actions.yaml, like /reload; a broken file is logged and ignored."""
    problems = organisers.reload_campaign(services)
    for problem in problems:
        log.error("campaign not reloaded: %s", problem)
    if not problems:
        log.info("campaign reloaded from %s", services.settings.campaign)


async def _post_stop(application: Application) -> None:
    """Before the HTTP client closes: let the rows in flight finish, hand over the sending."""
    services: Services = application.bot_data
    if services.deliverer is not None:
        await services.deliverer.stop()


async def _post_shutdown(application: Application) -> None:
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    services: Services = application.bot_data
    if services.store is not None:
        await services.store.close()
