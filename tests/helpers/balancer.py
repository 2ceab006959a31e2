"""A small HTTP load balancer on 127.0.0.1 for webhook tests: round robin over the instances.

`answer_late(n)`: the next n updates are passed on, then answered 504 as if the instance had
been too slow, so the Bot API sends them again, and round robin takes the repeat to the
other instance (what Telegram does behind a real balancer). `pin` sends every update to one
instance, for an organiser's command that must reach the instance whose file changed.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Balancer:
    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.routed: list[tuple[int, int]] = []  # (update_id, backend index)
        self.pin: int | None = None
        self._late = 0
        self._next = 0
        self._lock = threading.Lock()
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                index, late = balancer._route(json.loads(body).get("update_id", 0))
                status, answer = balancer._forward(index, self.path, body, self.headers)
                if late:
                    status, answer = 504, b"gateway timeout"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Balancer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_late(self, updates: int) -> None:
        with self._lock:
            self._late = updates

    def backends_of(self, update_id: int) -> list[int]:
        with self._lock:
            return [index for routed, index in self.routed if routed == update_id]

    def _route(self, update_id: int) -> tuple[int, bool]:
        with self._lock:
            if self.pin is not None:
                index = self.pin
            else:
                index, self._next = self._next, (self._next + 1) % len(self.backends)
            self.routed.append((update_id, index))
            late = self._late > 0
            self._late -= late
            return index, late

    def _forward(self, index: int, path: str, body: bytes, headers: object
                 ) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.backends[index], timeout=10)
        try:
            connection.request("POST", path, body, {
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token":
                    headers.get("X-Telegram-Bot-Api-Secret-Token", "")})  # type: ignore[attr-defined]
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 502, b"bad gateway"
        finally:
            connection.close()
