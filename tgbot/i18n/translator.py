"""Languages: gettext catalogs from `locales/`, locale negotiation, and locale-aware formatting.

The languages are the catalogs found under `locales/` (adding a language is adding its
catalog), once `MIN_TRANSLATED` of the template's messages are translated, so a catalog someone
has only started is not served to every user of that language; `TGBOT_LANGUAGES` lists the
languages to offer instead, however complete. Catalogs are read straight from the `.po` files
(compiled in memory with Babel), so a translator's edit can never be hidden behind a stale
`.mo`. A string missing from a catalog, or whose translation would break the reply
(placeholders or tags that differ from the source, HTML Telegram refuses), falls back to the
English source for that string only.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import logging
import re
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_timedelta
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from tgbot.errors import ConfigError, HtmlError
from tgbot.telegram_html import parse_html

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
        catalogs = {code: _read(locales_dir, code) for code in found
                    if not languages or code in languages or code == DEFAULT_LANGUAGE}
        if not languages:
            catalogs = _translated_enough(locales_dir, catalogs)
        self._translators = {code: Translator(code, _compiled(catalog))
                             for code, catalog in catalogs.items()}
        # Each language in its own name, in menu order.
        self.languages: dict[str, str] = {code: t.name for code, t in self._translators.items()}

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
            chosen = Locale.negotiate([tag], [c.replace("_", "-") for c in self.languages],
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


_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


def placeholders(text: str) -> Counter[str]:
    """The {placeholders} of a text, counted: a translation must keep the same ones."""
    return Counter(_PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    """HTML tag names, opening and closing, counted ("b", "/b", "a", "/a")."""
    return Counter(m[0].replace("<", "").lower() for m in _TAG.finditer(text))


def translation_problems(source: str, translated: str) -> list[str]:
    """Why a translation would break its reply; empty when it is safe to send.

    Placeholders or tags other than the source's, or HTML Telegram refuses.
    """
    problems = []
    if set(placeholders(translated)) != set(placeholders(source)):
        problems.append(f"placeholders {sorted(placeholders(translated))} differ from "
                        f"the source's {sorted(placeholders(source))}")
    if tags(translated) != tags(source):
        problems.append(f"HTML tags {dict(tags(translated))} differ from the "
                        f"source's {dict(tags(source))}")
    if _html_error(source) is not None:
        return problems  # the source is not HTML (a letter, a tweet): nothing more to judge
    if (error := _html_error(translated)) is not None:
        problems.append(f"not valid Telegram HTML: {error}")
    return problems


@functools.lru_cache(maxsize=1024)
def _html_error(text: str) -> str | None:
    """Why Telegram would refuse `text` (placeholders filled) as HTML; None if it would not.

    A text without a tag or an entity is plain text, which TDLib's parser always accepts
    (`parse_html` in td/telegram/MessageEntity.cpp fails only inside "<...>"; "&" that is no
    entity is kept as it is): those skip the parser, and each source is judged once for all
    its translations, so that every process's start reads its catalogs in well under a second.
    """
    if "<" not in text and "&" not in text:
        return None
    try:
        parse_html(_PLACEHOLDER.sub("x", text))
    except HtmlError as error:
        return str(error)
    return None


def _read(locales_dir: Path, code: str) -> Catalog | None:
    """Read `locales/<code>/LC_MESSAGES/tgbot.po`; None for English, which needs no catalog."""
    po_path = catalog_path(locales_dir, code)
    if not po_path.exists():
        return None
    stat = po_path.stat()
    return _checked(po_path.resolve(), stat.st_mtime_ns, stat.st_size, code)


@functools.lru_cache(maxsize=64)
def _checked(po_path: Path, mtime_ns: int, size: int, code: str) -> Catalog:
    """A catalog without the translations that would break their reply.

    Read once per process for each version of the file: checking every translation with
    TDLib's parser takes about a second for nine languages, and a process that builds the
    bot more than once (the tests, the CLI's checks) pays it once. A translation left out is
    logged once, naming its line, and that string alone falls back to English.
    """
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=code)
    for message in list(catalog):
        strings = message_strings(message.string)
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        if not message.id or not any(strings):
            continue
        problems = [p for s in strings if s for p in translation_problems(ids[-1], s)]
        if problems:
            log.warning("%s:%s: %s; English is used for this message instead",
                        po_path, message.lineno, "; ".join(dict.fromkeys(problems)))
            catalog.delete(message.id, context=message.context)
    return catalog


def _translated_enough(locales_dir: Path,
                       catalogs: dict[str, Catalog | None]) -> dict[str, Catalog | None]:
    """The catalogs that translate `MIN_TRANSLATED` of the template's messages; English.

    Each one left out is logged, with how to offer it anyway. Without a template, each
    catalog's own messages count.
    """
    template_path = locales_dir / f"{DOMAIN}.pot"
    template = None
    if template_path.exists():
        stat = template_path.stat()
        template = _template(template_path.resolve(), stat.st_mtime_ns, stat.st_size)
    kept: dict[str, Catalog | None] = {}
    for code, catalog in catalogs.items():
        if catalog is None:
            kept[code] = catalog
            continue
        needed = {msgid(m.id) for m in (template or catalog) if m.id}
        done = sum(1 for m in catalog if m.id and not m.fuzzy and msgid(m.id) in needed
                   and all(s.strip() for s in message_strings(m.string)))
        if done >= MIN_TRANSLATED * len(needed):
            kept[code] = catalog
        else:
            log.warning("%s: %d of %d messages translated, under %d%%: not offered (list it "
                        "in TGBOT_LANGUAGES to offer it anyway)", catalog_path(locales_dir, code),
                        done, len(needed), MIN_TRANSLATED * 100)
    return kept


@functools.lru_cache(maxsize=8)
def _template(pot_path: Path, mtime_ns: int, size: int) -> Catalog:
    """The template, read once per process for each version of the file, as `_checked`."""
    with pot_path.open("rb") as handle:
        return read_po(handle)


def msgid(message_id: str | Sequence[str]) -> str:
    """The msgid a message is looked up by: the singular of a plural message."""
    return message_id if isinstance(message_id, str) else message_id[0]


def message_strings(string: str | Sequence[str] | None) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form ("" when there is none)."""
    if isinstance(string, str):
        return (string,)
    return tuple(string or ("",))


@functools.lru_cache(maxsize=64)
def _compiled(catalog: Catalog | None) -> gettext.NullTranslations:
    """The catalog compiled in memory, fuzzy translations left out; nothing for English.

    Compiled once per catalog read (`_checked` hands out one object per version of a file).
    """
    if catalog is None:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)
