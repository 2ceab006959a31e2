"""`tgbot demo`: the real bot against the built-in loopback Bot API, as a chat in the terminal.

Nothing is faked but Telegram itself: the Application, handlers, database and scheduler run as
in `tgbot run`, talking HTTP to the loopback Bot API on 127.0.0.1. You type as a Telegram user
would (your lines are marked `you ›`); the bot's messages are printed after `bot ›`, indented,
with their buttons numbered, and typing a number presses one. Without `--date` the demo
starts on a campaign day, so /today has an action to show.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import shutil
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from tgbot.app import build_application, running
from tgbot.cli.starter import fall_back_on_shipped
from tgbot.config import Settings
from tgbot.domain.campaign import Campaign
from tgbot.domain.campaign_file import load_campaign
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n.translator import TELEGRAM_CODES
from tgbot.storage.store import Store

USER_ID = 1000001
GROUP_ID = -1001000001
HELP = ("Type messages and /commands as in Telegram; a number presses that button; "
        "/quit leaves.")
YOU, BOT = "you › ", "bot › "
INDENT = " " * len(BOT)


class DemoClock:
    """Now, or the same time of day on `--date`, moving forward as the demo runs.

    `--date` is a date in the campaign's zone, whatever the hour in UTC.
    """

    def __init__(self, date: dt.date | None, zone: dt.tzinfo) -> None:
        real = dt.datetime.now(dt.UTC)
        self.offset = dt.timedelta(0)
        if date is not None:
            local = real.astimezone(zone)
            self.offset = dt.datetime.combine(date, local.time(), zone) - real

    def __call__(self) -> dt.datetime:
        """The demo's now, in UTC like the real clock."""
        return dt.datetime.now(dt.UTC) + self.offset


async def _next_update_id(db: str) -> int:
    """The first update id after those a kept database recorded as handled."""
    store = await Store.open(db)
    try:
        return await store.last_update_id() + 1
    finally:
        await store.close()


