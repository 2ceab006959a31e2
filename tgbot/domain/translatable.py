"""The marker for texts the domain names but each reader sees in their own language."""

from __future__ import annotations


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction without translating it yet (`tgbot.i18n` translates it)."""
    return message
