"""Bot API methods that create, copy, forward, edit and delete messages."""

from __future__ import annotations

import re
import struct
import time
from typing import Any

from .errors import ApiError, bad_request
from .formatting import check_reply_markup, format_text
from .state import ChatState, State, StoredMessage, handles
from .transport import Upload

NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")
MEDIA = {"sendPhoto": ("photo", "PhotoSize"), "sendDocument": ("document", "Document"),
         "sendVideo": ("video", "Video"), "sendAnimation": ("animation", "Animation"),
         "sendAudio": ("audio", "Audio"), "sendVoice": ("voice", "Voice"),
         "sendVideoNote": ("video_note", "VideoNote"), "sendSticker": ("sticker", "Sticker")}
MEDIA_KEYS = tuple(key for key, _ in MEDIA.values())
CONTENT_KEYS = ("text", "entities", *MEDIA_KEYS, "caption", "caption_entities",
                "show_caption_above_media")
# deleteMessage: "A message can only be deleted if it was sent less than 48 hours ago."
DELETE_WINDOW = 48 * 3600
MAX_DELETED = 100  # deleteMessages.message_ids: "A JSON-serialized list of 1-100 identifiers"
_HTTP_URL = re.compile(r"(?i)https?://\S+\Z")


def _admit(state: State, chat: ChatState, params: dict[str, Any]) -> None:
    """Flood control, checked last so only sends that would succeed are counted."""
    _refuse_flood(state.limiter.admit(chat.id, is_group=chat.type != "private",
                                      paid=bool(params.get("allow_paid_broadcast")),
                                      now=time.monotonic()))


def _refuse_flood(retry: int | None) -> None:
    if retry is not None:
        raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})


def _context(state: State, chat: ChatState, params: dict[str, Any]) -> dict[str, Any]:
    """Topic and reply fields shared by every sending method."""
    content: dict[str, Any] = {}
    thread = params.get("message_thread_id")
    if thread is not None and chat.chat.get("is_forum"):
        content["message_thread_id"] = thread
        content["is_topic_message"] = True
    reply = params.get("reply_parameters")
    if reply:
        target = chat if reply.get("chat_id") in (None, chat.id) else state.chat(reply["chat_id"])
        stored = target.messages.get(reply.get("message_id"))
        if stored is not None and not stored.deleted:
            content["reply_to_message"] = {k: v for k, v in stored.message.items()
                                           if k != "reply_to_message"}
        elif not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
    if params.get("protect_content"):
        content["has_protected_content"] = True
    return content


def _store(state: State, chat: ChatState, params: dict[str, Any],
           content: dict[str, Any]) -> dict[str, Any]:
    markup = params.get("reply_markup")
    _admit(state, chat, params)
    if markup and "inline_keyboard" in markup:
        content["reply_markup"] = markup
    return state.store_message(chat, content, by_bot=True, markup=markup,
                               **state.bot_sender(chat))


