"""End to end: the webhook and the status port hold strangers to small bodies and short waits.

Real HTTP over 127.0.0.1 against the running bot, with raw sockets where a well-behaved
client library would not send what an attacker sends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp

from tests.conftest import ALICE
from tests.helpers.harness import (
    WEBHOOK_SECRET,
    Clock,
    free_port,
    running_bot,
    say,
    settings_for,
)
from tgbot.app import Webhook, build_application, running
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.ops.webhook import SECRET_HEADER, Limits

CHUNK = b"x" * 65536
TWO_MB = 2 * 1024 * 1024


async def _post_headers(host: str, port: int, path: str, secret: str,
                        length: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 f"X-Telegram-Bot-Api-Secret-Token: {secret}\r\n"
                 f"Content-Length: {length}\r\n\r\n".encode())
    await writer.drain()
    return reader, writer


async def _send_big_body(url: str, secret: str) -> bytes:
    """Headers for a 2 MB body, then the body in 64 KiB pieces until the server answers."""
    parts = urlsplit(url)
    reader, writer = await _post_headers(parts.hostname or "", parts.port or 0, parts.path,
                                         secret, TWO_MB)
    try:
        for _ in range(TWO_MB // len(CHUNK)):
            writer.write(CHUNK)
            await writer.drain()
        return await asyncio.wait_for(reader.read(200), 10)
    except ConnectionError:
        return b"closed"
    finally:
        writer.close()


async def test_a_large_body_is_refused_without_being_held_in_memory(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    async with running_bot(fake, tmp_path, clock, webhook=True):
        url = fake.webhook["url"]
        tracemalloc.start()
        try:
            answers = await asyncio.gather(*(_send_big_body(url, secret)
                                             for secret in ["guess"] * 4 + [WEBHOOK_SECRET] * 4))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        for answer in answers:  # refused as too large, as forbidden, or cut off
            assert answer == b"closed" or answer.split(b" ")[1] in (b"403", b"413", b"400"), answer
        # eight 2 MB bodies are 16 MB; with the secret checked first and 1 MiB at most, little
        assert peak < 6 * 1024 * 1024, peak
        assert "Maguindanao" in (await say(fake, 1001, "/why"))["text"]  # still serving


async def test_the_wrong_secret_is_refused_before_the_body_is_read(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    async with running_bot(fake, tmp_path, clock, webhook=True):
        parts = urlsplit(fake.webhook["url"])
        reader, writer = await _post_headers(parts.hostname or "", parts.port or 0,
                                             parts.path, "guess", 5000)
        try:  # the body never comes: the answer must not wait for it
            answer = await asyncio.wait_for(reader.read(300), 3)
        finally:
            writer.close()
        assert answer.startswith(b"HTTP/1.1 403"), answer
        assert b"secret" not in answer.lower() and b"tornado" not in answer.lower()


async def test_a_client_that_was_refused_can_post_again(fake: FakeBotAPI, tmp_path: Path,
                                                        clock: Clock) -> None:
    """A refusal leaves the body unread, so the server closes that connection: it must say so
    (Connection: close), or a client that keeps its connections alive loses its next post."""
    async with running_bot(fake, tmp_path, clock, webhook=True), aiohttp.ClientSession() as http:
        url = fake.webhook["url"]
        async with http.post(url, json={}, headers={SECRET_HEADER: "wrong"}) as refused:
            assert refused.status == 403
            assert refused.headers.get("Connection", "").lower() == "close"
        update = {"update_id": 10**6, "message": {
            "message_id": 1, "date": int(clock.now.timestamp()), "text": "/start",
            "chat": {"id": ALICE, "type": "private"},
            "from": {"id": ALICE, "is_bot": False, "first_name": "Alice"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        mark = fake.mark()
        async with http.post(url, json=update, headers={SECRET_HEADER: WEBHOOK_SECRET}) as ok:
            assert ok.status == 200
        await fake.async_wait_for_message(ALICE, after=mark)


async def test_idle_and_half_sent_connections_are_closed(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock) -> None:
    port = free_port()
    settings = settings_for(fake, tmp_path)
    application = build_application(settings, load_campaign(settings.campaign))
    application.bot_data.clock = clock
    hook = Webhook(f"http://127.0.0.1:{port}/hook", WEBHOOK_SECRET, "127.0.0.1", port,
                   Limits(idle_timeout=1.0, body_timeout=1.0))
    async with running(application, webhook=hook, poll_timeout=dt.timedelta(seconds=1)):
        targets = [(port, b"POST /hook HTTP/1.1\r\nHost: x\r\n"),  # headers never finished
                   (port, b""),  # connected, then silent
                   (port, b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                          b"X-Telegram-Bot-Api-Secret-Token: " + WEBHOOK_SECRET.encode()
                          + b"\r\nContent-Length: 500\r\n\r\n{")]  # the body stalls
        started = time.monotonic()

        async def closed_after(target_port: int, sent: bytes) -> float:
            reader, writer = await asyncio.open_connection("127.0.0.1", target_port)
            writer.write(sent)
            await writer.drain()
            try:
                while await asyncio.wait_for(reader.read(1024), 10):
                    pass
            finally:
                writer.close()
            return time.monotonic() - started

        waits = await asyncio.gather(*(closed_after(p, s) for p, s in targets))
    assert all(wait < 8 for wait in waits), waits


async def test_the_status_port_refuses_a_body_at_once(fake: FakeBotAPI, tmp_path: Path,
                                                      clock: Clock) -> None:
    port = free_port()
    async with running_bot(fake, tmp_path, clock, status_port=port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        await writer.drain()
        try:  # a megabyte announced, none sent: refused from the headers, not waited for
            answer = await asyncio.wait_for(reader.read(300), 3)
        finally:
            writer.close()
        assert answer == b"" or answer.split(b" ")[1] in (b"400", b"405", b"413"), answer
        assert b"tornado" not in answer.lower()
