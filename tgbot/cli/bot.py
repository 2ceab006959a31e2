"""The commands that run the bot or its engine against the Bot API: `tgbot run`, `tgbot push`.

Also `on_engine`, the engine as `tgbot run` builds it for one command's work, which
`tgbot correct` and `tgbot recall` use, and the one line a rejected token becomes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot

from tgbot.app import Webhook, build_application, running, start_engine
from tgbot.cli.options import campaign_day, existing_database, settings_from, start_logging
from tgbot.cli.terminal import ProgressReport
from tgbot.config import PUBLIC_API_URL, SECRET_RE, ConfigError, Settings, stars_for
from tgbot.context import Services
from tgbot.delivery.aiohttp_request import AiohttpRequest
from tgbot.delivery.bot import build_bot
from tgbot.delivery.deliverer import Deliverer
from tgbot.delivery.drain import senders_for
from tgbot.domain.campaign import Campaign
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outbox import State
from tgbot.errors import CampaignError
from tgbot.ops import campaign_sync
from tgbot.storage.backends import is_postgres_url

log = logging.getLogger("tgbot")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)  # run_polling's


def cmd_run(args: argparse.Namespace) -> int:
    """`tgbot run`: the bot, until SIGINT, SIGTERM or SIGABRT (SIGHUP reloads the campaign)."""
    settings = settings_from(args)
    settings.check_token()
    webhook = None
    if args.webhook:
        webhook = Webhook(args.webhook, settings.webhook_secret, args.listen, args.port)
        check_webhook(webhook.url, webhook.secret, settings.api_url)
    start_logging(settings, settings.log_format)
    try:
        campaign = load_campaign(settings.campaign)
    except CampaignError:
        # the last good campaign runs while the file is fixed (the start says what is wrong)
        stored = asyncio.run(campaign_sync.last_good(settings)) if is_postgres_url(
            settings.db) or Path(settings.db).is_file() else None
        if stored is None:
            raise
        campaign = stored
    try:
        asyncio.run(_run(settings, campaign, webhook))
    except TelegramError as error:
        if webhook is None:
            raise
        raise ConfigError(f"Telegram refused the webhook {webhook.url}: {error.message} "
                          "(check that the URL is public HTTPS with a valid certificate)"
                          ) from None
    return 0


async def _run(settings: Settings, campaign: Campaign, webhook: Webhook | None) -> None:
    """Wait for the Bot API, then run the bot until a stop signal, as under `run_polling`.

    A stop signal during the start ends the start; the bot then stops all the same.
    """
    await wait_for_api(settings)
    application = build_application(settings, campaign)
    serving = asyncio.current_task()
    assert serving is not None, "asyncio.run runs this in a task"
    loop = asyncio.get_running_loop()
    for stop in STOP_SIGNALS:
        loop.add_signal_handler(stop, serving.cancel)
    try:
        with rejected_token(), contextlib.suppress(asyncio.CancelledError):
            async with running(application, webhook=webhook):
                # until a stop signal cancels this task, or the bot gives up by itself
                await application.bot_data.given_up.wait()
    finally:
        for stop in STOP_SIGNALS:
            loop.remove_signal_handler(stop)
    if application.bot_data.gave_up:
        raise ConfigError(application.bot_data.gave_up)


@contextlib.contextmanager
def rejected_token() -> Iterator[None]:
    """The Bot API's InvalidToken as the one line an operator can act on."""
    try:
        yield
    except InvalidToken:
        raise ConfigError("the Bot API rejected the token: check TGBOT_TOKEN") from None


def check_webhook(url: str, secret: str, api_url: str) -> None:
    """Refuse a webhook Telegram would not post to, or one without a usable secret.

    Telegram posts updates only to an https:// URL (a local Bot API server, as tests and
    some deployments use, also to http://), with the secret we check.
    """
    parsed = urlparse(url)
    schemes = ("https",) if api_url == PUBLIC_API_URL else ("https", "http")
    if parsed.scheme not in schemes or not parsed.hostname:
        raise ConfigError(f"--webhook must be a public https:// URL (Telegram requires "
                          f"HTTPS), not {url!r}")
    if not secret or not SECRET_RE.match(secret):
        raise ConfigError("webhook mode needs --secret (or TGBOT_WEBHOOK_SECRET): "
                          "1-256 characters of A-Z a-z 0-9 _ -")


async def wait_for_api(settings: Settings) -> None:
    """Check the token, and wait (with backoff) while the Bot API cannot be reached.

    A bot started during a network outage waits instead of crash-looping; a token the API
    rejects is one clear line.
    """
    delay = 1.0
    # aiohttp, as the bot itself sends: PTB's default HTTPX requests would cost two SSL
    # contexts (a third of a second of CPU) for one getMe
    bot = ExtBot(settings.token, base_url=f"{settings.api_url}/bot",
                 request=AiohttpRequest(1), get_updates_request=AiohttpRequest(1))
    try:
        with rejected_token():
            while True:
                try:
                    await bot.initialize()  # its getMe checks the token
                    return
                except NetworkError as error:
                    log.warning("the Bot API is unreachable (%s); trying again in %.0f s",
                                error, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 60.0)
    finally:
        await bot.shutdown()  # closes the HTTP client, which `initialize` opened


