"""PTB's requests to the Bot API over aiohttp, through PTB's own extension point.

python-telegram-bot sends through `telegram.request.BaseRequest`; its default, HTTPXRequest,
costs about 6 ms of CPU a message (most of it in httpx/httpcore's connection pool), which
caps a paid broadcast at a few hundred messages a second on one core. aiohttp's client
costs a fraction of that. Everything above the HTTP call (parameters, files, answers,
errors, the rate limiter) stays PTB's.
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import quote_plus

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# an error text may hold the URL, and the URL holds the token
_TOKEN_IN_URL = re.compile(r"bot\d+:[A-Za-z0-9_-]+")
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LONG = 200  # fields at least this long are encoded once per value (a broadcast's text)


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of `connection_pool_size` connections."""

    def __init__(self, connection_pool_size: int = 8, *, read_timeout: float = 5.0,
                 write_timeout: float = 5.0, connect_timeout: float = 5.0,
                 pool_timeout: float = 1.0, media_write_timeout: float = 20.0) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._encoded: dict[str, str] = {}

    @property
    def read_timeout(self) -> float | None:
        """The default read timeout: PTB adds a long poll's own timeout to it."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Open the session (again, after a shutdown: a bot may be initialised twice)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        """Close the session and its connections."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
            self, url: str, method: str, request_data: RequestData | None = None,
            read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
            write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
            connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
            pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        """One HTTP request: PTB's timeouts as aiohttp's, aiohttp's errors as PTB's.

        A form-encoded body for plain fields (cheaper than JSON for thousands of sends),
        multipart when there are files; the token never appears in an error's text.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout
        timeout = aiohttp.ClientTimeout(
            sock_connect=_given(connect_timeout, self._connect_timeout),
            # aiohttp waits for a free connection inside its connect phase
            connect=_sum(_given(pool_timeout, self._pool_timeout),
                         _given(connect_timeout, self._connect_timeout)),
            sock_read=_sum(_given(read_timeout, self._read_timeout), write_timeout))
        body: aiohttp.FormData | str | None = self._form(fields) if fields else None
        if files:
            body = aiohttp.FormData(fields or {})
            for name, (filename, content, mime) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime)
        try:
            async with self._session.request(method, url, data=body, timeout=timeout,
                                             headers=None if files else _FORM) as response:
                return response.status, await response.read()
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            text = _TOKEN_IN_URL.sub("bot<token>", str(error))
            raise NetworkError(f"aiohttp.{type(error).__name__}: {text}") from error


    def _form(self, fields: dict[str, str]) -> str:
        """The URL-encoded form.

        A long value (the same text to thousands of chats) is encoded once.
        """
        if len(self._encoded) > 256:
            self._encoded.clear()
        parts = []
        for name, value in fields.items():
            if len(value) < LONG:
                parts.append(f"{quote_plus(name)}={quote_plus(value)}")
                continue
            if value not in self._encoded:
                self._encoded[value] = quote_plus(value)
            parts.append(f"{quote_plus(name)}={self._encoded[value]}")
        return "&".join(parts)


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value


def _sum(first: float | None, second: float | None) -> float | None:
    """Two timeouts one after the other; None (no limit) if either has none."""
    return None if first is None or second is None else first + second
