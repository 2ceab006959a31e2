"""Reading a language's catalog as the bot serves it: checked, compiled, and kept on disk.

Each `.po` is read with Babel, every translation that would break its reply is left out
(placeholders or tags other than the source's, HTML Telegram refuses: that string alone falls
back to English, logged with its line), and the rest is compiled in memory. Reading and
checking nine catalogs takes about half a second, which every `tgbot` command that speaks
would pay at each start; so the result is also written to the cache folder, under a name made
of everything it depends on (the `.po` and `.pot` bytes, this code, Babel's version). An
edited catalog is read afresh and a stale one is never served; without a writable cache
folder, catalogs are read every time.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import functools
import gettext
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import babel
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tgbot import telegram_html
from tgbot.errors import HtmlError

log = logging.getLogger(__name__)

# A cached catalog not read for this long is removed when the language's next one is written.
KEEP_UNUSED = dt.timedelta(days=30)
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
_TAG = re.compile(r"</?([a-zA-Z][\w-]*)")


@dataclass(frozen=True)
class LoadedCatalog:
    """One language, ready to translate, and how much of the template it translates."""

    translations: gettext.NullTranslations
    translated: int  # the template's messages this catalog translates (fuzzy ones do not count)
    needed: int  # the template's messages (the catalog's own when there is no template)


def load_catalog(po_path: Path, code: str, template_path: Path | None) -> LoadedCatalog:
    """A language's catalog, from the cache when nothing it depends on has changed.

    Read once per process for each version of the files, like the cache's own name.
    """
    po = po_path.read_bytes()
    template = template_path.read_bytes() if template_path and template_path.exists() else b""
    return _load(po_path.resolve(), code, po, template)


@functools.lru_cache(maxsize=64)
def _load(po_path: Path, code: str, po: bytes, template: bytes) -> LoadedCatalog:
    digest = hashlib.sha256(b"\0".join([code.encode(), po, template, _CODE_VERSION])).hexdigest()
    folder = cache_folder()
    cached = folder / f"catalog-{code}-{digest}.json" if folder else None
    if cached and cached.exists():
        try:
            record = json.loads(cached.read_text(encoding="utf-8"))
            os.utime(cached)  # in use: not pruned
            loaded = LoadedCatalog(gettext.GNUTranslations(io.BytesIO(base64.b64decode(
                record["mo"]))), record["translated"], record["needed"])
        except (OSError, ValueError, KeyError) as error:  # damaged: read the catalog again
            log.debug("catalog cache unreadable (%s); reading the catalog", type(error).__name__)
        else:
            for warning in record["warnings"]:
                log.warning("%s:%s", po_path, warning)
            return loaded
    catalog = read_po(io.BytesIO(po), locale=code)
    warnings = _leave_out_unsafe(catalog)
    for warning in warnings:
        log.warning("%s:%s", po_path, warning)
    needed = _template_messages(template) if template else \
        frozenset(msgid(m.id) for m in catalog if m.id)
    translated = _translated(catalog, needed)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    if cached:
        _write_quietly(cached, {"mo": base64.b64encode(buffer.getvalue()).decode(),
                                "warnings": warnings, "translated": translated,
                                "needed": len(needed)})
    return LoadedCatalog(gettext.GNUTranslations(io.BytesIO(buffer.getvalue())), translated,
                         len(needed))


def _leave_out_unsafe(catalog: Catalog) -> list[str]:
    """Delete the translations that would break their reply; a `LINE: why` for each."""
    warnings = []
    for message in list(catalog):
        strings = message_strings(message.string)
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        if not message.id or not any(strings):
            continue
        problems = [p for s in strings if s for p in translation_problems(ids[-1], s)]
        if problems:
            warnings.append(f"{message.lineno}: {'; '.join(dict.fromkeys(problems))}; English "
                            "is used for this message instead")
            catalog.delete(message.id, context=message.context)
    return warnings


@functools.lru_cache(maxsize=8)
def _template_messages(template: bytes) -> frozenset[str]:
    """The msgids of a template, read once for all the languages measured against it."""
    return frozenset(msgid(m.id) for m in read_po(io.BytesIO(template)) if m.id)


def _translated(catalog: Catalog, needed: frozenset[str]) -> int:
    """How many of the `needed` messages the catalog translates (fuzzy ones do not count)."""
    return sum(1 for m in catalog if m.id and not m.fuzzy and msgid(m.id) in needed
               and all(s.strip() for s in message_strings(m.string)))


def cache_folder() -> Path | None:
    """Where compiled catalogs are kept: systemd's CacheDirectory, else the user's cache."""
    if os.environ.get("CACHE_DIRECTORY"):  # set by systemd for CacheDirectory=
        return Path(os.environ["CACHE_DIRECTORY"].split(":")[0])
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "tgbot" if os.path.isabs(root) else None


def _write_quietly(path: Path, record: dict) -> None:
    """Write the cache file whole (a reader sees no file or all of it), or not at all.

    The language's files not used for `KEEP_UNUSED` go: the cache holds what is served.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except OSError as error:  # a read-only home: catalogs are simply read at each start
        log.debug("catalog cache not written (%s)", type(error).__name__)
        return
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(temporary, path)
        for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.json"):
            if time.time() - old.stat().st_mtime > KEEP_UNUSED.total_seconds():
                old.unlink()
    except OSError as error:
        log.debug("catalog cache not written (%s)", type(error).__name__)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


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
    its translations.
    """
    if "<" not in text and "&" not in text:
        return None
    try:
        telegram_html.parse_html(_PLACEHOLDER.sub("x", text))
    except HtmlError as error:
        return str(error)
    return None


def msgid(message_id: str | Sequence[str]) -> str:
    """The msgid a message is looked up by: the singular of a plural message."""
    return message_id if isinstance(message_id, str) else message_id[0]


def message_strings(string: str | Sequence[str] | None) -> tuple[str, ...]:
    """A message's translations: one, or one per plural form ("" when there is none)."""
    if isinstance(string, str):
        return (string,)
    return tuple(string or ("",))


# What a cached catalog depends on besides its files: the code that checks and compiles it.
_CODE_VERSION = hashlib.sha256(b"\0".join(
    [Path(__file__).read_bytes(), Path(telegram_html.__file__).read_bytes(),
     babel.__version__.encode()])).digest()
