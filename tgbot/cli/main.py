"""The `tgbot` command: its flags, and each subcommand run from the module that does its job.

Every setting comes from a TGBOT_* environment variable or the matching flag. Errors an
operator can fix are one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from pkgutil import resolve_name

from tgbot import __version__
from tgbot.cli.options import secrets_of
from tgbot.config import PUBLIC_API_URL, ConfigError, Settings
from tgbot.errors import CampaignError, DatabaseError
from tgbot.ops.logsafe import RedactToken

# Each command's function, as "module:function", imported only when that command runs: most
# of a start's time is imports, and `tgbot status` or `tgbot check` need none of what
# `tgbot run` loads (python-telegram-bot, aiohttp, the scheduler, the engine).
COMMANDS = {
    "run": "tgbot.cli.bot:cmd_run",
    "push": "tgbot.cli.bot:cmd_push",
    "correct": "tgbot.cli.correct:cmd_correct",
    "recall": "tgbot.cli.recall:cmd_recall",
    "demo": "tgbot.cli.demo:run_demo",
    "init": "tgbot.cli.starter:cmd_init",
    "check": "tgbot.cli.campaign_files:cmd_check",
    "catalogs": "tgbot.cli.campaign_files:cmd_catalogs",
    "preview": "tgbot.cli.preview:cmd_preview",
    "site": "tgbot.cli.site:cmd_site",
    "status": "tgbot.cli.database:cmd_status",
    "stats": "tgbot.cli.database:cmd_stats",
    "export": "tgbot.cli.database:cmd_export",
    "backup": "tgbot.cli.database:cmd_backup",
    "copy-db": "tgbot.cli.database:cmd_copy_db",
}


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

    demo = commands.add_parser("demo", help="chat with the real bot in this terminal, "
                                            "no token or network needed")
    demo.add_argument("--lang", default="en", help="your Telegram language (e.g. fr, pt-BR)")
    demo.add_argument("--date", type=dt.date.fromisoformat,
                      help="pretend today is this date (e.g. 2027-11-05; default: today if "
                           "the campaign is running, else its first day)")
    demo.add_argument("--group", action="store_true", help="chat in a group, as its admin")
    demo.add_argument("--db", help="keep the database in this file (default: throwaway)")
    demo.add_argument("--campaign", help="campaign file (default TGBOT_CAMPAIGN)")

    catalogs = commands.add_parser("catalogs", help="check translations; exit 1 if incomplete")
    catalogs.add_argument("--lang", action="append", help="only this language (repeatable)")
    catalogs.add_argument("--campaign", help="campaign file (TGBOT_CAMPAIGN)")
    catalogs.add_argument("--untranslated", action="store_true",
                          help="list each message not translated yet, not only how many")
    return parser


def _load(name: str) -> Callable[[argparse.Namespace], int]:
    """Import a command's module and return the command, with the garbage collector paused.

    Importing python-telegram-bot and aiohttp builds thousands of classes and functions that
    all stay, so collecting meanwhile frees nothing and costs a tenth of a command's start;
    `gc.freeze` then leaves them out of the running bot's later collections too.
    """
    gc.disable()
    try:
        command: Callable[[argparse.Namespace], int] = resolve_name(name)
        return command
    finally:
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status: 2 for a setting to fix, 1 for a bug, 130 on ^C."""
    args = _parser().parse_args(argv)
    try:
        return _load(COMMANDS[args.command])(args)
    except (ConfigError, CampaignError, DatabaseError) as error:
        print(str(error) if isinstance(error, CampaignError) else f"tgbot: {error}",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception:  # noqa: BLE001 - last line of defence: a traceback without the token
        settings = Settings.from_env()
        redact = RedactToken(settings.token, secrets_of(settings)).redact
        print(redact(traceback.format_exc()), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
