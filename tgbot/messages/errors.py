"""The apology the error handler sends when a handler failed."""

from __future__ import annotations

from tgbot.i18n.translator import Translator


def apology(t: Translator) -> str:
    """Something failed on the bot's side: no details (they are in the log), only sorry."""
    return t.gettext("😔 Sorry, something went wrong on my side. Please try again in a moment.")
