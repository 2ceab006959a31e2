"""The fake's world (users, chats, messages, files) and the handler registry, behind one lock."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, forbidden
from .queue import UpdateQueue
from .ratelimit import RateLimiter
from .recording import Recorder
from .spec import Spec

Handler = Callable[["State", dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {}

ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                   "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel",
               "username": "Channel_Bot"}


def handles(*methods: str) -> Callable[[Handler], Handler]:
    """Register a function as the handler of Bot API methods (canonical spelling)."""
    def register(function: Handler) -> Handler:
        for method in methods:
            HANDLERS[method] = function
        return function
    return register


@dataclass
class StoredMessage:
    """A message in a chat. `message` is replaced, never mutated, so old results stay valid."""

    message: dict[str, Any]
    by_bot: bool
    markup: dict[str, Any] | None = None  # any reply_markup (reply keyboards are not echoed)
    deleted: bool = False


@dataclass
class ChatState:
    """A chat as the fake knows it, including the bot's standing in it."""

    chat: dict[str, Any]  # the Chat object embedded in messages
    admins: list[int] = field(default_factory=list)  # first one is the creator
    members: set[int] = field(default_factory=set)
    bot_is_admin: bool = False
    bot_status: str = "member"  # member / administrator / left / kicked
    blocked: bool = False  # private chats: the user blocked the bot
    deactivated: bool = False
    migrated_to: int | None = None
    auto_delete_time: int = 0  # seconds of the chat's auto-delete timer; 0: off
    next_message_id: int = 1
    messages: dict[int, StoredMessage] = field(default_factory=dict)

    @property
    def id(self) -> int:
        """The chat's id."""
        return int(self.chat["id"])

    @property
    def type(self) -> str:
        """The chat's type: private, group, supergroup or channel."""
        return str(self.chat["type"])


@dataclass
class CallbackState:
    """A callback query the fake issued, so answerCallbackQuery can be checked."""

    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class InlineQueryState:
    """An inline query the fake issued, so answerInlineQuery can be checked and read back."""

    user: dict[str, Any]  # the sender: maybe someone who never started the bot
    query: str
    answer: dict[str, Any] | None = None  # answerInlineQuery's parameters, once answered


