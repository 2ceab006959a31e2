"""The one notice a person who floods the bot gets before their updates are dropped."""

from __future__ import annotations

from tgbot.i18n.translator import Translator


def flood_notice(t: Translator) -> str:
    """Sent once per flood: later updates over the budget are dropped in silence."""
    return t.gettext("⏳ That was a lot at once. Please wait a few seconds, then try again.")
