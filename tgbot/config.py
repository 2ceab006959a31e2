"""Settings from environment variables (each with a command-line flag) and their checks.

A bad setting is one clear line for the operator (`ConfigError`), never a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from tgbot.errors import ConfigError

PUBLIC_API_URL = "https://api.telegram.org"
# A bot token is "<bot id>:<35 characters>" (BotFather's format).
TOKEN_RE = re.compile(r"^\d{5,12}:[A-Za-z0-9_-]{30,50}$")
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
FREE_RATE = 30  # Telegram's messages a second, all chats together
PAID_RATE = 1000  # with allow_paid_broadcast
STARS_PER_PAID_MESSAGE = 0.1  # what Telegram takes from the bot's balance
LIFETIME_RE = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
LIFETIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
NOT_SAFE_ALERT = 5  # TGBOT_NOT_SAFE_ALERT's default and least: a count organisers may see
# A partner organisation's code: its link is t.me/<bot>?start=p_<code>, so the code is what a
# deep-link payload may carry (Telegram: up to 64 of A-Z a-z 0-9 _ -), kept to one plain form.
PARTNER_CODE = re.compile(r"[a-z0-9_]{1,32}")
PARTNERS_EXAMPLE = "cpj:111,222;rsf:333"
# Telegram lets a bot delete a message only if it "was sent less than 48 hours ago" (the Bot
# API's deleteMessage): a discreet chat's messages are deleted within 47 hours at most.
MAX_DISCREET_HOURS = 47
DEFAULT_CAMPAIGN = Path("actions.yaml")  # in the working folder


def shipped_locales() -> Path:
    """The catalogs: inside the installed package (a wheel), or beside it in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "locales"
    return installed if installed.is_dir() else package.parent / "locales"


