"""Logging that never shows a secret or a person, whatever the library or the level.

httpx logs every request URL at INFO, and the Bot API URL contains the token. At DEBUG,
python-telegram-bot logs every update and every Bot API call whole (names, usernames, texts,
user ids, the webhook secret in setWebhook's parameters), and aiosqlite every statement with
its parameters. So a filter on the handler, which sees every logger's records:

- drops the libraries' records below INFO, whatever TGBOT_LOG_LEVEL says: DEBUG shows the
  bot's own debug lines, which name no person;
- rewrites the token, anything shaped like one, and the other secrets it is given (the
  webhook secret, the database password) out of the message, its arguments and any
  traceback before a line is written;
- never raises: a log call with bad arguments is written as its bare format string instead
  of failing the request that logged it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from pythonjsonlogger.json import JsonFormatter

# Anything shaped like a token, in case a line carries one we were not told about.
_TOKEN_SHAPE = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,50}")
REDACTED = "<token>"
HIDDEN = "***"
# The loggers whose records are the bot's own; every other logger is a library's.
OWN_LOGGERS = "tgbot"
# Libraries that log personal data below INFO: held at INFO even when the bot logs DEBUG.
LIBRARIES = ("telegram", "httpx", "httpcore", "apscheduler", "tornado", "aiosqlite", "asyncpg",
             "asyncio", "aiohttp")


class RedactToken(logging.Filter):
    """Replace the bot token (and anything token-shaped) with <token>, other secrets with ***.

    `secrets`: the webhook secret, the database password; empty ones are ignored. Drops
    the libraries' records below INFO (see the module's docstring).
    """

    def __init__(self, token: str = "", secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.token = token
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        """The text with the token, anything shaped like a token, and the secrets replaced."""
        if self.token:
            text = text.replace(self.token, REDACTED)
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (message, arguments, traceback); drop a library's debug."""
        if record.levelno < logging.INFO and record.name.partition(".")[0] != OWN_LOGGERS:
            return False
        try:
            message = record.getMessage()
        except Exception as error:  # noqa: BLE001 - a bad log call must not fail its caller
            message = f"{record.msg} (not formatted: {type(error).__name__})"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(level: str, token: str, log_format: str = "text",
                  secrets: Iterable[str] = ()) -> None:
    """Log to stderr at `level`, with the redacting filter on the handler (every logger's).

    `secrets` are redacted beside the token (the webhook secret, the database password).
    `log_format` "json" writes one JSON object per line (python-json-logger) for log
    collectors: time, level, logger, message, and the traceback when there is one.
    """
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s",
                                           timestamp="time",  # ISO 8601, in UTC
                                           rename_fields={"levelname": "level",
                                                          "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                               "%(message)s"))
    handler.addFilter(RedactToken(token, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for library in LIBRARIES:  # the filter drops their debug; this spares formatting it
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))
    # httpx's INFO line per request is noise at 30 messages a second.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
