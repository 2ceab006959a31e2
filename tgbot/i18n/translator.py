"""Languages: gettext catalogs from `locales/`, locale negotiation, and locale-aware formatting.

The languages are the catalogs found under `locales/` (adding a language is adding its
catalog), once `MIN_TRANSLATED` of the template's messages are translated, so a catalog someone
has only started is not served to every user of that language; `TGBOT_LANGUAGES` lists the
languages to offer instead, however complete. Catalogs are read from the `.po` files
(`loading`: a translator's edit is never hidden behind a stale `.mo`). A string missing from a
catalog, or whose translation would break the reply, falls back to the English source for
that string only.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal

from tgbot.errors import ConfigError
from tgbot.i18n.loading import load_catalog

log = logging.getLogger(__name__)

DOMAIN = "tgbot"
DEFAULT_LANGUAGE = "en"
# The share of the template's messages a catalog translates before its language is offered.
MIN_TRANSLATED = 0.9
# The campaign's languages come first in menus, in this order; any other catalog follows.
MENU_ORDER = ("en", "fr", "es", "pt", "ru", "uk", "ar", "fa", "fil")
# Telegram's language_code for setMyCommands is two lowercase letters; Filipino has none, and
# Telegram clients report Tagalog ("tl") for it.
TELEGRAM_CODES = {"fil": "tl"}
ALIASES = {"tl": "fil"}
# The campaign writes English dates the way IFEX does ("1 November 2027"), not US-style.
FORMAT_LOCALES = {"en": "en_GB"}
# French writes the first of the month as an ordinal ("1er novembre"); CLDR has no pattern for it.
FIRST_OF_MONTH = {"fr": "1er", "pt": "1º"}
_DAY_ONE = re.compile(r"(?<!\d)1(?!\d)")
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
# Persian numbers group thousands with "٬" (U+066C) and mark decimals with "٫" (U+066B).
_PERSIAN_SEPARATORS = str.maketrans(",.", "٬٫")
_RLM = "\u200f"


def telegram_code(code: str) -> str | None:
    """The language_code Telegram takes for a command menu, or None.

    Two lowercase letters (Filipino as Tagalog); None for a catalog it has no such code for
    (pt_BR), whose users get the default menu.
    """
    mapped = TELEGRAM_CODES.get(code, code)
    return mapped if re.fullmatch(r"[a-z]{2}", mapped) else None


@dataclass(frozen=True)
class Translator:
    """Everything a reply needs to speak one language: messages, plurals, dates, numbers."""

    code: str
    translations: gettext.NullTranslations

    @property
    def format_locale(self) -> str:
        """The locale Babel formats with: the language's, or the variant the campaign writes."""
        return FORMAT_LOCALES.get(self.code, self.code)

    @property
    def rtl(self) -> bool:
        """Whether the language is written right to left (Arabic, Persian)."""
        return Locale.parse(self.code).character_order == "right-to-left"

    @property
    def name(self) -> str:
        """The language in its own name, as the /language buttons show it ("Français")."""
        name = Locale.parse(self.code).get_display_name(self.code) or self.code
        return name[:1].upper() + name[1:]

    def language_name(self, code: str) -> str:
        """Another language named in this one, as Babel's data names it ("persan", "فارسی")."""
        return Locale.parse(code).get_display_name(self.code) or code

    def gettext(self, message: str) -> str:
        """The message in this language; the English source where none is safe to send."""
        return self.translations.gettext(message)

    def translated(self, message: str) -> bool:
        """Whether this language's catalog has `message` ("IFEX" may rightly stay "IFEX")."""
        # GNUTranslations keeps its messages in _catalog; there is no public way to ask.
        return message in getattr(self.translations, "_catalog", {})

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of a counted message this language uses for `n` (its plural rule)."""
        return self.translations.ngettext(singular, plural, n)

    def number(self, n: float) -> str:
        """A number with this language's separators and digits: "1 234", "۴٬۳۲۱"."""
        written = format_decimal(n, locale=self.format_locale)
        if self.code == "fa":
            written = written.translate(_PERSIAN_SEPARATORS)
        return self.digits(written)

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
    """The languages the bot offers, loaded once at start-up."""

    def __init__(self, locales_dir: Path, languages: Collection[str] = ()) -> None:
        """Every catalog in `locales_dir` translated enough, or exactly `languages` if given.

        English is always offered; a language in `languages` without a catalog is an error.
        """
        found = discover_languages(locales_dir)
        if missing := sorted(set(languages) - set(found)):
            raise ConfigError(f"TGBOT_LANGUAGES names {', '.join(missing)}, with no catalog in "
                              f"{locales_dir}")
        self._translators = {}
        for code in found:
            if languages and code not in languages and code != DEFAULT_LANGUAGE:
                continue
            po_path = catalog_path(locales_dir, code)
            if not po_path.exists():  # English, which needs no catalog
                self._translators[code] = Translator(code, gettext.NullTranslations())
                continue
            loaded = load_catalog(po_path, code, locales_dir / f"{DOMAIN}.pot")
            if not languages and loaded.translated < MIN_TRANSLATED * loaded.needed:
                log.warning("%s: %d of %d messages translated, under %d%%: not offered (list "
                            "it in TGBOT_LANGUAGES to offer it anyway)", po_path,
                            loaded.translated, loaded.needed, MIN_TRANSLATED * 100)
                continue
            self._translators[code] = Translator(code, loaded.translations)

    @cached_property
    def languages(self) -> dict[str, str]:
        """Each language in its own name, in menu order.

        Named on first use: Babel's data for nine languages is a fifth of a second of CPU
        that a `tgbot push` or a bot's start need not spend.
        """
        return {code: t.name for code, t in self._translators.items()}

    def get(self, code: str | None) -> Translator:
        """The Translator for a language code; English for an unknown or missing one."""
        return self._translators.get(code or "", self._translators[DEFAULT_LANGUAGE])

    def negotiate(self, language_code: str | None) -> str:
        """Pick our language for a Telegram `language_code` (IETF tag).

        pt-BR -> pt (or pt_BR when there is a catalog for it), tl -> fil.
        """
        if not language_code:
            return DEFAULT_LANGUAGE
        tag = language_code.replace("_", "-")
        primary = tag.split("-")[0].lower()
        if primary in ALIASES:
            return ALIASES[primary]
        try:
            chosen = Locale.negotiate([tag], [c.replace("_", "-") for c in self._translators],
                                      sep="-")
        except (UnknownLocaleError, ValueError):
            chosen = None
        return str(chosen) if chosen is not None else DEFAULT_LANGUAGE

    def __iter__(self) -> Iterator[Translator]:
        """Every language, in menu order."""
        return iter(self._translators.values())


def catalog_path(locales_dir: Path, code: str) -> Path:
    """Where a language's catalog is: `locales/<code>/LC_MESSAGES/tgbot.po`."""
    return locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def discover_languages(locales_dir: Path) -> list[str]:
    """English, and every language with a catalog under `locales_dir`, in menu order."""
    if not locales_dir.is_dir():  # a mistyped TGBOT_LOCALES must not silently mean English
        raise ConfigError(f"no catalogs folder at {locales_dir}: check TGBOT_LOCALES")
    found = {path.parent.parent.name for path in locales_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    known = []
    for code in found:
        try:
            Locale.parse(code)
            known.append(code)
        except (UnknownLocaleError, ValueError):
            log.warning("%s: not a language Babel knows; ignored", catalog_path(locales_dir, code))
    rank = {code: n for n, code in enumerate(MENU_ORDER)}
    return sorted({DEFAULT_LANGUAGE, *known}, key=lambda c: (rank.get(c, len(rank)), c))
