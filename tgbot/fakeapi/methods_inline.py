"""Inline mode: answerInlineQuery, judged like Telegram judges it.

At most 50 results, each with a unique id of 1-64 bytes; an article needs a title and a
message that would pass sendMessage (Telegram's own HTML parser, 4096 characters after
parsing) and a valid inline keyboard. Result types the bot does not use are refused rather
than waved through.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request
from .formatting import check_reply_markup, format_text
from .state import State, handles

MAX_RESULTS = 50
MAX_RESULT_ID_BYTES = 64
MAX_OFFSET_BYTES = 64


@handles("answerInlineQuery")
def answer_inline_query(state: State, params: dict[str, Any]) -> bool:
    """Answer an inline query once, with Telegram's limits on the results."""
    query = state.inline_queries.get(params["inline_query_id"])
    if query is None or query.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    results = params["results"]
    if len(results) > MAX_RESULTS:
        raise bad_request("RESULTS_TOO_MUCH")
    if len(params.get("next_offset", "").encode("utf-8")) > MAX_OFFSET_BYTES:
        raise bad_request("NEXT_OFFSET_INVALID")
    if params.get("cache_time", 0) < 0:
        raise bad_request("cache_time must be non-negative")
    seen: set[str] = set()
    for result in results:
        _check_result(state, result, seen)
    query.answer = {k: v for k, v in params.items() if k != "inline_query_id"}
    return True


def _check_result(state: State, result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict):
        raise bad_request("can't parse InlineQueryResult: an Object expected")
    result_id = result.get("id")
    if not isinstance(result_id, str) or \
            not 1 <= len(result_id.encode("utf-8")) <= MAX_RESULT_ID_BYTES:
        raise bad_request("RESULT_ID_INVALID")
    if result_id in seen:
        raise bad_request("RESULT_ID_DUPLICATE")
    seen.add(result_id)
    kind = result.get("type")
    if kind != "article":
        raise bad_request(f"inline query result type {kind!r} is not implemented by the fake "
                          "Bot API")
    fields = {f["name"] for f in state.spec.types["InlineQueryResultArticle"]["fields"]}
    unknown = sorted(set(result) - fields)
    if unknown:
        raise bad_request(f"can't parse InlineQueryResultArticle: unknown field {unknown[0]}")
    title = result.get("title")
    if not isinstance(title, str) or not title.strip():
        raise bad_request("can't parse InlineQueryResultArticle: field \"title\" must be a "
                          "non-empty String")
    content = result.get("input_message_content")
    if not isinstance(content, dict) or "message_text" not in content:
        raise bad_request("can't parse InputMessageContent: an Object with message_text "
                          "expected (the fake implements text messages only)")
    format_text(content["message_text"], content.get("parse_mode"), content.get("entities"),
                caption=False, users=state.users)
    check_reply_markup(result.get("reply_markup"))
