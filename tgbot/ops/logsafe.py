"""Logging that never shows the bot token, whatever the library or the level.

httpx logs every request URL at INFO and python-telegram-bot logs URLs and errors at DEBUG;
the Bot API URL contains the token. A filter on every handler rewrites the token out of the
message, its arguments and any traceback before a line is written.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

# Anything shaped like a token, in case a line carries one we were not told about.
_TOKEN_SHAPE = re.compile(r"\d{5,12}:[A-Za-z0-9_-]{30,50}")
REDACTED = "<token>"


class RedactToken(logging.Filter):
    """Replace the bot token (and anything token-shaped) in a record with <token>."""

    def __init__(self, token: str = "") -> None:
        super().__init__()
        self.token = token

    def redact(self, text: str) -> str:
        """The text with the token, and anything shaped like a token, replaced."""
        if self.token:
            text = text.replace(self.token, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place (message, arguments, traceback); never drop it."""
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def setup_logging(level: str, token: str, log_format: str = "text") -> None:
    """Log to stderr at `level`, with the token filter on the handler (so it sees every logger).

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
    handler.addFilter(RedactToken(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx's INFO line per request is noise at 30 messages a second.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, root.level))
