"""The composition root: build the Application, wire every handler, start and stop services.

This is the only module that knows every handler. Order matters: group -4 stops a person
who floods the bot (before any database read), group -3 drops an update some instance
handled already, group -2 resolves the chat's language, group -1 stops a button press the
bot did not offer or the presser may not make, and only then do the feature handlers of
group 0 run (one handler per group handles an update).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand, BotCommandScopeDefault, Update
from telegram.error import Conflict, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
)

from tgbot import __version__
from tgbot.config import Settings
from tgbot.context import BotContext, Services
from tgbot.delivery.bot import CampaignBot, build_bot
from tgbot.delivery.deliverer import Deliverer
from tgbot.delivery.drain import senders_for
from tgbot.domain import commands
from tgbot.domain.campaign import Campaign
from tgbot.domain.outcomes import retired_through
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
    presses,
    privacy,
    push_settings,
    reminders,
    repeats,
    start,
    subscription,
)
from tgbot.i18n.translator import DEFAULT_LANGUAGE, Translator, telegram_code
from tgbot.messages.start import description
from tgbot.ops import campaign_sync, metrics
from tgbot.ops.alerts import Alerts
from tgbot.ops.status import StatusServer
from tgbot.ops.webhook import Limits, WebhookServer
from tgbot.storage.backends import is_database_failure, redact_url

log = logging.getLogger(__name__)

# Seconds between delivery rounds: each looks for chats whose push time has come and, on a
# standby instance, tries to take over from a sender that stopped.
PUSH_INTERVAL = 2.0
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER,
                   Update.CHANNEL_POST, Update.INLINE_QUERY]
# Telegram answers a getUpdates with 409 while another process polls with the same token.
POLLING_CONFLICT = ("another process is polling this bot's updates with the same token "
                    "(Telegram answered 409 Conflict): run one polling instance, or use "
                    "webhook mode (--webhook) for several instances")
# A process that meets a 409 this soon after it began polling started beside another one,
# and gives up; the older one keeps polling (it also meets one 409 from the newcomer's
# last getUpdates as it stops).
NEWCOMER = 10.0
# How long the record of a handled update_id is kept: Telegram keeps an unconfirmed update
# for 24 hours, so no repeat comes later than that.
REPEATS_KEPT = 24 * 3600.0
# How long a closed outbox row (who was sent which message, and when) is kept past its
# lifetime; the deletion runs on the first beat and then hourly (it reads every outbox).
DELIVERIES_KEPT = 14 * 86400.0
FORGET_DELIVERIES_EVERY = 3600.0


class MeasuredApplication(Application):
    """The Application, counting updates by kind and timing their handlers (metrics)."""

    async def process_update(self, update: object) -> None:
        """Count the update by its kind and time its handlers, then handle it as PTB does."""
        if isinstance(update, Update):
            kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None),
                        "other")
            metrics.update(kind)
            with metrics.handling():
                await super().process_update(update)
            return
        await super().process_update(update)


def build_application(settings: Settings, campaign: Campaign) -> Application:
    """The bot, ready for `running` (its services open in `post_init`)."""
    services = Services(settings, campaign)
    application: Application = (  # bare: its bot_data is `services`, not PTB's dict
        ApplicationBuilder()
        .application_class(MeasuredApplication)
        .bot(build_bot(settings, senders=senders_for(settings.rate)))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(8)
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data = services  # built here with its arguments, not by PTB

    application.add_handlers({
        -4: flood.HANDLERS,
        -3: repeats.HANDLERS,
        -2: locale.HANDLERS,
        -1: presses.HANDLERS,
        0: [*groups.HANDLERS, *start.HANDLERS, *actions.HANDLERS, *action_buttons.HANDLERS,
            *subscription.HANDLERS, *push_settings.HANDLERS, *reminders.HANDLERS,
            *language.HANDLERS, *privacy.HANDLERS,
            *organisers.handlers(services), *faq.handlers(services), *inline.HANDLERS,
            CallbackQueryHandler(start.unknown_press)],  # last: any button nobody handled
    })
    application.add_error_handler(errors.on_error)
    return application


def start_engine(services: Services, bot: CampaignBot) -> Deliverer:
    """Give the open services the delivery engine and the alerts, sending with `bot`."""
    services.bot_username = bot.bot.username or ""
    services.alerts = alerts(services, bot)  # the handlers' too (a day found not safe)
    services.deliverer = Deliverer(services.store, bot, services.current, services.clock,
                                   services.i18n, services.settings, services.alerts)
    return services.deliverer


def alerts(services: Services, bot: Any) -> Alerts:
    """The organisers' alerts, sent by `bot`."""
    return Alerts(services.store, bot, services.i18n, services.settings)


