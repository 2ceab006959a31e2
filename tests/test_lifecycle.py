"""Start-up and shut-down outside the handlers: the Bot API check before `tgbot run`."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from tests.helpers.harness import settings_for
from tgbot.cli import bot as cli
from tgbot.fakeapi import FakeBotAPI


class RecordedRequest(HTTPXRequest):
    """PTB's own request, remembering whether its HTTP client was closed."""

    closed = False

    async def shutdown(self) -> None:
        await super().shutdown()
        self.closed = True


async def test_waiting_for_the_api_closes_its_http_client(
        fake: FakeBotAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request = RecordedRequest()
    monkeypatch.setattr(cli, "ExtBot", functools.partial(ExtBot, request=request))
    await cli.wait_for_api(settings_for(fake, tmp_path))
    assert [c.method for c in fake.calls] == ["getMe"]
    assert request.closed
