"""/language: the menu of languages, each in its own name."""

from __future__ import annotations

from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, button


def language_menu(t: Translator, languages: dict[str, str]) -> Reply:
    """One button per language (`languages`: code -> the language's own name)."""
    names = list(languages.items())
    rows = [[button(name, callbacks.LANGUAGE, code) for code, name in names[i:i + 3]]
            for i in range(0, len(names), 3)]
    return Reply(t.direct(t.gettext("🌐 Choose your language:")), rows)


def language_saved(t: Translator) -> str:
    """The toast in the language just chosen, so the person sees the choice took effect."""
    return t.gettext("Language saved.")
