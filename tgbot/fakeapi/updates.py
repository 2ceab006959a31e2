"""getUpdates with the server's semantics (offsets, long poll, 409s), and webhooks."""

from __future__ import annotations

import http.client
import json
import logging
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ApiError, DropConnection
from .transport import CLIENT_GONE

if TYPE_CHECKING:
    from .state import State

log = logging.getLogger("tgbot.fakeapi")

CONFLICT_OTHER_POLL = ("Conflict: terminated by other getUpdates request; "
                       "make sure that only one bot instance is running")
CONFLICT_WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; "
                           "use deleteWebhook to delete the webhook first")
CONFLICT_SET_WEBHOOK = "Conflict: terminated by setWebhook request"
LONG_POLL_MAX = 50
def get_updates(state: State, params: dict[str, Any]) -> list[dict[str, Any]]:
    """GetUpdates as the server does it; called with the state lock held (waits release it)."""
    queue = state.updates
    if state.webhook is not None:
        raise ApiError(409, CONFLICT_WEBHOOK_ACTIVE)
    offset = int(params.get("offset", 0))
    limit = min(max(int(params.get("limit", 100)), 1), 100)
    timeout = min(max(int(params.get("timeout", 0)), 0), LONG_POLL_MAX)
    if "allowed_updates" in params:
        queue.set_allowed([str(kind) for kind in params["allowed_updates"]])
    if offset < 0:
        queue.keep_last(-offset)
    elif offset > 0:
        queue.confirm_below(offset)
    queue.poll_seq += 1
    mine = queue.poll_seq
    state.recorder.poll_begun()
    state.updates_changed.notify_all()  # an older long poll now answers 409
    deadline = time.monotonic() + timeout
    client_gone = CLIENT_GONE.get()
    while True:
        batch = queue.take(limit)
        if batch:
            return batch
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return []
        state.updates_changed.wait(min(remaining, 0.25))
        if state.down or state.stopping or client_gone():
            raise DropConnection  # nobody to answer (or the fake is down)
        if queue.poll_seq != mine:
            raise ApiError(409, CONFLICT_OTHER_POLL)
        if state.webhook is not None:
            raise ApiError(409, CONFLICT_SET_WEBHOOK)


class WebhookSender:
    """Background thread POSTing pending updates, in order, to the webhook URL.

    Non-2xx answers and connection failures are retried `max_attempts` times with a short
    exponential backoff while the update stays pending; then it is dropped (counted in
    `dropped`) and the error is shown by getWebhookInfo, so a dead bot cannot wedge a test.
    One delivery at a time: `max_connections` is stored but not used for parallelism.
    """

    max_attempts = 5
    first_backoff = 0.05
    timeout = 10.0

    def __init__(self, state: State) -> None:
        self._state = state
        self.dropped = 0
        self.delivered = 0
        self._thread = threading.Thread(target=self._run, name="fakeapi-webhook", daemon=True)

    def start(self) -> None:
        """Start delivering in the background thread."""
        self._thread.start()

    def join(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the delivery thread to end."""
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _next(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """Wait (lock held) for an update to deliver; None when the fake stops."""
        state = self._state
        while not state.stopping:
            if state.webhook is not None and not state.down:
                batch = state.updates.take(1)
                if batch:
                    return batch[0], dict(state.webhook)
            state.updates_changed.wait(0.5)
        return None

    def _run(self) -> None:
        state = self._state
        attempts = 0
        while True:
            with state.lock:
                job = self._next()
            if job is None:
                return
            update, hook = job
            error = _post(hook, update, self.timeout)
            with state.lock:
                current = state.webhook
                if error is None:
                    attempts = 0
                    self.delivered += 1
                    state.updates.remove(update["update_id"])
                    continue
                attempts += 1
                log.debug("webhook delivery of update %s failed: %s", update["update_id"], error)
                if current is not None:
                    current["last_error_date"] = state.now()
                    current["last_error_message"] = error
                if attempts >= self.max_attempts:
                    attempts = 0
                    self.dropped += 1
                    state.updates.remove(update["update_id"])
                else:
                    deadline = time.monotonic() + self.first_backoff * 2 ** (attempts - 1)
                    while not state.stopping and (left := deadline - time.monotonic()) > 0:
                        state.updates_changed.wait(left)


def _post(hook: dict[str, Any], update: dict[str, Any], timeout: float) -> str | None:
    """One delivery attempt; returns None on a 2xx answer, else the error text."""
    parts = urlsplit(hook["url"])
    connection_class = (http.client.HTTPSConnection if parts.scheme == "https"
                        else http.client.HTTPConnection)
    kwargs: dict[str, Any] = {"timeout": timeout}
    if parts.scheme == "https":
        import ssl
        kwargs["context"] = ssl._create_unverified_context()  # loopback, self-signed
    headers = {"Content-Type": "application/json"}
    if hook.get("secret_token"):
        headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = connection_class(parts.hostname or "127.0.0.1", parts.port, **kwargs)
    try:
        connection.request("POST", path, json.dumps(update, ensure_ascii=False).encode(),
                           headers)
        response = connection.getresponse()
        response.read()
        if 200 <= response.status < 300:
            return None
        return f"Wrong response from the webhook: {response.status} {response.reason}"
    except (OSError, http.client.HTTPException) as exc:
        return f"Connection failed: {type(exc).__name__}"
    finally:
        connection.close()
