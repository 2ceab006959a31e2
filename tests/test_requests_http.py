"""The bot's requests as an independent HTTP parser reads them.

The Bot API server reads parameters only from the query string and from a body whose
Content-Type is a form, JSON or multipart (tdlib/td, tdnet/td/net/HttpReader.cpp); any other
body is kept as raw content and its parameters are missing. aiohttp's `Request.post()` reads
exactly forms and multipart, and it is not the project's loopback API, so a request that
arrives whole here arrives whole at Telegram. Each kind of request the bot makes is sent
through the bot the app builds (`build_bot`: its aiohttp request, budget and defaults).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from telegram import (
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from tgbot.config import Settings
from tgbot.delivery.bot import CampaignBot, build_bot
from tgbot.delivery.budget import Priority

TOKEN = "123456:" + "A" * 35
CHAT = 4242
PHOTO = Path(__file__).parents[1] / "images"
_USER = {"id": 1, "is_bot": True, "first_name": "Bot", "username": "bot"}
_MESSAGE = {"message_id": 7, "date": 0, "chat": {"id": CHAT, "type": "private"}, "text": "x"}
_RESULTS: dict[str, Any] = {
    "getme": _USER, "getupdates": [], "sendmessage": _MESSAGE,
    "editmessagetext": _MESSAGE, "editmessagereplymarkup": _MESSAGE,
    "sendphoto": {**_MESSAGE, "photo": [{"file_id": "f", "file_unique_id": "u", "width": 1,
                                         "height": 1}]},
}


class Received:
    """What the server read of each request: the method and its parameters, as parsed."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def last(self, method: str) -> dict[str, Any]:
        return next(fields for name, fields in reversed(self.requests) if name == method)


@pytest.fixture
async def server(unused_tcp_port: int) -> AsyncIterator[tuple[str, Received]]:
    received = Received()

    async def method(request: web.Request) -> web.Response:
        name = request.match_info["method"].lower()
        form = await request.post()  # forms and multipart only, as the server
        fields: dict[str, Any] = dict(request.query)
        for key, value in form.items():
            fields[key] = value if isinstance(value, str) else value.file.read()
        received.requests.append((name, fields))
        return web.json_response({"ok": True, "result": _RESULTS.get(name, True)})

    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", method)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", unused_tcp_port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{unused_tcp_port}", received
    finally:
        await runner.cleanup()


@pytest.fixture
async def bot(server: tuple[str, Received]) -> AsyncIterator[CampaignBot]:
    bot = build_bot(Settings(token=TOKEN, api_url=server[0], paid_broadcast=True), senders=1)
    async with bot:
        yield bot


KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("✅ I did it", callback_data="done:3")]])


async def test_long_polling_confirms_with_its_offset(bot: CampaignBot,
                                                     server: tuple[str, Received]) -> None:
    await bot.get_updates(offset=42, timeout=0, allowed_updates=["message", "callback_query"])
    fields = server[1].last("getupdates")
    assert fields["offset"] == "42"
    assert fields["timeout"] == "0"
    assert json.loads(fields["allowed_updates"]) == ["message", "callback_query"]


async def test_a_message_with_a_keyboard_arrives_whole(bot: CampaignBot,
                                                       server: tuple[str, Received]) -> None:
    await bot.send_message(CHAT, "<b>Day 3</b> — écrivez", reply_markup=KEYBOARD,
                           message_thread_id=9)
    fields = server[1].last("sendmessage")
    assert fields["chat_id"] == str(CHAT)
    assert fields["text"] == "<b>Day 3</b> — écrivez"
    assert fields["parse_mode"] == "HTML"  # the bot's defaults travel too
    assert json.loads(fields["link_preview_options"]) == {"is_disabled": True}
    assert fields["message_thread_id"] == "9"
    assert json.loads(fields["reply_markup"]) == KEYBOARD.to_dict()


