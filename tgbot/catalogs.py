"""Check translation catalogs: complete, same placeholders and tags, valid Telegram HTML.

`tgbot catalogs` runs this and fails on the first incomplete or broken catalog, so a language
is "done" only when every message is translated and safe to send.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from tgbot.i18n import DEFAULT_LANGUAGE, DOMAIN, LANGUAGES
from tgbot.telegram_html import HtmlError, parse_html

_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


def placeholders(text: str) -> Counter[str]:
    return Counter(_PLACEHOLDER.findall(text))


def tags(text: str) -> Counter[str]:
    """HTML tag names, opening and closing, counted ("b", "/b", "a", "/a")."""
    return Counter(m[0].replace("<", "").lower() for m in _TAG.finditer(text))


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def check_catalog(po_path: Path, template: Catalog) -> list[str]:
    """Every problem of one language's catalog, as `FILE:LINE: message` lines."""
    code = po_path.parent.parent.name
    catalog = read_catalog(po_path, code)
    problems = []
    for source in template:
        if not source.id:
            continue
        message = catalog.get(source.id, context=source.context)
        line = message.lineno if message is not None else 0
        where = f"{po_path}:{line}"
        ids = source.id if isinstance(source.id, tuple) else (source.id,)
        if message is None:
            problems.append(f"{po_path}: missing message {ids[0][:60]!r} "
                            f"(run pybabel update)")
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            problems.append(f"{where}: not translated{' (fuzzy)' if message.fuzzy else ''}: "
                            f"{ids[0][:60]!r}")
            continue
        for translated in strings:
            problems += _compare(where, ids[-1], translated)
    return problems


def _compare(where: str, source: str, translated: str) -> list[str]:
    """Placeholders and tags must match the source's; HTML must be what Telegram accepts."""
    problems = []
    if set(placeholders(translated)) != set(placeholders(source)):
        problems.append(f"{where}: placeholders {sorted(placeholders(translated))} differ from "
                        f"the source's {sorted(placeholders(source))}")
    if tags(translated) != tags(source):
        problems.append(f"{where}: HTML tags {dict(tags(translated))} differ from the "
                        f"source's {dict(tags(source))}")
    try:
        parse_html(_PLACEHOLDER.sub("x", source))
    except HtmlError:
        return problems  # the source is not HTML (a letter, a tweet): nothing more to judge
    try:
        parse_html(_PLACEHOLDER.sub("x", translated))
    except HtmlError as error:
        problems.append(f"{where}: not valid Telegram HTML: {error}")
    return problems


def check_all(locales_dir: Path, languages: list[str] | None = None) -> list[str]:
    template_path = locales_dir / f"{DOMAIN}.pot"
    template = read_catalog(template_path)
    problems = []
    for code in languages or [c for c in LANGUAGES if c != DEFAULT_LANGUAGE]:
        po_path = locales_dir / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            problems.append(f"{po_path}: no catalog (run pybabel init -l {code})")
            continue
        problems += check_catalog(po_path, template)
    return problems
