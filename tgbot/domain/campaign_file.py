"""Read `actions.yaml` and check it: every problem as `FILE:LINE: message`, or a Campaign.

Organisers edit only this file, so each problem names its line in words an organiser
understands, and the bot refuses to start on a file with problems. No Telegram here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import zoneinfo
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date

from tgbot.domain.campaign import (
    ACTION_KINDS,
    MAX_DAYS,
    MESSAGE_LIMIT,
    PUBLIC_KINDS,
    TWEET_LIMIT,
    Action,
    Campaign,
    FaqEntry,
    Letter,
    Link,
    days_from_to,
)
from tgbot.domain.commands import RESERVED
from tgbot.errors import CampaignError, HtmlError
from tgbot.telegram_html import parse_html

# The shapes ids, commands, times, links and placeholders must have.
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,23}$")
FAQ_ID_RE = re.compile(r"^[a-z0-9_]{1,24}$")
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
TIME_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
URL_RE = re.compile(r"^https://[^\s<>\"]+$")
PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
X_ACCOUNTS_RE = re.compile(r"^@\w{1,15}( @\w{1,15})*$")
ACCOUNT_RE = re.compile(r"(?<![\w@])@\w+")
_SPACED_PLACEHOLDER = re.compile(r"\{\s*(\w+)\s*\}")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
IMAGE_MAX_BYTES = 10 * 1024 * 1024  # Telegram's limit for a photo
# Our own limits, chosen so every rendered message and button fits Telegram's with room to spare.
BODY_LIMIT = 2000
TITLE_LIMIT = 80
LABEL_LIMIT = 40
LETTER_LIMIT = 3000
SAFER_LIMIT = 400


# --- reading YAML with line numbers -------------------------------------------------------


class LocatedMap(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key.

    `spans` holds where in the file each value is (character offsets), to point at a problem
    inside a long text.
    """

    line: int
    key_lines: dict[str, int]
    spans: dict[str, tuple[int, int]]


class LocatedList(list[Any]):
    """A YAML sequence that remembers the line of itself and of each item."""

    line: int
    item_lines: list[int]