@handles("sendMessage")
def send_message(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A text message, its formatting parsed into entities as Telegram does."""
    text, entities = format_text(params.get("text"), params.get("parse_mode"),
                                 params.get("entities"), caption=False, users=state.users)
    check_reply_markup(params.get("reply_markup"))
    chat = state.writable_chat(params["chat_id"])
    content = _context(state, chat, params)
    content["text"] = text
    if entities:
        content["entities"] = entities
    if "link_preview_options" in params:
        content["link_preview_options"] = params["link_preview_options"]
    return _store(state, chat, params, content)


def _caption(state: State, params: dict[str, Any], content: dict[str, Any]) -> None:
    caption, entities = format_text(params.get("caption"), params.get("parse_mode"),
                                    params.get("caption_entities"), caption=True,
                                    users=state.users)
    if caption:
        content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
    if params.get("show_caption_above_media"):
        content["show_caption_above_media"] = True


def _png_size(data: bytes) -> tuple[int, int] | None:
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return None


def resolve_file(state: State, value: Any, type_name: str) -> dict[str, Any]:
    """An upload gets a new file_id; a known file_id or an http(s) URL is accepted."""
    if isinstance(value, str):
        known = state.files.get(value)
        if known is not None:
            return known["object"]
        if not _HTTP_URL.match(value):
            raise bad_request("wrong file identifier/HTTP URL specified")
    serial = state.next_serial()
    fields = {f["name"] for f in state.spec.types[type_name].get("fields", [])}
    obj = state.spec.skeleton(type_name, file_id=f"AgACAgIAAxkBAAFake{serial:08d}",
                              file_unique_id=f"AQADFake{serial:08d}")
    record: dict[str, Any] = {"object": obj}
    if isinstance(value, Upload):
        obj["file_size"] = len(value.data)
        record["upload"] = value
        if "file_name" in fields and value.filename:
            obj["file_name"] = value.filename
        if "mime_type" in fields and value.content_type:
            obj["mime_type"] = value.content_type
    else:
        record["url"] = value
    if type_name == "PhotoSize":
        size = _png_size(value.data) if isinstance(value, Upload) else None
        obj["width"], obj["height"] = size or (1280, 720)
    state.files[obj["file_id"]] = record
    return obj


def _media_handler(method: str) -> None:
    key, type_name = MEDIA[method]

    def send_media(state: State, params: dict[str, Any]) -> dict[str, Any]:
        content: dict[str, Any] = {}
        _caption(state, params, content)
        check_reply_markup(params.get("reply_markup"))
        chat = state.writable_chat(params["chat_id"])
        obj = resolve_file(state, params[key], type_name)
        content = {**_context(state, chat, params), key: [obj] if key == "photo" else obj,
                   **content}
        if params.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return _store(state, chat, params, content)

    handles(method)(send_media)


for _method in MEDIA:
    _media_handler(_method)


def _source(state: State, params: dict[str, Any], what: str) -> StoredMessage:
    chat = state.chat(params["from_chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request(f"message to {what} not found")
    return stored


@handles("copyMessage")
def copy_message(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A copy without a link to the original; only its MessageId is returned."""
    source = _source(state, params, "copy").message
    content = {k: source[k] for k in CONTENT_KEYS if k in source}
    if not content:
        raise bad_request("message can't be copied")
    if "caption" in params and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        _caption(state, params, content)
    check_reply_markup(params.get("reply_markup"))
    chat = state.writable_chat(params["chat_id"])
    message = _store(state, chat, params, {**_context(state, chat, params), **content})
    return {"message_id": message["message_id"]}


@handles("forwardMessage")
def forward_message(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A forward with its forward_origin (user, chat or channel)."""
    source = _source(state, params, "forward").message
    content = {k: source[k] for k in CONTENT_KEYS if k in source}
    if not content:
        raise bad_request("message can't be forwarded")
    if source["chat"]["type"] == "channel":
        origin = {"type": "channel", "chat": source["chat"], "message_id": source["message_id"]}
    elif "sender_chat" in source:
        origin = {"type": "chat", "sender_chat": source["sender_chat"]}
    else:
        origin = {"type": "user", "sender_user": source.get("from", state.bot_user)}
    origin["date"] = source["date"]
    chat = state.writable_chat(params["chat_id"])
    context = _context(state, chat, params)
    return _store(state, chat, params, {**context, "forward_origin": origin, **content})


def _editable(state: State, params: dict[str, Any]) -> tuple[ChatState, StoredMessage]:
    """The bot's own message named by chat_id + message_id (inline messages unsupported)."""
    if params.get("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    if "chat_id" not in params:
        raise bad_request("chat_id is empty")
    if "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = state.writable_chat(params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to edit not found")
    if not stored.by_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(state: State, stored: StoredMessage, changes: dict[str, Any],
                markup: dict[str, Any] | None, keys: tuple[str, ...]) -> dict[str, Any]:
    """Replace the stored message (never mutate it); refuse a no-op edit like Telegram."""
    old = stored.message
    unchanged = all(old.get(k) == changes.get(k) for k in keys)
    if unchanged and old.get("reply_markup") == markup:
        raise bad_request(NOT_MODIFIED)
    _refuse_flood(state.limiter.admit_edit(now=time.monotonic()))
    new = {k: v for k, v in old.items() if k not in keys and k != "reply_markup"}
    new.update({k: v for k, v in changes.items() if v})
    if markup:
        new["reply_markup"] = markup
    new["edit_date"] = state.now()
    stored.message = new
    stored.markup = markup
    return new


@handles("editMessageText")
def edit_message_text(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """New text for a text message; the same content again is refused."""
    text, entities = format_text(params.get("text"), params.get("parse_mode"),
                                 params.get("entities"), caption=False, users=state.users)
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    _, stored = _editable(state, params)
    if "text" not in stored.message:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(state, stored, {"text": text, "entities": entities or None}, markup,
                       ("text", "entities"))


@handles("editMessageCaption")
def edit_message_caption(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A new caption for a media message; the same content is refused."""
    changes: dict[str, Any] = {}
    _caption(state, params, changes)
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    _, stored = _editable(state, params)
    if not any(key in stored.message for key in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    return _apply_edit(state, stored, changes, markup,
                       ("caption", "caption_entities", "show_caption_above_media"))


@handles("editMessageReplyMarkup")
def edit_message_reply_markup(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """New buttons only; the same buttons again are refused."""
    markup = params.get("reply_markup")
    check_reply_markup(markup)
    _, stored = _editable(state, params)
    return _apply_edit(state, stored, {}, markup, ())


def _check_deletable(state: State, chat: ChatState, stored: StoredMessage) -> None:
    """The deleteMessage rules of the Bot API description, with the errors TDLib gives.

    Someone else's message outside a private chat needs an administrator bot; any message
    must be younger than 48 hours. In private chats and basic groups TDLib refuses a too old
    one itself ("Message can't be deleted for everyone"), in supergroups and channels
    Telegram does (MESSAGE_DELETE_FORBIDDEN, which Client.cpp words "message can't be
    deleted").
    """
    if not stored.by_bot and chat.type != "private" and not chat.bot_is_admin:
        raise bad_request("message can't be deleted")
    if state.now() - stored.message["date"] >= DELETE_WINDOW:
        if chat.type in ("private", "group"):
            raise bad_request("message can't be deleted for everyone")
        raise bad_request("message can't be deleted")


@handles("deleteMessage")
def delete_message(state: State, params: dict[str, Any]) -> bool:
    """Delete one message; one already gone, too old or not the bot's to delete is refused."""
    chat = state.chat(params["chat_id"])
    stored = chat.messages.get(params["message_id"])
    if stored is None or stored.deleted:
        raise bad_request("message to delete not found")
    _check_deletable(state, chat, stored)
    stored.deleted = True
    return True


@handles("deleteMessages")
def delete_messages(state: State, params: dict[str, Any]) -> bool:
    """Delete 1-100 messages at once: ids not found are skipped, as the description says.

    One that is found but may not be deleted refuses the whole call, before anything is
    deleted (TDLib checks every message first).
    """
    if not params["message_ids"]:
        raise bad_request("message identifiers are not specified")
    if len(params["message_ids"]) > MAX_DELETED:
        raise bad_request("too many message identifiers specified")
    chat = state.chat(params["chat_id"])
    found = [stored for message_id in params["message_ids"]
             if (stored := chat.messages.get(message_id)) is not None and not stored.deleted]
    for stored in found:
        _check_deletable(state, chat, stored)
    for stored in found:
        stored.deleted = True
    return True


@handles("sendChatAction")
def send_chat_action(state: State, params: dict[str, Any]) -> bool:
    """A typing indicator: only checks that the bot may write to the chat."""
    state.writable_chat(params["chat_id"])
    return True
