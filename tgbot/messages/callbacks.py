"""The callback data carried by the bot's buttons: build it, and parse it without trusting it.

Telegram returns whatever bytes a client sends, so a press may carry stale data from an old
edition, or forged data. `parse` accepts only the shapes built here and returns None for
anything else; the handlers then answer politely and change nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BYTES = 64  # Telegram's limit for callback_data
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"  # a time of day, HH:MM: "99:99" is no time

_SHAPES: dict[str, re.Pattern[str]] = {
    "menu": re.compile(r""),
    "faq": re.compile(r"(?P<arg>[a-z0-9_]{0,24})"),
    "today": re.compile(r""),
    "actions": re.compile(r""),
    "act": re.compile(r"(?P<edition>\d{4}):(?P<arg>\d{1,2})"),
    "done": re.compile(r"(?P<edition>\d{4}):(?P<arg>[a-z0-9-]{1,24})"),
    "undo": re.compile(r"(?P<edition>\d{4}):(?P<arg>[a-z0-9-]{1,24})"),
    "letter": re.compile(r"(?P<edition>\d{4}):(?P<arg>[a-z0-9-]{1,24})"),
    "post": re.compile(r"(?P<edition>\d{4}):(?P<arg>[a-z0-9-]{1,24})"),
    "sub": re.compile(r""),
    "unsub": re.compile(r""),
    "languages": re.compile(r""),
    "lang": re.compile(r"(?P<arg>[a-z]{2,3}(?:_[A-Za-z0-9]{2,8}){0,2})"),  # fr, pt_BR, sr_Latn
    "settings": re.compile(r""),
    "time": re.compile(rf"(?P<arg>{_CLOCK})"),
    "region": re.compile(r"(?P<arg>\d{1,2})"),
    "tz": re.compile(r"(?P<arg>\d{1,3})"),
    "remind": re.compile(rf"(?P<arg>{_CLOCK}|off)"),
    "progress": re.compile(r""),
    "forget": re.compile(r""),
    "annsend": re.compile(r"(?P<arg>\d{1,9})"),
    "anncancel": re.compile(r"(?P<arg>\d{1,9})"),
}


@dataclass(frozen=True)
class Callback:
    """A parsed button press: what to do, for which edition, about what."""

    verb: str
    arg: str = ""
    edition: int | None = None


def build(verb: str, arg: str | int = "", edition: int | None = None) -> str:
    """The callback_data for a button; raises if it would not parse back (a bug, not input)."""
    parts = [verb] + ([str(edition)] if edition is not None else []) + ([str(arg)] if arg != ""
                                                                        else [])
    data = ":".join(parts)
    if parse(data) != Callback(verb, str(arg), edition):
        raise ValueError(f"callback data {data!r} does not round-trip")
    return data


def parse(data: str | None) -> Callback | None:
    """The Callback for `data`, or None when it is not one the bot makes."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    verb, _, rest = data.partition(":")
    shape = _SHAPES.get(verb)
    if shape is None:
        return None
    match = shape.fullmatch(rest)
    if match is None:
        return None
    groups = match.groupdict()
    edition = groups.get("edition")
    return Callback(verb, groups.get("arg") or "", int(edition) if edition else None)
