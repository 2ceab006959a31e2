"""Inline mode: the cards "@bot words" offers to share in any chat, in the sharer's language."""

from __future__ import annotations

import datetime as dt
import functools
import html
from dataclasses import dataclass

from tgbot.domain.campaign import Action, Campaign
from tgbot.domain.faq import FaqMatcher
from tgbot.i18n.translator import Translator
from tgbot.messages.actions import action_message, countdown, takers_line
from tgbot.messages.common import INLINE, Reply, campaign_values, fill, open_bot_button
from tgbot.messages.faq import faq_answer


@dataclass(frozen=True)
class Card:
    """One inline result: what the sharer sees, the message it sends, what a query matches.

    The sharer sees a title and a description; the phrases are what a query is ranked by.
    """

    id: str
    title: str
    description: str
    reply: Reply
    phrases: tuple[str, ...]


def inline_cards(t: Translator, campaign: Campaign, today: dt.date, action: Action | None, *,
                 taken: int, bot_username: str) -> list[Card]:
    """Today's action (before the campaign, the countdown), the invitation, every answer.

    Each opens the bot through the `inline` deep link.
    """
    open_bot = [[open_bot_button(t, bot_username, INLINE)]]
    cards = []
    if action is not None:
        reply = action_message(t, campaign, action, bot_username=bot_username,
                               chat_kind=INLINE, taken=taken)
        title = fill(t.gettext("📅 Today's action: {title}"),
                     {"title": t.gettext(action.title)})
        cards.append(Card("today", title, takers_line(t, taken) if taken
                          else t.day_month(campaign.date_of(action.day)),
                          Reply(reply.text, reply.buttons),
                          (t.gettext("Today's action"), t.gettext(action.title))))
    elif campaign.phase(today) == "before":
        cards.append(Card("countdown", t.gettext("⏳ The campaign is coming"),
                          t.date(campaign.start_date),
                          Reply(countdown(t, campaign, today).text, open_bot),
                          (t.gettext("Today's action"), t.gettext(campaign.name))))
    invite = t.gettext("Join me: one action a day to end impunity for crimes against "
                       "journalists.")
    values = campaign_values(t, campaign)
    parts = [fill(t.gettext("📣 <b>{name}</b>"), {"name": html.escape(t.gettext(campaign.name))}),
             html.escape(invite),
             fill(t.gettext("From {start_date} to {end_date}, I bring you one simple action a "
                            "day, answer your questions about the campaign and keep track of "
                            "what you have done."), values)]
    if campaign.hashtag:
        parts.append(html.escape(campaign.hashtag))
    cards.append(Card("invite", t.gettext("📣 Invite someone to the campaign"), invite,
                      Reply(t.direct("\n\n".join(parts)), open_bot),
                      (t.gettext("📣 Invite someone to the campaign"), t.gettext(campaign.name),
                       invite)))
    for entry in campaign.faq:
        answer = faq_answer(t, campaign, entry)
        cards.append(Card(f"faq-{entry.id}", t.gettext(entry.question),
                          t.gettext("❓ Questions about the campaign"),
                          Reply(answer.text, open_bot),
                          (t.gettext(entry.question), t.gettext(entry.button),
                           *map(t.gettext, entry.also))))
    return cards


def rank_cards(cards: list[Card], query: str) -> list[Card]:
    """The cards that share a word with `query` (typos allowed), best match first."""
    by_id = {card.id: card for card in cards}
    return [by_id[card_id] for card_id in _matcher(tuple((c.id, c.phrases) for c in cards))
            .rank(query)]


@functools.lru_cache(maxsize=32)  # every language, on the two or three days alive at once
def _matcher(phrasings: tuple[tuple[str, tuple[str, ...]], ...]) -> FaqMatcher:
    """A matcher for a set of cards, built once per language and day (per keystroke is a lot)."""
    return FaqMatcher.build(dict(phrasings))