@dataclass
class Settings:
    """Everything the bot is configured with: environment variables, then command-line flags."""

    token: str = ""
    api_url: str = PUBLIC_API_URL
    db: str = "./tgbot.sqlite3"
    campaign: Path = DEFAULT_CAMPAIGN
    admins: frozenset[int] = field(default_factory=frozenset)
    log_level: str = "INFO"
    webhook_secret: str = ""
    webhook_url: str = ""  # `tgbot run --webhook URL`; empty: long polling
    locales: Path = field(default_factory=shipped_locales)
    # The languages offered, however complete their catalogs; empty: every catalog at least
    # 90 % translated (tgbot.i18n.translator.MIN_TRANSLATED). English is always offered.
    languages: tuple[str, ...] = ()
    # Telegram's budget (messages per second, all chats together): 30, or up to 1000 with
    # paid broadcasts (0.1 Star a message, from the bot's balance), which must be asked for.
    rate: float = 30.0
    paid_broadcast: bool = False
    # Seconds an announcement stays worth sending; later, its rows expire.
    announcement_lifetime: float = 86400.0
    # Organisers who must agree before an announcement goes out: 1, or 2 (four eyes: a second
    # organiser approves what the first wrote).
    approvals: int = 1
    # The operators' port (/healthz, /readyz, /metrics); None: off.
    status_port: int | None = None
    status_listen: str = "127.0.0.1"
    log_format: str = "text"  # or "json": one object per line, for log collectors
    # Organisers are told when a message due this many seconds ago is still waiting.
    alert_lag: float = 900.0
    # Days after an edition's end that its per-person rows are kept; None: until /forget.
    retention_days: int | None = None
    # Organisers are told once when this many readers of one language find a day not safe
    # (never fewer than the smallest count organisers see: stats.MIN_SHOWN).
    not_safe_alert: int = NOT_SAFE_ALERT
    # Partner organisations: code -> the user ids of its organisers, who see its figures only.
    partners: dict[str, frozenset[int]] = field(default_factory=dict)
    # Where the mirror site (`tgbot site`) is served; /help and the bot's description link
    # to it. Empty: no link.
    site_url: str = ""
    # Hours after which the bot deletes the messages it sent to a discreet chat.
    discreet_hours: float = 24.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Settings from the TGBOT_* variables of `env` (the process's environment if None)."""
        env = dict(os.environ if env is None else env)
        settings = cls()
        settings.token = read_secret(env, "TGBOT_TOKEN").strip()
        settings.api_url = env.get("TGBOT_API_URL", PUBLIC_API_URL).rstrip("/")
        settings.db = read_secret(env, "TGBOT_DB") or settings.db
        settings.campaign = Path(env.get("TGBOT_CAMPAIGN", str(settings.campaign)))
        settings.admins = parse_admins(env.get("TGBOT_ADMINS", ""))
        settings.log_level = env.get("TGBOT_LOG_LEVEL", settings.log_level).upper()
        settings.webhook_secret = read_secret(env, "TGBOT_WEBHOOK_SECRET")
        settings.rate = _number(env, "TGBOT_RATE", settings.rate)
        settings.paid_broadcast = _flag(env, "TGBOT_PAID_BROADCAST")
        settings.announcement_lifetime = parse_lifetime(
            env.get("TGBOT_ANNOUNCEMENT_LIFETIME", "24h"), "TGBOT_ANNOUNCEMENT_LIFETIME")
        settings.approvals = parse_approvals(env.get("TGBOT_APPROVALS", "1"))
        settings.status_port = parse_port(env.get("TGBOT_STATUS_PORT", ""))
        settings.status_listen = env.get("TGBOT_STATUS_LISTEN", settings.status_listen)
        settings.log_format = parse_log_format(env.get("TGBOT_LOG_FORMAT", "text"))
        settings.alert_lag = _number(env, "TGBOT_ALERT_LAG", settings.alert_lag)
        if env.get("TGBOT_RETENTION_DAYS", "").strip():
            settings.retention_days = whole_number(env["TGBOT_RETENTION_DAYS"],
                                                   "TGBOT_RETENTION_DAYS", least=1)
        settings.not_safe_alert = whole_number(env.get("TGBOT_NOT_SAFE_ALERT",
                                                       str(NOT_SAFE_ALERT)),
                                               "TGBOT_NOT_SAFE_ALERT", least=NOT_SAFE_ALERT)
        settings.partners = parse_partners(env.get("TGBOT_PARTNERS", ""))
        settings.site_url = parse_site_url(env.get("TGBOT_SITE_URL", ""))
        settings.discreet_hours = parse_discreet_hours(env.get("TGBOT_DISCREET_HOURS", "24"))
        if "TGBOT_LOCALES" in env:
            settings.locales = Path(env["TGBOT_LOCALES"])
        settings.languages = tuple(filter(None, (code.strip() for code in
                                                 env.get("TGBOT_LANGUAGES", "").split(","))))
        return settings

    def check_token(self) -> None:
        """Refuse to start without a token that looks like BotFather's, before any request."""
        if not self.token:
            raise ConfigError("no bot token: set TGBOT_TOKEN (or --token) to the token "
                              "BotFather gave you")
        if not TOKEN_RE.match(self.token):
            raise ConfigError("the bot token is malformed: it should look like "
                              "123456789:AAE... as BotFather gave it (check TGBOT_TOKEN)")

    def partners_of(self, user_id: int) -> list[str]:
        """The codes of the partner organisations this person organises for, in order."""
        return sorted(code for code, ids in self.partners.items() if user_id in ids)

    def check_approvals(self) -> None:
        """Refuse four eyes with fewer than two organisers: nothing could ever be approved."""
        if self.approvals > max(len(self.admins), 1):
            raise ConfigError(f"TGBOT_APPROVALS={self.approvals} needs at least "
                              f"{self.approvals} organisers in TGBOT_ADMINS, not "
                              f"{len(self.admins)}")

    def check_rate(self) -> None:
        """Refuse a rate Telegram would not allow.

        Above Telegram's free 30 messages a second only with paid broadcasts, which cost Stars
        and so are turned on explicitly.
        """
        if self.rate > FREE_RATE and not self.paid_broadcast:
            raise ConfigError(f"TGBOT_RATE={self.rate:g} is above Telegram's free {FREE_RATE} "
                              "messages a second: set TGBOT_PAID_BROADCAST=1 (or "
                              "--paid-broadcast) for paid broadcasts at 0.1 Star a message, "
                              f"or a rate up to {FREE_RATE}")
        if self.rate > PAID_RATE:
            raise ConfigError(f"TGBOT_RATE={self.rate:g} is above Telegram's {PAID_RATE} "
                              "messages a second for paid broadcasts")


def stars_for(messages: int) -> float:
    """Stars that many paid-broadcast messages cost."""
    return round(messages * STARS_PER_PAID_MESSAGE, 1)


def read_secret(env: dict[str, str], name: str) -> str:
    """A secret setting: the variable itself, or the contents of the file `<name>_FILE` names.

    A file keeps the secret out of the environment and the command line (systemd's
    LoadCredential= with `<name>_FILE=%d/<credential>`, or a mounted secret).
    """
    if env.get(name) or not env.get(f"{name}_FILE"):
        return env.get(name, "")
    path = Path(env[f"{name}_FILE"])
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"cannot read {name}_FILE {path}: {error.strerror}") from None


