"""Languages: gettext catalogs from `locales/`, locale negotiation, and locale-aware formatting.

Catalogs are read straight from the `.po` files (compiled in memory with Babel), so a
translator's edit can never be hidden behind a stale `.mo`. A string missing from a catalog
falls back to the English source for that string only.
"""

from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DOMAIN = "tgbot"
DEFAULT_LANGUAGE = "en"
# Each language in its own name, as the /language buttons show it.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "pt": "Português",
    "ru": "Русский",
    "uk": "Українська",
    "ar": "العربية",
    "fa": "فارسی",
    "fil": "Filipino",
}
RTL_LANGUAGES = frozenset({"ar", "fa"})
# Telegram's language_code for setMyCommands is two lowercase letters; Filipino has none, and
# Telegram clients report Tagalog ("tl") for it.
TELEGRAM_CODES = {"fil": "tl"}
ALIASES = {"tl": "fil"}
# The campaign writes English dates the way IFEX does ("1 November 2027"), not US-style.
FORMAT_LOCALES = {"en": "en_GB"}
# French writes the first of the month as an ordinal ("1er novembre"); CLDR has no pattern for it.
FIRST_OF_MONTH = {"fr": "1er"}
_DAY_ONE = re.compile(r"(?<!\d)1(?!\d)")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_RLM = "\u200f"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark, translate later"
    """Mark a string for extraction without translating it yet."""
    return message


@dataclass(frozen=True)
class Translator:
    """Everything a reply needs to speak one language: messages, plurals, dates, numbers."""

    code: str
    translations: gettext.NullTranslations

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.code)

    @property
    def format_locale(self) -> str:
        return FORMAT_LOCALES.get(self.code, self.code)

    @property
    def rtl(self) -> bool:
        return self.code in RTL_LANGUAGES

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def translated(self, message: str) -> bool:
        """Whether this language's catalog has `message` ("IFEX" may rightly stay "IFEX")."""
        # GNUTranslations keeps its messages in _catalog; there is no public way to ask.
        return message in getattr(self.translations, "_catalog", {})

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, n: float) -> str:
        return self.digits(format_decimal(n, locale=self.format_locale))

    def date(self, date: dt.date, format: str = "long") -> str:
        """A date as this language writes it: "1er novembre 2027", "23 ноября 2027 г."."""
        return self._written(date, format_date(date, format=format, locale=self.format_locale))

    def day_month(self, date: dt.date) -> str:
        """A date without the year in the locale's pattern: "5 de noviembre", "Nobyembre 5"."""
        return self._written(date, format_skeleton("MMMMd", date, locale=self.format_locale))

    def join(self, items: list[str]) -> str:
        """A list as this language joins it: "1, 2 and 3", "1, 2 y 3", "1 و2 و3"."""
        return self.digits(format_list(items, locale=self.format_locale))

    def duration(self, length: dt.timedelta) -> str:
        """A length of time as this language says it: "1 day", "12 heures"."""
        return self.digits(format_timedelta(length, threshold=2, locale=self.format_locale))

    def _written(self, date: dt.date, text: str) -> str:
        if date.day == 1 and self.code in FIRST_OF_MONTH:
            text = _DAY_ONE.sub(FIRST_OF_MONTH[self.code], text, count=1)
        return self.digits(text)

    def digits(self, text: str) -> str:
        """Persian readers expect Persian digits; every other language keeps what Babel wrote."""
        return text.translate(_PERSIAN_DIGITS) if self.code == "fa" else text

    def direct(self, text: str) -> str:
        """Start every line of a right-to-left message with a right-to-left mark.

        Telegram picks each paragraph's direction from its first strong character, so a line
        that opens with a number, a link or "IFEX" would otherwise be laid out left to right.
        """
        if not self.rtl:
            return text
        return "\n".join(_RLM + line if line else line for line in text.split("\n"))


class I18n:
    """All catalogs of the bot, loaded once at start-up."""

    def __init__(self, locales_dir: Path, languages: dict[str, str] = LANGUAGES) -> None:
        self.languages = languages
        self._translators = {code: Translator(code, _load(locales_dir, code))
                             for code in languages}

    def get(self, code: str | None) -> Translator:
        return self._translators.get(code or "", self._translators[DEFAULT_LANGUAGE])

    def negotiate(self, language_code: str | None) -> str:
        """Pick our language for a Telegram `language_code` (IETF tag): pt-BR -> pt, tl -> fil."""
        if not language_code:
            return DEFAULT_LANGUAGE
        tag = language_code.replace("_", "-")
        primary = tag.split("-")[0].lower()
        if primary in ALIASES:
            return ALIASES[primary]
        try:
            chosen = Locale.negotiate([tag], list(self.languages), sep="-")
        except (UnknownLocaleError, ValueError):
            chosen = None
        return str(chosen) if chosen is not None else DEFAULT_LANGUAGE

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._translators.values())


def _load(locales_dir: Path, code: str) -> gettext.NullTranslations:
    """Compile `locales/<code>/LC_MESSAGES/tgbot.po` in memory; English needs no catalog."""
    po_path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.exists():
        if code == DEFAULT_LANGUAGE:
            return gettext.NullTranslations()
        raise FileNotFoundError(f"no catalog for language '{code}': {po_path}")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