def run_demo(args: argparse.Namespace) -> int:
    """The demo, in a scratch folder removed on quit (the database too, unless --db)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="tgbot-demo-") as scratch:
        return asyncio.run(_demo(args, Path(scratch)))


async def _demo(args: argparse.Namespace, scratch: Path) -> int:
    settings = Settings.from_env()
    settings.db = args.db or str(scratch / "demo.sqlite3")
    if args.campaign:
        settings.campaign = Path(args.campaign)
    fall_back_on_shipped(settings)
    campaign = load_campaign(settings.campaign)
    today = args.date or demo_day(campaign, dt.datetime.now(campaign.tz).date())
    language = TELEGRAM_CODES.get(args.lang, args.lang)
    # a session's update ids follow the last session's: the bot drops ids it handled, and
    # --db keeps them
    with FakeBotAPI(first_update_id=await _next_update_id(settings.db)) as api:
        api.add_user(USER_ID, first_name="You", language_code=language)
        chat_id = USER_ID
        if args.group:
            api.add_group(GROUP_ID, title="Demo group", admins=[USER_ID])
            chat_id = GROUP_ID
        settings.token, settings.api_url = api.token, api.root_url
        settings.admins = frozenset({USER_ID})
        application = build_application(settings, campaign)
        application.bot_data.clock = DemoClock(today, campaign.tz)
        async with running(application, poll_timeout=dt.timedelta(seconds=1)):
            print(welcome(args, campaign, today, settings.db, api.bot_user["username"]),
                  flush=True)
            await TerminalChat(api, chat_id, interactive=sys.stdin.isatty()).talk()
    return 0


def welcome(args: argparse.Namespace, campaign: Campaign, today: dt.date, db: str,
            bot_username: str) -> str:
    """The first lines: where you chat, which day it is, where the database is, how to use it."""
    where = "a group you administer" if args.group else "a private chat"
    day = campaign.day_of(today)
    when = f"day {day} of the campaign" if day else f"{campaign.phase(today)} the campaign"
    kept = "kept" if args.db else "thrown away when you quit; --db FILE keeps one"
    text = (f"tgbot demo: the real bot in {where}, language {args.lang}; today is {today}, "
            f"{when} (--date picks another day).\nDatabase: {db} ({kept}).\n{HELP}")
    if args.group:  # as in Telegram, the bot answers only questions addressed to it
        text += f"\nIn a group, start a question with @{bot_username}."
    return text


def demo_day(campaign: Campaign, today: dt.date) -> dt.date:
    """Today while the campaign runs; otherwise its first day, so /today shows an action."""
    return today if campaign.day_of(today) else campaign.start_date


class TerminalChat:
    """The terminal side: prints what the bot sends to the chat and sends what you type.

    On a terminal (`interactive`) your line is typed after a `you ›` prompt; from a pipe it is
    printed after `you ›` once read, so a transcript reads the same either way.
    """

    def __init__(self, api: FakeBotAPI, chat_id: int, *, interactive: bool = False) -> None:
        self.api, self.chat_id = api, chat_id
        self.interactive = interactive
        self.seen = 0
        self.buttons: list[tuple[int, dict]] = []  # (message id, button) of the last keyboard
        self.answered = asyncio.Event()

    def prompt(self) -> None:
        """Show `you ›` again after the bot spoke (on a terminal only)."""
        if self.interactive:
            print(YOU, end="", flush=True)

    async def talk(self) -> None:
        """Send each line you type until /quit or the end of input, printing the bot's answers."""
        printer = asyncio.create_task(self.print_bot())
        try:
            while True:
                self.prompt()
                line = await asyncio.to_thread(sys.stdin.readline)
                if line and not self.interactive:
                    print(YOU + line.strip(), flush=True)
                if not line or line.strip() in ("/quit", "/exit"):
                    break
                self.answered.clear()
                self.send(line.strip())
                if not self.interactive:  # a script: read on once the bot has answered
                    await self.settle()
        finally:
            await asyncio.sleep(0.3)
            printer.cancel()

    def send(self, text: str) -> None:
        """Your line as Telegram sends it; a number presses that button of the last keyboard."""
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

    async def settle(self) -> None:
        """Wait for the bot's answer (at most 5 s), then until it has been quiet a moment."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.answered.wait(), timeout=5)
        while self.answered.is_set():
            self.answered.clear()
            await asyncio.sleep(0.3)

    async def print_bot(self) -> None:
        """Print the bot's messages in this chat as they arrive, for as long as the chat lasts."""
        while True:
            calls = self.api.calls[self.seen:]
            self.seen += len(calls)
            shown = [call for call in calls if self.show(call)]
            if shown:
                self.answered.set()
                self.prompt()
            await asyncio.sleep(0.05)

    def show(self, call: Any) -> bool:
        """Print one of the bot's messages (or a toast) in this chat; whether it did."""
        if not call.ok:
            return False
        start = "\r" if self.interactive else ""  # over the waiting prompt
        if call.method == "answerCallbackQuery" and call.params.get("text"):
            print(f"{start}{INDENT}({call.params['text']})", flush=True)
            return True
        if call.method not in ("sendMessage", "sendPhoto", "editMessageText",
                               "editMessageReplyMarkup", "editMessageCaption"):
            return False
        message = call.result
        if not isinstance(message, dict) or message.get("chat", {}).get("id") != self.chat_id:
            return False
        note = {"sendPhoto": "[photo] "}.get(call.method, "(edited) " if
                                              call.method.startswith("edit") else "")
        text = note + (message.get("text") or message.get("caption") or "")
        print(start + BOT + f"\n{INDENT}".join(wrap(text.replace(chr(0x200F), ""))), flush=True)
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
        return True


def wrap(text: str) -> list[str]:
    """The bot's text as lines that fit the terminal beside the `bot ›` margin."""
    width = max(40, shutil.get_terminal_size((100, 24)).columns - len(INDENT) - 1)
    return [part for line in text.split("\n") if line.strip()
            for part in textwrap.wrap(line, width) or [""]]

