"""Inline mode: "@bot words" in any chat offers cards to share, in the sharer's language.

The cards are today's action, the invitation and the FAQ answers. The sharer may never have
started the bot: nothing about them is stored.
"""

from __future__ import annotations

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update
from telegram.constants import InlineQueryLimit
from telegram.ext import InlineQueryHandler

from tgbot.context import BotContext
from tgbot.messages import inline as replies

# Results depend on the sharer's language and on the day's counts: cached for this person
# only, and not for long.
CACHE_SECONDS = 120


async def inline_query(update: Update, context: BotContext) -> None:
    """The cards in the sharer's language, best match for the typed words first."""
    query, campaign, t = update.inline_query, context.campaign, context.t
    assert query is not None, "an InlineQueryHandler's update"
    today = context.local_date
    day = campaign.day_of(today)
    action = campaign.action_for_day(day) if day else None
    taken = (await context.store.action_takers(campaign.edition, [action.id]))[action.id] \
        if action else 0
    cards = replies.inline_cards(t, campaign, today, action, taken=taken,
                                  bot_username=context.services.bot_username)
    if query.query.strip():
        cards = replies.rank_cards(cards, query.query)
    await query.answer([InlineQueryResultArticle(
        card.id, card.title, InputTextMessageContent(card.reply.text),
        reply_markup=card.reply.markup, description=card.description)
        for card in cards[:InlineQueryLimit.RESULTS]],
        cache_time=CACHE_SECONDS, is_personal=True)


HANDLERS = [InlineQueryHandler(inline_query)]
