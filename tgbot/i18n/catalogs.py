"""Check translation catalogs: complete, up to date, same placeholders and tags, valid HTML.

`tgbot catalogs` runs this: a language is "done" only when every message the code and the
campaign use now is translated and safe to send, and no catalog holds messages nobody uses.
The reference is a fresh extraction (the package's Python files and the campaign file), so a
template someone forgot to refresh is caught too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from tgbot.i18n.extract import extract_campaign
from tgbot.i18n.loading import message_strings, msgid, translation_problems
from tgbot.i18n.translator import DEFAULT_LANGUAGE, DOMAIN, catalog_path, discover_languages

REFRESH = "run pybabel extract, then pybabel update; see README, For translators"


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    """Read one `.po` or `.pot` file (`locale` makes Babel know its plural forms)."""
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def fresh_messages(campaign: Path) -> dict[str, str]:
    """Every message the code and the campaign use now, with where it is used (FILE:LINE)."""
    package = Path(__file__).resolve().parent.parent  # tgbot/
    found: dict[str, str] = {}
    keywords = {**DEFAULT_KEYWORDS, "N_": None}
    for filename, line, message, _, _ in extract_from_dir(package, [("**.py", "python")],
                                                          keywords=keywords):
        found.setdefault(msgid(message), f"tgbot/{filename}:{line}")
    with campaign.open("rb") as handle:
        for line, _, message, _ in extract_campaign(handle, None, None, {}):
            found.setdefault(message, f"{campaign}:{line}")
    return found


@dataclass
class Report:
    """What `tgbot catalogs` prints: what to fix, what to translate, each catalog's state."""

    problems: list[str] = field(default_factory=list)  # each as FILE:LINE: what is wrong
    untranslated: list[str] = field(default_factory=list)  # each as FILE:LINE: the message
    summary: list[str] = field(default_factory=list)  # one line per language
    unfinished: list[str] = field(default_factory=list)  # the catalogs with work left

    @property
    def verdict(self) -> str:
        """One line: what is left to do and where, or that every catalog checked is done."""
        if not self.unfinished:
            return "OK"
        return (f"{len(self.problems)} problem(s) and {len(self.untranslated)} message(s) to "
                f"translate, in {', '.join(self.unfinished)}")


def check_template(template_path: Path, fresh: dict[str, str]) -> list[str]:
    """The template holds exactly the messages in use."""
    template = read_catalog(template_path)
    problems = [f"{where}: {message[:60]!r} is not in {template_path} ({REFRESH})"
                for message, where in fresh.items() if template.get(message) is None]
    problems += _stale(template_path, template, fresh)
    return problems


def _stale(path: Path, catalog: Catalog, fresh: dict[str, str]) -> list[str]:
    return [f"{path}:{m.lineno}: stale: {msgid(m.id)[:60]!r} is no longer in the code or "
            f"the campaign ({REFRESH})" for m in catalog if m.id and msgid(m.id) not in fresh]


def check_catalog(po_path: Path, fresh: dict[str, str]) -> tuple[list[str], list[str], int]:
    """Check one language's catalog against the messages in use.

    Returns every problem and every message not translated yet, each as `FILE:LINE: ...`, and
    how many of the messages in use it translates.
    """
    code = po_path.parent.parent.name
    catalog = read_catalog(po_path, code)
    problems, untranslated, translated = [], [], 0
    for message_id, where in fresh.items():
        message = catalog.get(message_id)
        if message is None:
            problems.append(f"{po_path}: missing {message_id[:60]!r} (used at {where}; "
                            f"{REFRESH})")
            continue
        strings = message_strings(message.string)
        if message.fuzzy or not all(s and s.strip() for s in strings):
            untranslated.append(f"{po_path}:{message.lineno}: not translated"
                                f"{' (fuzzy)' if message.fuzzy else ''}: {message_id[:60]!r}")
            continue
        translated += 1
        source = message.id if isinstance(message.id, str) else message.id[-1]
        for string in strings:
            problems += [f"{po_path}:{message.lineno}: {problem}"
                         for problem in translation_problems(source, string)]
    return problems + _stale(po_path, catalog, fresh), untranslated, translated


def check_all(locales_dir: Path, campaign: Path,
              languages: Iterable[str] | None = None) -> Report:
    """Check the template and every language's catalog (or only `languages`)."""
    found = discover_languages(locales_dir)
    fresh = fresh_messages(campaign)
    template = locales_dir / f"{DOMAIN}.pot"
    report = Report(problems=check_template(template, fresh) if template.exists()
                    else [f"{template}: no template ({REFRESH})"])
    if report.problems:
        report.unfinished.append("the template")
    codes = list(languages) if languages else [c for c in found if c != DEFAULT_LANGUAGE]
    for code in codes:
        po_path = catalog_path(locales_dir, code)
        if not po_path.exists():
            report.problems.append(f"{po_path}: no catalog for '{code}' (run pybabel init -l "
                                   f"{code}; see README, For translators)")
            report.summary.append(f"{code}: no catalog")
            report.unfinished.append(code)
            continue
        problems, untranslated, translated = check_catalog(po_path, fresh)
        report.problems += problems
        report.untranslated += untranslated
        report.summary.append(f"{code}: {translated} of {len(fresh)} translated"
                              + (f", {len(problems)} problem(s)" if problems else ""))
        if problems or untranslated:
            report.unfinished.append(code)
    return report