class BadValue(Exception):
    """A value YAML can read but not construct, such as the date 2027-11-31."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


# libyaml reads a campaign about twenty times faster than PyYAML's own parser, same lines
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def located_yaml(source: str) -> Any:
    """YAML text as LocatedMap, LocatedList and plain values, or None for an empty document.

    The checker and the Babel extractor both need the line of every value, which plain
    `yaml.safe_load` loses. Raises yaml.YAMLError on a syntax error, BadValue on a value that
    cannot be constructed.
    """
    try:
        node = yaml.compose(source, Loader=_FAST_LOADER)
    except yaml.YAMLError:  # PyYAML's own parser words the problem as it always has
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    return None if node is None else _located(node, yaml.SafeLoader(""))



def _located(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    """Construct `node` as PyYAML would, keeping each mapping's and sequence's lines."""
    if isinstance(node, yaml.MappingNode):
        result = LocatedMap()
        result.line, result.key_lines, result.spans = node.start_mark.line + 1, {}, {}
        for key_node, value_node in node.value:
            key = str(constructor.construct_object(key_node, deep=True))
            if key in result:  # YAML would silently keep the last one
                raise BadValue(key_node.start_mark.line + 1,
                               f"'{key}' is given twice in one mapping (first at line "
                               f"{result.key_lines[key]}); keep one of them")
            result[key] = _located(value_node, constructor)
            result.key_lines[key] = key_node.start_mark.line + 1
            result.spans[key] = (value_node.start_mark.index, value_node.end_mark.index)
        return result
    if isinstance(node, yaml.SequenceNode):
        seq = LocatedList(_located(item, constructor) for item in node.value)
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        return seq
    try:
        return constructor.construct_object(node, deep=True)
    except ValueError as error:  # the YAML timestamp resolver matched, datetime refused
        raise BadValue(node.start_mark.line + 1,
                       f"'{node.value}' is not a real date ({error}); write an existing "
                       "day as YYYY-MM-DD") from None


class _Checker:
    """Collects problems with their line numbers while turning YAML into dataclasses."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[int, str]] = []
        self.placeholders: dict[str, int] = {}  # placeholder -> first line using it

    def line_of(self, data: LocatedMap, key: str, snippet: str) -> int:
        """The file line where `snippet` first appears in the value of `key`.

        A block of text spans many lines; the key's line is used when `snippet` cannot be found
        as written.
        """
        start, end = data.spans.get(key, (0, 0))
        found = self.source.find(snippet, start, end) if snippet else -1
        if found < 0:
            return data.key_lines.get(key, data.line)
        return self.source.count("\n", 0, found) + 1

    def problem(self, line: int, message: str) -> None:
        """Note a problem; all of them are reported together, sorted by line."""
        self.problems.append((line, message))

    def fields(self, data: Any, line: int, where: str, required: tuple[str, ...],
               optional: tuple[str, ...] = ()) -> LocatedMap | None:
        """Check that `data` is a mapping with exactly the known keys; report the rest."""
        if not isinstance(data, LocatedMap):
            self.problem(line, f"{where} must be a mapping")
            return None
        for key in data:
            if key not in required and key not in optional:
                known = ", ".join(required + optional)
                self.problem(data.key_lines[key], f"unknown field '{key}' in {where} "
                                                  f"(known fields: {known})")
        for key in required:
            if key not in data:
                self.problem(data.line, f"missing field '{key}' in {where}")
        return data

    def text(self, data: LocatedMap, key: str, where: str, *, limit: int, html: bool = False,
             required: bool = True, filled: bool = False) -> str | None:
        """A string field: present, non-empty, within `limit` visible characters, valid HTML.

        Only `filled` texts may use {placeholders}; anywhere else they would reach users as
        written.
        """
        line = data.key_lines.get(key, data.line)
        value = data.get(key)
        if value is None:
            if required and key in data:
                self.problem(line, f"'{key}' in {where} must not be empty")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(line, f"'{key}' in {where} must be non-empty text")
            return None
        value = value.strip()
        visible = value
        self.check_placeholders(data, key, where, value, filled=filled)
        if html:
            try:
                parse_html(value)
                visible = parse_html(_fill_sample_placeholders(value)).text
            except HtmlError as error:
                reason, snippet = _html_problem(str(error), value)
                self.problem(self.line_of(data, key, snippet),
                             f"'{key}' in {where} is not valid Telegram HTML: {reason}")
                return value
            for url in _link_targets(_fill_sample_placeholders(value)):
                if not URL_RE.match(url):
                    self.problem(self.line_of(data, key, url),
                                 f"'{key}' in {where} links to '{url}'; links must be "
                                 "https:// URLs")
        if len(visible) > limit:
            self.problem(line, f"'{key}' in {where} is {len(visible)} characters; "
                               f"the limit is {limit}")
        return value

    def check_placeholders(self, data: LocatedMap, key: str, where: str, value: str, *,
                           filled: bool) -> None:
        """Check every {placeholder}: allowed here (`filled` texts only), spelt right, closed.

        Each problem is reported at its own line.
        """
        for match in PLACEHOLDER_RE.finditer(value):
            name, line = match[1], self.line_of(data, key, match[0])
            if name in _SAMPLE_VALUES:
                self.placeholders.setdefault(name, line)
            if not filled:
                self.problem(line, f"unknown placeholder {match[0]} in '{key}' of {where} "
                                   "(known here: none; placeholders are filled in only in "
                                   "the welcome, bodies, answers, letters, posts and safer ways)")
            elif name not in _SAMPLE_VALUES:
                close = difflib.get_close_matches(name, list(_SAMPLE_VALUES), n=1)
                hint = f"did you mean {{{close[0]}}}? " if close else ""
                known = ", ".join("{" + p + "}" for p in _SAMPLE_VALUES)
                self.problem(line, f"unknown placeholder {match[0]} in '{key}' of {where} "
                                   f"({hint}known: {known})")
        blanked = PLACEHOLDER_RE.sub(lambda m: " " * len(m[0]), value)
        for match in _SPACED_PLACEHOLDER.finditer(blanked):
            if match[1] not in _SAMPLE_VALUES:
                continue
            # "{hashtag }": one problem, with the placeholder meant
            blanked = blanked[:match.start()] + " " * len(match[0]) + blanked[match.end():]
            self.problem(self.line_of(data, key, match[0]),
                         f"'{key}' in {where}: '{match[0]}' is not a placeholder; did you "
                         f"mean {{{match[1]}}}? (no spaces inside the braces)")
        for match in re.finditer(r"[{}]", blanked):
            at = match.start()  # quote the brace with the word it touches, to find its line
            snippet = ("{" + re.split(r"[\s{}]", value[at + 1:], maxsplit=1)[0]
                       if match[0] == "{" else value[:at + 1].split()[-1])
            self.problem(self.line_of(data, key, snippet),
                         f"'{key}' in {where}: '{snippet}' is not a placeholder; write one as "
                         "{name}, with both braces (e.g. {edition})")


