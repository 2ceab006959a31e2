"""Error answers of the fake Bot API, shaped like the real server's JSON error envelope."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An answer `{"ok": false, ...}`; raised anywhere inside a method handler to end it."""

    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters

    def payload(self) -> dict[str, Any]:
        """The JSON body: `parameters` only when present, like the real server."""
        body: dict[str, Any] = {"ok": False, "error_code": self.code,
                                "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


class DropConnection(Exception):
    """Close the client socket without any HTTP answer (the fake is 'down')."""


def bad_request(text: str, parameters: dict[str, Any] | None = None) -> ApiError:
    """400 with the server's "Bad Request: " prefix."""
    return ApiError(400, "Bad Request: " + text, parameters)


def forbidden(text: str) -> ApiError:
    """403 with the server's "Forbidden: " prefix."""
    return ApiError(403, "Forbidden: " + text)


def lower_first(text: str) -> str:
    """The server lowercases the first letter of TDLib's messages (ALL_CAPS codes excepted)."""
    if not text or (text.isupper() and " " not in text):
        return text
    return text[0].lower() + text[1:]
