"""The bot's own exceptions: one tree, so a caller can catch all of them or exactly one.

    TgbotError
    ├── ConfigError      a setting is missing or malformed
    ├── CampaignError    the campaign file has problems (every FILE:LINE: message)
    ├── DatabaseError    the database cannot be opened, or its pseudonym key is wrong
    ├── NotOpenError     the database or the engine asked for before it was opened
    └── HtmlError        Telegram would refuse a text's HTML ("can't parse entities")

Each message is one line for a person to act on, and never holds a secret, a name or an id.
"""

from __future__ import annotations


class TgbotError(Exception):
    """Anything the bot itself refuses or cannot do; its message says what and how to fix it."""


class ConfigError(TgbotError):
    """A setting is missing or malformed; the message says which and how to fix it."""


class CampaignError(TgbotError):
    """The campaign file has problems; `problems` holds every `FILE:LINE: message` line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class DatabaseError(TgbotError):
    """The database cannot be opened; the message names it (without a password) and why."""


class NotOpenError(TgbotError, RuntimeError):
    """The database or the deliverer asked for before it is there, or after `close`.

    The database comes with `Services.open`, the deliverer with `app.start_engine`.
    """


class HtmlError(TgbotError, ValueError):
    """Telegram would answer "can't parse entities"; the message is TDLib's own text."""
