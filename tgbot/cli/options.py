"""What every `tgbot` command shares: its settings from flags and the environment, logging.

Also the checks on the files a command reads or writes: a database that must exist, a new
file never written over an old one, a `--date` that must be a day of the campaign.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from tgbot.config import ConfigError, Settings, parse_admins
from tgbot.domain.campaign import Campaign
from tgbot.ops.logsafe import setup_logging
from tgbot.storage.backends import is_postgres_url, url_passwords

# Secrets given as flags, and the variables that keep them off the command line.
SECRET_FLAGS = {"token": "TGBOT_TOKEN", "secret": "TGBOT_WEBHOOK_SECRET", "db": "TGBOT_DB"}


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings from the environment, overridden by the command's flags, checked.

    A secret given as a flag is taken, with a warning that every user of the machine can
    read it.
    """
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


def secrets_of(settings: Settings) -> list[str]:
    """The secrets besides the token that logs and tracebacks must never show."""
    return [settings.webhook_secret, *url_passwords(str(settings.db))]


def start_logging(settings: Settings, log_format: str = "text") -> None:
    """Logging at the settings' level, with the token and every other secret redacted."""
    setup_logging(settings.log_level, settings.token, log_format, secrets=secrets_of(settings))


def campaign_day(campaign: Campaign, date: dt.date) -> int:
    """The campaign day of `--date`; a date outside the campaign is an error."""
    day = campaign.day_of(date)
    if day is None:
        raise ConfigError(f"{date} is not a day of the {campaign.edition} campaign "
                          f"({campaign.start_date} to {campaign.end_date})")
    return day


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
