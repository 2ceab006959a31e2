"""Tests of the loopback fake Bot API itself, over real HTTP (httpx and python-telegram-bot)."""

from __future__ import annotations

import asyncio
import json
import struct
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import telegram
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)

from tgbot.fakeapi import FakeBotAPI

USER = 1001
OTHER = 1002


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        server.add_user(USER, first_name="Ana", language_code="pt")
        server.add_user(OTHER, first_name="Bo")
        yield server


@pytest.fixture
def api(fake: FakeBotAPI) -> Iterator[httpx.Client]:
    """An httpx client whose relative URLs are Bot API method names."""
    with httpx.Client(base_url=f"{fake.base_url}{fake.token}/", timeout=10) as client:
        yield client


def ptb(fake: FakeBotAPI, action: Callable[[telegram.Bot], Awaitable[Any]]) -> Any:
    """Run `action(bot)` with an initialised python-telegram-bot Bot, from a sync test."""
    async def run() -> Any:
        async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
            return await action(bot)
    return asyncio.run(run())


def error_of(response: httpx.Response) -> tuple[int, str]:
    body = response.json()
    assert body["ok"] is False and response.status_code == body["error_code"]
    return body["error_code"], body["description"]


def png(width: int, height: int) -> bytes:
    """Enough of a PNG header for the fake to read the size."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + b"IHDR" + header + b"\0" * 8


def bold_keyboard(data: str) -> str:
    return json.dumps({"inline_keyboard": [[{"text": "b", "callback_data": data}]]})


# --- transport, tokens, envelope -------------------------------------------------------------
def test_token_and_path_errors(fake: FakeBotAPI) -> None:
    with httpx.Client(base_url=fake.root_url) as client:
        assert client.get("/botnot-a-token/getMe").json() == {
            "ok": False, "error_code": 404, "description": "Not Found"}
        assert client.get("/favicon.ico").status_code == 404
        wrong = client.post("/bot9876543:AAWrongTokenWrongTokenWrongToken0000/getMe")
        assert wrong.status_code == 401
        assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
        missing = client.get(f"/bot{fake.token}/sendMessages")
        assert error_of(missing) == (404, "Not Found: method not found")
        ok = client.get(f"/bot{fake.token}/GETME")  # method names are case-insensitive
    assert ok.status_code == 200 and set(ok.json()) == {"ok", "result"}
    assert ok.json()["result"]["username"] == "tgbot_demo_bot"
    assert fake.calls[-1].method == "getMe"


async def test_ptb_sees_invalid_token(fake: FakeBotAPI) -> None:
    bot = telegram.Bot("9876543:AAWrongTokenWrongTokenWrongToken0000", base_url=fake.base_url)
    with pytest.raises(InvalidToken):
        async with bot:
            pass


def test_required_unknown_and_typed_parameters(fake: FakeBotAPI, api: httpx.Client) -> None:
    assert error_of(api.post("sendMessage", data={"text": "hi"})) == (
        400, "Bad Request: chat_id is empty")
    assert error_of(api.post("getChatMember", data={"chat_id": USER})) == (
        400, 'Bad Request: parameter "user_id" is required')
    assert error_of(api.post("sendMessage", data={"chat_id": USER, "text": "x", "txt": "y"})) \
        == (400, "Bad Request: unknown parameter txt")
    assert error_of(api.post("getUpdates", data={"limit": "ten"}))[0] == 400
    assert error_of(api.post("sendMessage", data={"chat_id": 42, "text": "x"})) == (
        400, "Bad Request: chat not found")
    # the same request as JSON, as a query string and as multipart all work
    assert api.post("sendMessage", json={"chat_id": USER, "text": "json"}).json()["ok"]
    assert api.get("sendMessage", params={"chat_id": USER, "text": "query"}).json()["ok"]
    assert api.post("sendMessage", data={"chat_id": str(USER), "text": "multi"},
                    files={"unused": ("x.txt", b"x")}).json()["ok"]
    assert [m["text"] for m in fake.messages(USER)] == ["json", "query", "multi"]


def test_form_fields_are_json_decoded_and_recorded(fake: FakeBotAPI, api: httpx.Client) -> None:
    reply = api.post("sendMessage", data={"chat_id": str(USER), "text": "t",
                                          "reply_markup": bold_keyboard("d"),
                                          "disable_notification": "true"}).json()
    call = fake.calls_to("sendMessage")[-1]
    assert call.ok and call.params["chat_id"] == USER
    assert call.params["disable_notification"] is True
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "d"
    message = reply["result"]
    assert message["from"]["is_bot"] and message["chat"]["id"] == USER
    assert isinstance(message["date"], int)
    assert message["reply_markup"] == call.params["reply_markup"]
    second = api.post("sendMessage", data={"chat_id": USER, "text": "u"}).json()["result"]
    assert second["message_id"] == message["message_id"] + 1


# --- texts --------------------------------------------------------------------------------
def test_html_errors_are_tdlib_exact(fake: FakeBotAPI, api: httpx.Client) -> None:
    answer = api.post("sendMessage", data={"chat_id": USER, "text": "bad <br> tag",
                                           "parse_mode": "HTML"})
    assert error_of(answer) == (
        400, 'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 4')
    answer = api.post("sendMessage", data={"chat_id": USER, "text": "<b>x", "parse_mode": "html"})
    assert error_of(answer) == (400, "Bad Request: can't parse entities: Can't find end tag "
                                     'corresponding to start tag "b"')
    assert error_of(api.post("sendMessage", data={"chat_id": USER, "text": "x",
                                                  "parse_mode": "BBCode"})) == (
        400, "Bad Request: unsupported parse_mode")
    with pytest.raises(BadRequest, match="^Can't parse entities: unsupported start tag"):
        ptb(fake, lambda bot: bot.send_message(USER, "a < b", parse_mode="HTML"))


def test_message_length_counts_visible_code_points(fake: FakeBotAPI,
                                                   api: httpx.Client) -> None:
    ok = api.post("sendMessage", data={"chat_id": USER, "parse_mode": "HTML",
                                       "text": "<b>" + "a" * 4000 + "</b>" + "😀" * 96})
    message = ok.json()["result"]
    assert len(message["text"]) == 4096
    assert message["entities"] == [{"type": "bold", "offset": 0, "length": 4000}]
    too_long = api.post("sendMessage", data={"chat_id": USER, "text": "a" * 4097})
    assert error_of(too_long) == (400, "Bad Request: message is too long")
    assert error_of(api.post("sendMessage", data={"chat_id": USER, "text": ""})) == (
        400, "Bad Request: message text is empty")
    assert error_of(api.post("sendMessage", data={"chat_id": USER, "text": "<b> </b>",
                                                  "parse_mode": "HTML"})) == (
        400, "Bad Request: text must be non-empty")
    assert error_of(api.post("sendMessage", data={"chat_id": USER, "text": "é" * 16385})) == (
        400, "Bad Request: text is too long")
    with pytest.raises(BadRequest, match="^Message is too long$"):
        ptb(fake, lambda bot: bot.send_message(USER, "<i>" + "b" * 4097 + "</i>",
                                               parse_mode="HTML"))


def test_entities_are_bot_api_entities_in_utf16(api: httpx.Client) -> None:
    html = ('😀 <b>b</b><i>i</i><u>u</u><s>s</s><tg-spoiler>p</tg-spoiler><code>c</code>'
            '<pre><code class="language-py">x</code></pre><a href="https://e.org/">l</a>'
            '<blockquote>q</blockquote>')
    message = api.post("sendMessage", data={"chat_id": USER, "text": html,
                                            "parse_mode": "HTML"}).json()["result"]
    assert message["text"] == "😀 biuspcxlq"
    kinds = [(e["type"], e["offset"], e["length"]) for e in message["entities"]]
    assert kinds == [("bold", 3, 1), ("italic", 4, 1), ("underline", 5, 1),
                     ("strikethrough", 6, 1), ("spoiler", 7, 1), ("code", 8, 1),
                     ("pre", 9, 1), ("text_link", 10, 1), ("blockquote", 11, 1)]
    assert message["entities"][6]["language"] == "py"
    assert message["entities"][7]["url"] == "https://e.org/"


def test_caption_too_long(api: httpx.Client) -> None:
    photo = {"photo": ("p.png", png(2, 2), "image/png")}
    ok = api.post("sendPhoto", data={"chat_id": USER, "caption": "<b>" + "c" * 1024 + "</b>",
                                     "parse_mode": "HTML"}, files=photo)
    assert len(ok.json()["result"]["caption"]) == 1024
    refused = api.post("sendPhoto", data={"chat_id": USER, "caption": "c" * 1025}, files=photo)
    assert error_of(refused) == (400, "Bad Request: message caption is too long")


# --- keyboards ----------------------------------------------------------------------------
def test_callback_data_is_counted_in_utf8_bytes(api: httpx.Client) -> None:
    fits = "é" * 32  # 64 bytes, 32 characters
    assert api.post("sendMessage", data={"chat_id": USER, "text": "k",
                                         "reply_markup": bold_keyboard(fits)}).json()["ok"]
    for data in (fits + "a", ""):
        answer = api.post("sendMessage", data={"chat_id": USER, "text": "k",
                                               "reply_markup": bold_keyboard(data)})
        assert error_of(answer) == (400, "Bad Request: BUTTON_DATA_INVALID")


def test_inline_keyboard_shape_rules(fake: FakeBotAPI, api: httpx.Client) -> None:
    def send(rows: list[list[dict[str, Any]]]) -> httpx.Response:
        markup = json.dumps({"inline_keyboard": rows})
        return api.post("sendMessage", data={"chat_id": USER, "text": "k",
                                             "reply_markup": markup})
    assert error_of(send([[{"text": "just text"}]])) == (
        400, "Bad Request: text buttons are unallowed in the inline keyboard")
    assert error_of(send([[{"text": "x", "callback_data": str(i)} for i in range(9)]])) == (
        400, "Bad Request: reply markup is too long")
    many = [[{"text": "x", "callback_data": f"{r}.{c}"} for c in range(8)] for r in range(13)]
    assert error_of(send(many)) == (400, "Bad Request: reply markup is too long")
    assert error_of(send([[{"text": "x", "url": "javascript:alert(1)"}]])) == (
        400, "Bad Request: BUTTON_URL_INVALID")
    assert send([[{"text": "x", "url": "https://t.me/x"}, {"text": "y", "url": "tg://resolve"}]]
                ).json()["ok"]
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="x" * 65)]])
    with pytest.raises(BadRequest, match="^Button_data_invalid$"):
        ptb(fake, lambda bot: bot.send_message(USER, "k", reply_markup=too_long))


# --- commands -----------------------------------------------------------------------------
async def test_set_my_commands_language_codes(fake: FakeBotAPI) -> None:
    commands = [BotCommand("start", "Begin"), BotCommand("help", "Help")]
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(BadRequest, match="^Invalid language code specified$"):
            await bot.set_my_commands(commands, language_code="pt-BR")
        assert await bot.set_my_commands(commands, language_code="pt")
        assert [c.command for c in await bot.get_my_commands(language_code="pt")] == [
            "start", "help"]
        assert await bot.get_my_commands() == ()
        with pytest.raises(BadRequest, match="^Bot_command_invalid$"):
            await bot.set_my_commands([BotCommand("Start", "Begin")])
        with pytest.raises(BadRequest, match="^Command description must be non-empty$"):
            await bot.set_my_commands([BotCommand("start", " ")])
        assert await bot.set_my_description("d" * 512, language_code="pt")
        with pytest.raises(BadRequest, match="^Invalid language code specified$"):
            await bot.set_my_short_description("s", language_code="EN")
    key = FakeBotAPI.commands_key(None, "pt")
    assert key == ('{"type": "default"}', "pt")
    assert fake.bot_commands[key] == [{"command": "start", "description": "Begin"},
                                      {"command": "help", "description": "Help"}]


# --- getUpdates ---------------------------------------------------------------------------
def test_get_updates_offset_semantics(fake: FakeBotAPI, api: httpx.Client) -> None:
    ids = [fake.send_message(USER, f"m{i}")["update_id"] for i in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4

    def poll(**params: Any) -> list[int]:
        answer = api.post("getUpdates", data=params).json()
        assert answer["ok"], answer
        return [u["update_id"] for u in answer["result"]]
    assert poll() == ids  # nothing confirmed yet
    assert poll(limit=0) == ids[:1]  # limit is clamped to 1..100, not refused
    assert poll(offset=ids[1]) == ids[1:]  # confirms ids[0]
    assert fake.pending_updates == 3
    assert poll(offset=-1) == ids[-1:]  # last one; forgets the earlier ones
    assert fake.pending_updates == 1
    assert poll(offset=ids[-1] + 1) == []
    assert fake.pending_updates == 0
    fake.inject_update({"chat_member": {"x": 1}})  # not even queued by default
    assert poll() == [] and fake.pending_updates == 0
    assert poll(allowed_updates=json.dumps(["chat_member"])) == []
    update = fake.inject_update({"chat_member": {"x": 2}})
    assert poll() == [update["update_id"]]


def test_long_poll_wakes_on_injected_update(fake: FakeBotAPI, api: httpx.Client) -> None:
    result: dict[str, Any] = {}

    def poll() -> None:
        started = time.monotonic()
        result["answer"] = api.post("getUpdates", data={"timeout": 10}).json()
        result["took"] = time.monotonic() - started
    api.post("getMe")
    mark = fake.mark()
    with pytest.raises(TimeoutError, match="^no getUpdates began within 0.1s"):
        fake.wait_polling(after=mark, timeout=0.1)
    thread = threading.Thread(target=poll)
    thread.start()
    fake.wait_polling(after=mark)  # as soon as the long poll begins, long before it answers
    assert "answer" not in result and not fake.calls_to("getUpdates")  # really waiting
    fake.send_message(USER, "wake up")
    thread.join(5)
    assert result["answer"]["result"][0]["message"]["text"] == "wake up"
    assert result["took"] < 2


def test_conflicts(fake: FakeBotAPI) -> None:
    answers: list[dict[str, Any]] = []
    url = f"{fake.base_url}{fake.token}/getUpdates"

    def long_poll() -> None:
        with httpx.Client(timeout=10) as client:
            answers.append(client.post(url, data={"timeout": 5}).json())
    thread = threading.Thread(target=long_poll)
    thread.start()
    time.sleep(0.3)
    with httpx.Client(timeout=10) as client:
        assert client.post(url).json() == {"ok": True, "result": []}
        thread.join(5)
        assert answers == [{"ok": False, "error_code": 409, "description": (
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running")}]
        fake.send_message(USER, "hi")
        assert client.post(url.replace("getUpdates", "setWebhook"),
                           data={"url": "http://127.0.0.1:9/hook"}).json()["ok"]
        assert client.post(url).json()["description"] == (
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first")
    with pytest.raises(Conflict):
        ptb(fake, lambda bot: bot.get_updates())


# --- faults -------------------------------------------------------------------------------
def test_rate_limits_and_retry_after(fake: FakeBotAPI, api: httpx.Client,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")  # PTB 22 warns on int retry_after otherwise
    fake.set_rate_limits(per_second=3, per_chat_per_second=1, per_group_per_minute=None,
                         retry_after=2)
    assert api.post("sendMessage", data={"chat_id": USER, "text": "1"}).json()["ok"]
    assert api.post("sendMessage", data={"chat_id": USER, "text": "2"}).json() == {
        "ok": False, "error_code": 429, "description": "Too Many Requests: retry after 2",
        "parameters": {"retry_after": 2}}
    assert api.post("sendMessage", data={"chat_id": OTHER, "text": "3"}).json()["ok"]
    fake.add_user(1003)
    fake.add_user(1004)
    assert api.post("sendMessage", data={"chat_id": 1003, "text": "4"}).json()["ok"]
    assert error_of(api.post("sendMessage", data={"chat_id": 1004, "text": "5"}))[0] == 429
    paid = api.post("sendMessage", data={"chat_id": 1004, "text": "6",
                                         "allow_paid_broadcast": "true"})
    assert paid.json()["ok"]
    assert fake.rate_limited == 2
    with pytest.raises(RetryAfter) as caught:
        ptb(fake, lambda bot: bot.send_message(USER, "again"))
    assert caught.value.retry_after.total_seconds() == 2


def test_group_rate_limit_per_minute(fake: FakeBotAPI, api: httpx.Client) -> None:
    fake.add_group(-100123, admins=[USER])
    fake.set_rate_limits(per_second=None, per_chat_per_second=None, per_group_per_minute=2)
    for text in ("a", "b"):
        assert api.post("sendMessage", data={"chat_id": -100123, "text": text}).json()["ok"]
    assert error_of(api.post("sendMessage", data={"chat_id": -100123, "text": "c"}))[0] == 429


async def test_blocked_kicked_and_migrated(fake: FakeBotAPI) -> None:
    fake.add_group(-100777, title="Super", admins=[USER], members=[OTHER])
    fake.add_group(-555, title="Basic", type="group", admins=[USER])
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        fake.block(OTHER)
        with pytest.raises(Forbidden, match="^Forbidden: bot was blocked by the user$"):
            await bot.send_message(OTHER, "hi")
        fake.send_message(OTHER, "/start")  # writing again unblocks
        assert (await bot.send_message(OTHER, "hi")).text == "hi"
        update = fake.chat_member_update(-100777, by_user_id=USER, new_status="kicked",
                                         old_status="administrator")
        assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
        with pytest.raises(Forbidden, match="kicked from the supergroup chat$"):
            await bot.send_message(-100777, "hi")
        fake.migrate_group(-555, -100555)
        with pytest.raises(ChatMigrated) as caught:
            await bot.send_message(-555, "hi")
        assert caught.value.new_chat_id == -100555
        assert (await bot.send_message(-100555, "moved")).chat.type == "supergroup"
        updates = await bot.get_updates()
    service = [u.message for u in updates if u.message and u.message.chat.id in (-555, -100555)]
    assert [(m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service] == [
        (-100555, None), (None, -555)]
    refused = fake.calls_to("sendMessage")[-2]
    assert refused.description == "Bad Request: group chat was upgraded to a supergroup chat"


async def test_fail_next_and_unknown_callback_query(fake: FakeBotAPI) -> None:
    fake.fail_next("sendmessage", 502, "Bad Gateway")
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=USER)
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        with pytest.raises(NetworkError):
            await bot.send_message(USER + 1, "x")
        await bot.send_message(USER + 1, "x")  # the 403 was for USER only
        with pytest.raises(Forbidden):
            await bot.send_message(USER, "x")
        sent = await bot.send_message(USER, "x")
        query = fake.press_button(USER, USER, sent.message_id, "go")["callback_query"]
        assert query["message"]["text"] == "x" and query["data"] == "go"
        assert await bot.answer_callback_query(query["id"], text="ok")
        with pytest.raises(BadRequest, match="^Query is too old"):
            await bot.answer_callback_query(query["id"])
        stale = fake.press_button(USER, USER, 999, "old")["callback_query"]
        assert stale["message"]["date"] == 0  # an InaccessibleMessage
        with pytest.raises(BadRequest, match="^Message_too_long$"):
            await bot.answer_callback_query(stale["id"], text="t" * 201)


def test_go_down_and_come_up(fake: FakeBotAPI, api: httpx.Client) -> None:
    assert api.post("getMe").json()["ok"]  # leaves an idle keep-alive connection
    cut: list[BaseException] = []

    def long_poll() -> None:
        with httpx.Client(timeout=10) as other:
            try:
                other.post(f"{fake.base_url}{fake.token}/getUpdates", data={"timeout": 10})
            except httpx.TransportError as exc:
                cut.append(exc)
    thread = threading.Thread(target=long_poll)
    thread.start()
    time.sleep(0.3)
    fake.go_down()
    thread.join(5)
    assert cut and not thread.is_alive()
    with pytest.raises(httpx.ConnectError):  # the idle connection was cut too: reconnect fails
        api.post("getMe")
    fake.come_up()
    assert api.post("getMe").json()["ok"]


async def test_ptb_network_error_while_down(fake: FakeBotAPI) -> None:
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        fake.go_down()
        with pytest.raises(NetworkError):
            await bot.get_me()
        fake.come_up()
        assert (await bot.get_me()).username == "tgbot_demo_bot"


# --- webhook ------------------------------------------------------------------------------
class Receiver:
    """A tiny webhook endpoint recording (secret header, update) and failing on demand."""

    def __init__(self, fail_first: int = 0) -> None:
        self.got: list[tuple[str | None, dict[str, Any]]] = []
        self.fail_first = fail_first
        self.attempts = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.attempts += 1
                status = 200
                if receiver.fail_first > 0:
                    receiver.fail_first -= 1
                    status = 500
                else:
                    receiver.got.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"),
                                         json.loads(body)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait(self, count: int, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while len(self.got) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.got) >= count, self.got

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_webhook_delivery_in_order_with_secret(fake: FakeBotAPI, api: httpx.Client) -> None:
    receiver = Receiver(fail_first=2)
    try:
        assert error_of(api.post("setWebhook", data={"url": receiver.url,
                                                     "secret_token": "bad token!"})) == (
            400, "Bad Request: secret token contains unallowed characters")
        fake.advance_clock(1)  # setWebhook: once a second, refused calls included
        assert error_of(api.post("setWebhook", data={"url": receiver.url,
                                                     "secret_token": "s" * 257})) == (
            400, "Bad Request: secret token is too long")
        fake.send_message(USER, "queued before")
        fake.advance_clock(1)
        assert api.post("setWebhook", data={"url": receiver.url, "secret_token": "s3cr-et_"}
                        ).json() == {"ok": True, "result": True}
        fake.send_message(USER, "after")
        receiver.wait(2)
        assert [secret for secret, _ in receiver.got] == ["s3cr-et_", "s3cr-et_"]
        assert [u["message"]["text"] for _, u in receiver.got] == ["queued before", "after"]
        assert receiver.attempts == 4  # two 500s were retried
        deadline = time.monotonic() + 2
        while fake.pending_updates and time.monotonic() < deadline:
            time.sleep(0.01)
        info = api.post("getWebhookInfo").json()["result"]
        assert info["url"] == receiver.url and info["pending_update_count"] == 0
        assert "500" in info["last_error_message"]
        assert fake.webhook is not None and fake.webhook["secret_token"] == "s3cr-et_"
        assert api.post("deleteWebhook").json()["result"] is True
        assert fake.webhook is None
        fake.send_message(USER, "polled")
        assert api.post("getUpdates").json()["result"][0]["message"]["text"] == "polled"
    finally:
        receiver.close()


# --- media and editing --------------------------------------------------------------------
async def test_photo_upload_then_reuse_by_file_id(fake: FakeBotAPI) -> None:
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        first = await bot.send_photo(USER, png(30, 20), caption="<b>look</b>", parse_mode="HTML")
        photo = first.photo[-1]
        assert (photo.width, photo.height) == (30, 20) and first.caption == "look"
        again = await bot.send_photo(OTHER, photo.file_id)
        assert again.photo[-1].file_unique_id == photo.file_unique_id
        by_url = await bot.send_photo(USER, "https://example.org/p.jpg")
        assert by_url.photo[-1].file_id not in (photo.file_id, "")
        with pytest.raises(BadRequest, match="^Wrong file identifier/http url specified$"):
            await bot.send_photo(USER, "AgACAgNotAFileId")
    assert fake.calls_to("sendPhoto")[0].params["photo"].data[:4] == b"\x89PNG"


async def test_edits_and_deletes(fake: FakeBotAPI) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d")]])
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        sent = await bot.send_message(USER, "one", reply_markup=keyboard)
        with pytest.raises(BadRequest, match="^Message is not modified: specified new"):
            await bot.edit_message_text("one", chat_id=USER, message_id=sent.message_id,
                                        reply_markup=keyboard)
        edited = await bot.edit_message_text("<b>two</b>", chat_id=USER, parse_mode="HTML",
                                             message_id=sent.message_id, reply_markup=keyboard)
        assert edited.text == "two" and edited.edit_date is not None
        assert fake.last_message(USER)["text"] == "two"
        assert fake.messages(USER)[0]["reply_markup"] == keyboard.to_dict()
        with pytest.raises(BadRequest, match="^Message to edit not found$"):
            await bot.edit_message_text("x", chat_id=USER, message_id=sent.message_id + 50)
        assert await bot.delete_message(USER, sent.message_id)
        with pytest.raises(BadRequest, match="^Message to delete not found$"):
            await bot.delete_message(USER, sent.message_id)
    assert fake.messages(USER) == []


def test_injected_messages_have_real_entities(fake: FakeBotAPI) -> None:
    fake.add_group(-100900, is_forum=True, admins=[USER])
    update = fake.send_message(USER, "/vote@tgbot_demo_bot now, @tgbot_demo_bot 😀",
                               chat_id=-100900, thread_id=7)
    message = update["message"]
    assert message["from"]["language_code"] == "pt" and message["chat"]["id"] == -100900
    assert message["message_thread_id"] == 7 and message["is_topic_message"] is True
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 20},
                                   {"type": "mention", "offset": 26, "length": 15}]
    anonymous = fake.send_message(USER, "hi", chat_id=-100900, sender_chat_id=-100900)
    assert anonymous["message"]["from"]["id"] == 1087968824
    assert anonymous["message"]["sender_chat"]["id"] == -100900


def test_wait_for_explains_timeouts(fake: FakeBotAPI, api: httpx.Client) -> None:
    mark = fake.mark()
    api.post("sendMessage", data={"chat_id": USER, "text": "hello there"})
    assert fake.wait_for_message(USER, after=mark, text_contains="there")["text"] == "hello there"
    with pytest.raises(TimeoutError, match="sendMessage ok"):
        fake.wait_for(lambda call: call.method == "sendPhoto", timeout=0.2, after=mark)


async def test_async_wait_does_not_block_the_loop(fake: FakeBotAPI) -> None:
    async with telegram.Bot(fake.token, base_url=fake.base_url) as bot:
        waiter = asyncio.ensure_future(fake.async_wait_for_message(OTHER, text_contains="ping"))
        await bot.send_message(OTHER, "ping")  # runs while the waiter blocks a worker thread
        assert (await asyncio.wait_for(waiter, 5))["text"] == "ping"


def test_throughput_is_not_the_bottleneck(fake: FakeBotAPI, api: httpx.Client) -> None:
    started = time.monotonic()
    for index in range(300):
        assert api.post("sendMessage", data={"chat_id": USER, "text": f"<b>{index}</b>",
                                             "parse_mode": "HTML"}).status_code == 200
    assert time.monotonic() - started < 3  # ~0.3 s on the 2-core CI machine


def _article(result_id: str, text: str = "<b>Day 5</b>", **extra: Any) -> dict[str, Any]:
    return {"type": "article", "id": result_id, "title": "Today",
            "input_message_content": {"message_text": text, "parse_mode": "HTML"}, **extra}


def test_inline_queries_and_answer_inline_query_rules(fake: FakeBotAPI,
                                                      api: httpx.Client) -> None:
    stranger = fake.inline_query(555, "who", language_code="fa")["inline_query"]
    assert stranger["from"]["language_code"] == "fa" and stranger["query"] == "who"
    updates = api.post("getUpdates").json()["result"]
    assert updates[-1]["inline_query"]["id"] == stranger["id"]

    def answer(results: list[Any], **params: Any) -> tuple[int, str] | None:
        response = api.post("answerInlineQuery", json={
            "inline_query_id": stranger["id"], "results": results, **params})
        return None if response.json()["ok"] else error_of(response)

    bad = {
        "RESULTS_TOO_MUCH": [_article(str(i)) for i in range(51)],
        "RESULT_ID_INVALID": [_article("x" * 65)],
        "RESULT_ID_DUPLICATE": [_article("a"), _article("a")],
        "can't parse entities": [_article("a", "<b>open")],
        "message is too long": [_article("a", "é" * 4097)],
        "message text is empty": [_article("a", "")],
        "field \"title\"": [{**_article("a"), "title": " "}],
        "unknown field": [_article("a", colour="red")],
        "BUTTON_DATA_INVALID": [_article("a", reply_markup={"inline_keyboard": [[
            {"text": "x", "callback_data": "d" * 65}]]})],
        "not implemented": [{"type": "photo", "id": "p", "photo_url": "https://x.org/a.png",
                             "thumbnail_url": "https://x.org/a.png"}],
    }
    for expected, results in bad.items():
        error = answer(results)
        assert error is not None and error[0] == 400 and expected in error[1], (expected, error)
    assert fake.inline_answer(stranger["id"]) is None  # refused answers are not answers
    multibyte_id = "é" * 32  # 64 bytes: the limit is in bytes
    assert answer([_article(str(i)) for i in range(49)] + [_article(multibyte_id)],
                  cache_time=60, is_personal=True) is None
    recorded = fake.inline_answer(stranger["id"])
    assert recorded is not None and len(recorded["results"]) == 50
    assert recorded["is_personal"] is True
    error = answer([_article("late")])  # answered once: the query is gone
    assert error is not None and "query is too old" in error[1]
