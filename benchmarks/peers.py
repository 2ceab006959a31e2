"""The peers the broadcast benchmark measures the bot against, each its own process.

    python benchmarks/peers.py aiohttp|ptb API_ROOT TOKEN MESSAGE.json FIRST_CHAT COUNT

Both send MESSAGE (the bot's rendered daily action: text and buttons) to COUNT chats as paid
broadcasts, 64 requests at a time, and print the messages a second they reached:
- `aiohttp`: a bare aiohttp client posting one prepared request body per chat, unpaced (what
  the loopback API itself accepts a second);
- `ptb`: plain python-telegram-bot, `Bot.send_message` with its default HTTPXRequest.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from urllib.parse import urlencode

os.environ.setdefault("PTB_TIMEDELTA", "1")
IN_FLIGHT = 64


async def bare_aiohttp(root: str, token: str, message: dict, chat_ids: range) -> None:
    import aiohttp

    fields = {"text": message["text"], "parse_mode": "HTML",
              "reply_markup": json.dumps(message["reply_markup"]),
              "link_preview_options": json.dumps({"is_disabled": True}),
              "allow_paid_broadcast": "true"}
    url = f"{root}/bot{token}/sendMessage"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    queue = iter(chat_ids)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=IN_FLIGHT)) as session:
        async def worker() -> None:
            for chat_id in queue:
                body = urlencode({"chat_id": chat_id, **fields})
                async with session.post(url, data=body, headers=headers) as response:
                    await response.read()

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


async def plain_ptb(root: str, token: str, message: dict, chat_ids: range) -> None:
    from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions

    markup = InlineKeyboardMarkup.de_json(message["reply_markup"], None)
    queue = iter(chat_ids)
    async with Bot(token, base_url=f"{root}/bot") as bot:
        async def worker() -> None:
            for chat_id in queue:
                await bot.send_message(chat_id, message["text"], parse_mode="HTML",
                                       reply_markup=markup, allow_paid_broadcast=True,
                                       link_preview_options=LinkPreviewOptions(is_disabled=True))

        await asyncio.gather(*(worker() for _ in range(IN_FLIGHT)))


def main() -> None:
    kind, root, token, path, first, count = sys.argv[1:7]
    with open(path, encoding="utf-8") as handle:
        message = json.load(handle)
    chat_ids = range(int(first), int(first) + int(count))
    started = time.monotonic()
    send = bare_aiohttp if kind == "aiohttp" else plain_ptb
    asyncio.run(send(root, token, message, chat_ids))
    print(f"{len(chat_ids) / (time.monotonic() - started):.1f}")


if __name__ == "__main__":
    main()
