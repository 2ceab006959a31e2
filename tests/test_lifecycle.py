"""Start-up and shut-down outside the handlers: the Bot API check before `tgbot run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.harness import settings_for
from tgbot.cli import bot as cli
from tgbot.delivery.aiohttp_request import AiohttpRequest
from tgbot.fakeapi import FakeBotAPI


class RecordedRequest(AiohttpRequest):
    """The bot's own request, remembering whether it was closed."""

    closed = False

    async def shutdown(self) -> None:
        await super().shutdown()
        self.closed = True


async def test_waiting_for_the_api_closes_its_http_client(
        fake: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[RecordedRequest] = []

    def request(pool_size: int) -> RecordedRequest:
        made.append(RecordedRequest(pool_size))
        return made[-1]
    monkeypatch.setattr(cli, "AiohttpRequest", request)
    await cli.wait_for_api(settings_for(fake, tmp_path))
    assert [c.method for c in fake.calls] == ["getMe"]
    assert len(made) == 2  # both of the bot's requests: PTB's default costs an SSL context
    assert all(request.closed for request in made)