def bot_commands(t: Translator, campaign: Campaign) -> list[BotCommand]:
    """The command menu in one language."""
    own = [(c.name, t.gettext(c.menu)) for c in commands.COMMANDS if c.menu]
    own += [(e.command, t.gettext(e.description)) for e in campaign.faq]
    return [BotCommand(command, description) for command, description in own]


async def _post_init(application: Application) -> None:
    """Open the services, publish the campaign, register commands, start the daily push.

    With TGBOT_SITE_URL, the bot's description in each language links to the mirror site.

    The start-up line comes once the updates come in (`running`): a refused webhook is not
    a start.
    """
    services: Services = application.bot_data
    settings = services.settings
    await services.open()
    deliverer = start_engine(services, application.bot)
    # this start's file, for every instance
    problems = await campaign_sync.start(services.store, services.current, settings.campaign,
                                         services.clock().timestamp(),
                                         others=await deliverer.instance.others_alive())
    if problems:  # the last good campaign runs meanwhile (or, if none, the one checked)
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        log.error("%s%s: the bot runs the last good campaign (version %s) until the file is "
                  "fixed; `tgbot check` lists each problem, then send /reload or SIGHUP",
                  problems[0], more, services.current.version or "-")
        await alerts(services, application.bot).campaign_file_broken(problems[0])
    if not application.bot.bot.supports_inline_queries:  # getMe's answer, from initialize
        log.warning("inline mode is off, so nobody can share cards by typing @%s in a chat: "
                    "send /setinline to @BotFather to turn it on", services.bot_username)
    for t in services.i18n:
        code = None if t.code == DEFAULT_LANGUAGE else telegram_code(t.code)
        if code is None and t.code != DEFAULT_LANGUAGE:
            continue
        await application.bot.set_my_commands(bot_commands(t, services.campaign),
                                              scope=BotCommandScopeDefault(), language_code=code)
        if settings.site_url:  # otherwise the description stays the one set in @BotFather
            await application.bot.set_my_description(
                description(t, services.campaign, settings.site_url), language_code=code)
    await deliverer.instance.join()
    if settings.status_port is not None:
        services.status = StatusServer(services.store, settings.status_listen,
                                       settings.status_port)
        services.status.start()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, _reload_on_signal,
                                                      application)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_beat, interval=PUSH_INTERVAL, first=1.0,
                                            name="daily-push")
    metrics.set_sender(await deliverer.instance.is_sender())


def startup_line(services: Services, mode: str, sends: bool) -> str:
    """The one line an operator looks for: what runs, on what, for which campaign."""
    campaign = services.campaign
    return (f"tgbot {__version__} started: mode {mode}, database "
            f"{redact_url(str(services.settings.db))}, campaign {campaign.edition} "
            f"({campaign.start_date} to {campaign.end_date}, version "
            f"{services.current.version or '-'}), bot @{services.bot_username}, "
            f"{'sends the push' if sends else 'does not send (another instance does)'}")


async def _beat(context: BotContext) -> None:
    """The scheduler's beat, run in the background so the job returns at once.

    The deliverer's heartbeat, push and takeover first; then what every instance looks at.
    A beat that fires while the application stops does nothing: nobody would await its work.
    """
    if not context.application.running:
        return
    context.services.deliverer.beat()
    if not context.services.beat.locked():  # a slow database: beats do not pile up
        context.application.create_task(_operations(context.services, context.bot),
                                        name="operations")


async def _operations(services: Services, bot: Any) -> None:
    """What every instance looks at on each beat.

    A campaign another instance published, sending that fell behind, old update records,
    old outbox rows, and per-person rows past TGBOT_RETENTION_DAYS.
    """
    async with services.beat:
        try:
            await campaign_sync.follow(services.store, services.current,
                                       services.settings.campaign)
            now = services.clock().timestamp()
            await alerts(services, bot).check(services.campaign, now)
            await services.store.forget_updates(now - REPEATS_KEPT)
            if abs(now - services.outbox_forgotten_at) >= FORGET_DELIVERIES_EVERY:
                await services.store.forget_deliveries(now - DELIVERIES_KEPT)
                await _forget_retired(services)  # TGBOT_RETENTION_DAYS
                services.outbox_forgotten_at = now
        except Exception as error:  # noqa: BLE001 - the database went away: next beat again
            if not is_database_failure(error):  # the storage logs an outage once
                log.warning("beat: %s: %s", type(error).__name__, error)


