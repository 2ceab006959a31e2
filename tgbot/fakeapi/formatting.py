"""Checks on what the bot sends: texts/captions (via TDLib's HTML parser), keyboards, commands.

parse_mode=HTML is judged by TDLib itself (tgbot.telegram_html). MarkdownV2 and Markdown are
accepted but the text is kept as plain text (no entities): the bot only uses HTML.
Whitespace is not trimmed from stored texts, unlike Telegram (a whitespace-only text is still
refused with "text must be non-empty").
"""

from __future__ import annotations

import re
from typing import Any

from ..telegram_html import HtmlError, parse_html
from .errors import bad_request, lower_first

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_RAW_BYTES = 32768
MAX_BUTTONS = 100
MAX_ROW = 8
MAX_CALLBACK_BYTES = 64
NOT_ACTIONS = frozenset({"text", "icon_custom_emoji_id", "style"})
_URL_BUTTON = re.compile(r"(?i)(https?://|tg://)\S+\Z")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}\Z")
_LANGUAGE = re.compile(r"([a-z]{2})?\Z")

_SIMPLE_ENTITIES = {
    "textEntityTypeMention": "mention", "textEntityTypeHashtag": "hashtag",
    "textEntityTypeCashtag": "cashtag", "textEntityTypeBotCommand": "bot_command",
    "textEntityTypeUrl": "url", "textEntityTypeEmailAddress": "email",
    "textEntityTypePhoneNumber": "phone_number", "textEntityTypeBold": "bold",
    "textEntityTypeItalic": "italic", "textEntityTypeUnderline": "underline",
    "textEntityTypeStrikethrough": "strikethrough", "textEntityTypeSpoiler": "spoiler",
    "textEntityTypeCode": "code", "textEntityTypePre": "pre",
    "textEntityTypeBlockQuote": "blockquote",
    "textEntityTypeExpandableBlockQuote": "expandable_blockquote",
}


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of MessageEntity offsets."""
    return len(text.encode("utf-16-le")) // 2


def convert_entities(tdlib_entities: list[dict[str, Any]],
                     users: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """TDLib textEntity objects -> Bot API MessageEntity dicts (offsets are UTF-16 already)."""
    result: list[dict[str, Any]] = []
    for entity in tdlib_entities:
        kind = entity["type"]
        tag = kind.get("@type")
        out: dict[str, Any] = {"offset": entity["offset"], "length": entity["length"]}
        if tag in _SIMPLE_ENTITIES:
            out["type"] = _SIMPLE_ENTITIES[tag]
        elif tag == "textEntityTypePreCode":
            out.update(type="pre", language=kind.get("language", ""))
        elif tag == "textEntityTypeTextUrl":
            out.update(type="text_link", url=kind.get("url", ""))
        elif tag == "textEntityTypeMentionName":
            user_id = int(kind.get("user_id", 0))
            user = users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": "User"}
            out.update(type="text_mention", user=user)
        elif tag == "textEntityTypeCustomEmoji":
            out.update(type="custom_emoji", custom_emoji_id=str(kind.get("custom_emoji_id")))
        elif tag == "textEntityTypeDateTime":
            out.update(type="date_time", unix_time=kind.get("unix_time", 0))
        else:
            continue  # media timestamps, bank cards: not Bot API entities
        result.append({"type": out.pop("type"), **out})
    return result


def format_text(text: str | None, parse_mode: str | None, entities: list[Any] | None, *,
                caption: bool, users: dict[int, dict[str, Any]]) -> tuple[str, list[Any]]:
    """Validate a message text or caption; return (visible text, MessageEntity list).

    Raises the server's exact 400 answers: "message text is empty", "text is too long",
    "unsupported parse_mode", "can't parse entities: ...", "text must be non-empty",
    "message is too long", "message caption is too long".
    """
    if not text:
        if caption:
            return "", []
        raise bad_request("message text is empty")
    if len(text.encode("utf-8")) > MAX_RAW_BYTES:
        raise bad_request("text is too long")
    mode = (parse_mode or "").lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlError as exc:
            raise bad_request(lower_first(str(exc))) from None
        visible, found = parsed.text, convert_entities(parsed.entities, users)
    elif mode in ("markdownv2", "markdown"):
        visible, found = text, []  # documented simplification: kept as plain text
    elif mode in ("", "none"):
        visible, found = text, list(entities or [])
    else:
        raise bad_request("unsupported parse_mode")
    if not visible.strip():
        if caption:
            return "", []
        raise bad_request("text must be non-empty")
    if caption and len(visible) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not caption and len(visible) > MAX_TEXT:
        raise bad_request("message is too long")
    return visible, found


def check_reply_markup(markup: dict[str, Any] | None) -> None:
    """Inline keyboards as Telegram judges them; other markups only need the right shape."""
    if markup is None:
        return
    if "inline_keyboard" not in markup:
        if not {"keyboard", "remove_keyboard", "force_reply"} & set(markup):
            raise bad_request("can't parse reply keyboard markup JSON object")
        return
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an "
                          "Array of Arrays")
    if sum(len(row) for row in rows) > MAX_BUTTONS or any(len(row) > MAX_ROW for row in rows):
        raise bad_request("reply markup is too long")
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    actions = [key for key in button if key not in NOT_ACTIONS]
    if not actions:
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:  # the real server silently uses the first one it knows
        raise bad_request("can't parse inline keyboard button: exactly one of the optional "
                          "fields must be used, found " + ", ".join(sorted(actions)))
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_BYTES:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not (isinstance(button["url"], str)
                                and _URL_BUTTON.match(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def check_language_code(code: str | None) -> str:
    """Empty, or exactly two lowercase letters (td misc.cpp validate_bot_language_code)."""
    code = code or ""
    if not _LANGUAGE.match(code):
        raise bad_request("invalid language code specified")
    return code


def check_commands(commands: list[Any]) -> list[dict[str, str]]:
    """SetMyCommands' list: 1-32 chars of [a-z0-9_], descriptions 1-256 chars, at most 100."""
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    result = []
    for item in commands:
        if not isinstance(item, dict) or not isinstance(item.get("command"), str) \
                or not isinstance(item.get("description"), str):
            raise bad_request("can't parse BotCommand: command and description must be Strings")
        command = item["command"].strip()
        command = command[1:] if command.startswith("/") else command
        if not _COMMAND.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        description = item["description"].strip()
        if not description:
            raise bad_request("command description must be non-empty")
        if len(description) > 256:
            raise bad_request("command description length must not exceed 256")
        result.append({"command": command, "description": description})
    return result
