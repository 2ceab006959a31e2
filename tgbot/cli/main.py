"""The `tgbot` command: run, check, push, preview, site, demo.

Every setting comes from a TGBOT_* environment variable or the matching flag. Errors an
operator can fix are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlparse

from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ExtBot

from tgbot import __version__, messages
from tgbot.app import Webhook, build_application, running, start_engine
from tgbot.cli import correct, recall
from tgbot.cli.demo import add_demo_parser, run_demo
from tgbot.cli.preview import render_page
from tgbot.cli.starter import cmd_init, fall_back_on_shipped
from tgbot.cli.terminal import ProgressReport
from tgbot.config import (
    PUBLIC_API_URL,
    SECRET_RE,
    ConfigError,
    Settings,
    parse_admins,
    parse_site_url,
    stars_for,
)
from tgbot.context import Services
from tgbot.delivery.bot import build_bot
from tgbot.delivery.deliverer import Deliverer
from tgbot.delivery.drain import senders_for
from tgbot.domain import outcomes, partners, schedule, stats
from tgbot.domain.campaign import Campaign
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outbox import State
from tgbot.domain.recall import Target
from tgbot.errors import CampaignError
from tgbot.i18n.catalogs import check_all
from tgbot.i18n.extract import extract_campaign
from tgbot.i18n.translator import DEFAULT_LANGUAGE, I18n
from tgbot.ops import campaign_sync
from tgbot.ops.logsafe import RedactToken, setup_logging
from tgbot.ops.report import status_report
from tgbot.site.build import build_site, days_reached
from tgbot.storage.backends import (
    DatabaseError,
    is_postgres_url,
    private_file,
    redact_url,
    url_passwords,
)
from tgbot.storage.store import Store
from tgbot.telegram_html import parse_html

log = logging.getLogger("tgbot")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)  # run_polling's


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tgbot", description="A Telegram bot for the campaign in actions.yaml.")
    parser.add_argument("--version", action="version", version=f"tgbot {__version__}")
    defaults = Settings()
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def settings_flags(sub: argparse.ArgumentParser, *, token: bool = True) -> None:
        if token:
            sub.add_argument("--token", help="bot token (TGBOT_TOKEN; required)")
            sub.add_argument("--api-url", help=f"Bot API root (TGBOT_API_URL; default "
                                               f"{PUBLIC_API_URL})")
        sub.add_argument("--db", help=f"SQLite file or postgresql:// URL (TGBOT_DB; default "
                                      f"{defaults.db})")
        sub.add_argument("--campaign", help=f"campaign file (TGBOT_CAMPAIGN; default "
                                            f"{defaults.campaign})")
        sub.add_argument("--admins", help="organiser user ids, comma-separated (TGBOT_ADMINS; "
                                          "default none)")
        sub.add_argument("--log-level", help=f"DEBUG, INFO, WARNING... (TGBOT_LOG_LEVEL; "
                                             f"default {defaults.log_level})")
        if token:
            sub.add_argument("--paid-broadcast", action="store_true", default=None,
                             help="send the push and announcements as paid broadcasts, up to "
                                  "1000/s at 0.1 Star a message (TGBOT_PAID_BROADCAST=1); "
                                  "with TGBOT_RATE up to 1000")

    run = commands.add_parser("run", help="run the bot (long polling, or --webhook)")
    settings_flags(run)
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts to")
    run.add_argument("--listen", default="127.0.0.1",
                     help="webhook listen address (default %(default)s)")
    run.add_argument("--port", type=int, default=8443,
                     help="webhook listen port (default %(default)s)")
    run.add_argument("--secret", help="webhook secret token (TGBOT_WEBHOOK_SECRET; required "
                                      "with --webhook)")
    run.add_argument("--status-port", type=int, help="serve /healthz, /readyz and /metrics on "
                                                     "this port (TGBOT_STATUS_PORT; default off)")
    run.add_argument("--status-listen", help="the status port's address (TGBOT_STATUS_LISTEN; "
                                             "default 127.0.0.1)")

    init = commands.add_parser("init", help="write the shipped campaign and its images into "
                                            "a folder, to edit")
    init.add_argument("folder", nargs="?", default=".",
                      help="where to write actions.yaml and images/ (default: this folder)")

    check = commands.add_parser("check", help="check a campaign file; exit 0 when valid")
    check.add_argument("file", nargs="?", help="campaign file (default TGBOT_CAMPAIGN)")

    push = commands.add_parser("push", help="one delivery round of the daily action")
    settings_flags(push)
    push.add_argument("--date", type=dt.date.fromisoformat,
                      help="send that date's action to every subscriber (YYYY-MM-DD)")
    push.add_argument("--dry-run", action="store_true", help="count, send nothing")

    correcting = commands.add_parser(
        "correct", help="edit the delivered copies of a day to its current text (reload the "
                        "campaign first), or of an announcement to a new text")
    settings_flags(correcting)
    correcting.add_argument("day", type=int, nargs="?", help="the campaign day (1, 2, ...)")
    correcting.add_argument("--announcement", type=int, metavar="ID",
                            help="correct this announcement instead of a day")
    new_text = correcting.add_mutually_exclusive_group()
    new_text.add_argument("--text", help="the announcement's new text (Telegram HTML)")
    new_text.add_argument("--file", type=Path, help="a file holding the new text")
    correcting.add_argument("--yes", action="store_true",
                            help="edit them; without it, only count them per language")

    recall = commands.add_parser("recall", help="delete the delivered copies of a day or an "
                                                "announcement that Telegram still lets a bot "
                                                "delete, and withdraw those not sent yet")
    settings_flags(recall)
    recall.add_argument("day", type=int, nargs="?", help="the campaign day (1, 2, ...)")
    recall.add_argument("--announcement", type=int, metavar="ID",
                        help="recall this announcement instead of a day")
    recall.add_argument("--yes", action="store_true",
                        help="recall it; without it, only count the copies per language")

    preview = commands.add_parser(
        "preview", help="print a campaign day's message (--date), or write the whole "
                        "campaign in every language to an HTML page (--html)")
    preview.add_argument("--date", type=dt.date.fromisoformat,
                         help="the day whose message to print (YYYY-MM-DD)")
    preview.add_argument("--lang", default="en")
    preview.add_argument("--html", metavar="FILE", help="write the review page to FILE")
    preview.add_argument("--campaign", help="campaign file (TGBOT_CAMPAIGN)")

    site = commands.add_parser(
        "site", help="write the mirror site (static pages and Atom feeds, no script) of the "
                     "days reached, in every language, to a folder")
    site.add_argument("--out", required=True, metavar="DIR",
                      help="the folder to write (a new one, or an earlier build to replace)")
    site.add_argument("--all", action="store_true",
                      help="every day of the campaign, for review (do not publish)")
    site.add_argument("--date", type=dt.date.fromisoformat,
                      help="the days reached on that date (YYYY-MM-DD; default today in the "
                           "campaign's zone)")
    site.add_argument("--url", help="where the site is served, for the feeds' links "
                                    "(TGBOT_SITE_URL; default relative links)")
    site.add_argument("--campaign", help="campaign file (TGBOT_CAMPAIGN)")

    figures = commands.add_parser("stats", help="campaign figures as a table")
    settings_flags(figures, token=False)
    export = commands.add_parser("export", help="completions per action, day and language")
    settings_flags(export, token=False)
    export.add_argument("--csv", required=True, metavar="FILE", help="CSV file to write")
    export.add_argument("--partners-csv", metavar="FILE",
                        help="also write each partner organisation's figures (started, "
                             "subscribed, completions per day) to this CSV file")
    backup = commands.add_parser("backup", help="a consistent copy of the live database")
    settings_flags(backup, token=False)
    backup.add_argument("file", help="where to write the copy (must not exist)")

    copy = commands.add_parser("copy-db", help="copy a whole database (SQLite file or "
                                               "postgresql:// URL) into a new, empty one")
    copy.add_argument("source", help="the database to copy (stop the bot first)")
    copy.add_argument("target", help="an empty database of either kind")

    status = commands.add_parser("status", help="the running instances: who sends, the "
                                                "outbox backlog, the last push, heartbeats")
    settings_flags(status, token=False)

    add_demo_parser(commands)

    catalogs = commands.add_parser("catalogs", help="check translations; exit 1 if incomplete")
    catalogs.add_argument("--lang", action="append", help="only this language (repeatable)")
    catalogs.add_argument("--campaign", help="campaign file (TGBOT_CAMPAIGN)")
    catalogs.add_argument("--untranslated", action="store_true",
                          help="list each message not translated yet, not only how many")
    return parser


# Secrets given as flags, and the variables that keep them off the command line.
SECRET_FLAGS = {"token": "TGBOT_TOKEN", "secret": "TGBOT_WEBHOOK_SECRET", "db": "TGBOT_DB"}


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    for flag, attribute in (("token", "token"), ("api_url", "api_url"), ("db", "db"),
                            ("log_level", "log_level"), ("status_port", "status_port"),
                            ("status_listen", "status_listen"), ("webhook", "webhook_url"),
                            ("secret", "webhook_secret")):
        value = getattr(args, flag, None)
        if value:
            setattr(settings, attribute, value.rstrip("/") if flag == "api_url" else value)
        if value and flag in SECRET_FLAGS and (flag != "db" or url_passwords(value)):
            variable = SECRET_FLAGS[flag]
            print(f"tgbot: warning: --{flag} is readable by every user of this machine (ps, "
                  f"/proc); set {variable} or {variable}_FILE instead", file=sys.stderr)
    if getattr(args, "campaign", None):
        settings.campaign = Path(args.campaign)
    if getattr(args, "admins", None):
        settings.admins = parse_admins(args.admins)
    if getattr(args, "paid_broadcast", None):
        settings.paid_broadcast = True
    settings.check_rate()
    settings.check_approvals()
    return settings


def _setup_logging(settings: Settings, log_format: str = "text") -> None:
    """Logging at the settings' level, with the token and every other secret redacted."""
    setup_logging(settings.log_level, settings.token, log_format,
                  secrets=[settings.webhook_secret, *url_passwords(str(settings.db))])


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status: 2 for a setting to fix, 1 for a bug, 130 on ^C."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ConfigError, CampaignError, DatabaseError) as error:
        print(str(error) if isinstance(error, CampaignError) else f"tgbot: {error}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - last line of defence: a traceback without the token
        settings = Settings.from_env()
        redact = RedactToken(settings.token, [settings.webhook_secret,
                                               *url_passwords(str(settings.db))]).redact
        print(redact(traceback.format_exc()), file=sys.stderr)
        return 1


def cmd_check(args: argparse.Namespace) -> int:
    """`tgbot check`: validate a campaign file, and warn of texts without a translation."""
    settings = Settings.from_env()
    if not args.file:
        fall_back_on_shipped(settings)
    path = Path(args.file) if args.file else settings.campaign
    campaign = load_campaign(path)
    for warning in untranslated(path, I18n(settings.locales, settings.languages)):
        print(warning, file=sys.stderr)
    print(f"{path}: OK ({campaign.name} {campaign.edition}, {len(campaign.actions)} actions, "
          f"{len(campaign.faq)} questions)")
    return 0


def untranslated(path: Path, i18n: I18n) -> list[str]:
    """A warning for each campaign text some language has no translation of yet."""
    warnings = []
    with path.open("rb") as handle:
        texts = list(extract_campaign(handle, None, None, {}))
    for line, _, text, _ in texts:
        missing = [t.code for t in i18n if t.code != DEFAULT_LANGUAGE and not t.translated(text)]
        if missing:
            warnings.append(f"{path}:{line}: warning: no translation in {', '.join(missing)} "
                            f"for {text[:50]!r} (English is shown; see README, For "
                            "translators)")
    return warnings


def cmd_run(args: argparse.Namespace) -> int:
    """`tgbot run`: the bot, until SIGINT, SIGTERM or SIGABRT (SIGHUP reloads the campaign)."""
    settings = _settings(args)
    settings.check_token()
    webhook = None
    if args.webhook:
        webhook = Webhook(args.webhook, settings.webhook_secret, args.listen, args.port)
        check_webhook(webhook.url, webhook.secret, settings.api_url)
    _setup_logging(settings, settings.log_format)
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
    bot = ExtBot(settings.token, base_url=f"{settings.api_url}/bot")
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
    settings = _settings(args)
    if args.dry_run:  # counts from the database only: no token, no Bot API
        _setup_logging(settings)
        return asyncio.run(_count_only(settings, args.date))
    settings.check_token()
    _setup_logging(settings, settings.log_format)
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


def cmd_correct(args: argparse.Namespace) -> int:
    """`tgbot correct DAY`, or `--announcement ID --text/--file`: the copies to edit.

    Counted per language; with `--yes`, edited (`tgbot.cli.correct`).
    """
    settings = _settings(args)
    settings.check_token()
    _setup_logging(settings, settings.log_format)
    if (args.day is None) == (args.announcement is None):
        raise ConfigError("name a day, or an announcement with --announcement ID")
    text = args.file.read_text(encoding="utf-8").strip() if args.file else args.text
    if args.announcement is not None and not text:
        raise ConfigError("--announcement needs the new text: --text TEXT or --file FILE")
    return asyncio.run(_correct(settings, args.day, args.announcement, text, args.yes))


async def _correct(settings: Settings, day: int | None, announcement: int | None,
                   text: str | None, confirmed: bool) -> int:
    """Count the copies to edit; edit them if `confirmed` and this process may send."""
    campaign = load_campaign(settings.campaign)
    if day is not None and campaign.action_for_day(day) is None:
        raise ConfigError(f"day {day} has no action in {settings.campaign}")
    if announcement is not None and text is not None:
        return await _on_engine(settings, campaign, lambda deliverer, now: (
            correct.correct_announcement(deliverer, announcement, text, confirmed,
                                         settings.approvals, now)))
    return await _on_engine(settings, campaign, lambda deliverer, _: correct.correct_day(
        deliverer, day or 0, confirmed, settings.approvals))


def cmd_recall(args: argparse.Namespace) -> int:
    """`tgbot recall DAY` or `--announcement ID`: the preview; with `--yes`, recall it."""
    settings = _settings(args)
    if (args.day is None) == (args.announcement is None):
        raise ConfigError("give a day or --announcement ID, not both")
    settings.check_token()
    _setup_logging(settings, settings.log_format)
    campaign = load_campaign(settings.campaign)
    if args.day is not None and campaign.action_for_day(args.day) is None:
        raise ConfigError(f"day {args.day} has no action in {settings.campaign}")
    target = Target.of_day(campaign.edition, args.day) if args.day is not None \
        else Target.of_announcement(args.announcement)
    return asyncio.run(_on_engine(settings, campaign, lambda deliverer, _: recall.recall(
        deliverer, target, args.yes, settings.approvals)))


async def _on_engine(settings: Settings, campaign: Campaign,
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


def campaign_day(campaign: Campaign, date: dt.date) -> int:
    """The campaign day of `--date`; a date outside the campaign is an error."""
    day = campaign.day_of(date)
    if day is None:
        raise ConfigError(f"{date} is not a day of the {campaign.edition} campaign "
                          f"({campaign.start_date} to {campaign.end_date})")
    return day


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


def cmd_preview(args: argparse.Namespace) -> int:
    """`tgbot preview`: one day's message as plain text, or every day as an HTML page."""
    settings = _settings(args)
    fall_back_on_shipped(settings)
    campaign = load_campaign(settings.campaign)
    i18n = I18n(settings.locales, settings.languages)
    if args.lang not in i18n.languages:
        raise ConfigError(f"unknown language '{args.lang}' "
                          f"(one of: {', '.join(i18n.languages)})")
    if args.html:
        Path(args.html).write_text(render_page(campaign, i18n), encoding="utf-8")
        print(f"{args.html}: every day in {len(i18n.languages)} languages")
        return 0
    if args.date is None:
        raise ConfigError("preview needs --date YYYY-MM-DD (one day) or --html FILE (all)")
    action = campaign.action_for_day(campaign_day(campaign, args.date))
    assert action is not None, "campaign_day gives a day of the campaign"
    t = i18n.get(args.lang)
    reply = messages.action_message(t, campaign, action, bot_username="your_bot")
    print(parse_html(reply.text).text)
    for row in reply.buttons:
        print("  ".join(f"[{b.text}]" for b in row))
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """`tgbot site`: the mirror site of the days reached (or `--all`), written to a folder."""
    settings = _settings(args)
    campaign = load_campaign(settings.campaign)
    if args.all:
        reached = campaign.reached(campaign.end_date)
    elif args.date is not None:
        reached = campaign.reached(args.date)
    else:
        reached = days_reached(campaign, dt.datetime.now(dt.UTC))
    site_url = parse_site_url(args.url) if args.url else settings.site_url
    built = build_site(campaign, I18n(settings.locales, settings.languages), Path(args.out),
                       reached, site_url)
    print(f"{args.out}: {built.days} days in {built.languages} languages, {built.files} "
          f"files, the largest page {built.largest} bytes")
    return 0


def cmd_catalogs(args: argparse.Namespace) -> int:
    """`tgbot catalogs`: each problem, each language's state; exit status 1 if work is left.

    Messages not translated yet are counted; `--untranslated` lists them too.
    """
    settings = _settings(args)
    fall_back_on_shipped(settings)
    load_campaign(settings.campaign)  # its texts are part of every catalog
    report = check_all(settings.locales, settings.campaign, args.lang)
    for line in report.problems + (report.untranslated if args.untranslated else []):
        print(line)
    for line in report.summary:
        print(line, file=sys.stderr)
    print(report.verdict, file=sys.stderr)
    if report.untranslated and not args.untranslated:
        print("(tgbot catalogs --untranslated lists each message to translate)",
              file=sys.stderr)
    return 1 if report.unfinished else 0


def existing_database(db: str) -> str:
    """`db`, if it exists: commands that read a database refuse a missing SQLite file.

    A mistyped path must not become a new, empty database reporting no subscribers.
    """
    if not is_postgres_url(db) and not Path(db).is_file():
        raise ConfigError(f"no database at {db}: check --db or TGBOT_DB")
    return db


def new_file(path: Path) -> Path:
    """Where a command writes a file: never over an existing one, in a folder that exists."""
    if path.exists():
        raise ConfigError(f"{path} exists already; choose a new file name")
    if not path.parent.is_dir():
        raise ConfigError(f"cannot write {path}: the folder {path.parent} does not exist")
    return path


def cmd_status(args: argparse.Namespace) -> int:
    """`tgbot status`: the instances on the database, who sends, the backlog, the last push."""
    settings = _settings(args)
    fall_back_on_shipped(settings)
    print(asyncio.run(_status(settings)))
    return 0


async def _status(settings: Settings) -> str:
    campaign = load_campaign(settings.campaign)
    store = await Store.open(existing_database(settings.db))
    now = schedule.real_now().timestamp()
    try:
        return status_report(
            campaign, await store.instances(), await store.outbox_depth(),
            await store.last_push(campaign.edition, now), await store.campaign_version(), now)
    finally:
        await store.close()


def cmd_stats(args: argparse.Namespace) -> int:
    """`tgbot stats`: the campaign's figures as a table."""
    settings = _settings(args)
    fall_back_on_shipped(settings)
    figures = asyncio.run(_collect(settings))
    print(stats.table(figures))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`tgbot export`: completions per action, day and language, to a new CSV file.

    Beside it, `<name>-outcomes.csv`: how many did each day, did its safer version or found
    it not safe, per day and language (`outcomes.write_outcomes_csv`). With --partners-csv,
    each partner organisation's figures to a third new file.
    """
    settings = _settings(args)
    target = new_file(Path(args.csv))
    fall_back_on_shipped(settings)
    answers = new_file(target.with_name(f"{target.stem}-outcomes{target.suffix or '.csv'}"))
    partners_target = new_file(Path(args.partners_csv)) if args.partners_csv else None
    figures = asyncio.run(_collect(settings))
    counts = asyncio.run(_collect_outcomes(settings))
    private_file(target)
    rows = stats.write_csv(figures, target)
    private_file(answers)
    answered = outcomes.write_outcomes_csv(counts, answers)
    print(f"{args.csv}: {rows} rows\n{answers}: {answered} rows")
    if partners_target:
        _export_partners(settings, partners_target)
    return 0


def _export_partners(settings: Settings, target: Path) -> None:
    """`tgbot export --partners-csv`: per partner, who started, subscribed and did each day."""
    figures = asyncio.run(_collect_partners(settings))
    private_file(target)
    print(f"{target}: {partners.write_csv(figures, target)} rows")


async def _collect_partners(settings: Settings) -> dict[str, partners.PartnerFigures]:
    campaign = load_campaign(settings.campaign)
    store = await Store.open(existing_database(settings.db))
    try:
        return await store.partner_figures(campaign, settings.partners, others=True)
    finally:
        await store.close()


async def _collect_outcomes(settings: Settings) -> outcomes.OutcomeCounts:
    campaign = load_campaign(settings.campaign)
    store = await Store.open(existing_database(settings.db))
    try:
        return outcomes.count_outcomes(campaign, await store.outcome_counts(campaign.edition))
    finally:
        await store.close()


async def _collect(settings: Settings) -> stats.Stats:
    campaign = load_campaign(settings.campaign)
    store = await Store.open(existing_database(settings.db))
    try:
        now = schedule.real_now()
        return await store.stats(campaign, schedule.campaign_date(campaign, now),
                                 now.timestamp())
    finally:
        await store.close()


def cmd_backup(args: argparse.Namespace) -> int:
    """`tgbot backup`: a consistent copy of the live database, to a new file."""
    target = new_file(Path(args.file))
    settings = _settings(args)
    asyncio.run(_backup(settings, target))
    print(f"{target}: backup of {settings.db} written")
    return 0


async def _backup(settings: Settings, target: Path) -> None:
    store = await Store.open(existing_database(settings.db))
    try:
        await store.backup(target)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    finally:
        await store.close()


def cmd_copy_db(args: argparse.Namespace) -> int:
    """`tgbot copy-db`: every table into a new, empty database (SQLite or PostgreSQL)."""
    counts = asyncio.run(_copy_db(args.source, args.target))
    print(f"copied {sum(counts.values())} rows: "
          + ", ".join(f"{table} {rows}" for table, rows in counts.items()))
    return 0


async def _copy_db(source_db: str, target_db: str) -> dict[str, int]:
    """Copy, then compare every table's row count; refuse a target that holds a campaign."""
    source = await Store.open(existing_database(source_db))
    try:
        target = await Store.open(target_db)
        try:
            if any((await target.row_counts()).values()):
                raise ConfigError(f"{redact_url(target_db)} is not empty; copy into a new "
                                  "database")
            counts = await source.row_counts()
            await source.copy_to(target, ProgressReport(sum(counts.values()), "copying").update)
            copied = await target.row_counts()
            if counts != copied:
                raise ConfigError(f"row counts differ after the copy: {counts} != {copied}")
            return counts
        finally:
            await target.close()
    finally:
        await source.close()


def cmd_demo(args: argparse.Namespace) -> int:
    """`tgbot demo`: the real bot against the loopback Bot API, in this terminal."""
    return run_demo(args)


COMMANDS = {
    "run": cmd_run, "demo": cmd_demo, "check": cmd_check, "push": cmd_push,
    "correct": cmd_correct,
    "recall": cmd_recall,
    "preview": cmd_preview, "stats": cmd_stats, "export": cmd_export, "backup": cmd_backup,
    "catalogs": cmd_catalogs, "site": cmd_site, "copy-db": cmd_copy_db, "status": cmd_status,
    "init": cmd_init,
}

if __name__ == "__main__":
    sys.exit(main())
