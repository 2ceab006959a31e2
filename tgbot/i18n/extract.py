"""A Babel extractor for the campaign file, so translators get its texts in standard `.po` files.

Registered as the `tgbot_campaign` extraction method (see pyproject.toml and babel.cfg).
Each message carries its real line number and a comment saying where it is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from tgbot.domain.campaign_file import LocatedMap, read_yaml
from tgbot.errors import CampaignError

# What is translatable, per section: the keys whose values reach users.
FAQ_TEXTS = ("button", "question", "description", "also", "answer")
ACTION_TEXTS = ("title", "body", "tweet", "safer")
LETTER_TEXTS = ("to", "send", "text")


def extract_campaign(fileobj: IO[bytes], keywords: Any, comment_tags: Any,
                     options: dict[str, Any]) -> Iterator[tuple[int, str, str, list[str]]]:
    """Yield (line, funcname, message, comments) for every user-visible text of the campaign.

    A file YAML cannot read stops the extraction with its line and problem, not a traceback.
    """
    try:
        data = read_yaml(fileobj.read().decode("utf-8"), getattr(fileobj, "name", "campaign"))
    except CampaignError as error:
        raise SystemExit(f"{error} (fix it, then extract again; `tgbot check` checks the "
                         "file)") from None
    if data is None:  # an empty file has nothing to translate
        return
    campaign = data.get("campaign")
    if isinstance(campaign, LocatedMap) and isinstance(campaign.get("name"), str):
        yield campaign.key_lines["name"], "gettext", campaign["name"], ["campaign name"]
    if isinstance(campaign, LocatedMap) and isinstance(campaign.get("welcome"), str):
        yield (campaign.key_lines["welcome"], "gettext", campaign["welcome"].strip(),
               ["campaign: welcome, the first paragraph of /start (Telegram HTML)"])
    for entry in data.get("faq") or []:
        where = f"faq /{entry.get('command', '?')}"
        yield from _texts(entry, FAQ_TEXTS, where)
    for action in data.get("actions") or []:
        where = f"day {action.get('day', '?')} ({action.get('kind', '?')})"
        yield from _texts(action, ACTION_TEXTS, where)
        for link, line in zip(action.get("links") or [], getattr(action.get("links"),
                                                                  "item_lines", []),
                              strict=False):
            if isinstance(link, dict) and isinstance(link.get("label"), str):
                yield line, "gettext", link["label"].strip(), [f"{where}: link label"]
        letter = action.get("letter")
        if isinstance(letter, dict):
            yield from _texts(letter, LETTER_TEXTS, f"{where}: letter")


def _texts(mapping: Any, keys: tuple[str, ...], where: str) -> \
        Iterator[tuple[int, str, str, list[str]]]:
    """The translatable `keys` of one FAQ entry, action or letter, each with its line."""
    if not isinstance(mapping, LocatedMap):
        return
    for key in (k for k in keys if k in mapping):
        value = mapping[key]
        values = value if isinstance(value, list) else [value]
        lines = getattr(value, "item_lines", None) or [mapping.key_lines[key]] * len(values)
        for text, line in zip(values, lines, strict=False):
            if isinstance(text, str) and text.strip():
                comment = f"{where}: {key}" + (" (Telegram HTML)" if key in ("body", "answer")
                                               else "")
                yield line, "gettext", text.strip(), [comment]
