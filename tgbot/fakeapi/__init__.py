"""A strict loopback fake of the Telegram Bot API (see server.py for what "strict" means)."""

from .recording import Call
from .server import DEFAULT_TOKEN, FakeBotAPI
from .transport import Upload

__all__ = ["DEFAULT_TOKEN", "Call", "FakeBotAPI", "Upload"]
