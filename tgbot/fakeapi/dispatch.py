"""Turn one HTTP request into the Bot API answer: routing, validation, handler, recording."""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from typing import Any
from urllib.parse import unquote

from . import methods_bot, methods_inline, methods_messages  # noqa: F401  (registers the handlers)
from .errors import ApiError, DropConnection, bad_request
from .recording import Call
from .spec import decode_params, load_spec
from .state import HANDLERS, State
from .transport import parse_fields

log = logging.getLogger("tgbot.fakeapi")

PATH = re.compile(r"/bot([^/]*)/([^/]*)")
TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,100}")


def answer(state: State, token: str, verb: str, target: str, headers: dict[str, str],
           body: bytes) -> tuple[int, bytes]:
    """Answer one HTTP request: (status, JSON body). Runs in the connection's thread.

    Order of checks: path and token (404/401), method name (404), injected failures,
    parameters against the spec (400), then the method handler under the state lock.
    Every answered request is recorded; one cut off by go_down() (DropConnection) is not.
    """
    at = time.monotonic()
    if state.down or state.stopping:
        raise DropConnection
    path, _, query = target.partition("?")
    match = PATH.fullmatch(unquote(path))
    method = match.group(2) if match else ""
    params: dict[str, Any] = {}
    result: Any = None
    try:
        if match is None or not TOKEN.fullmatch(match.group(1)):
            raise ApiError(404, "Not Found")
        if match.group(1) != token:
            raise ApiError(401, "Unauthorized")
        spec = load_spec().method(method)
        if spec is None:
            raise ApiError(404, "Not Found: method not found")
        method = spec.name
        fields, uploads = parse_fields(query, headers.get("content-type"), body)
        params = fields
        with state.lock:
            failure = _injected_failure(state, method, fields.get("chat_id"))
        if failure is not None:
            raise failure
        params = decode_params(spec, fields, uploads)
        handler = HANDLERS.get(method)
        if handler is None:  # refused rather than a success Telegram might not give
            raise bad_request(f"method {method} is not implemented by the fake Bot API")
        with state.lock:
            result = handler(state, params)
        error = None
    except ApiError as exc:
        error = exc
    except DropConnection:
        log.debug("%s: connection dropped (fake is down)", method)
        raise
    except Exception as exc:  # a bug in the fake: answer 500 rather than hang the bot
        log.debug("%s: internal error", method, exc_info=True)
        error = ApiError(500, f"Internal Server Error: {type(exc).__name__}: {exc}")
    if error is None:
        envelope: dict[str, Any] = {"ok": True, "result": result}
        call = Call(method, params, True, result, None, None, at)
    else:
        envelope = error.payload()
        call = Call(method, params, False, None, error.code, error.description, at)
    payload = json.dumps(envelope, ensure_ascii=False).encode("utf-8")
    state.recorder.record(call)
    log.debug("%s -> %s", method or "(bad path)", 200 if error is None else error.code)
    return (200 if error is None else error.code), payload


def _injected_failure(state: State, method: str, chat_id: object) -> ApiError | None:
    """The first failure fail_next queued for this call, taken off its queue, or None.

    A failure matches by method, and by chat when fail_next named one.
    """
    failures = state.failures.get(method.lower(), deque())
    for queued in failures:
        chat, error = queued
        if chat is None or chat == str(chat_id):
            failures.remove(queued)
            return error
    return None
