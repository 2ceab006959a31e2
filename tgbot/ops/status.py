"""The operators' port: /healthz, /readyz and /metrics, beside the bot in both modes.

Tornado serves it (python-telegram-bot's webhook server is Tornado already) on the bot's own
event loop, so /healthz answering proves that loop is turning. Off unless TGBOT_STATUS_PORT
(or --status-port) is set; 127.0.0.1 unless --status-listen says otherwise. It holds its
clients to the webhook's limits (ops/webhook.py), with room for a request and no body.
"""

from __future__ import annotations

import asyncio
import logging

from tornado.web import Application, RequestHandler

from tgbot.errors import ConfigError
from tgbot.ops import metrics
from tgbot.ops.webhook import Limits, NotFound, QuietHandler, http_server
from tgbot.storage.store import Store

log = logging.getLogger(__name__)

PING_TIMEOUT = 3.0  # seconds a readiness check waits for the database
LIMITS = Limits(max_body=4096)  # GET requests only: no body worth the name


async def not_ready(store: Store) -> str | None:
    """Why this instance cannot serve now (one line), or None when it can.

    The status port opens after the services and closes before them, so only a database
    that went away, or one that takes no more writes (a full disk), can make it not ready.
    The last write tells: every instance writes its heartbeat at each beat.
    """
    try:
        await asyncio.wait_for(store.ping(), PING_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - any driver's failure is "unreachable"
        return f"database unreachable: {type(error).__name__}"
    return store.write_problem


class _Health(QuietHandler):
    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.write("ok\n")


class _Ready(QuietHandler):
    def initialize(self, store: Store) -> None:
        self.store = store

    async def get(self) -> None:
        reason = await not_ready(self.store)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        if reason is not None:
            self.set_status(503)
        self.write(f"{reason or 'ready'}\n")


class _Metrics(QuietHandler):
    def initialize(self, store: Store) -> None:
        self.store = store

    async def get(self) -> None:
        try:
            body = await metrics.exposition(self.store.outbox_depth)
        except Exception as error:  # noqa: BLE001 - the database is down: say so, no traceback
            self.set_status(503)
            self.write(f"database unreachable: {type(error).__name__}\n")
            return
        self.set_header("Content-Type", metrics.CONTENT_TYPE)
        self.write(body)


class StatusServer:
    """/healthz, /readyz and /metrics, for a load balancer and Prometheus.

    Started in post_init, stopped with the services.
    """

    def __init__(self, store: Store, listen: str, port: int,
                 limits: Limits = LIMITS) -> None:
        self.address, self.port = listen, port
        self._server = http_server(Application(
            [("/healthz", _Health), ("/readyz", _Ready, {"store": store}),
             ("/metrics", _Metrics, {"store": store})],
            default_handler_class=NotFound, log_function=_quiet), limits)

    def start(self) -> None:
        """Listen now: a port taken by something else is a setting to fix, not a crash."""
        try:
            self._server.listen(self.port, self.address)
        except OSError as error:
            raise ConfigError(f"cannot serve the status port on {self.address}:{self.port}: "
                              f"{error.strerror} (TGBOT_STATUS_PORT, --status-listen)") from None
        log.info("status port: http://%s:%d/ (healthz, readyz, metrics)", self.address,
                 self.port)

    async def stop(self) -> None:
        """Stop listening and close the connections of scrapers still attached."""
        self._server.stop()
        await self._server.close_all_connections()


def _quiet(handler: RequestHandler) -> None:
    """Tornado logs every request; a scrape every few seconds is not news, errors are."""
    if handler.get_status() >= 500 and handler.request.path != "/readyz":
        log.warning("%s %s: %d", handler.request.method, handler.request.path,
                    handler.get_status())
