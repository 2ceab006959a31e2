"""The bot's buttons: each kind defined once, its data built and its presses routed from it.

Telegram returns whatever bytes a client sends, so a press may carry stale data from an old
edition, or forged data. Each `Button` says what its data may hold; `parse` accepts only
those shapes and returns None for anything else, and the handlers then answer politely and
change nothing. A handler routes presses with the same object's `pattern` (as aiogram's
CallbackData does), so a button's builder and its handler cannot drift apart.

Data is `verb`, `verb:arg`, or `verb:edition:arg`. A button carries what it names (a zone's
name, a region's), never an index into a list that an edit of the code could reorder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tgbot.domain.approval import Subject

MAX_BYTES = 64  # Telegram's limit for callback_data
_CLOCK = r"(?:[01]\d|2[0-3]):[0-5]\d"  # a time of day, HH:MM: "99:99" is no time
_ACTION = r"(?P<edition>\d{4}):(?P<arg>[a-z0-9-]{1,24})"  # an action of one edition


@dataclass(frozen=True)
class Callback:
    """A parsed button press: what to do, for which edition, about what."""

    verb: str
    arg: str = ""
    edition: int | None = None


@dataclass(frozen=True)
class Button:
    """One kind of button: its verb, and the shape of what follows `verb:` (a regex).

    The shape's named groups are `edition` and `arg`; an empty shape carries nothing.
    """

    verb: str
    shape: str = ""

    @property
    def pattern(self) -> str:
        """The CallbackQueryHandler pattern for presses of this kind."""
        return rf"^{self.verb}(?::|$)"

    def data(self, arg: str | int = "", edition: int | None = None) -> str:
        """The callback_data; raises if it would not parse back (a bug, not input)."""
        parts = [self.verb] + ([str(edition)] if edition is not None else []) \
            + ([str(arg)] if arg != "" else [])
        data = ":".join(parts)
        if parse(data) != Callback(self.verb, str(arg), edition):
            raise ValueError(f"callback data {data!r} does not round-trip")
        return data

    def read(self, rest: str) -> Callback | None:
        """The Callback for what followed `verb:`, or None when it has another shape."""
        match = re.fullmatch(self.shape, rest)
        if match is None:
            return None
        groups = match.groupdict()
        edition = groups.get("edition")
        return Callback(self.verb, groups.get("arg") or "", int(edition) if edition else None)


MENU = Button("menu")
FAQ = Button("faq", r"(?P<arg>[a-z0-9_]{0,24})")
TODAY = Button("today")
ACTIONS = Button("actions")
ACT = Button("act", r"(?P<edition>\d{4}):(?P<arg>\d{1,2})")
DONE = Button("done", _ACTION)
UNDO = Button("undo", _ACTION)
SAFER = Button("safer", _ACTION)  # I did the safer version
NOT_SAFE = Button("unsafe", _ACTION)  # Not safe where I live
LETTER = Button("letter", _ACTION)
POST = Button("post", _ACTION)
SUBSCRIBE = Button("sub")
UNSUBSCRIBE = Button("unsub")
LANGUAGES = Button("languages")
LANGUAGE = Button("lang", r"(?P<arg>[a-z]{2,3}(?:_[A-Za-z0-9]{2,8}){0,2})")  # fr, pt_BR
SETTINGS = Button("settings")
TIME = Button("time", rf"(?P<arg>{_CLOCK})")
REGION = Button("region", r"(?P<arg>[A-Za-z]{1,16})")  # "Africa"
ZONE = Button("tz", r"(?P<arg>[A-Za-z_]{1,14}(?:/[A-Za-z0-9_+-]{1,24}){0,2})")  # Asia/Manila
REMIND = Button("remind", rf"(?P<arg>{_CLOCK}|off)")
PROGRESS = Button("progress")
DISCREET = Button("discreet", r"(?P<arg>on|off)")
FORGET = Button("forget")
MYDATA = Button("mydata")
ANNOUNCE_SEND = Button("annsend", r"(?P<arg>\d{1,9})")
ANNOUNCE_CANCEL = Button("anncancel", r"(?P<arg>\d{1,9})")
CORRECT_SEND = Button("corrsend", r"(?P<edition>\d{4}):(?P<arg>\d{1,2})")  # a day to correct
CORRECT_ANNOUNCEMENT = Button("corrann", r"(?P<arg>\d{1,9})")  # a correction of an announcement
CORRECT_CANCEL = Button("corrcancel")
# What waits for a second organiser's approval: "announcement:12", "correction:3"
_SUBJECT = rf"(?P<arg>(?:{'|'.join(Subject)}):\d{{1,9}})"
APPROVE = Button("approve", _SUBJECT)
APPROVAL_CANCEL = Button("apcancel", _SUBJECT)
RECALL_DAY = Button("recday", r"(?P<edition>\d{4}):(?P<arg>\d{1,2})")  # a day to recall
RECALL_ANNOUNCEMENT = Button("recann", r"(?P<arg>\d{1,9})")  # an announcement to recall
RECALL_CANCEL = Button("reccancel")

_BUTTONS = {button.verb: button for button in (
    MENU, FAQ, TODAY, ACTIONS, ACT, DONE, UNDO, SAFER, NOT_SAFE, LETTER, POST, SUBSCRIBE,
    UNSUBSCRIBE, LANGUAGES, LANGUAGE, SETTINGS, TIME, REGION, ZONE, REMIND, PROGRESS, DISCREET,
    FORGET, MYDATA, ANNOUNCE_SEND, ANNOUNCE_CANCEL, CORRECT_SEND, CORRECT_ANNOUNCEMENT,
    CORRECT_CANCEL, APPROVE, APPROVAL_CANCEL, RECALL_DAY, RECALL_ANNOUNCEMENT, RECALL_CANCEL)}


def subject_data(what: Subject, item: int) -> str:
    """The argument of an Approve or Cancel button: what waits, and its id."""
    return f"{what}:{item}"


def subject_of(press: Callback) -> tuple[Subject, int]:
    """What an Approve or Cancel press is about (its data parsed already)."""
    what, _, item = press.arg.partition(":")
    return Subject(what), int(item)


def either(*buttons: Button) -> str:
    """One handler's pattern for presses of several kinds."""
    return rf"^(?:{'|'.join(button.verb for button in buttons)})(?::|$)"


def parse(data: str | None) -> Callback | None:
    """The Callback for `data`, or None when it is not one the bot makes."""
    if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return None
    verb, _, rest = data.partition(":")
    button = _BUTTONS.get(verb)
    return button.read(rest) if button is not None else None