def _html_problem(error: str, value: str) -> tuple[str, str]:
    """TDLib's complaint without its byte offset, and the text where the problem starts."""
    reason = error.removeprefix("Can't parse entities: ")
    offset = re.search(r" at byte offset (\d+)", reason)
    reason = re.sub(r" at byte offset \d+", "", reason)
    if offset:
        start = len(value.encode("utf-8")[:int(offset[1])].decode("utf-8", "ignore"))
    else:
        tag = re.search(r'start tag "([^"]+)"', reason)
        start = value.lower().rfind("<" + tag[1].lower()) if tag else -1
    if 'start tag ""' in reason:  # a "<" that opens no tag, such as "5 < 6"
        reason += "; write a plain <, > or & as &lt;, &gt; or &amp;"
    if start < 0:
        return reason, ""
    return reason, value[start:].split("\n", 1)[0][:40]


def _link_targets(html: str) -> list[str]:
    """The URLs that `<a href>` tags in valid Telegram HTML point to."""
    return [entity["type"]["url"] for entity in parse_html(html).entities
            if entity["type"].get("@type") == "textEntityTypeTextUrl"]


# A campaign whose placeholder values stand in for the file's own while a text is judged (its
# HTML and its length): the file's settings may themselves be wrong.
_SAMPLE = Campaign(name="Sample", edition=2027, start_date=dt.date(2027, 11, 1),
                   end_date=dt.date(2027, 11, 23), timezone="UTC", push_time=dt.time(9),
                   website="https://example.org/",
                   hashtag="#NoImpunity", organiser="IFEX", welcome="", faq=(), actions=(),
                   source=Path("actions.yaml"))


def _sample_text(value: str | int | dt.date) -> str:
    """A placeholder value as the checker measures it: dates in English, 1 November 2027."""
    if isinstance(value, dt.date):
        return format_date(value, "d MMMM y", locale="en")
    return str(value)


# Every placeholder name a text may use (the model's list), with its sample value.
_SAMPLE_VALUES = {name: _sample_text(value) for name, value in _SAMPLE.placeholders().items()}


def _fill_sample_placeholders(text: str) -> str:
    """Put sample values in the placeholders so the HTML and length can be judged."""
    for name, value in _SAMPLE_VALUES.items():
        text = text.replace("{" + name + "}", value)
    return text


def load_campaign(path: str | Path) -> Campaign:
    """Read and check a campaign file; raise CampaignError listing every problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CampaignError([f"{path}: cannot read the file: {error.strerror}"]) from None
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise CampaignError([f"{path}:{line}: not UTF-8 text (byte 0x{raw[error.start]:02x}); "
                             "save the file as UTF-8"]) from None
    return parse_campaign(source, path)


def read_yaml(source: str, path: Path | str) -> Any:
    """The file's YAML as `located_yaml` gives it; CampaignError naming the line if unreadable."""
    try:
        return located_yaml(source)
    except yaml.YAMLError as error:
        line, reason = yaml_problem(error, source)
        raise CampaignError([f"{path}:{line}: {reason}"]) from None
    except BadValue as error:
        raise CampaignError([f"{path}:{error.line}: {error}"]) from None


