"""The campaign model: its days, actions and FAQ, and what the bot asks of them.

Everything here is plain Python (no Telegram, no YAML): `campaign_file.load_campaign` builds a
`Campaign` from `actions.yaml` after checking it, and the bot only ever reads these objects.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from tgbot.domain.faq import FaqMatcher

# The longest campaign: its /actions list (a line of up to 80 characters a day) stays within
# one message, and its day buttons within Telegram's 100 buttons a keyboard.
MAX_DAYS = 40
ACTION_KINDS = ("letter", "tweet", "share", "event", "learn")
# The kinds that ask for something public: each such day needs a safer way.
PUBLIC_KINDS = ("letter", "tweet", "share", "event")

# Telegram's own limits (see the Bot API docs): text and captions in code points after parsing.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
# X's limit for a post, which the share button pre-fills.
TWEET_LIMIT = 280


def days_from_to(start: dt.date, end: dt.date) -> int:
    """How many days a campaign from `start` to `end` (both included) has."""
    return (end - start).days + 1


@dataclass(frozen=True)
class Link:
    """A button under an action that opens a web page."""

    label: str
    url: str


@dataclass(frozen=True)
class Letter:
    """A letter the supporter copies and sends: to whom, how to send it, and its text."""

    to: str
    send: str
    text: str


@dataclass(frozen=True)
class Action:
    """One day's action; the optional parts add a post, a letter, an image or a safer way.

    `x_accounts` ("@UN @UNESCO") are added to the post only on X, where they are accounts.
    """

    day: int
    id: str
    kind: str
    title: str
    body: str
    links: tuple[Link, ...] = ()
    tweet: str | None = None
    letter: Letter | None = None
    image: Path | None = None
    safer: str | None = None
    x_accounts: str = ""


@dataclass(frozen=True)
class FaqEntry:
    """A question with its own command and button; `also` lists more ways people ask it."""

    id: str
    command: str
    button: str
    question: str
    description: str
    also: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Campaign:
    """One edition of the campaign: its settings, FAQ and the action of each of its days."""

    name: str
    edition: int
    start_date: dt.date
    end_date: dt.date
    timezone: str
    push_time: dt.time
    website: str
    hashtag: str
    organiser: str
    welcome: str  # the first paragraph of /start (Telegram HTML), or "" for none
    faq: tuple[FaqEntry, ...]
    actions: tuple[Action, ...]
    source: Path

    @property
    def days(self) -> int:
        """How many days the campaign has, from its start date to its end date included."""
        return days_from_to(self.start_date, self.end_date)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        """The campaign's own time zone, for chats that have not chosen one."""
        return zoneinfo.ZoneInfo(self.timezone)

    def day_of(self, date: dt.date) -> int | None:
        """The campaign day (1 to `days`) that `date` is, or None outside the campaign."""
        day = (date - self.start_date).days + 1
        return day if 1 <= day <= self.days else None

    def reached(self, date: dt.date) -> int:
        """The last campaign day open on `date`: 0 before the campaign, `days` once it is over.

        Actions up to this day can be opened and done; later ones are not out yet.
        """
        return max(0, min((date - self.start_date).days + 1, self.days))

    def phase(self, date: dt.date) -> str:
        """"before", "running" or "after" the campaign on `date`."""
        if date < self.start_date:
            return "before"
        return "running" if date <= self.end_date else "after"

    def date_of(self, day: int) -> dt.date:
        """The date of campaign day `day` (1 is the start date)."""
        return self.start_date + dt.timedelta(days=day - 1)

    def action_for_day(self, day: int) -> Action | None:
        """The action of campaign day `day`, or None for a day without one."""
        return next((a for a in self.actions if a.day == day), None)

    def action_by_id(self, action_id: str) -> Action | None:
        """The action named `action_id` (from a button press), or None if there is none."""
        return next((a for a in self.actions if a.id == action_id), None)

    def faq_by_id(self, faq_id: str) -> FaqEntry | None:
        """The FAQ entry named `faq_id` (from a button press), or None if there is none."""
        return next((f for f in self.faq if f.id == faq_id), None)

    def placeholders(self) -> dict[str, str | int | dt.date]:
        """The raw value of every {placeholder} a campaign text may use, by name.

        The one list of placeholders: the file checker accepts exactly these names, and the
        replies format each value for the reader's language.
        """
        return {"edition": self.edition, "start_date": self.start_date,
                "end_date": self.end_date, "website": self.website, "hashtag": self.hashtag,
                "organiser": self.organiser}


@dataclass
class CampaignInForce:
    """The campaign this instance runs now, and its published version.

    One holder, shared by the handlers, the delivery engine and the campaign sync: a /reload,
    or a campaign another instance published, swaps what it holds, and every reader reads
    the new campaign from then on. What is derived from the campaign (the FAQ matchers of
    each language) goes with it.
    """

    campaign: Campaign
    version: str = ""  # its published version (tgbot.ops.campaign_sync)
    refused: str = ""  # a published version this instance cannot run
    matchers: dict[str, FaqMatcher] = field(default_factory=dict, repr=False)

    def swap(self, campaign: Campaign, version: str = "") -> None:
        """Run `campaign` (of published `version`) from now on."""
        self.campaign, self.version = campaign, version
        self.matchers.clear()
