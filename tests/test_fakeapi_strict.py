"""The loopback Bot API is never more lenient than Telegram (tgbot/fakeapi/README.md's rules).

Each test sends what the Bot API server would refuse or read differently, over real HTTP, and
expects the server's answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tgbot.fakeapi import FakeBotAPI

USER = 1001
GROUP = -100777
TWO_DAYS = 48 * 3600


@pytest.fixture
def fake() -> Iterator[FakeBotAPI]:
    with FakeBotAPI() as server:
        server.add_user(USER)
        server.add_group(GROUP, admins=[USER], bot_is_admin=False, members=[USER])
        yield server


@pytest.fixture
def api(fake: FakeBotAPI) -> Iterator[httpx.Client]:
    """An httpx client whose relative URLs are Bot API method names."""
    with httpx.Client(base_url=f"{fake.base_url}{fake.token}/", timeout=10) as client:
        yield client


def answer(response: httpx.Response) -> tuple[int, Any]:
    """(HTTP status, result) of a success, (HTTP status, description) of an error."""
    body = response.json()
    assert response.status_code == body.get("error_code", 200)
    return response.status_code, body["result"] if body["ok"] else body["description"]


def send(api: httpx.Client, chat_id: int, text: str) -> int:
    status, message = answer(api.post("sendMessage", data={"chat_id": chat_id, "text": text}))
    assert status == 200, message
    return int(message["message_id"])


# --- how a request is read (HttpReader.cpp) --------------------------------------------------
def test_a_body_that_is_not_form_json_or_multipart_has_no_parameters(
        fake: FakeBotAPI, api: httpx.Client) -> None:
    form = f"chat_id={USER}&text=hello".encode()
    plain = api.post("sendMessage", content=form,
                     headers={"Content-Type": "text/plain; charset=utf-8"})
    assert answer(plain) == (400, "Bad Request: chat_id is empty")
    unlabelled = api.post("sendMessage", content=form, headers={"Content-Type": ""})
    assert answer(unlabelled) == (400, "Bad Request: chat_id is empty")
    # the query string is read whatever the body
    assert answer(api.post(f"sendMessage?chat_id={USER}&text=q", content=b"text=ignored",
                           headers={"Content-Type": "text/plain"}))[0] == 200
    assert [m["text"] for m in fake.messages(USER)] == ["q"]


def test_get_updates_ignores_an_offset_sent_as_text_plain(fake: FakeBotAPI,
                                                          api: httpx.Client) -> None:
    first = fake.send_message(USER, "one")["update_id"]
    second = fake.send_message(USER, "two")["update_id"]

    def poll(body: bytes, content_type: str) -> list[int]:
        status, updates = answer(api.post("getUpdates", content=body,
                                          headers={"Content-Type": content_type}))
        assert status == 200
        return [update["update_id"] for update in updates]
    offset = f"offset={second}".encode()
    assert poll(offset, "text/plain") == [first, second]  # nothing confirmed: same again
    assert poll(offset, "text/plain") == [first, second]
    assert poll(offset, "application/x-www-form-urlencoded; charset=utf-8") == [second]
    assert poll(json.dumps({"offset": second + 1}).encode(),
                "application/json; charset=utf-8") == []
    assert fake.pending_updates == 0


def test_a_multipart_part_is_a_file_only_with_a_filename(api: httpx.Client) -> None:
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n{USER}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"\r\n"
            f"Content-Type: image/png\r\n\r\n\x89PNG-not-a-file-id\r\n--{boundary}--\r\n")
    response = api.post("sendPhoto", content=body.encode("latin-1"),
                        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert answer(response) == (400, "Bad Request: wrong file identifier/HTTP URL specified")
    no_boundary = api.post("sendPhoto", content=body.encode("latin-1"),
                           headers={"Content-Type": "multipart/form-data"})
    assert answer(no_boundary) == (400, "Bad Request: boundary not found")


def test_a_method_the_fake_does_not_implement_is_refused(api: httpx.Client) -> None:
    response = api.post("pinChatMessage", data={"chat_id": USER, "message_id": 1})
    assert answer(response) == (
        400, "Bad Request: method pinChatMessage is not implemented by the fake Bot API")
    assert answer(api.post("pinChatMessages", data={"chat_id": USER})) == (
        404, "Not Found: method not found")


def test_unparsable_reply_markup_gets_the_servers_words(api: httpx.Client) -> None:
    response = api.post("sendMessage", data={"chat_id": USER, "text": "t",
                                             "reply_markup": "{inline_keyboard: [["})
    assert answer(response) == (400, "Bad Request: can't parse reply keyboard markup JSON object")
    response = api.post("sendMessage", data={"chat_id": USER, "text": "t", "reply_markup": "[]"})
    assert answer(response) == (400, "Bad Request: object expected as reply markup")
    response = api.post("sendMessage", data={"chat_id": USER, "text": "t",
                                             "reply_markup": '{"inline_keyboard": [1]}'})
    assert answer(response) == (400, 'Bad Request: field "inline_keyboard" of the '
                                     "InlineKeyboardMarkup must be an Array of Arrays")


def test_allowed_updates_filter_updates_as_they_arrive(fake: FakeBotAPI,
                                                       api: httpx.Client) -> None:
    early = fake.send_message(USER, "queued before the setting")["update_id"]
    wanted = json.dumps(["callback_query"])
    status, updates = answer(api.post("getUpdates", data={"allowed_updates": wanted}))
    assert (status, [update["update_id"] for update in updates]) == (200, [early])
    late = fake.send_message(USER, "arrives after it")["update_id"]
    status, updates = answer(api.post("getUpdates", data={"offset": late}))
    assert (status, updates) == (200, []) and fake.pending_updates == 0
    # names the Bot API does not know are ignored: none left means the default set
    unknown = json.dumps(["callback_queries"])
    assert answer(api.post("getUpdates", data={"allowed_updates": unknown})) == (200, [])
    fake.send_message(USER, "wanted again")
    assert fake.pending_updates == 1


def test_updates_expire_like_the_servers(fake: FakeBotAPI, api: httpx.Client) -> None:
    fake.press_button(USER, USER, 1, "go")
    fake.inline_query(USER, "q")
    message = fake.send_message(USER, "kept a day")["update_id"]
    fake.advance_clock(150)  # a button press lives 150 s, an inline query 30 s
    status, updates = answer(api.post("getUpdates"))
    assert (status, [update["update_id"] for update in updates]) == (200, [message])
    fake.advance_clock(24 * 3600)
    assert answer(api.post("getUpdates")) == (200, [])


def test_a_basic_group_the_bot_left_is_not_one_it_was_kicked_from(
        fake: FakeBotAPI, api: httpx.Client) -> None:
    for chat_id, status in ((-555, "left"), (-556, "kicked")):
        fake.add_group(chat_id, type="group", admins=[USER])
        fake.chat_member_update(chat_id, by_user_id=USER, new_status=status, old_status="member")
    assert answer(api.post("sendMessage", data={"chat_id": -555, "text": "t"})) == (
        403, "Forbidden: bot is not a member of the group chat")
    assert answer(api.post("sendMessage", data={"chat_id": -556, "text": "t"})) == (
        403, "Forbidden: bot was kicked from the group chat")


# --- what a callback carries ----------------------------------------------------------------
def test_a_button_press_carries_the_message_as_edited(fake: FakeBotAPI,
                                                      api: httpx.Client) -> None:
    keyboard = json.dumps({"inline_keyboard": [[{"text": "go", "callback_data": "go"}]]})
    _, sent = answer(api.post("sendMessage", data={"chat_id": USER, "text": "before",
                                                   "reply_markup": keyboard}))
    edited = {"chat_id": USER, "message_id": sent["message_id"], "text": "after"}
    assert answer(api.post("editMessageText", data=edited))[0] == 200  # keyboard dropped
    message = fake.press_button(USER, USER, sent["message_id"], "go")["callback_query"]["message"]
    assert message["text"] == "after" and "reply_markup" not in message
    assert message["edit_date"] >= message["date"]
    assert answer(api.post("editMessageText", data=edited)) == (400, (
        "Bad Request: message is not modified: specified new message content and reply markup "
        "are exactly the same as a current content and reply markup of the message"))


# --- deleting (deleteMessage's limitations, TDLib's errors) --------------------------------
def test_a_message_older_than_48_hours_cannot_be_deleted(fake: FakeBotAPI,
                                                         api: httpx.Client) -> None:
    fake.add_group(-100888, admins=[USER])
    old_private, old_group = send(api, USER, "old"), send(api, -100888, "old")
    fake.advance_clock(TWO_DAYS - 60)
    young = send(api, USER, "young")
    fake.advance_clock(60)

    def delete(chat_id: int, message_id: int) -> tuple[int, Any]:
        return answer(api.post("deleteMessage", data={"chat_id": chat_id,
                                                      "message_id": message_id}))
    assert delete(USER, old_private) == (
        400, "Bad Request: message can't be deleted for everyone")
    assert delete(-100888, old_group) == (400, "Bad Request: message can't be deleted")
    assert delete(USER, young) == (200, True)
    assert [m["text"] for m in fake.messages(USER)] == ["old"]


def test_someone_elses_group_message_needs_an_administrator_bot(fake: FakeBotAPI,
                                                                api: httpx.Client) -> None:
    theirs = fake.send_message(USER, "mine", chat_id=GROUP)["message"]["message_id"]
    response = api.post("deleteMessage", data={"chat_id": GROUP, "message_id": theirs})
    assert answer(response) == (400, "Bad Request: message can't be deleted")
    in_private = fake.send_message(USER, "hi")["message"]["message_id"]
    assert answer(api.post("deleteMessage", data={"chat_id": USER,
                                                  "message_id": in_private})) == (200, True)


def test_delete_messages_skips_unknown_ids_and_refuses_undeletable_ones(
        fake: FakeBotAPI, api: httpx.Client) -> None:
    old = send(api, USER, "old")
    fake.advance_clock(TWO_DAYS)
    new = send(api, USER, "new")

    def delete(ids: list[int]) -> tuple[int, Any]:
        return answer(api.post("deleteMessages", data={"chat_id": USER,
                                                       "message_ids": json.dumps(ids)}))
    assert delete([old, new]) == (400, "Bad Request: message can't be deleted for everyone")
    assert len(fake.messages(USER)) == 2  # nothing deleted
    assert delete([]) == (400, "Bad Request: message identifiers are not specified")
    assert delete(list(range(1000, 1101))) == (
        400, "Bad Request: too many message identifiers specified")
    assert delete([new, 9999]) == (200, True)
    assert [m["text"] for m in fake.messages(USER)] == ["old"]


def test_set_webhook_at_most_once_a_second(fake: FakeBotAPI, api: httpx.Client) -> None:
    hook = {"url": "http://127.0.0.1:9/hook"}
    assert answer(api.post("setWebhook", data=hook)) == (200, True)
    again = api.post("setWebhook", data=hook)
    assert again.json() == {"ok": False, "error_code": 429,
                            "description": "Too Many Requests: retry after 1",
                            "parameters": {"retry_after": 1}}
    assert answer(api.post("deleteWebhook")) == (200, True)  # deleting is not paced
    fake.advance_clock(1)
    assert answer(api.post("setWebhook", data=hook)) == (200, True)


# --- flood control --------------------------------------------------------------------------
def test_edits_count_toward_the_messages_per_second(fake: FakeBotAPI,
                                                    api: httpx.Client) -> None:
    fake.set_rate_limits(per_second=2, per_chat_per_second=None, per_group_per_minute=None)
    message_id = send(api, USER, "one")
    edit = {"chat_id": USER, "message_id": message_id, "text": "two"}
    assert answer(api.post("editMessageText", data=edit))[0] == 200
    status, description = answer(api.post("editMessageText", data={**edit, "text": "three"}))
    assert (status, description) == (429, "Too Many Requests: retry after 1")
    assert fake.rate_limited == 1
    assert answer(api.post("editMessageText", data=edit))[1].startswith(
        "Bad Request: message is not modified")  # a refused edit takes no slot
