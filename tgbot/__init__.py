"""tgbot: a Telegram bot for human-rights campaigns ("23 Actions in 23 Days")."""

__version__ = "0.1.0"
