"""HTTP plumbing of the fake: a keep-alive ThreadingHTTPServer, body decoding, going down/up."""

from __future__ import annotations

import contextlib
import contextvars
import email.message
import json
import logging
import select
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from .errors import DropConnection, bad_request

log = logging.getLogger("tgbot.fakeapi")

# app(verb, target, headers with lowercased names, body) -> (status, JSON bytes);
# may raise DropConnection.
App = Callable[[str, str, dict[str, str], bytes], tuple[int, bytes]]


# Set for the duration of each request: True once the client closed its connection, so a
# long poll the bot abandoned (PTB cancels it on shutdown) ends silently, not with a 409.
CLIENT_GONE: contextvars.ContextVar[Callable[[], bool]] = contextvars.ContextVar(
    "CLIENT_GONE", default=lambda: False)


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request (what the bot uploaded)."""

    filename: str | None
    content_type: str | None
    data: bytes


def parse_fields(query: str, content_type: str | None,
                 body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string + body into (fields, file uploads); body fields win over the query.

    As the Bot API server reads a request (tdlib/td `tdnet/td/net/HttpReader.cpp`, the
    `content_type_lowercased_` branches): the query string always; the body only when its
    Content-Type contains multipart/form-data (checked first), else
    application/x-www-form-urlencoded (a form), else application/json (an object). Any other
    body (text/plain, none at all) is raw content: its parameters are simply missing.
    """
    fields: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
    uploads: dict[str, Upload] = {}
    kind = (content_type or "").lower()
    if not body:
        return fields, uploads
    if "multipart/form-data" in kind:
        _parse_multipart(content_type or "", body, fields, uploads)
    elif "application/x-www-form-urlencoded" in kind:
        try:
            fields.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                                    errors="strict"))
        except UnicodeDecodeError:
            raise bad_request("strings must be encoded in UTF-8") from None
    elif "application/json" in kind:
        try:
            data = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON encoded request") from None
        if not isinstance(data, dict):
            raise bad_request("can't parse JSON encoded request")
        fields.update(data)
    return fields, uploads


def _parse_multipart(content_type: str, body: bytes, fields: dict[str, Any],
                     uploads: dict[str, Upload]) -> None:
    """Minimal RFC 7578 reader (the stdlib `cgi` module is deprecated).

    A part with a filename is a file, any other part a parameter, whatever its
    Content-Type (HttpReader.cpp `has_file_name_`).
    """
    header = email.message.Message()
    header["content-type"] = content_type
    boundary = header.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise bad_request("boundary not found")
    delimiter = b"\r\n--" + boundary.encode("latin-1")
    for chunk in (b"\r\n" + body).split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.partition(b"\r\n\r\n")
        part = email.message.Message()
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if ":" in line:
                key, value = line.split(":", 1)
                part[key.strip()] = value.strip()
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        filename = part.get_filename()
        if filename is not None:
            uploads[name] = Upload(filename, part.get_content_type(), content)
        else:
            fields[name] = content.decode("utf-8", "replace")


class _Handler(BaseHTTPRequestHandler):
    """One keep-alive connection; every request goes to the fake's app callable."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server
    raw_requestline: bytes  # read by the stdlib's handle_one_request
    request_headers: dict[str, str]  # parse_request's, in place of the stdlib's `headers`

    def setup(self) -> None:
        super().setup()
        self.server.listener.track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.listener.untrack(self.connection)

    def parse_request(self) -> bool:
        """Lean replacement of the stdlib's, which runs the email parser on every request.

        Sets command, path, request_version, request_headers (a dict with lowercased names)
        and close_connection; answers 400 itself on a malformed request line.
        """
        line = str(self.raw_requestline, "latin-1").rstrip("\r\n")
        self.requestline = line
        parts = line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.request_version = "HTTP/1.0"
            self.close_connection = True
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request syntax")
            return False
        self.command, self.path, self.request_version = parts
        headers: dict[str, str] = {}
        for _ in range(200):
            raw = self.rfile.readline(65537)
            if raw in (b"\r\n", b"\n", b""):
                break
            name, sep, value = str(raw, "latin-1").partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        self.request_headers = headers
        connection = headers.get("connection", "").lower()
        if self.request_version == "HTTP/1.1":
            self.close_connection = connection == "close"
        else:
            self.close_connection = connection != "keep-alive"
        if headers.get("expect", "").lower() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return True

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        self._serve()

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """The fake never prints; the stdlib would write every request to stderr."""

    def _serve(self) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        CLIENT_GONE.set(self._client_gone)
        try:
            status, payload = self.server.listener.app(self.command, self.path,
                                                       self.request_headers, body)
        except DropConnection:
            self.close_connection = True
            _shutdown(self.connection)
            return
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        head = (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n"
                f"{'Connection: close' + chr(13) + chr(10) if self.close_connection else ''}"
                "\r\n").encode("latin-1")
        try:
            self.wfile.write(head + payload)  # one write: no Nagle/delayed-ACK stall
        except OSError:
            self.close_connection = True

    def _client_gone(self) -> bool:
        """Whether the peer closed the connection (EOF is readable) while we were waiting."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _read_body(self) -> bytes | None:
        """Content-Length or chunked body; None when the client went away."""
        try:
            if "chunked" in self.request_headers.get("transfer-encoding", "").lower():
                parts: list[bytes] = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            length = int(self.request_headers.get("content-length") or 0)
            data = self.rfile.read(length) if length > 0 else b""
            return data if len(data) == length else None
        except (OSError, ValueError):
            return None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], listener: Listener) -> None:
        self.listener = listener
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address, exc_info=True)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class Listener:
    """Owns the listening socket and open connections so the fake can go down and come up."""

    def __init__(self, app: App, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()

    def up(self) -> None:
        """Bind (the same port again after `down`) and serve in a daemon thread."""
        server = _Server((self.host, self.port), self)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"fakeapi-{self.port}", daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            _shutdown(sock)

    @property
    def is_up(self) -> bool:
        """Whether the fake listens (False between down() and up())."""
        return self._server is not None

    def track(self, sock: socket.socket) -> None:
        """Remember an open connection, so down() can cut it."""
        with self._lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        """Forget a connection that has closed."""
        with self._lock:
            self._connections.discard(sock)