class State:
    """Everything mutable. Handlers run with `lock` held; Conditions share that lock."""

    def __init__(self, spec: Spec, bot_user: dict[str, Any], me: dict[str, Any]) -> None:
        self.spec = spec
        self.bot_user = bot_user  # as in messages' `from`
        self.me = me  # as getMe returns it (with the getMe-only flags)
        self.lock = threading.RLock()
        self.recorder = Recorder(self.lock)
        self.updates_changed = threading.Condition(self.lock)
        self.updates = UpdateQueue(spec.update_types, self.now)
        self.limiter = RateLimiter()
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatState] = {}
        self.bot_messages: list[tuple[int, int]] = []  # (chat_id, message_id) in send order
        self.files: dict[str, dict[str, Any]] = {}  # file_id -> {"object", "url"?, "upload"?}
        self.callbacks: dict[str, CallbackState] = {}
        self.inline_queries: dict[str, InlineQueryState] = {}
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # ("name"|"description"|..., lang)
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.admin_rights: dict[bool, dict[str, Any]] = {}
        self.webhook: dict[str, Any] | None = None
        self.next_set_webhook = 0.0  # clock() before which setWebhook answers 429
        # method -> injected answers, each for any chat (None) or one chat_id as sent
        self.failures: dict[str, deque[tuple[str | None, ApiError]]] = {}
        self.down = False
        self.stopping = False
        self.clock_offset = 0.0  # seconds the fake's clock runs ahead of the wall clock
        self._ids = itertools.count(1)

    def clock(self) -> float:
        """The fake's Unix time, which advance_clock moves ahead of the wall clock."""
        return time.time() + self.clock_offset

    def now(self) -> int:
        """The fake's Unix time in whole seconds, as in message dates."""
        return int(self.clock())

    def next_serial(self) -> int:
        """Process-unique counter for file ids and callback query ids."""
        return next(self._ids)

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update and wake long polls and the webhook sender."""
        with self.lock:
            update = self.updates.push(update)
            self.updates_changed.notify_all()
            return update

    # --- chats ---------------------------------------------------------------------------
    def chat(self, chat_id: int | str) -> ChatState:
        """Any known chat (by id or @username) or 400 "chat not found"."""
        if isinstance(chat_id, str):
            name = chat_id.lstrip("@").lower()
            for state in self.chats.values():
                if str(state.chat.get("username", "")).lower() == name and name:
                    return state
            raise bad_request("chat not found")
        found = self.chats.get(chat_id)
        if found is None:
            raise bad_request("chat not found")
        return found

    def writable_chat(self, chat_id: int | str) -> ChatState:
        """A chat the bot may post in, else the server's 400/403 for that situation."""
        state = self.chat(chat_id)
        if state.migrated_to is not None:
            raise bad_request("group chat was upgraded to a supergroup chat",
                              {"migrate_to_chat_id": state.migrated_to})
        kind = state.type
        if kind == "private":
            if state.deactivated:
                raise forbidden("user is deactivated")
            if state.blocked:
                raise forbidden("bot was blocked by the user")
        elif kind == "group":
            if state.bot_status == "kicked":
                raise forbidden("bot was kicked from the group chat")
            if state.bot_status == "left":
                raise forbidden("bot is not a member of the group chat")
        else:
            what = "supergroup" if kind == "supergroup" else "channel"
            if state.bot_status == "kicked":
                raise forbidden(f"bot was kicked from the {what} chat")
            if state.bot_status == "left" or (kind == "channel" and not state.bot_is_admin):
                raise forbidden(f"bot is not a member of the {what} chat")
        return state

    def store_message(self, state: ChatState, content: dict[str, Any], *,
                      sender: dict[str, Any] | None, by_bot: bool,
                      markup: dict[str, Any] | None = None,
                      sender_chat: dict[str, Any] | None = None) -> dict[str, Any]:
        """Give the content the chat's next message_id and a date, and keep it."""
        message: dict[str, Any] = {"message_id": state.next_message_id}
        state.next_message_id += 1
        if sender is not None:
            message["from"] = sender
        if sender_chat is not None:
            message["sender_chat"] = sender_chat
        message["chat"] = state.chat
        message["date"] = self.now()
        message.update(content)
        state.messages[message["message_id"]] = StoredMessage(message, by_bot, markup)
        if by_bot:
            self.bot_messages.append((state.id, message["message_id"]))
        return message

    def bot_sender(self, state: ChatState) -> dict[str, Any]:
        """`from`/`sender_chat` of a bot message: channel posts are signed by the channel."""
        if state.type == "channel":
            return {"sender": None, "sender_chat": state.chat}
        return {"sender": self.bot_user}

    def user(self, user_id: int) -> dict[str, Any]:
        """A user the test added; a clear KeyError for one it forgot to add."""
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}: call add_user() first") from None

    def member_status(self, state: ChatState, user_id: int) -> str:
        """ChatMember status of a user (or the bot) in a chat, from the fake's lists."""
        if user_id == self.bot_user["id"]:
            if state.bot_status in ("left", "kicked"):
                return state.bot_status
            if state.type == "private":
                return "member"
            return "administrator" if state.bot_is_admin else "member"
        if state.type == "private":
            return "member" if user_id == state.id else "left"
        if state.admins and user_id == state.admins[0]:
            return "creator"
        if user_id in state.admins:
            return "administrator"
        return "member" if user_id in state.members else "left"

    def chat_member(self, status: str, user: dict[str, Any]) -> dict[str, Any]:
        """A ChatMember* object with every field the spec requires for that status."""
        type_name = {"creator": "ChatMemberOwner", "administrator": "ChatMemberAdministrator",
                     "member": "ChatMemberMember", "restricted": "ChatMemberRestricted",
                     "left": "ChatMemberLeft", "kicked": "ChatMemberBanned"}[status]
        member = self.spec.skeleton(type_name, status=status, user=user)
        for key in member:
            if key.startswith("can_") and key != "can_be_edited" and status == "administrator":
                member[key] = True
        return member
