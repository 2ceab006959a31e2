"""Settings from environment variables (each with a command-line flag) and their checks.

A bad setting is one clear line for the operator (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

PUBLIC_API_URL = "https://api.telegram.org"
# A bot token is "<bot id>:<35 characters>" (BotFather's format).
TOKEN_RE = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,50}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """A setting is missing or malformed; the message says which and how to fix it."""


def shipped_locales() -> Path:
    """The catalogs: inside the installed package (a wheel), or beside it in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


@dataclass
class Settings:
    token: str = ""
    api_url: str = PUBLIC_API_URL
    db: str = "./tgbot.sqlite3"
    campaign: Path = Path("./actions.yaml")
    admins: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    webhook_secret: str = ""
    locales: Path = field(default_factory=shipped_locales)
    # Telegram's broadcast budget (messages per second, all chats together).
    rate: float = 30.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        settings = cls()
        settings.token = env.get("TGBOT_TOKEN", "").strip()
        settings.api_url = env.get("TGBOT_API_URL", PUBLIC_API_URL).rstrip("/")
        settings.db = env.get("TGBOT_DB", settings.db)
        settings.campaign = Path(env.get("TGBOT_CAMPAIGN", str(settings.campaign)))
        settings.admins = parse_admins(env.get("TGBOT_ADMINS", ""))
        settings.log_level = env.get("TGBOT_LOG_LEVEL", settings.log_level).upper()
        settings.webhook_secret = env.get("TGBOT_WEBHOOK_SECRET", "")
        settings.rate = _number(env, "TGBOT_RATE", settings.rate)
        if "TGBOT_LOCALES" in env:
            settings.locales = Path(env["TGBOT_LOCALES"])
        return settings

    def check_token(self) -> None:
        if not self.token:
            raise ConfigError("no bot token: set TGBOT_TOKEN (or --token) to the token "
                              "BotFather gave you")
        if not TOKEN_RE.match(self.token):
            raise ConfigError("the bot token is malformed: it should look like "
                              "123456789:AAE... as BotFather gave it (check TGBOT_TOKEN)")


def _number(env: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds or messages") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


def parse_admins(value: str) -> frozenset[int]:
    """Organiser user ids from "12345, 67890"; anything else is a ConfigError."""
    admins = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"TGBOT_ADMINS must be Telegram user ids separated by commas, "
                              f"not {part!r}")
        admins.add(int(part))
    return frozenset(admins)
