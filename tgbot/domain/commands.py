"""The bot's own commands, named once for the menu, /help, the checker and the handlers.

The command menu, the /help text, the names a FAQ entry cannot take and the handlers'
registration all read this list. The menu and /help show the commands in the order listed
here; a command without a menu description or a /help line is still the bot's (organisers'
commands, /forget, /action).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tgbot.domain.translatable import N_


@dataclass(frozen=True)
class Command:
    """One command: its name, and the msgids of its menu description and its /help line."""

    name: str
    menu: str | None = None  # shown in Telegram's command menu with this description
    help: str | None = None  # listed by /help with this line


START = Command("start")
HELP = Command("help")
TODAY = Command("today", N_("Today's action"), N_("/today – today's action"))
ACTIONS = Command("actions", N_("All actions"), N_("/actions – every action of the campaign"))
ACTION = Command("action")
PROGRESS = Command("progress", N_("Your progress"), N_("/progress – what you have done"))
SUBSCRIBE = Command("subscribe", N_("Daily action"), N_("/subscribe – get each day's action"))
UNSUBSCRIBE = Command("unsubscribe")
SETTINGS = Command("settings", N_("Time of the daily action"),
                   N_("/settings – time of the daily message"))
REMIND = Command("remind", N_("A reminder in the evening"),
                 N_("/remind – a reminder if the day's action is not done yet"))
LANGUAGE = Command("language", N_("Change language"), N_("/language – change language"))
FAQ = Command("faq", N_("Questions"), N_("/faq – questions about the campaign"))
MYDATA = Command("mydata", help=N_("/mydata – what I store about you"))
FORGET = Command("forget")
STATS = Command("stats")
ANNOUNCE = Command("announce")
RELOAD = Command("reload")
CORRECT = Command("correct")

COMMANDS = (START, HELP, TODAY, ACTIONS, ACTION, PROGRESS, SUBSCRIBE, UNSUBSCRIBE, SETTINGS,
            REMIND, LANGUAGE, FAQ, MYDATA, FORGET, STATS, ANNOUNCE, RELOAD, CORRECT)
# A FAQ entry cannot take these: the bot's own handler would answer first.
RESERVED = frozenset(command.name for command in COMMANDS)
# A channel post's link to a day ("t.me/bot?start=day5") opens that day's action.
DAY_LINK = re.compile(r"^/start day(\d{1,2})$")
