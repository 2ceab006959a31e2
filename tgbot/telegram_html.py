"""Judge Telegram HTML exactly as Telegram does, with TDLib's own parser (the `tdjson` package).

The Bot API server parses `parse_mode=HTML` with TDLib; `tdjson` runs the same code offline,
so the campaign checker and the loopback Bot API reject precisely what Telegram would.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass

import tdjson

from tgbot.errors import HtmlError

_lock = threading.Lock()
_quiet = False


@dataclass(frozen=True)
class ParsedText:
    """The text a user sees (entities stripped) and its entities, as TDLib reports them."""

    text: str
    entities: list[dict]


def _execute(request: dict) -> dict:
    global _quiet
    with _lock:
        if not _quiet:
            tdjson.td_execute(json.dumps({"@type": "setLogVerbosityLevel",
                                          "new_verbosity_level": 0}).encode())
            _quiet = True
        answer = tdjson.td_execute(json.dumps(request).encode())
    return json.loads(answer) if answer else {}


def parse_html(text: str) -> ParsedText:
    """Parse `text` as Telegram HTML; raise HtmlError with Telegram's message if it is invalid."""
    answer = _execute({"@type": "parseTextEntities", "text": text,
                       "parse_mode": {"@type": "textParseModeHTML"}})
    if answer.get("@type") == "error":
        raise HtmlError(answer.get("message", "Can't parse entities"))
    return ParsedText(text=answer.get("text", ""), entities=answer.get("entities", []))

