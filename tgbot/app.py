"""The composition root: build the Application, wire every handler, start and stop services.

This is the only module that knows every handler. Order matters: group -3 stops a person
who floods the bot (before any database read), group -2 drops an update some instance
handled already, group -1 resolves the chat's language, and only then do the feature
handlers of group 0 run (one handler per group handles an update).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from typing import Any

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
)

from tgbot import __version__, alerts, campaign_sync, commands, metrics
from tgbot.backends import redact_url
from tgbot.bot import build_bot
from tgbot.campaign import Campaign
from tgbot.config import Settings
from tgbot.context import BotContext, Services
from tgbot.delivery import Deliverer, senders_for
from tgbot.handlers import (
    action_buttons,
    actions,
    errors,
    faq,
    flood,
    groups,
    inline,
    language,
    locale,
    organisers,
    privacy,
    push_settings,
    reminders,
    repeats,
    start,
    subscription,
)
from tgbot.i18n import DEFAULT_LANGUAGE, I18n, Translator, telegram_code
from tgbot.status import StatusServer
from tgbot.store import Store

log = logging.getLogger(__name__)

# Seconds between delivery rounds: each looks for chats whose push time has come and, on a
# standby instance, tries to take over from a sender that stopped.
PUSH_INTERVAL = 2.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER,
                   Update.CHANNEL_POST, Update.INLINE_QUERY]
# How long the record of a handled update_id is kept: Telegram keeps an unconfirmed update
# for 24 hours, so no repeat comes later than that.
REPEATS_KEPT = 24 * 3600.0


class MeasuredApplication(Application):
    """The Application, counting updates by kind and timing their handlers (metrics)."""

    async def process_update(self, update: object) -> None:
        if isinstance(update, Update):
            kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None),
                        "other")
            metrics.update(kind)
            with metrics.handling():
                await super().process_update(update)
            return
        await super().process_update(update)


def build_application(settings: Settings, campaign: Campaign) -> Application:
    """The bot, ready for `run_polling`, `run_webhook` or `async with`."""
    application = (
        ApplicationBuilder()
        .application_class(MeasuredApplication)
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
        -3: flood.HANDLERS,
        -2: repeats.HANDLERS,
        -1: locale.HANDLERS,
        0: [*groups.HANDLERS, *start.HANDLERS, *actions.HANDLERS, *action_buttons.HANDLERS,
            *subscription.HANDLERS, *push_settings.HANDLERS, *reminders.HANDLERS,
            *language.HANDLERS, *privacy.HANDLERS,
            *organisers.handlers(services), *faq.handlers(services), *inline.HANDLERS,
            CallbackQueryHandler(start.unknown_press)],  # last: any button nobody handled
    })
    application.add_error_handler(errors.on_error)
    return application


def bot_commands(t: Translator, campaign: Campaign) -> list[BotCommand]:
    """The command menu in one language."""
    own = [(c.name, t.gettext(c.menu)) for c in commands.COMMANDS if c.menu]
    own += [(e.command, t.gettext(e.description)) for e in campaign.faq]
    return [BotCommand(command, description) for command, description in own]


async def _post_init(application: Application) -> None:
    """Open the database, learn our username, register commands, start the daily push."""
    services: Services = application.bot_data
    settings = services.settings
    services.store = await Store.open(settings.db)
    problems = await campaign_sync.start(services)  # this start's file, for every instance
    if problems:  # the file changed since `tgbot run` checked it: keep what was checked
        log.error("campaign not published: %s", "; ".join(problems[:5]))
    me = await application.bot.get_me()
    services.bot_username = me.username or ""
    if not me.supports_inline_queries:
        log.warning("inline mode is off, so nobody can share cards by typing @%s in a chat: "
                    "send /setinline to @BotFather to turn it on", services.bot_username)
    for t in services.i18n:
        code = None if t.code == DEFAULT_LANGUAGE else telegram_code(t.code)
        if code is None and t.code != DEFAULT_LANGUAGE:
            continue
        await application.bot.set_my_commands(bot_commands(t, services.campaign),
                                              scope=BotCommandScopeDefault(), language_code=code)
    services.deliverer = Deliverer(services, application.bot)
    await services.deliverer.join()
    if settings.status_port is not None:
        services.status = StatusServer(services, settings.status_listen, settings.status_port)
        services.status.start()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _reload_on_signal,
                                                      application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_beat, interval=PUSH_INTERVAL, first=1.0,
                                            name="daily-push")
    sends = await services.deliverer.is_sender()
    metrics.set_sender(sends)
    log.info("%s", startup_line(services, "webhook" if settings.webhook_url else "polling",
                                sends))


def startup_line(services: Services, mode: str, sends: bool) -> str:
    """The one line an operator looks for: what runs, on what, for which campaign."""
    campaign = services.campaign
    return (f"tgbot {__version__} started: mode {mode}, database "
            f"{redact_url(str(services.settings.db))}, campaign {campaign.edition} "
            f"({campaign.start_date} to {campaign.end_date}, version "
            f"{services.campaign_version or '-'}), bot @{services.bot_username}, "
            f"{'sends the push' if sends else 'does not send (another instance does)'}")


async def _beat(context: BotContext) -> None:
    """The scheduler's beat (heartbeat, push, takeover; then what every instance looks at),
    in the background; the job itself returns at once.
    """
    context.services.deliverer.beat()
    if not context.services.beat.locked():  # a slow database: beats do not pile up
        context.application.create_task(_operations(context.services, context.bot),
                                        name="operations")


async def _operations(services: Services, bot: Any) -> None:
    """What every instance looks at on each beat: a campaign another instance published,
    sending that fell behind, old update records.
    """
    async with services.beat:
        try:
            await campaign_sync.follow(services)
            await alerts.check(services, bot)
            await services.store.forget_updates(services.clock().timestamp() - REPEATS_KEPT)
        except Exception as error:  # noqa: BLE001 - the database went away: next beat again
            log.warning("beat: %s: %s", type(error).__name__, error)


def _reload_on_signal(application: Application) -> None:
    """SIGHUP: re-read actions.yaml, like /reload; a broken file is logged and ignored."""
    application.create_task(_reload_and_log(application.bot_data))


async def _reload_and_log(services: Services) -> None:
    problems = await campaign_sync.reload(services)
    for problem in problems:
        log.error("campaign not reloaded: %s", problem)
    if not problems:
        log.info("campaign reloaded from %s (version %s)", services.settings.campaign,
                 services.campaign_version)


async def _post_stop(application: Application) -> None:
    """Before the HTTP client closes: let the rows in flight finish, hand over the sending."""
    services: Services = application.bot_data
    if services.deliverer is not None:
        await services.deliverer.stop()


async def _post_shutdown(application: Application) -> None:
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    services: Services = application.bot_data
    if services.status is not None:
        await services.status.stop()
    if services.store is not None:
        await services.store.close()