async def _forget_retired(services: Services) -> None:
    """Delete the per-person rows of editions that ended TGBOT_RETENTION_DAYS ago (if set)."""
    days = services.settings.retention_days
    edition = None if days is None else retired_through(services.campaign,
                                                         services.campaign_date(), days)
    if edition is not None:
        await services.store.retire(edition)


def _reload_on_signal(application: Application) -> None:
    """SIGHUP: re-read actions.yaml, like /reload; a broken file is logged and ignored."""
    application.create_task(_reload_and_log(application.bot_data))


async def _reload_and_log(services: Services) -> None:
    problems = await campaign_sync.reload(services.store, services.current,
                                          services.settings.campaign,
                                          services.clock().timestamp())
    for problem in problems:
        log.error("campaign not reloaded: %s", problem)
    if not problems:
        log.info("campaign reloaded from %s (version %s)", services.settings.campaign,
                 services.current.version)


async def _post_stop(application: Application) -> None:
    """Before the HTTP client closes: let the rows in flight finish, hand over the sending."""
    await application.bot_data.deliverer.stop()


async def _post_shutdown(application: Application) -> None:
    """After the HTTP client closed: the SIGHUP handler, the status port, the database."""
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
    await application.bot_data.close()


@dataclass(frozen=True)
class Webhook:
    """Where Telegram posts updates (`tgbot run --webhook`) and where the bot listens.

    `limits`: what one HTTP client may cost the bot (body size, idle and body timeouts).
    """

    url: str
    secret: str
    listen: str = "127.0.0.1"
    port: int = 8443
    limits: Limits = Limits()


@contextlib.asynccontextmanager
async def running(application: Application, *, webhook: Webhook | None = None,
                  poll_timeout: dt.timedelta = dt.timedelta(seconds=10)
                  ) -> AsyncIterator[Application]:
    """Run the application inside the block, started and stopped as `run_polling` does.

    With `webhook`, as `run_webhook` does, but on the bot's own bounded server (see
    ops/webhook.py). `tgbot run`, `tgbot demo` and the tests all run the bot this way, so
    they start and stop it alike. Start: initialize, post_init, long polling (or the webhook
    server, then setWebhook), start. Stop, also when a step of the start failed: polling or
    the webhook server, stop and post_stop (only if it had started), shutdown, post_shutdown.
    `poll_timeout` is how long one getUpdates may wait for an update (run_polling's default).
    """
    updater = application.updater
    assert updater is not None, "build_application gives every application an updater"
    server = None
    try:
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        if webhook is not None:
            server = WebhookServer(application.bot, application.update_queue,
                                   path=urlparse(webhook.url).path, secret=webhook.secret,
                                   limits=webhook.limits)
            server.start(webhook.listen, webhook.port)
            await application.bot.set_webhook(webhook.url, allowed_updates=ALLOWED_UPDATES,
                                              secret_token=webhook.secret)
        else:
            await updater.start_polling(poll_interval=0.0, timeout=poll_timeout,
                                        allowed_updates=ALLOWED_UPDATES,
                                        error_callback=partial(_polling_error, application,
                                                               time.monotonic()))
        await application.start()
        services: Services = application.bot_data
        log.info("%s", startup_line(services, "webhook" if webhook else "polling",
                                    await services.deliverer.instance.is_sender()))
        yield application
    finally:
        if updater.running:
            await updater.stop()
        if server is not None:
            await server.stop()
        if application.running:
            await application.stop()
            if application.post_stop is not None:
                await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


def _polling_error(application: Application, began: float, error: TelegramError) -> None:
    """A failed getUpdates goes to the error handler, as under `run_polling`.

    A 409 Conflict means two processes poll and steal each other's updates: the one that
    began polling less than NEWCOMER seconds ago gives up (`Services.given_up`), the other
    logs one line, instead of a traceback every few seconds in both.
    """
    if isinstance(error, Conflict):
        if time.monotonic() - began >= NEWCOMER:
            log.warning("%s", POLLING_CONFLICT)
            return
        services: Services = application.bot_data
        services.gave_up = POLLING_CONFLICT
        services.given_up.set()
        return
    application.create_task(application.process_error(update=None, error=error))