def parse_campaign(source: str, path: Path) -> Campaign:
    """Check a campaign's text as if read from `path`; raise CampaignError listing every problem.

    Problems name `path`, and images are looked for beside it.
    """
    data = read_yaml(source, path)
    checker = _Checker(source)
    campaign = _build(checker, data, path)
    if checker.problems or campaign is None:
        lines = sorted(checker.problems or [(1, "the file is empty")])
        raise CampaignError([f"{path}:{line}: {message}" for line, message in lines])
    return campaign


# PyYAML's complaints, in the words of someone editing the file (the first match wins).
_YAML_PROBLEMS = (
    ("found character '\\t'", "a tab character: indent with spaces only"),
    ("mapping values are not allowed", "a ': ' inside a value: put that text in quotes "
                                       "(\"...\"), or use a block (key: |) on its own lines"),
    ("found unexpected end of stream", "a quote or bracket opened here is never closed"),
    ("could not find expected ':'", "this line is neither 'key: value' nor a list item "
                                    "('- ...'): check its indentation and colon"),
    ("expected <block end>", "the indentation does not match the lines around it"),
    ("did not find expected key", "the indentation does not match the lines around it"),
    ("did not find expected '-' indicator", "a list item must start with '- ' at the same "
                                            "indentation as the items before it"),
    ("expected ',' or ']'", "a list in [brackets] opened here is not closed with ]"),
    ("expected ',' or '}'", "a mapping in {braces} opened here is not closed with }"),
    ("found undefined alias", "'*' starts a YAML alias: put text starting with * in quotes"),
    ("found character '@'", "a value cannot start with @ or `: put it in quotes"),
    ("found character '`'", "a value cannot start with @ or `: put it in quotes"),
)


_OPENED_EARLIER = ("found unexpected end of stream", "expected ',' or ']'", "expected ',' or '}'")


def yaml_problem(error: yaml.YAMLError, source: str) -> tuple[int, str]:
    """The line and a plain explanation of a YAML syntax error (PyYAML's words in brackets)."""
    problem = str(getattr(error, "problem", None) or error)
    context = str(getattr(error, "context", None) or "")
    mark = getattr(error, "problem_mark", None)
    words = f"{context} {problem}".strip()
    if mark is not None:
        # A quote left open swallows the next lines, and PyYAML complains further down.
        first = getattr(getattr(error, "context_mark", None), "line", mark.line)
        lines = source.split("\n")
        for number in range(first, min(mark.line + 1, len(lines))):
            line = lines[number].split(" #")[0]
            if line.count('"') % 2 and not line.lstrip().startswith("#"):
                return number + 1, ("YAML syntax error: a quote opened on this line is never "
                                    f"closed ({problem})")
    for pattern, plain in _YAML_PROBLEMS:
        if pattern in words:
            if pattern in _OPENED_EARLIER:  # PyYAML notices at the end: name where it opened
                mark = getattr(error, "context_mark", None) or mark
            return (mark.line + 1 if mark else 1), f"YAML syntax error: {plain} ({problem})"
    return (mark.line + 1 if mark else 1), f"YAML syntax error: {problem}"


def _zone_suggestions(zone: str) -> list[str]:
    """IANA names close to what was written: "Toronto" -> America/Toronto."""
    names = sorted(zoneinfo.available_timezones())
    wanted = zone.strip().replace(" ", "_").lower()
    same_city = [n for n in names if n.lower().rsplit("/", 1)[-1] == wanted]
    if same_city:
        return same_city[:3]
    cities = {n.lower().rsplit("/", 1)[-1]: n for n in names}
    close = difflib.get_close_matches(wanted, list(cities), n=3, cutoff=0.7)
    close_names = difflib.get_close_matches(zone, names, n=3, cutoff=0.8)
    return list(dict.fromkeys([cities[c] for c in close] + close_names))[:3]


