"""Bot API methods about the bot and chats: getMe, updates/webhooks, commands, chat info."""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, bad_request
from .formatting import check_commands, check_language_code
from .state import State, handles
from .updates import get_updates

_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]+\Z")
_BOT_TEXT_LIMITS = {"name": 64, "description": 512, "short_description": 120}


def scope_key(scope: dict[str, Any] | None) -> str:
    """The key under which command lists are stored: the scope as canonical JSON."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


@handles("getMe")
def get_me(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """The bot's own User, with the flags only getMe returns."""
    return dict(state.me)


@handles("getUpdates")
def get_updates_handler(state: State, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Long polling, refused with 409 while a webhook is set (see updates.py)."""
    return get_updates(state, params)


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@handles("setWebhook")
def set_webhook(state: State, params: dict[str, Any]) -> bool:
    """Like the *local* Bot API server: plain http is fine; this fake only posts to loopback.

    A new URL at most once a second, else 429 with retry_after 1, even when it is the same
    (Client.cpp `process_set_webhook_query`, `next_allowed_set_webhook_time_`).
    """
    url = params.get("url", "")
    if not url:
        return delete_webhook(state, params)
    now = state.clock()
    if now < state.next_set_webhook:
        raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    state.next_set_webhook = now + 1.0
    secret = params.get("secret_token", "")
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if secret and not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise bad_request("invalid webhook URL specified")
    if not _is_loopback(parts.hostname):
        raise bad_request("bad webhook: this fake Bot API delivers only to loopback addresses")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    if "allowed_updates" in params:
        state.updates.set_allowed([str(kind) for kind in params["allowed_updates"]])
    hook: dict[str, Any] = {
        "url": url, "secret_token": secret or None,
        "max_connections": min(max(int(params.get("max_connections", 40)), 1), 100),
        "ip_address": params.get("ip_address"),
        "has_custom_certificate": "certificate" in params,
    }
    state.webhook = hook
    state.updates_changed.notify_all()  # wakes the sender; a pending long poll answers 409
    return True


@handles("deleteWebhook")
def delete_webhook(state: State, params: dict[str, Any]) -> bool:
    """Back to getUpdates; pending updates are kept unless asked to drop them."""
    if params.get("drop_pending_updates"):
        state.updates.clear()
    state.webhook = None
    state.updates_changed.notify_all()
    return True


@handles("getWebhookInfo")
def get_webhook_info(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """The webhook as set, with optional fields only when they have a value."""
    hook = state.webhook
    info: dict[str, Any] = {
        "url": hook["url"] if hook else "",
        "has_custom_certificate": bool(hook and hook["has_custom_certificate"]),
        "pending_update_count": state.updates.count()}
    if hook:
        for key in ("ip_address", "last_error_date", "last_error_message", "max_connections"):
            if hook.get(key) is not None:
                info[key] = hook[key]
        if state.updates.allowed is not None:
            info["allowed_updates"] = sorted(state.updates.allowed)
    return info


@handles("answerCallbackQuery")
def answer_callback_query(state: State, params: dict[str, Any]) -> bool:
    """Answer a button press once; a second answer is refused as too old."""
    query = state.callbacks.get(params["callback_query_id"])
    if query is None or query.answered:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    if len(params.get("text", "")) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    query.answer = {k: v for k, v in params.items() if k != "callback_query_id"}
    return True


@handles("setMyCommands")
def set_my_commands(state: State, params: dict[str, Any]) -> bool:
    """Store a command menu per scope and language; an empty list deletes it."""
    language = check_language_code(params.get("language_code"))
    commands = check_commands(params["commands"])
    key = (scope_key(params.get("scope")), language)
    if commands:
        state.commands[key] = commands
    else:
        state.commands.pop(key, None)
    return True


@handles("getMyCommands")
def get_my_commands(state: State, params: dict[str, Any]) -> list[dict[str, str]]:
    """The menu for exactly this scope and language (no fallback, like Telegram)."""
    language = check_language_code(params.get("language_code"))
    return list(state.commands.get((scope_key(params.get("scope")), language), []))


@handles("deleteMyCommands")
def delete_my_commands(state: State, params: dict[str, Any]) -> bool:
    """Drop the menu of this scope and language."""
    language = check_language_code(params.get("language_code"))
    state.commands.pop((scope_key(params.get("scope")), language), None)
    return True


def _bot_text_handlers(field: str, set_name: str, get_name: str) -> None:
    """setMyName/Description/ShortDescription and their getters, stored per language."""
    limit = _BOT_TEXT_LIMITS[field]

    def setter(state: State, params: dict[str, Any]) -> bool:
        language = check_language_code(params.get("language_code"))
        value = params.get(field, "")
        if len(value) > limit:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        state.bot_texts[(field, language)] = value
        return True

    def getter(state: State, params: dict[str, Any]) -> dict[str, str]:
        language = check_language_code(params.get("language_code"))
        value = state.bot_texts.get((field, language))
        if value is None:
            value = state.bot_texts.get((field, ""))
        if value is None:
            value = state.bot_user["first_name"] if field == "name" else ""
        return {field: value}

    handles(set_name)(setter)
    handles(get_name)(getter)


_bot_text_handlers("name", "setMyName", "getMyName")
_bot_text_handlers("description", "setMyDescription", "getMyDescription")
_bot_text_handlers("short_description", "setMyShortDescription", "getMyShortDescription")


@handles("getChat")
def get_chat(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """The chat as ChatFullInfo, its required fields filled with neutral values.

    message_auto_delete_time only while the chat's timer is on, as Telegram leaves it out.
    """
    chat = state.chat(params["chat_id"])
    timer = {"message_auto_delete_time": chat.auto_delete_time} if chat.auto_delete_time else {}
    return state.spec.skeleton("ChatFullInfo", max_reaction_count=11, **chat.chat, **timer)


@handles("getChatMember")
def get_chat_member(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A member's status in the chat; an unknown user is refused."""
    chat = state.chat(params["chat_id"])
    user_id = params["user_id"]
    user = state.bot_user if user_id == state.bot_user["id"] else state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    return state.chat_member(state.member_status(chat, user_id), user)


@handles("getChatAdministrators")
def get_chat_administrators(state: State, params: dict[str, Any]) -> list[dict[str, Any]]:
    """The chat's administrators, the bot last when it is one."""
    chat = state.chat(params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [state.chat_member(state.member_status(chat, uid), state.users[uid])
              for uid in chat.admins if uid in state.users]
    if state.member_status(chat, state.bot_user["id"]) == "administrator":
        admins.append(state.chat_member("administrator", state.bot_user))
    return admins


@handles("getChatMemberCount")
def get_chat_member_count(state: State, params: dict[str, Any]) -> int:
    """Members, the bot included while it is in the chat (2 in a private one)."""
    chat = state.chat(params["chat_id"])
    if chat.type == "private":
        return 2
    in_chat = chat.bot_status not in ("left", "kicked")
    return len(set(chat.admins) | chat.members) + int(in_chat)


@handles("leaveChat")
def leave_chat(state: State, params: dict[str, Any]) -> bool:
    """The bot leaves a group or channel (a private chat is left as it is)."""
    chat = state.chat(params["chat_id"])
    if chat.type != "private":
        chat.bot_status = "left"
    return True


@handles("setChatMenuButton")
def set_chat_menu_button(state: State, params: dict[str, Any]) -> bool:
    """The menu button of one chat, or the default one without chat_id."""
    chat_id = params.get("chat_id")
    if chat_id is not None:
        chat_id = state.chat(chat_id).id
    state.menu_buttons[chat_id] = params.get("menu_button") or {"type": "default"}
    return True


@handles("getChatMenuButton")
def get_chat_menu_button(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """The chat's own menu button, else the default one."""
    chat_id = params.get("chat_id")
    if chat_id is not None:
        chat_id = state.chat(chat_id).id
        if chat_id in state.menu_buttons:
            return state.menu_buttons[chat_id]
    return state.menu_buttons.get(None, {"type": "default"})


@handles("setMyDefaultAdministratorRights")
def set_default_admin_rights(state: State, params: dict[str, Any]) -> bool:
    """The rights the bot asks for when added, for groups or channels."""
    rights = params.get("rights")
    for_channels = bool(params.get("for_channels"))
    if rights:
        state.admin_rights[for_channels] = rights
    else:
        state.admin_rights.pop(for_channels, None)
    return True


@handles("getMyDefaultAdministratorRights")
def get_default_admin_rights(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """The rights stored for groups or channels, else every right false."""
    rights = state.admin_rights.get(bool(params.get("for_channels")))
    return rights or state.spec.skeleton("ChatAdministratorRights")


@handles("getFile")
def get_file(state: State, params: dict[str, Any]) -> dict[str, Any]:
    """A File for a file_id this fake handed out; its path is under files/."""
    record = state.files.get(params["file_id"])
    if record is None:
        raise bad_request("invalid file_id")
    obj = record["object"]
    result = {"file_id": obj["file_id"], "file_unique_id": obj["file_unique_id"],
              "file_path": f"files/{obj['file_unique_id']}"}
    if "file_size" in obj:
        result["file_size"] = obj["file_size"]
    return result
