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
    """One command: its name, and the msgids of its menu description and its /help line.

    `asked` is the msgid of the phrases people type to ask for it, one a line; the typed-
    question matcher answers them with the command's /help line and its button.
    """

    name: str
    menu: str | None = None  # shown in Telegram's command menu with this description
    help: str | None = None  # listed by /help with this line
    asked: str | None = None


# TRANSLATORS: the "…asked" messages are never shown: they are what people type to ask for a
# command, one phrase a line, which the bot then answers with that command. Write the ways
# people of your language ask (as many lines as you like, any case, no punctuation needed).
TODAY_ASKED = N_("what is today's action\ntoday's action\nwhat should I do today\n"
                 "what do I do today\naction of the day\ntoday's task")
# TRANSLATORS: phrases people type to ask how to see what they have done, one a line.
PROGRESS_ASKED = N_("my progress\nshow my progress\nhow many actions have I done\n"
                    "what have I done so far\nmy streak")
# TRANSLATORS: phrases people type to ask how to stop the daily messages, one a line.
UNSUBSCRIBE_ASKED = N_("how do I unsubscribe\nhow can I unsubscribe\nunsubscribe\nstop\n"
                       "stop the messages\nstop sending me messages\n"
                       "I don't want the daily messages\ncancel my subscription\nleave")
# TRANSLATORS: phrases people type to ask how to change the time (or time zone) of the
# daily message, one a line.
SETTINGS_ASKED = N_("how can I change the time\nchange the time\nsettings\n"
                    "what time do the messages come\nchange my time zone\n"
                    "send it at another time\nmessages come too early\n"
                    "messages come too late")
# TRANSLATORS: phrases people type to ask for the evening reminder, one a line.
REMIND_ASKED = N_("remind me\nhow do I set a reminder\nreminder\nevening reminder\n"
                  "turn off the reminder\nremind me later")
# TRANSLATORS: phrases people type to ask how to change the bot's language, one a line.
LANGUAGE_ASKED = N_("change language\nhow do I change the language\nswitch language\n"
                    "another language\nlanguage")
# TRANSLATORS: phrases people type to ask what the bot stores about them, one a line.
MYDATA_ASKED = N_("what data do you store\nwhat do you know about me\nmy data\n"
                  "delete my data\nprivacy\nis my data safe\nforget me")

START = Command("start")
HELP = Command("help")
TODAY = Command("today", N_("Today's action"), N_("/today – today's action"), TODAY_ASKED)
ACTIONS = Command("actions", N_("All actions"), N_("/actions – every action of the campaign"))
ACTION = Command("action")
PROGRESS = Command("progress", N_("Your progress"), N_("/progress – what you have done"),
                   PROGRESS_ASKED)
SUBSCRIBE = Command("subscribe", N_("Daily action"), N_("/subscribe – get each day's action"))
UNSUBSCRIBE = Command("unsubscribe", N_("Stop the daily action"),
                      N_("/unsubscribe – stop the daily action"), UNSUBSCRIBE_ASKED)
SETTINGS = Command("settings", N_("Time of the daily action"),
                   N_("/settings – time of the daily message"), SETTINGS_ASKED)
REMIND = Command("remind", N_("A reminder in the evening"),
                 N_("/remind – a reminder if the day's action is not done yet"), REMIND_ASKED)
LANGUAGE = Command("language", N_("Change language"), N_("/language – change language"),
                   LANGUAGE_ASKED)
FAQ = Command("faq", N_("Questions"), N_("/faq – questions about the campaign"))
MYDATA = Command("mydata", help=N_("/mydata – what I store about you"), asked=MYDATA_ASKED)
FORGET = Command("forget")
STATS = Command("stats")
ANNOUNCE = Command("announce")
RELOAD = Command("reload")
CORRECT = Command("correct")
RECALL = Command("recall")

COMMANDS = (START, HELP, TODAY, ACTIONS, ACTION, PROGRESS, SUBSCRIBE, UNSUBSCRIBE, SETTINGS,
            REMIND, LANGUAGE, FAQ, MYDATA, FORGET, STATS, ANNOUNCE, RELOAD, CORRECT, RECALL)
# A FAQ entry cannot take these: the bot's own handler would answer first.
RESERVED = frozenset(command.name for command in COMMANDS)
# The commands a typed question can ask for.
ASKED = tuple(command for command in COMMANDS if command.asked)
# A channel post's link to a day ("t.me/bot?start=day5") opens that day's action.
DAY_LINK = re.compile(r"^/start day(\d{1,2})$")
