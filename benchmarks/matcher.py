"""What one message can cost the bot's text matching: the worst texts, in every language.

    python benchmarks/matcher.py

For each of the texts in tests/helpers/worst_text.py (as long as Telegram allows) and each
language, it times, on a cold cache: the FAQ matcher (any text typed in a private chat), the
zone lookup (a place typed in /settings: the text, and its first 64 characters, the most the
lookup reads) and inline search (the first 256 characters, as "@bot query"). It prints the
slowest language's CPU milliseconds for each (process time, the garbage collector off: other
programs on the machine do not count), and the mean cost of ordinary questions. All of it
runs on the bot's event loop: each millisecond here is one in which nobody else is answered.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.worst_text import (  # noqa: E402
    INLINE_QUERY_CHARS,
    cpu_milliseconds,
    worst_texts,
)
from tgbot.config import Settings  # noqa: E402
from tgbot.context import Services  # noqa: E402
from tgbot.domain.campaign_file import load_campaign  # noqa: E402
from tgbot.domain.zones import MAX_PLACE_CHARS, find_zone  # noqa: E402
from tgbot.messages.inline import inline_cards, rank_cards  # noqa: E402

QUESTIONS = ["who organises this?", "why 23 nov???", "how can i partcipate",
             "Whta is the day to end impunity", "when was it established", "pizza recipe",
             "how do I unsubscribe", "how can I change the time", "what is today's action"]


def main() -> None:
    """Print the slowest language's cost of each worst text, for each kind of lookup."""
    campaign = load_campaign(ROOT / "actions.yaml")
    services = Services(Settings(), campaign)
    today = campaign.start_date + dt.timedelta(days=4)
    action = campaign.action_for_day(5)
    rows: dict[str, list[float]] = {}
    ordinary = []
    for t in services.i18n:
        services.set_campaign(campaign)  # cold: no matcher built, nothing remembered
        find_zone("Lagos", t.code)  # the language's city names, read once per process
        cards = inline_cards(t, campaign, today, action, taken=12, bot_username="bot")
        matcher = services.matcher(t)
        for name, text in worst_texts(t, campaign).items():
            costs = [cpu_milliseconds(matcher.match, text),
                     max(cpu_milliseconds(find_zone, text, t.code),
                         cpu_milliseconds(find_zone, text[:MAX_PLACE_CHARS], t.code)),
                     cpu_milliseconds(rank_cards, cards, text[:INLINE_QUERY_CHARS])]
            rows[name] = [max(pair) for pair in zip(rows.get(name, costs), costs, strict=True)]
        ordinary += [cpu_milliseconds(matcher.match, question) for question in QUESTIONS]
    languages = len(services.i18n.languages)
    print(f"worst language, CPU ms per message ({languages} languages, cold cache)")
    print(f"{'text':<26}{'FAQ matcher':>12}{'zone':>9}{'inline':>9}")
    for name, (match, zone, inline) in rows.items():
        print(f"{name:<26}{match:>12.2f}{zone:>9.2f}{inline:>9.2f}")
    print(f"{'ordinary question (mean)':<26}{sum(ordinary) / len(ordinary):>12.2f}")


if __name__ == "__main__":
    main()
