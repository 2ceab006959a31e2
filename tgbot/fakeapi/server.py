"""FakeBotAPI: a strict loopback Telegram Bot API server for tests, the demo and benchmarks.

It speaks the real wire protocol (`{root}/bot<token>/<method>`, GET/POST, form, JSON and
multipart bodies, the `{"ok": ...}` envelope with HTTP status = error_code) and answers with
the official server's exact error texts, as the open-source server
https://github.com/tdlib/telegram-bot-api writes them. "Strict" means never more lenient than
Telegram: README.md beside this file lists every rule with its source, and where the fake is
stricter or knowingly differs, and why.
Nothing is printed; DEBUG logs go to "tgbot.fakeapi" and never contain the token.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from . import inject, methods_messages
from .dispatch import TOKEN, answer
from .errors import ApiError
from .methods_bot import scope_key
from .recording import Call
from .spec import load_spec
from .state import ChatState, State
from .transport import Listener
from .updates import WebhookSender

log = logging.getLogger("tgbot.fakeapi")

DEFAULT_TOKEN = "1234567:AAFakeTokenForLoopbackTestsOnly_0123"
_MESSAGE_METHODS = frozenset({"sendMessage", "editMessageText", "editMessageCaption",
                              "forwardMessage", *methods_messages.MEDIA})


class FakeBotAPI:
    """The fake server plus its world (users, chats), fault injection and request log."""

    def __init__(self, token: str = DEFAULT_TOKEN, *, bot_username: str = "tgbot_demo_bot",
                 bot_id: int = 1234567, port: int = 0, host: str = "127.0.0.1",
                 bot_name: str = "Campaign Bot", inline_mode: bool = True,
                 first_update_id: int = 1) -> None:
        if not TOKEN.fullmatch(token):
            raise ValueError("token must look like <digits>:<letters, digits, _ or ->")
        self.token = token
        self._spec = load_spec()
        bot_user = {"id": bot_id, "is_bot": True, "first_name": bot_name,
                    "username": bot_username}
        me = dict(bot_user)
        for field in self._spec.types["User"]["fields"]:  # the flags only getMe returns
            if "getMe" in field["description"] and field["types"] == ["Boolean"]:
                me[field["name"]] = field["name"] == "can_join_groups"
        me["supports_inline_queries"] = inline_mode  # BotFather's /setinline
        self._state = State(self._spec, bot_user, me)
        # Telegram's ids "start from a certain positive number and increase sequentially"
        # (api.min.json, Update.update_id)
        self._state.updates.next_id = first_update_id
        self._listener = Listener(functools.partial(answer, self._state, token), host, port)
        self._sender = WebhookSender(self._state)
        self._started = False

    # --- lifecycle -----------------------------------------------------------------------
    def start(self) -> FakeBotAPI:
        """Bind (port 0: the OS picks) and serve from daemon threads; returns self."""
        if self._started:
            raise RuntimeError("FakeBotAPI.start() called twice")
        self._listener.up()
        self._sender.start()
        self._started = True
        log.debug("fake Bot API listening on %s", self.root_url)
        return self

    def stop(self) -> None:
        """Close the listener and every connection; pending long polls are cut."""
        with self._state.lock:
            self._state.stopping = True
            self._state.updates_changed.notify_all()
        if self._listener.is_up:
            self._listener.down()
        self._sender.join(2.0)

    def __enter__(self) -> FakeBotAPI:
        return self if self._started else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """The fake's http://host:port, where /bot<token>/<method> is served."""
        return f"http://{self._listener.host}:{self._listener.port}"

    @property
    def base_url(self) -> str:
        """What ApplicationBuilder().base_url() / telegram.Bot(base_url=) takes."""
        return f"{self.root_url}/bot"

    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot's User object, as getMe returns it."""
        return dict(self._state.me)

    # --- world ---------------------------------------------------------------------------
    def add_user(self, user_id: int, *, first_name: str = "Ana",
                 language_code: str | None = "en", is_bot: bool = False,
                 username: str | None = None) -> dict[str, Any]:
        """A user who has started the bot, with the private chat (chat id == user id)."""
        user: dict[str, Any] = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        chat: dict[str, Any] = {"id": user_id, "type": "private", "first_name": first_name}
        if username:
            chat["username"] = username
        with self._state.lock:
            self._state.users[user_id] = user
            if user_id in self._state.chats:  # re-adding renames; history is kept
                self._state.chats[user_id].chat = chat
            else:
                self._state.chats[user_id] = ChatState(chat=chat)
        return dict(user)

    def add_group(self, chat_id: int, *, title: str = "Activists", type: str = "supergroup",
                  is_forum: bool = False, admins: list[int] = (),  # type: ignore[assignment]
                  bot_is_admin: bool = True,
                  members: list[int] = ()) -> dict[str, Any]:  # type: ignore[assignment]
        """A group ("group" = basic, "supergroup") the bot is in; admins[0] is the creator."""
        if type not in ("group", "supergroup"):
            raise ValueError("type must be 'group' or 'supergroup'")
        chat: dict[str, Any] = {"id": chat_id, "type": type, "title": title}
        if is_forum:
            chat["is_forum"] = True
        return self._add_chat(ChatState(chat=chat, admins=list(admins), members=set(members),
                                        bot_is_admin=bot_is_admin,
                                        bot_status="administrator" if bot_is_admin else "member"))

    def add_channel(self, chat_id: int, *, title: str = "Channel", admins: list[int] = (),  # type: ignore[assignment]
                    bot_is_admin: bool = True, username: str | None = None) -> dict[str, Any]:
        """A channel; the bot can post only if it is an administrator."""
        chat: dict[str, Any] = {"id": chat_id, "type": "channel", "title": title}
        if username:
            chat["username"] = username
        return self._add_chat(ChatState(chat=chat, admins=list(admins),
                                        bot_is_admin=bot_is_admin,
                                        bot_status="administrator" if bot_is_admin else "left"))

    def _add_chat(self, chat: ChatState) -> dict[str, Any]:
        with self._state.lock:
            self._state.chats[chat.id] = chat
        return dict(chat.chat)

    # --- injected updates ----------------------------------------------------------------
    def send_message(self, user_id: int, text: str, *, chat_id: int | None = None,
                     thread_id: int | None = None, reply_to_message_id: int | None = None,
                     sender_chat_id: int | None = None) -> dict[str, Any]:
        """The user writes `text` (private chat unless chat_id); returns the update."""
        return inject.user_message(self._state, user_id, text, chat_id=chat_id,
                                   thread_id=thread_id, reply_to_message_id=reply_to_message_id,
                                   sender_chat_id=sender_chat_id)

    def post_in_channel(self, chat_id: int, text: str) -> dict[str, Any]:
        """A channel_post update."""
        return inject.channel_post(self._state, chat_id, text)

    def press_button(self, user_id: int, chat_id: int, message_id: int,
                     data: str) -> dict[str, Any]:
        """A callback_query update for a (possibly unknown, i.e. stale) message."""
        return inject.button_press(self._state, user_id, chat_id, message_id, data)

    def chat_member_update(self, chat_id: int, *, by_user_id: int, new_status: str,
                           old_status: str = "left") -> dict[str, Any]:
        """A my_chat_member update about the bot; later sends see the new status."""
        return inject.my_chat_member(self._state, chat_id, by_user_id=by_user_id,
                                     new_status=new_status, old_status=old_status)

    def migrate_group(self, old_chat_id: int, new_chat_id: int) -> None:
        """Upgrade a basic group: the old id answers 400 with migrate_to_chat_id from now on."""
        inject.migrate(self._state, old_chat_id, new_chat_id)

    def inject_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update; returns it with its update_id.

        Like Telegram, an update of a kind allowed_updates excludes is dropped on arrival.

        update_id is assigned if missing, and also if it is not above the ids already used
        (Telegram's ids only grow, and getUpdates offsets rely on that).  The update must be
        JSON-serialisable (TypeError here rather than a broken getUpdates later).
        """
        json.dumps(update)
        update = dict(update)
        with self._state.lock:
            given = update.get("update_id")
            if not isinstance(given, int) or given < self._state.updates.next_id:
                update.pop("update_id", None)
            return self._state.push_update(update)

    def inline_query(self, user_id: int, query: str = "", *, language_code: str | None = None,
                     chat_type: str = "private") -> dict[str, Any]:
        """Someone types "@bot `query`" in a chat; returns the update.

        A user the fake does not know is a stranger who never started the bot.
        """
        with self._state.lock:
            user = self._state.users.get(user_id) or {"id": user_id, "is_bot": False,
                                                      "first_name": "Stranger"}
        if language_code is not None:
            user = {**user, "language_code": language_code}
        return inject.inline_query(self._state, user, query, chat_type)

    def inline_answer(self, query_id: str) -> dict[str, Any] | None:
        """AnswerInlineQuery's parameters for a query inline_query issued, None if unanswered."""
        with self._state.lock:
            query = self._state.inline_queries.get(query_id)
            return dict(query.answer) if query and query.answer is not None else None

    def callback_answer(self, query_id: str) -> dict[str, Any] | None:
        """AnswerCallbackQuery's parameters for a query press_button issued, None if unanswered."""
        with self._state.lock:
            query = self._state.callbacks.get(query_id)
            return dict(query.answer) if query and query.answer is not None else None

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock ahead (dates, message and update ages, setWebhook's pace)."""
        if seconds < 0:
            raise ValueError("the fake's clock only moves forward")
        with self._state.lock:
            self._state.clock_offset += seconds

    def set_auto_delete_time(self, chat_id: int, seconds: int) -> None:
        """Someone in the chat sets its auto-delete timer (0 turns it off); getChat shows it."""
        with self._state.lock:
            self._state.chat(chat_id).auto_delete_time = seconds

    # --- faults --------------------------------------------------------------------------
    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends answer 403 "Forbidden: bot was blocked by the user"."""
        with self._state.lock:
            self._state.chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot: sends to them succeed again."""
        with self._state.lock:
            self._state.chat(user_id).blocked = False

    def deactivate(self, user_id: int) -> None:
        """The account is deleted: sends answer 403 "Forbidden: user is deactivated"."""
        with self._state.lock:
            self._state.chat(user_id).deactivated = True

    def fail_next(self, method: str, error_code: int, description: str, *,
                  parameters: dict[str, Any] | None = None, count: int = 1,
                  chat_id: int | None = None) -> None:
        """The next `count` calls of `method` (any case) answer this error verbatim.

        With `chat_id`, only calls to that chat: then another chat's call (an organiser's
        alert, say) cannot take the failure a test meant for a subscriber.
        """
        chat = None if chat_id is None else str(chat_id)
        with self._state.lock:
            queue = self._state.failures.setdefault(method.lower(), deque())
            queue.extend((chat, ApiError(error_code, description, parameters))
                         for _ in range(count))

    def set_rate_limits(self, *, per_second: float | None = 30,
                        per_chat_per_second: float | None = 1,
                        per_group_per_minute: float | None = 20, retry_after: int = 1) -> None:
        """Flood control on sends and edits (none until this is called); see RateLimiter."""
        with self._state.lock:
            self._state.limiter.configure(per_second=per_second,
                                          per_chat_per_second=per_chat_per_second,
                                          per_group_per_minute=per_group_per_minute,
                                          retry_after=retry_after)

    @property
    def rate_limited(self) -> int:
        """How many 429 answers flood control gave."""
        return self._state.limiter.rate_limited

    def go_down(self) -> None:
        """Refuse connections and cut open ones (pending long polls included) until come_up."""
        with self._state.lock:
            self._state.down = True
            self._state.updates_changed.notify_all()
        if self._listener.is_up:
            self._listener.down()

    def come_up(self) -> None:
        """Listen again on the same port."""
        with self._state.lock:
            self._state.down = False
            self._state.updates_changed.notify_all()
        if self._started and not self._listener.is_up and not self._state.stopping:
            self._listener.up()

    # --- recording -----------------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        """Every request, in the order answered (the live list: read, don't modify)."""
        return self._state.recorder.calls

    def calls_to(self, method: str) -> list[Call]:
        """Every recorded call of `method` (any case), oldest first."""
        wanted = method.lower()
        with self._state.lock:
            return [call for call in self.calls if call.method.lower() == wanted]

    def mark(self) -> int:
        """len(calls), to pass as `after`."""
        return len(self.calls)

    def messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """The current state of the bot's messages (after edits, deleted ones left out)."""
        with self._state.lock:
            if chat_id is None:
                keys = self._state.bot_messages
            else:
                chat = self._state.chats.get(chat_id)
                keys = [(chat_id, mid) for mid, stored in (chat.messages.items() if chat else ())
                        if stored.by_bot]
            result = []
            for cid, mid in keys:
                stored = self._state.chats[cid].messages[mid]
                if not stored.deleted:
                    message = copy.deepcopy(stored.message)
                    if stored.markup is not None:
                        message["reply_markup"] = copy.deepcopy(stored.markup)
                    result.append(message)
            return result

    def last_message(self, chat_id: int) -> dict[str, Any]:
        """The bot's latest (not deleted) message in the chat; LookupError if none."""
        messages = self.messages(chat_id)
        if not messages:
            raise LookupError(f"the bot has no message in chat {chat_id}")
        return messages[-1]

    def wait_for(self, predicate: Callable[[Call], bool], *, timeout: float = 5.0,
                 after: int = 0) -> Call:
        """Block until a call at index >= after satisfies predicate (TimeoutError if not)."""
        return self._state.recorder.wait_for(predicate, timeout=timeout, after=after)

    def wait_polling(self, *, timeout: float = 5.0, after: int = 0) -> None:
        """Block until a getUpdates begins after the mark `after`: the bot is up and polling.

        Waiting for a getUpdates *call* would wait for the long poll to answer, up to its
        whole timeout when no update comes.
        """
        self._state.recorder.wait_polling(timeout=timeout, after=after)

    def wait_for_message(self, chat_id: int, *, timeout: float = 5.0, after: int = 0,
                         text_contains: str | None = None) -> dict[str, Any]:
        """The Message of the first successful send/edit to chat_id (matching text)."""
        def matches(call: Call) -> bool:
            result = call.result
            if not call.ok or call.method not in _MESSAGE_METHODS or not isinstance(result, dict):
                return False
            if result.get("chat", {}).get("id") != chat_id:
                return False
            shown = result.get("text") or result.get("caption") or ""
            return text_contains is None or text_contains in shown
        return self.wait_for(matches, timeout=timeout, after=after).result

    async def async_wait_for(self, predicate: Callable[[Call], bool], *,
                             timeout: float = 5.0, after: int = 0) -> Call:  # noqa: ASYNC109
        """wait_for without blocking the event loop that runs the bot."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout=timeout, after=after)

    async def async_wait_for_message(self, chat_id: int, *, timeout: float = 5.0,  # noqa: ASYNC109
                                     after: int = 0,
                                     text_contains: str | None = None) -> dict[str, Any]:
        """wait_for_message without blocking the event loop that runs the bot."""
        return await asyncio.to_thread(self.wait_for_message, chat_id, timeout=timeout,
                                       after=after, text_contains=text_contains)

    @property
    def bot_commands(self) -> dict[tuple[str, str], list[dict[str, str]]]:
        """(scope_json, language_code) -> commands; scope_json = commands_key(scope)[0]."""
        with self._state.lock:
            return copy.deepcopy(self._state.commands)

    @staticmethod
    def commands_key(scope: dict[str, Any] | None = None,
                     language_code: str = "") -> tuple[str, str]:
        """The bot_commands key: json.dumps(scope or {"type": "default"}, sort_keys=True)."""
        return scope_key(scope), language_code

    @property
    def webhook(self) -> dict[str, Any] | None:
        """The webhook as setWebhook stored it (a copy), or None for long polling."""
        with self._state.lock:
            return dict(self._state.webhook) if self._state.webhook else None

    @property
    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed (getUpdates offset) or delivered (webhook)."""
        with self._state.lock:
            return self._state.updates.count()