def _build(checker: _Checker, data: Any, path: Path) -> Campaign | None:
    """The Campaign, or None when its settings are unusable (the problems say why)."""
    if data is None:
        checker.problem(1, "the file is empty: it needs the campaign, faq and actions sections")
        return None
    top = checker.fields(data, 1, "the campaign file", ("campaign", "faq", "actions"))
    if top is None:
        return None
    settings = _campaign_settings(checker, top.get("campaign"), top.key_lines.get("campaign", 1))
    faq = _faq(checker, top.get("faq"), top.key_lines.get("faq", 1))
    days = None if settings is None or settings["end_date"] is None else \
        days_from_to(settings["start_date"], settings["end_date"])
    actions = _actions(checker, top.get("actions"), top.key_lines.get("actions", 1),
                       path.parent, days)
    if settings is None:
        return None
    if settings["end_date"] is None:
        settings["end_date"] = _ending(checker, settings, actions,
                                       top.key_lines.get("campaign", 1))
    if "organiser" in checker.placeholders and not settings["organiser"]:
        checker.problem(checker.placeholders["organiser"], "{organiser} is used, but the "
                        "'campaign' section names no 'organiser'")
    _no_written_settings(checker, top, settings)
    return Campaign(faq=faq, actions=actions, source=path, **settings)


def _no_written_settings(checker: _Checker, top: LocatedMap, settings: dict[str, Any]) -> None:
    """Report texts that write the website or the organiser where a placeholder belongs.

    The website is always {website}. The organiser is {organiser} in bodies, letters, posts
    and safer ways (the supporter's voice); FAQ answers may name it where they tell history.
    """
    website, organiser = settings["website"], settings["organiser"]
    texts: list[tuple[LocatedMap, str, str]] = []  # (mapping, key, where)
    for entry in top.get("faq") or []:
        if isinstance(entry, LocatedMap):
            texts.append((entry, "answer", "a faq answer"))
    for item in top.get("actions") or []:
        if not isinstance(item, LocatedMap):
            continue
        texts += [(item, key, f"day {item.get('day')}") for key in ("body", "tweet", "safer")]
        letter = item.get("letter")
        if isinstance(letter, LocatedMap):
            texts.append((letter, "text", f"the letter of day {item.get('day')}"))
    for data, key, where in texts:
        value = data.get(key)
        if not isinstance(value, str):
            continue
        if website and website.rstrip("/") in value:
            checker.problem(checker.line_of(data, key, website.rstrip("/")),
                            f"the {key} of {where} writes the website: write {{website}}, "
                            "which the bot fills in")
        named = organiser and re.search(rf"(?<!\w){re.escape(organiser)}(?!\w)", value)
        if named and where != "a faq answer":
            checker.problem(checker.line_of(data, key, organiser),
                            f"the {key} of {where} names {organiser}: write {{organiser}}, "
                            "which the bot fills in")