async def test_a_photo_is_uploaded_as_multipart_with_its_fields(
        bot: CampaignBot, server: tuple[str, Received]) -> None:
    image = next(PHOTO.glob("*.png")).read_bytes()
    await bot.send_photo(CHAT, image, caption="Day 22", reply_markup=KEYBOARD)
    fields = server[1].last("sendphoto")
    assert fields["photo"] == image
    assert fields["chat_id"] == str(CHAT)
    assert fields["caption"] == "Day 22"
    assert json.loads(fields["reply_markup"]) == KEYBOARD.to_dict()


async def test_edits_and_a_button_answer_arrive_whole(bot: CampaignBot,
                                                      server: tuple[str, Received]) -> None:
    await bot.edit_message_text("Day 3, corrected", chat_id=CHAT, message_id=7,
                                reply_markup=KEYBOARD)
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=7, reply_markup=None)
    await bot.answer_callback_query("query-1", text="Marked as done", show_alert=True)
    edit = server[1].last("editmessagetext")
    assert (edit["chat_id"], edit["message_id"], edit["text"]) == (str(CHAT), "7",
                                                                   "Day 3, corrected")
    assert json.loads(edit["reply_markup"]) == KEYBOARD.to_dict()
    markup = server[1].last("editmessagereplymarkup")
    assert (markup["chat_id"], markup["message_id"]) == (str(CHAT), "7")
    answer = server[1].last("answercallbackquery")
    assert answer == {"callback_query_id": "query-1", "text": "Marked as done",
                      "show_alert": "true"}


async def test_the_command_menu_and_the_webhook_keep_their_arguments(
        bot: CampaignBot, server: tuple[str, Received]) -> None:
    await bot.set_my_commands([BotCommand("today", "Сегодняшнее действие")],
                              scope=BotCommandScopeChat(CHAT), language_code="ru")
    await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret_token",
                          allowed_updates=["message"], drop_pending_updates=False)
    commands = server[1].last("setmycommands")
    assert json.loads(commands["commands"]) == [{"command": "today",
                                                 "description": "Сегодняшнее действие"}]
    assert json.loads(commands["scope"]) == {"type": "chat", "chat_id": CHAT}
    assert commands["language_code"] == "ru"
    hook = server[1].last("setwebhook")
    assert hook["url"] == "https://bot.example.org/hook"
    assert hook["secret_token"] == "s3cret_token"
    assert hook["drop_pending_updates"] == "false"
    assert json.loads(hook["allowed_updates"]) == ["message"]


async def test_a_paid_broadcast_carries_its_flag(bot: CampaignBot,
                                                 server: tuple[str, Received]) -> None:
    # the broadcast's own path: fields encoded once for every chat, sent as they are
    await bot.send_fields({"chat_id": CHAT, "text": "Day 5 " * 60,
                           "reply_markup": json.dumps(KEYBOARD.to_dict()),
                           "allow_paid_broadcast": True}, rate_limit_args=Priority.BROADCAST)
    fields = server[1].last("sendmessage")
    assert fields["chat_id"] == str(CHAT)
    assert fields["text"] == "Day 5 " * 60
    assert fields["allow_paid_broadcast"] == "true"
    assert fields["parse_mode"] == "HTML"
    assert json.loads(fields["reply_markup"]) == KEYBOARD.to_dict()


async def test_an_inline_answer_carries_its_results(bot: CampaignBot,
                                                    server: tuple[str, Received]) -> None:
    result = InlineQueryResultArticle("day-3", "Day 3", InputTextMessageContent("<b>Day 3</b>"))
    await bot.answer_inline_query("inline-1", [result], cache_time=60, is_personal=True)
    fields = server[1].last("answerinlinequery")
    assert fields["inline_query_id"] == "inline-1"
    assert fields["cache_time"] == "60"
    assert fields["is_personal"] == "true"
    [sent] = json.loads(fields["results"])
    assert sent["id"] == "day-3"
    assert sent["input_message_content"]["message_text"] == "<b>Day 3</b>"