def _flag(env: dict[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, not {value!r}")


def parse_lifetime(value: str, name: str) -> float:
    """Seconds from "90m", "24h", "2d" (or plain seconds); anything else is a ConfigError."""
    match = LIFETIME_RE.fullmatch(value.strip().lower())
    if not match or float(match[1]) <= 0:
        raise ConfigError(f"{name} must be a duration such as 90m, 24h or 2d, not {value!r}")
    return float(match[1]) * LIFETIME_UNITS[match[2] or "s"]


def _number(env: dict[str, str], name: str, default: float) -> float:
    try:
        value = float(env.get(name, default))
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds or messages") from None
    if value <= 0:
        raise ConfigError(f"{name} must be more than 0")
    return value


def whole_number(value: str, name: str, *, least: int) -> int:
    """A whole number of at least `least` from "30"; anything else is a ConfigError."""
    if not value.strip().isdigit() or int(value) < least:
        raise ConfigError(f"{name} must be a whole number, {least} or more, not {value!r}")
    return int(value)


def parse_approvals(value: str) -> int:
    """TGBOT_APPROVALS: 1 (an organiser sends alone) or 2 (a second one approves)."""
    if value.strip() not in ("1", "2"):
        raise ConfigError(f"TGBOT_APPROVALS must be 1 or 2 (organisers who agree before an "
                          f"announcement is sent), not {value!r}")
    return int(value)


def parse_discreet_hours(value: str) -> float:
    """TGBOT_DISCREET_HOURS: more than 0 and at most 47 (Telegram's 48-hour window)."""
    try:
        hours = float(value)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= MAX_DISCREET_HOURS:
        raise ConfigError(f"TGBOT_DISCREET_HOURS must be a number of hours above 0 and at most "
                          f"{MAX_DISCREET_HOURS} (Telegram lets a bot delete its messages "
                          f"only for 48 hours), not {value!r}")
    return hours


def parse_admins(value: str) -> frozenset[int]:
    """Organiser user ids from "12345, 67890"; anything else is a ConfigError."""
    admins = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        if not part.lstrip("-").isdigit():
            raise ConfigError(f"TGBOT_ADMINS must be Telegram user ids separated by commas, "
                              f"not {part!r}")
        admins.add(int(part))
    return frozenset(admins)


def parse_partners(value: str) -> dict[str, frozenset[int]]:
    """Partners from "cpj:111,222;rsf:333" (code: organisers' user ids); else a ConfigError.

    The error names the partner by its place, never by the user ids it holds.
    """
    partners: dict[str, frozenset[int]] = {}
    for place, entry in enumerate(filter(None, (e.strip() for e in value.split(";"))), 1):
        code, colon, ids = (part.strip() for part in entry.partition(":"))
        if not colon or not PARTNER_CODE.fullmatch(code) \
                or not re.fullmatch(r"\d+(\s*,\s*\d+)*", ids):
            raise ConfigError(f"TGBOT_PARTNERS must be partners separated by ';', each a code "
                              "(up to 32 of a-z 0-9 _), ':' and its organisers' Telegram user "
                              f"ids separated by commas, such as {PARTNERS_EXAMPLE}: check "
                              f"partner {place}")
        if code in partners:
            raise ConfigError(f"TGBOT_PARTNERS names the partner {code} twice: list each once, "
                              "with all its organisers")
        partners[code] = frozenset(int(i) for i in ids.split(","))
    return partners


def parse_port(value: str) -> int | None:
    """A TCP port from "9090"; "" is None (off)."""
    if not value.strip():
        return None
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"TGBOT_STATUS_PORT must be a port number (1-65535), not {value!r}")
    return int(value)


def parse_log_format(value: str) -> str:
    """TGBOT_LOG_FORMAT as "text" (the default) or "json"; anything else is refused."""
    value = value.strip().lower() or "text"
    if value not in ("text", "json"):
        raise ConfigError(f"TGBOT_LOG_FORMAT must be text or json, not {value!r}")
    return value


def parse_site_url(value: str) -> str:
    """TGBOT_SITE_URL as an http(s) URL without its final slash; "" is no site."""
    value = value.strip().rstrip("/")
    if not value:
        return ""
    parsed = urlparse(value)
    # 256 characters keep the bot's description, which quotes it, within Telegram's 512
    if parsed.scheme not in ("https", "http") or not parsed.hostname or len(value) > 256:
        raise ConfigError(f"TGBOT_SITE_URL must be the site's https:// address, not {value!r}")
    return value
