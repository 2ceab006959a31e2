"""What the bot says: every reply rendered as Telegram HTML and buttons, in one language.

One module per feature, mirroring `tgbot.handlers`, plus `common` for what several share.
Functions take a Translator and plain data and return a `Reply` (or a toast's text); they
send nothing, so the daily push, `tgbot preview` and the handlers share one rendering, and
tests can check every language's output against Telegram's limits without a bot.

The names below are those the push, the CLI, the preview and the tests use.
"""

from tgbot.messages.actions import (
    action_message,
    actions_list,
    campaign_over,
    countdown,
    letter_message,
    letter_text,
    post_text,
    progress_message,
)
from tgbot.messages.common import (
    INLINE,
    REMIND_TONIGHT,
    SAFETY_LINE,
    Reply,
    Row,
    button,
    campaign_values,
    fill,
)
from tgbot.messages.faq import faq_answer, faq_menu, no_match
from tgbot.messages.inline import Card, inline_cards
from tgbot.messages.language import language_menu
from tgbot.messages.organisers import announcement_progress, correction_progress, recall_progress
from tgbot.messages.reminders import reminder
from tgbot.messages.start import help_text, welcome

__all__ = [
    "INLINE",
    "REMIND_TONIGHT",
    "SAFETY_LINE",
    "Card",
    "Reply",
    "Row",
    "action_message",
    "actions_list",
    "announcement_progress",
    "correction_progress",
    "recall_progress",
    "button",
    "campaign_over",
    "campaign_values",
    "countdown",
    "faq_answer",
    "faq_menu",
    "fill",
    "help_text",
    "inline_cards",
    "language_menu",
    "letter_message",
    "letter_text",
    "no_match",
    "post_text",
    "progress_message",
    "reminder",
    "welcome",
]
