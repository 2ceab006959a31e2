"""Updates a test injects as if users acted: messages, channel posts, button presses, joins."""

from __future__ import annotations

import re
from typing import Any

from .formatting import utf16_len
from .state import (
    ANONYMOUS_ADMIN,
    CHANNEL_BOT,
    CallbackState,
    ChatState,
    InlineQueryState,
    State,
)

_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![A-Za-z0-9_@])@[A-Za-z0-9_]{4,32}")


def user_entities(text: str) -> list[dict[str, Any]]:
    """Entities Telegram's clients/servers attach: a leading bot_command and @mentions."""
    entities: list[dict[str, Any]] = []
    command = _COMMAND.match(text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": len(command.group())})
    for mention in _MENTION.finditer(text):
        if command and mention.start() < command.end():
            continue
        entities.append({"type": "mention", "offset": utf16_len(text[:mention.start()]),
                         "length": utf16_len(mention.group())})
    return entities


def _text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    entities = user_entities(text)
    if entities:
        content["entities"] = entities
    return content


def user_message(state: State, user_id: int, text: str, *, chat_id: int | None,
                 thread_id: int | None, reply_to_message_id: int | None,
                 sender_chat_id: int | None) -> dict[str, Any]:
    """A `message` update from a user (or an anonymous admin / linked channel)."""
    with state.lock:
        user = state.user(user_id)
        chat = state.chat(user_id if chat_id is None else chat_id)
        if chat.type == "private":
            chat.blocked = False  # writing to the bot again means the user restarted it
        else:
            chat.members.add(user_id)
        content: dict[str, Any] = {}
        if thread_id is not None and chat.chat.get("is_forum"):
            content.update(message_thread_id=thread_id, is_topic_message=True)
        if reply_to_message_id is not None:
            replied = chat.messages.get(reply_to_message_id)
            if replied is not None and not replied.deleted:
                content["reply_to_message"] = {k: v for k, v in replied.message.items()
                                               if k != "reply_to_message"}
        content.update(_text_content(text))
        sender: dict[str, Any] = user
        sender_chat = None
        if sender_chat_id is not None:
            sender_chat = state.chat(sender_chat_id).chat
            sender = ANONYMOUS_ADMIN if sender_chat_id == chat.id else CHANNEL_BOT
        message = state.store_message(chat, content, sender=sender, by_bot=False,
                                      sender_chat=sender_chat)
        return state.push_update({"message": message})


def channel_post(state: State, chat_id: int, text: str) -> dict[str, Any]:
    """A `channel_post` update (posts are signed by the channel, no `from`)."""
    with state.lock:
        chat = state.chat(chat_id)
        message = state.store_message(chat, _text_content(text), sender=None, by_bot=False,
                                      sender_chat=chat.chat)
        return state.push_update({"channel_post": message})


def button_press(state: State, user_id: int, chat_id: int, message_id: int,
                 data: str) -> dict[str, Any]:
    """A `callback_query` update; an unknown message arrives as an InaccessibleMessage."""
    with state.lock:
        user = state.user(user_id)
        chat = state.chat(chat_id)
        stored = chat.messages.get(message_id)
        if stored is not None and not stored.deleted:
            message = stored.message
        else:
            message = {"chat": chat.chat, "message_id": message_id, "date": 0}
        query_id = str(4_000_000_000_000_000 + state.next_serial())
        state.callbacks[query_id] = CallbackState(user_id, chat.id, message_id, data)
        return state.push_update({"callback_query": {
            "id": query_id, "from": user, "message": message,
            "chat_instance": str(-(10**15) - abs(chat.id)), "data": data}})


def inline_query(state: State, user: dict[str, Any], query: str,
                 chat_type: str) -> dict[str, Any]:
    """An `inline_query` update: someone typed "@bot query" in a chat of `chat_type`.

    Like Telegram, only a bot with inline mode on (BotFather's /setinline) gets them.
    """
    with state.lock:
        if not state.me.get("supports_inline_queries"):
            raise ValueError("inline mode is off for this bot (BotFather's /setinline): "
                             "Telegram sends it no inline queries")
        query_id = str(5_000_000_000_000_000 + state.next_serial())
        state.inline_queries[query_id] = InlineQueryState(dict(user), query)
        return state.push_update({"inline_query": {
            "id": query_id, "from": user, "query": query, "offset": "",
            "chat_type": chat_type}})


def my_chat_member(state: State, chat_id: int, *, by_user_id: int, new_status: str,
                   old_status: str) -> dict[str, Any]:
    """A `my_chat_member` update about the bot; the fake's view of the chat follows it."""
    with state.lock:
        chat = state.chat(chat_id)
        by_user = state.user(by_user_id)
        _apply_bot_status(chat, new_status)
        return state.push_update({"my_chat_member": {
            "chat": chat.chat, "from": by_user, "date": state.now(),
            "old_chat_member": state.chat_member(old_status, state.bot_user),
            "new_chat_member": state.chat_member(new_status, state.bot_user)}})


def _apply_bot_status(chat: ChatState, status: str) -> None:
    if chat.type == "private":  # a user blocking ("kicked") or restarting the bot
        chat.blocked = status == "kicked"
        return
    chat.bot_status = "administrator" if status == "creator" else status
    if status in ("administrator", "member"):
        chat.bot_is_admin = status == "administrator"


def migrate(state: State, old_chat_id: int, new_chat_id: int) -> None:
    """Basic group -> supergroup, with both service messages Telegram sends."""
    with state.lock:
        old = state.chat(old_chat_id)
        if old.type != "group":
            raise ValueError(f"chat {old_chat_id} is a {old.type}, only a basic group migrates")
        if new_chat_id in state.chats:
            raise ValueError(f"chat {new_chat_id} already exists")
        new = ChatState(chat={"id": new_chat_id, "type": "supergroup",
                              "title": old.chat.get("title", "")},
                        admins=list(old.admins), members=set(old.members),
                        bot_is_admin=old.bot_is_admin, bot_status=old.bot_status)
        state.chats[new_chat_id] = new
        sender = state.users.get(old.admins[0]) if old.admins else None
        message = state.store_message(old, {"migrate_to_chat_id": new_chat_id}, sender=sender,
                                      by_bot=False)
        old.migrated_to = new_chat_id
        state.push_update({"message": message})
        message = state.store_message(new, {"migrate_from_chat_id": old_chat_id},
                                      sender=sender, by_bot=False)
        state.push_update({"message": message})
