"""The Bot API method table (api.min.json, loaded once): method lookup and parameter decoding.

Decoding is strict on purpose.  Telegram silently ignores parameters a method does not have
and coerces garbage to zero; this fake answers `400 "Bad Request: unknown parameter <name>"`
and `400 "Bad Request: parameter "<name>" must be <Type>"` instead, so that a typo in the bot
(or a parameter python-telegram-bot renamed) fails the tests rather than passing unnoticed.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import ApiError, bad_request
from .transport import Upload

_INTEGER = re.compile(r"[+-]?\d+\Z")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
# The server's own words for a JSON field it cannot parse, and for one that is not an object
# (Client.cpp `get_reply_markup`); other fields get "can't parse <name> JSON object".
_JSON_ERRORS = {"reply_markup": ("can't parse reply keyboard markup JSON object",
                                 "object expected as reply markup")}
# Parameters whose absence the method handler reports with a more specific message.
_HANDLER_CHECKS_PRESENCE = {("sendMessage", "text"), ("setWebhook", "url")}


@dataclass(frozen=True)
class Param:
    """One parameter of a method: its allowed types ("any of") and whether it is required."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    """A method under its canonical (documented) spelling."""

    name: str
    params: dict[str, Param]


class Spec:
    """api.min.json indexed for O(1) lookups per request."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data.get("version", "")
        self.types: dict[str, Any] = data["types"]
        self._methods: dict[str, MethodSpec] = {}
        for name, method in data["methods"].items():
            params = {f["name"]: Param(f["name"], tuple(f["types"]), bool(f["required"]))
                      for f in method.get("fields", [])}
            self._methods[name.lower()] = MethodSpec(name, params)
        self.update_types: tuple[str, ...] = tuple(
            f["name"] for f in self.types["Update"]["fields"] if f["name"] != "update_id")

    def method(self, name: str) -> MethodSpec | None:
        """Look a method up case-insensitively, as the server does."""
        return self._methods.get(name.lower())

    def skeleton(self, type_name: str, **values: Any) -> dict[str, Any]:
        """An object of `type_name` with every required field filled with a neutral value.

        Used for objects with many required flags (ChatMemberAdministrator, ChatFullInfo) so
        python-telegram-bot can build them, whatever fields a newer Bot API version adds.
        """
        obj: dict[str, Any] = {}
        for field in self.types[type_name].get("fields", []):
            name = field["name"]
            if name in values:
                obj[name] = values[name]
            elif field["required"]:
                obj[name] = self._neutral(field["types"][0])
        obj.update({k: v for k, v in values.items() if k not in obj})
        return obj

    def _neutral(self, kind: str) -> Any:
        if kind == "Boolean":
            return False
        if kind in ("Integer", "Float"):
            return 0
        if kind == "String":
            return ""
        if kind.startswith("Array of"):
            return []
        if kind in self.types and "fields" in self.types[kind]:
            return self.skeleton(kind)
        return None


@functools.cache
def load_spec() -> Spec:
    """Parse the packaged api.min.json once per process."""
    text = importlib.resources.files(__package__).joinpath("api.min.json").read_text("utf-8")
    return Spec(json.loads(text))


# Parameters python-telegram-bot's `Defaults` send to methods that do not take them (e.g.
# parse_mode on editMessageReplyMarkup). Telegram ignores them, so the fake does too; any
# other unknown parameter is still refused.
PTB_DEFAULTS = frozenset({"parse_mode", "link_preview_options", "disable_notification",
                          "protect_content", "allow_sending_without_reply"})


def decode_params(method: MethodSpec, raw: dict[str, Any],
                  uploads: dict[str, Upload]) -> dict[str, Any]:
    """Turn request fields (form strings or JSON values) into typed Python values.

    Raises ApiError for a missing required parameter, an unknown parameter or a value that
    does not fit the documented type.  Empty strings count as absent, like the server does.
    """
    merged: dict[str, Any] = {k: v for k, v in raw.items() if v != ""}
    for name, upload in uploads.items():
        if name in method.params and name not in merged:
            merged[name] = upload
    if "chat_id" in method.params and method.params["chat_id"].required \
            and "chat_id" not in merged:
        raise bad_request("chat_id is empty")
    for expected in method.params.values():
        if expected.required and expected.name not in merged \
                and (method.name, expected.name) not in _HANDLER_CHECKS_PRESENCE:
            raise bad_request(f'parameter "{expected.name}" is required')
    out: dict[str, Any] = {}
    for name, value in merged.items():
        param = method.params.get(name)
        if param is None and name in PTB_DEFAULTS:
            continue  # python-telegram-bot's Defaults add these to every call; Telegram ignores
        if param is None:
            raise bad_request(f"unknown parameter {name}")
        out[name] = _decode(param, value, uploads)
    return out


def _decode(param: Param, value: Any, uploads: dict[str, Upload]) -> Any:
    """Decode one value according to the parameter's allowed types."""
    types = param.types
    if isinstance(value, Upload):
        if "InputFile" in types:
            return value
        raise _type_error(param)
    if "InputFile" in types:
        if isinstance(value, str) and value.startswith("attach://"):
            try:
                return uploads[value[len("attach://"):]]
            except KeyError:
                raise bad_request(f"file {value} not found") from None
        if "String" in types and isinstance(value, str):
            return value
        raise _type_error(param)
    if types == ("Integer", "String"):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return int(value) if _INTEGER.match(value) else value
        raise _type_error(param)
    if len(types) == 1 and types[0] in ("Integer", "Float", "Boolean", "String"):
        return _decode_simple(param, types[0], value)
    return _decode_json(param, value)


def _decode_simple(param: Param, kind: str, value: Any) -> Any:
    """Integer / Float / Boolean / String, from a form string or a JSON scalar."""
    if kind == "String":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)
    if kind == "Integer":
        if isinstance(value, bool):
            raise _type_error(param)
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and _INTEGER.match(value):
            return int(value)
        raise _type_error(param)
    if kind == "Float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise _type_error(param) from None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise _type_error(param)


def _decode_json(param: Param, value: Any) -> Any:
    """Objects and arrays; python-telegram-bot JSON-encodes them inside form fields."""
    default = f"can't parse {param.name} JSON object"
    unparsable, not_object = _JSON_ERRORS.get(param.name, (default, default))
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise bad_request(unparsable) from None
    wants_array = all(t.startswith("Array of") for t in param.types)
    if wants_array and not isinstance(value, list):
        raise bad_request(f'parameter "{param.name}" must be an Array')
    if not wants_array and not isinstance(value, dict):
        raise bad_request(not_object)
    return value


def _type_error(param: Param) -> ApiError:
    kinds = " or ".join(param.types)
    return bad_request(f'parameter "{param.name}" must be of type {kinds}')
