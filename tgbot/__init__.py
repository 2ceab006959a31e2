"""tgbot: a Telegram bot for human-rights campaigns, one action a day from a campaign file."""

import os

# python-telegram-bot's documented opt-in to timedelta values (retry_after...), the default
# of its next major version; without it every RetryAfter warns.
os.environ.setdefault("PTB_TIMEDELTA", "1")

__version__ = "0.1.0"
