"""The webhook's HTTP server: Telegram posts updates here; strangers get little and wait little.

python-telegram-bot's own webhook server (`Updater.start_webhook`) runs Tornado with its
defaults: any stranger may send 100 MB, which is read into memory before the secret is
checked, and keep a connection open for an hour. This one is python-telegram-bot's documented
alternative, a custom server that puts each update on `Application.update_queue`, with:

- the secret (compared in constant time) and the Content-Type checked from the headers,
  before a byte of the body is read; a refusal is one plain 403 that says nothing more;
- a body of at most `Limits.max_body` bytes (Telegram's updates are a few kB), refused with
  413 when its Content-Length says so and cut off when it grows past it;
- `Limits.idle_timeout` seconds for a connection that sends nothing (also one that never
  finishes its headers) and `Limits.body_timeout` for a body still arriving;
- nothing of an update in the log, at any level: only why one was refused.

The status port (`status.py`) is served with the same limits.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus

from telegram import Bot, Update
from telegram.ext import ExtBot
from tornado.httpserver import HTTPServer
from tornado.web import Application, HTTPError, RequestHandler, stream_request_body

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@dataclass(frozen=True)
class Limits:
    """What one HTTP client may cost the bot: body bytes, and seconds of an open connection."""

    max_body: int = 1 << 20  # 1 MiB: Telegram's largest updates are a few kB
    idle_timeout: float = 30.0  # no request (or unfinished headers) for this long: closed
    body_timeout: float = 10.0  # a body still arriving after this long: closed


def http_server(application: Application, limits: Limits) -> HTTPServer:
    """A Tornado server for `application` that holds every client to `limits`."""
    return HTTPServer(application, max_body_size=limits.max_body,
                      max_buffer_size=limits.max_body, idle_connection_timeout=limits.idle_timeout,
                      body_timeout=limits.body_timeout)


class QuietHandler(RequestHandler):
    """A handler whose answers do not name the server, and whose errors are one plain line."""

    def set_default_headers(self) -> None:
        """No `Server: TornadoServer/x.y` header: nothing for a scanner to match."""
        self.clear_header("Server")

    def write_error(self, status_code: int, **kwargs: object) -> None:
        """The status and its standard phrase, never the reason the code raised.

        A refusal leaves the body unread, so Tornado closes the connection after it; the
        client is told, or one that keeps connections alive would send its next request
        into a closed one.
        """
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Connection", "close")
        self.finish(f"{status_code} {HTTPStatus(status_code).phrase}\n")


class NotFound(QuietHandler):
    """Any path the server does not serve: a plain 404."""

    def prepare(self) -> None:
        """Refuse before reading anything."""
        raise HTTPError(HTTPStatus.NOT_FOUND)


@stream_request_body
class _UpdateHandler(QuietHandler):
    """POST /<path>: one update from Telegram, checked before its body is read."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, queue: asyncio.Queue[object], secret: str,
                   max_body: int) -> None:
        self.bot, self.queue, self.secret, self.max_body = bot, queue, secret, max_body
        self.body = bytearray()

    def prepare(self) -> None:
        """Refuse from the headers alone: the wrong secret or type, or a body too large."""
        given = self.request.headers.get(SECRET_HEADER, "")
        media_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if not hmac.compare_digest(given.encode(), self.secret.encode()) \
                or media_type != "application/json":
            raise HTTPError(HTTPStatus.FORBIDDEN)
        length = self.request.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > self.max_body:
            raise HTTPError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        """Keep the body as it arrives (the server cuts it off past `max_body`)."""
        self.body += chunk

    async def post(self) -> None:
        """Queue the update; a body that is no update is refused, and only its kind logged."""
        try:
            data = json.loads(self.body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an object with an integer update_id")
            update = Update.de_json(data, self.bot)
        except Exception as error:  # noqa: BLE001 - anything unreadable is the sender's fault
            log.warning("webhook: refused a body that is no update (%s)", type(error).__name__)
            raise HTTPError(HTTPStatus.BAD_REQUEST) from None
        if isinstance(self.bot, ExtBot):  # as python-telegram-bot's own server does
            self.bot.insert_callback_data(update)
        await self.queue.put(update)


class WebhookServer:
    """Serves `path` on `listen`:`port` for Telegram, feeding the application's update queue."""

    def __init__(self, bot: Bot, queue: asyncio.Queue[object], *, path: str, secret: str,
                 limits: Limits) -> None:
        routes = [(f"/{path.strip('/')}/?", _UpdateHandler,
                   {"bot": bot, "queue": queue, "secret": secret, "max_body": limits.max_body})]
        self._server = http_server(Application(routes, default_handler_class=NotFound,
                                               log_function=_quiet), limits)

    def start(self, listen: str, port: int) -> None:
        """Listen now, before the webhook is set, so Telegram's first post finds the bot."""
        self._server.listen(port, listen)

    async def stop(self) -> None:
        """Stop listening and close the connections still open."""
        self._server.stop()
        await self._server.close_all_connections()


def _quiet(handler: RequestHandler) -> None:
    """Tornado logs every request by default; here, only a server error is news."""
    if handler.get_status() >= 500:
        log.warning("webhook: %s answered %d", handler.request.method, handler.get_status())
