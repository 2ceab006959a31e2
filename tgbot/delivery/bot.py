"""The bot's connection to the Bot API, built in one place for `tgbot run` and `tgbot push`.

PTB's ExtBot with the project's request (aiohttp), rate limiter (the budget) and defaults.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.ext import Defaults, ExtBot

from tgbot.config import Settings
from tgbot.delivery.aiohttp_request import AiohttpRequest
from tgbot.delivery.budget import Budget, Priority

_NO_PREVIEWS = LinkPreviewOptions(is_disabled=True)
DEFAULTS = Defaults(parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEWS)
# DEFAULTS as SendMessage's fields, for `send_fields` (PTB applies DEFAULTS in its own methods)
DEFAULT_FIELDS = {"parse_mode": ParseMode.HTML.value,
                  "link_preview_options": json.dumps(_NO_PREVIEWS.to_dict())}


class CampaignBot(ExtBot[int]):
    """ExtBot, plus a send for broadcasts that skips building a Message for each answer.

    Its rate limiter's argument is a `Priority` (an int, as AIORateLimiter's type says).
    """

    async def send_fields(self, fields: dict[str, Any], *,
                          rate_limit_args: Priority | None = None) -> dict[str, Any]:
        """SendMessage with `fields` as they go to the API, over DEFAULTS; the raw answer.

        A broadcast reads only the new message's id, and building PTB's Message object for
        each of thousands of answers costs more CPU than sending them. `_post` is the step
        every Bot method takes (ExtBot's own docs give the order), so the rate limiter, the
        request and PTB's error handling stay the same.
        """
        return await self._post("sendMessage",
                                api_kwargs=self._merge_api_rl_kwargs({**DEFAULT_FIELDS, **fields},
                                                                     rate_limit_args))


def build_bot(settings: Settings, *, senders: int) -> CampaignBot:
    """The bot for these settings.

    `senders` requests in flight for broadcasts, beside replies. The long poll has its own
    connection, which `tgbot push` and webhooks never use; it is given all the same, or PTB
    would build its default HTTPX request for it (an SSL context: a sixth of a second of CPU
    in every command that sends).
    """
    return CampaignBot(
        settings.token, base_url=f"{settings.api_url}/bot",
        base_file_url=f"{settings.api_url}/file/bot", defaults=DEFAULTS,
        # replies and broadcasts share it
        rate_limiter=Budget(settings.rate, paid=settings.paid_broadcast),
        request=AiohttpRequest(connection_pool_size=senders + 16),
        get_updates_request=AiohttpRequest(connection_pool_size=1, read_timeout=10.0))