def _campaign_settings(checker: _Checker, data: Any, line: int) -> dict[str, Any] | None:
    """The `campaign` section as Campaign's keyword arguments, or None if it has problems."""
    where = "campaign"
    section = checker.fields(data, line, where,
                             ("name", "edition", "start_date", "timezone", "push_time"),
                             ("end_date", "website", "hashtag", "organiser", "welcome"))
    if section is None:
        return None
    lines = section.key_lines
    edition = section.get("edition")
    if not isinstance(edition, int) or not 2000 <= edition <= 2100:
        checker.problem(lines.get("edition", section.line), "'edition' must be a year, e.g. 2027")
        edition = None
    start = _date(checker, section, "start_date")
    # without end_date, the campaign ends on its last action's day (`_ending`)
    end = _date(checker, section, "end_date") if "end_date" in section else None
    if start is not None and end is not None:
        if end < start:
            checker.problem(lines["end_date"], f"'end_date' ({end}) comes before 'start_date' "
                                               f"({start})")
            end = None
        elif edition is not None and (start.year != edition or end.year != edition):
            outside = "start_date" if start.year != edition else "end_date"
            checker.problem(lines[outside], f"the campaign ({start} to {end}) must fall within "
                                            f"the edition year {edition}")
            end = None
        elif days_from_to(start, end) > MAX_DAYS:
            checker.problem(lines["end_date"], f"the campaign ({start} to {end}) has "
                                               f"{days_from_to(start, end)} days; the most is "
                                               f"{MAX_DAYS}")
            end = None
    zone = section.get("timezone")
    try:
        zoneinfo.ZoneInfo(str(zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        nearest = _zone_suggestions(str(zone))
        hint = (f"did you mean {' or '.join(nearest)}?" if nearest
                else "use an IANA name such as Europe/Paris")
        checker.problem(lines.get("timezone", section.line),
                        f"unknown time zone '{zone}' ({hint})")
        zone = None
    push = section.get("push_time")
    match = TIME_RE.match(str(push)) if isinstance(push, str) else None
    if isinstance(push, int) and not isinstance(push, bool) and 0 <= push < 24 * 60:
        hours, minutes = divmod(push, 60)
        checker.problem(lines["push_time"],
                        f"'push_time: {hours}:{minutes:02d}' without quotes is a number to "
                        f"YAML ({push}, minutes in base 60); write it in quotes: "
                        f"push_time: \"{hours:02d}:{minutes:02d}\"")
    elif match is None:
        checker.problem(lines.get("push_time", section.line),
                        f"'push_time' must be a time written HH:MM in quotes "
                        f"(e.g. \"09:00\"), not {push!r}")
    website = section.get("website")
    if website is not None and not (isinstance(website, str) and URL_RE.match(website)):
        checker.problem(lines["website"], "'website' must be an https:// URL")
    hashtag = section.get("hashtag", "")
    if hashtag and not re.match(r"^#\w+$", str(hashtag)):
        checker.problem(lines["hashtag"], "'hashtag' must look like #Word")
    name = checker.text(section, "name", where, limit=TITLE_LIMIT)
    welcome = checker.text(section, "welcome", where, limit=SAFER_LIMIT, html=True,
                           required=False, filled=True)
    if (edition is None or start is None or ("end_date" in section and end is None)
            or zone is None or match is None or name is None):
        return None
    return {"name": name, "edition": edition, "start_date": start, "end_date": end,
            "timezone": zone,
            "push_time": dt.time(int(match[1]), int(match[2])),
            "website": section.get("website", ""), "hashtag": hashtag or "",
            "organiser": str(section.get("organiser", "")), "welcome": welcome or ""}


def _date(checker: _Checker, section: LocatedMap, key: str) -> dt.date | None:
    """A date setting of the `campaign` section, or None (and a problem) if it is none."""
    value = section.get(key)
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        checker.problem(section.key_lines.get(key, section.line),
                        f"'{key}' must be a date written YYYY-MM-DD")
        return None
    return value


def _faq(checker: _Checker, data: Any, line: int) -> tuple[FaqEntry, ...]:
    """The FAQ entries without problems; ids and commands must be unique and not the bot's."""
    if not isinstance(data, LocatedList) or not data:
        checker.problem(line, "'faq' must be a list of questions")
        return ()
    entries, seen_ids, seen_commands = [], set(), set()
    for item, item_line in zip(data, data.item_lines, strict=True):
        where = f"faq entry at line {item_line}"
        entry = checker.fields(item, item_line, where,
                               ("id", "command", "button", "question", "description", "answer"),
                               ("also",))
        if entry is None:
            continue
        lines = entry.key_lines
        faq_id, command = str(entry.get("id", "")), str(entry.get("command", ""))
        if not FAQ_ID_RE.match(faq_id):
            checker.problem(lines.get("id", item_line),
                            f"faq id '{faq_id}' must be 1-24 of a-z 0-9 _")
        elif faq_id in seen_ids:
            checker.problem(lines["id"], f"duplicate faq id '{faq_id}'")
        if not COMMAND_RE.match(command):
            checker.problem(lines.get("command", item_line),
                            f"command '{command}' must be 1-32 of a-z 0-9 _ (Telegram's rule)")
        elif command in seen_commands or command in RESERVED:
            checker.problem(lines["command"], f"command /{command} is already taken")
        seen_ids.add(faq_id)
        seen_commands.add(command)
        also = entry.get("also", [])
        if not isinstance(also, list) or not all(isinstance(a, str) and a for a in also):
            checker.problem(lines.get("also", item_line), "'also' must be a list of phrases")
            also = []
        button = checker.text(entry, "button", where, limit=LABEL_LIMIT)
        question = checker.text(entry, "question", where, limit=200)
        description = checker.text(entry, "description", where, limit=256)
        answer = checker.text(entry, "answer", where, limit=MESSAGE_LIMIT - 200, html=True,
                              filled=True)
        if (button is not None and question is not None and description is not None
                and answer is not None):
            entries.append(FaqEntry(id=faq_id, command=command, button=button,
                                    question=question, description=description,
                                    also=tuple(also), answer=answer))
    return tuple(entries)


def _actions(checker: _Checker, data: Any, line: int, folder: Path,
             days: int | None) -> tuple[Action, ...]:
    """The actions in day order; a day or an id twice, or a day missing, is a problem.

    `days` is the campaign's length, None when its dates have problems of their own.
    """
    if not isinstance(data, LocatedList):
        checker.problem(line, "'actions' must be a list of the campaign's daily actions")
        return ()
    actions: dict[int, Action] = {}
    seen_ids: set[str] = set()
    for item, item_line in zip(data, data.item_lines, strict=True):
        action = _action(checker, item, item_line, folder, days)
        if action is None:
            continue
        if action.day in actions:
            checker.problem(item_line, f"day {action.day} appears twice")
        if action.id in seen_ids:
            checker.problem(item_line, f"duplicate action id '{action.id}'")
        actions[action.day] = action
        seen_ids.add(action.id)
    missing = _missing_days(actions, days or 0)
    if missing and len(actions) == len(data):
        checker.problem(line, f"no action for day {missing} "
                              f"(the campaign has {days} days, from start_date to end_date)")
    return tuple(actions[d] for d in sorted(actions))


def _ending(checker: _Checker, settings: dict[str, Any], actions: tuple[Action, ...],
            line: int) -> dt.date:
    """The last day of a campaign without end_date: its last action's day, within its year.

    So a campaign moved by its start_date alone keeps its length.
    """
    last = max((action.day for action in actions), default=1)
    if missing := _missing_days({action.day for action in actions}, last):
        checker.problem(line, f"no action for day {missing} (the campaign has "
                              f"{last} days, one per day up to its last action's)")
    end = settings["start_date"] + dt.timedelta(days=last - 1)
    if end.year != settings["edition"]:
        checker.problem(line, f"the campaign ({settings['start_date']} to {end}, {last} days) "
                              f"must fall within the edition year {settings['edition']}")
    return end


def _missing_days(days: Collection[int], last: int) -> str:
    """The days from 1 to `last` without an action, as "3, 5"; empty when none is missing."""
    return ", ".join(str(day) for day in range(1, last + 1) if day not in days)


def _action(checker: _Checker, data: Any, line: int, folder: Path,
            days: int | None) -> Action | None:
    """One day's action, or None when a required part of it has problems."""
    where = f"action at line {line}"
    item = checker.fields(data, line, where, ("day", "id", "kind", "title", "body"),
                          ("links", "tweet", "letter", "image", "safer", "x_accounts"))
    if item is None:
        return None
    lines = item.key_lines
    day, action_id, kind = item.get("day"), str(item.get("id", "")), item.get("kind")
    last = days or MAX_DAYS
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= last:
        span = f"the campaign has {days} days" if days else f"at most {MAX_DAYS}"
        checker.problem(lines.get("day", line),
                        f"'day' must be a number from 1 to {last} ({span})")
        day = None
    id_ok = ID_RE.match(action_id) is not None
    if not id_ok:
        checker.problem(lines.get("id", line),
                        f"action id '{action_id}' must be 1-24 of a-z 0-9 - (starting a-z 0-9)")
    if kind not in ACTION_KINDS:
        checker.problem(lines.get("kind", line),
                        f"unknown kind '{kind}' (one of: {', '.join(ACTION_KINDS)})")
        kind = None
    title = checker.text(item, "title", where, limit=TITLE_LIMIT)
    body = checker.text(item, "body", where, limit=BODY_LIMIT, html=True, filled=True)
    tweet = checker.text(item, "tweet", where, limit=TWEET_LIMIT, required=False, filled=True)
    safer = checker.text(item, "safer", where, limit=SAFER_LIMIT, required=False, filled=True)
    links = _links(checker, item.get("links"), lines.get("links", line), where)
    letter = _letter(checker, item.get("letter"), lines.get("letter", line), where)
    if kind == "letter" and "letter" not in item:
        checker.problem(line, f"{where}: a letter action needs a 'letter' with to, send and text")
    image = _image(checker, item.get("image"), lines.get("image", line), folder)
    if kind in PUBLIC_KINDS and "safer" not in item:
        checker.problem(line, f"{where}: a {kind} day asks for something public, so it needs a "
                              "'safer' way for people for whom that is dangerous")
    x_accounts = _x_accounts(checker, item, tweet, where)
    if day is None or not id_ok or kind is None or title is None or body is None:
        return None
    return Action(day=day, id=action_id, kind=kind, title=title, body=body, links=links,
                  tweet=tweet, letter=letter, image=image, safer=safer, x_accounts=x_accounts)


def _x_accounts(checker: _Checker, item: LocatedMap, tweet: str | None, where: str) -> str:
    """The accounts added to the post on X only; a post itself names none.

    An @account is dead text on every other platform, and X is blocked in several countries.
    """
    for match in ACCOUNT_RE.finditer(tweet or ""):
        checker.problem(checker.line_of(item, "tweet", match[0]),
                        f"the post of {where} names {match[0]}, which works only on X: write "
                        "the name in words and put the account in 'x_accounts'")
    value = item.get("x_accounts")
    if value is None:
        return ""
    line = item.key_lines["x_accounts"]
    if not isinstance(value, str) or not X_ACCOUNTS_RE.match(value):
        checker.problem(line, f"'x_accounts' in {where} must be X accounts separated by spaces, "
                              "e.g. \"@UN @UNESCO\"")
        return ""
    if tweet is None:
        checker.problem(line, f"'x_accounts' in {where} needs a 'tweet' to add them to")
    return value


def _links(checker: _Checker, data: Any, line: int, where: str) -> tuple[Link, ...]:
    """An action's link buttons, each with a label and an https:// URL."""
    if data is None:
        return ()
    if not isinstance(data, LocatedList):
        checker.problem(line, f"'links' in {where} must be a list")
        return ()
    links = []
    for item, item_line in zip(data, data.item_lines, strict=True):
        link = checker.fields(item, item_line, f"link in {where}", ("label", "url"))
        if link is None:
            continue
        label = checker.text(link, "label", f"link in {where}", limit=LABEL_LIMIT)
        url = link.get("url")
        if not isinstance(url, str) or not URL_RE.match(url):
            checker.problem(link.key_lines.get("url", item_line),
                            f"'{url}' is not an https:// URL")
        elif label:
            links.append(Link(label=label, url=url))
    return tuple(links)


def _letter(checker: _Checker, data: Any, line: int, where: str) -> Letter | None:
    """An action's letter (to, send, text), or None if it has none or it has problems."""
    if data is None:
        return None
    letter = checker.fields(data, line, f"letter in {where}", ("to", "send", "text"))
    if letter is None:
        return None
    to = checker.text(letter, "to", f"letter in {where}", limit=200)
    send = checker.text(letter, "send", f"letter in {where}", limit=300)
    text = checker.text(letter, "text", f"letter in {where}", limit=LETTER_LIMIT, filled=True)
    if to is None or send is None or text is None:
        return None
    return Letter(to=to, send=send, text=text)


def _image(checker: _Checker, value: Any, line: int, folder: Path) -> Path | None:
    """An action's image beside the file: a PNG or JPEG that Telegram accepts as a photo."""
    if value is None:
        return None
    path = folder / str(value)
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        checker.problem(line, f"image '{value}' must be a PNG or JPEG file")
    elif not path.is_file():
        checker.problem(line, f"image '{value}' not found (looked for {path})")
    elif path.stat().st_size > IMAGE_MAX_BYTES:
        checker.problem(line, f"image '{value}' is over Telegram's 10 MB photo limit")
    else:
        return path
    return None
