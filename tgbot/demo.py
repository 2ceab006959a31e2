"""`tgbot demo`: the real bot against the built-in loopback Bot API, as a chat in the terminal.

Nothing is faked but Telegram itself: the Application, handlers, database and scheduler run as
in `tgbot run`, talking HTTP to the loopback Bot API on 127.0.0.1. You type as a Telegram user
would; the bot's messages are printed with their buttons numbered, and typing a number
presses one.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
import tempfile
from pathlib import Path
from typing import Any

from tgbot.app import ALLOWED_UPDATES, build_application
from tgbot.campaign import load_campaign
from tgbot.config import Settings
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n import TELEGRAM_CODES

USER_ID = 1000001
GROUP_ID = -1001000001
HELP = ("Type messages and /commands as in Telegram; a number presses that button; "
        "/quit leaves.")


def add_demo_parser(commands: Any) -> None:
    demo = commands.add_parser("demo", help="chat with the real bot in this terminal, "
                                            "no token or network needed")
    demo.add_argument("--lang", default="en", help="your Telegram language (e.g. fr, pt-BR)")
    demo.add_argument("--date", type=dt.date.fromisoformat,
                      help="pretend today is this date (e.g. 2027-11-05)")
    demo.add_argument("--group", action="store_true", help="chat in a group, as its admin")
    demo.add_argument("--db", help="keep the database in this file (default: throwaway)")
    demo.add_argument("--campaign", help="campaign file (default TGBOT_CAMPAIGN)")


class DemoClock:
    """Now, or the same time of day on `--date` in the campaign's zone (so `--date` is the
    campaign's date, whatever the hour in UTC), moving forward as the demo runs."""

    def __init__(self, date: dt.date | None, zone: dt.tzinfo) -> None:
        real = dt.datetime.now(dt.UTC)
        self.offset = dt.timedelta(0)
        if date is not None:
            local = real.astimezone(zone)
            self.offset = dt.datetime.combine(date, local.time(), zone) - real

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


def run_demo(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tgbot-demo-") as scratch:
        return asyncio.run(_demo(args, Path(scratch)))


async def _demo(args: argparse.Namespace, scratch: Path) -> int:
    settings = Settings.from_env()
    settings.db = args.db or str(scratch / "demo.sqlite3")
    if args.campaign:
        settings.campaign = Path(args.campaign)
    campaign = load_campaign(settings.campaign)
    language = TELEGRAM_CODES.get(args.lang, args.lang)
    with FakeBotAPI() as api:
        api.add_user(USER_ID, first_name="You", language_code=language)
        chat_id = USER_ID
        if args.group:
            api.add_group(GROUP_ID, title="Demo group", admins=[USER_ID])
            chat_id = GROUP_ID
        settings.token, settings.api_url = api.token, api.root_url
        settings.admins = frozenset({USER_ID})
        application = build_application(settings, campaign)
        application.bot_data.clock = DemoClock(args.date, campaign.tz)
        await application.initialize()
        await application.post_init(application)
        await application.updater.start_polling(poll_interval=0.0, timeout=1,
                                                allowed_updates=ALLOWED_UPDATES)
        await application.start()
        where = "a group you administer" if args.group else "a private chat"
        print(f"tgbot demo: the real bot in {where}, language {args.lang}, "
              f"today is {application.bot_data.campaign_today(None)}.\n{HELP}", flush=True)
        try:
            await Chat(api, chat_id).talk()
        finally:
            await application.updater.stop()
            await application.stop()
            await application.post_shutdown(application)
            await application.shutdown()
    return 0


class Chat:
    """The terminal side: prints what the bot sends to the chat and sends what you type."""

    def __init__(self, api: FakeBotAPI, chat_id: int) -> None:
        self.api, self.chat_id = api, chat_id
        self.seen = 0
        self.buttons: list[tuple[int, dict]] = []  # (message id, button) of the last keyboard

    async def talk(self) -> None:
        printer = asyncio.create_task(self.print_bot())
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line or line.strip() in ("/quit", "/exit"):
                    break
                self.send(line.strip())
        finally:
            await asyncio.sleep(0.3)
            printer.cancel()

    def send(self, text: str) -> None:
        if not text:
            return
        if text.isdigit() and self.buttons:
            index = int(text) - 1
            if not 0 <= index < len(self.buttons):
                print(f"(no button {text})", flush=True)
                return
            message_id, chosen = self.buttons[index]
            if "callback_data" in chosen:
                self.api.press_button(USER_ID, self.chat_id, message_id,
                                      chosen["callback_data"])
            else:
                print(f"(opens {chosen.get('url', '?')})", flush=True)
            return
        self.api.send_message(USER_ID, text, chat_id=None if self.chat_id == USER_ID
                              else self.chat_id)

    async def print_bot(self) -> None:
        while True:
            calls = self.api.calls[self.seen:]
            self.seen += len(calls)
            for call in calls:
                self.show(call)
            await asyncio.sleep(0.05)

    def show(self, call: Any) -> None:
        """Print one of the bot's messages (or a toast) in this chat."""
        if not call.ok:
            return
        if call.method == "answerCallbackQuery" and call.params.get("text"):
            print(f"  ({call.params['text']})", flush=True)
            return
        if call.method not in ("sendMessage", "sendPhoto", "editMessageText",
                               "editMessageReplyMarkup", "editMessageCaption"):
            return
        message = call.result
        if not isinstance(message, dict) or message.get("chat", {}).get("id") != self.chat_id:
            return
        label = "bot (edited)" if call.method.startswith("edit") else "bot"
        if call.method == "sendPhoto":
            label = "bot [photo]"
        text = message.get("text") or message.get("caption") or ""
        print(f"\n{label} › {text.replace(chr(0x200F), '')}", flush=True)
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        if keyboard:
            self.buttons = [(message["message_id"], b) for row in keyboard for b in row]
            number = 0
            for row in keyboard:
                cells = []
                for button in row:
                    number += 1
                    cells.append(f"[{number}] {button['text']}")
                print("   " + "   ".join(cells), flush=True)