def cmd_push(args: argparse.Namespace) -> int:
    """`tgbot push`: one delivery round from the command line (cron), or its counts only."""
    settings = settings_from(args)
    if args.dry_run:  # counts from the database only: no token, no Bot API
        start_logging(settings)
        return asyncio.run(_count_only(settings, args.date))
    settings.check_token()
    start_logging(settings, settings.log_format)
    return asyncio.run(_push(settings, args.date))


async def _count_only(settings: Settings, date: dt.date | None) -> int:
    """`push --dry-run`: the counts from the database, with no token and no Bot API."""
    existing_database(settings.db)
    services = Services(settings, load_campaign(settings.campaign))
    await services.open()
    try:
        day = None if date is None else campaign_day(services.campaign, date)
        print(await _dry_run(services, day))
        return 0
    finally:
        await services.close()


async def _push(settings: Settings, date: dt.date | None) -> int:
    """One delivery round, sent by this process if it can take the sender lock."""
    services = Services(settings, load_campaign(settings.campaign))
    day = None if date is None else campaign_day(services.campaign, date)
    bot = build_bot(settings, senders=senders_for(settings.rate))
    try:
        with rejected_token():
            async with bot:
                await services.open()
                start_engine(services, bot)
                try:
                    return await _push_round(services, day)
                finally:
                    await services.close()
    except NetworkError as error:
        raise ConfigError(f"cannot reach the Bot API at {settings.api_url}: {error}") from None


async def _push_round(services: Services, day: int | None) -> int:
    """Queue the day (or whoever is due now), then send the queue if we hold the lock."""
    deliverer = services.deliverer
    instance, planner = deliverer.instance, deliverer.planner
    await instance.join(replies=False)
    sender = await instance.is_sender()
    queued = (await planner.enqueue_day(day, services.clock()) if day is not None
              else await planner.enqueue_due(services.clock()))
    if not sender:
        print(f"queued: {queued}; another process holds the sender lock and sends them")
        return 0
    async with instance.beating():
        summary = await deliverer.drainer.drain(ProgressReport(queued, "sending").update)
    await deliverer.stop()
    print(f"sent: {summary.sent}, skipped: {summary.skipped}, failed: {summary.failed}, "
          f"expired: {summary.expired}, unsubscribed (blocked or gone): {summary.gone}, "
          f"to retry: {summary.retried}"
          + (f", Stars spent: {summary.stars:g}" if summary.paid else ""))
    return 0


async def _dry_run(services: Services, day: int | None) -> str:
    """What a push would send and cost, and what the outbox holds, without sending."""
    campaign, store, now = services.campaign, services.store, services.clock()
    subscribers = await store.audience(None)
    states = await store.delivery_states(campaign.edition, day, now.timestamp())
    pending = states.get(State.PENDING, 0)
    if day is None:
        due = await store.count_due(now.timestamp())
        would = pending + due
        lines = [f"subscribers: {subscribers}, due for a look now: {due}, queued: {pending}"]
    else:
        queued = sum(states.values())
        would = subscribers - queued + pending
        lines = [f"would send: {subscribers - queued}, already sent or queued: {queued}, "
                 f"subscribers: {subscribers}"]
    cost = (f"{stars_for(would):g} Stars as paid broadcasts"
            if services.settings.paid_broadcast else "free (paid broadcasts are off)")
    lines += [f"messages at most: {would}; cost: {cost}",
              f"outbox{'' if day is None else f' (day {day})'}: sent {states.get(State.SENT, 0)}, "
              f"expired {states.get(State.EXPIRED, 0)}, failed {states.get(State.FAILED, 0)}, "
              f"blocked {states.get(State.GONE, 0)}, skipped {states.get(State.SKIPPED, 0)}, "
              f"withdrawn {states.get(State.WITHDRAWN, 0)}, pending {pending}, "
              f"in flight {states.get(State.SENDING, 0)}"]
    return "\n".join(lines)


async def on_engine(settings: Settings, campaign: Campaign,
                     work: Callable[[Deliverer, float], Awaitable[int]]) -> int:
    """Run `work` (given the engine and the time) on the bot's engine, as `tgbot run` builds it.

    The database is opened and closed around it; a token the Bot API refuses, or an API out
    of reach, is one line.
    """
    services = Services(settings, campaign)
    bot = build_bot(settings, senders=senders_for(settings.rate))
    try:
        with rejected_token():
            async with bot:
                await services.open()
                deliverer = start_engine(services, bot)
                try:
                    return await work(deliverer, services.clock().timestamp())
                finally:
                    await services.close()
    except NetworkError as error:
        raise ConfigError(f"cannot reach the Bot API at {settings.api_url}: {error}") from None
