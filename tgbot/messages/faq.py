"""The campaign FAQ: the menu of questions, an answer, and what a typed question gets."""

from __future__ import annotations

import html

from tgbot.domain import commands
from tgbot.domain.campaign import Campaign, FaqEntry
from tgbot.domain.translatable import N_
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import (
    REMIND_TONIGHT,
    Reply,
    button,
    campaign_values,
    fill,
    private_chat_pointer,
)


def faq_menu(t: Translator, campaign: Campaign) -> Reply:
    """/faq: a button per question, and Back to the main menu."""
    rows = [[button(t.gettext(e.button), callbacks.FAQ, e.id)] for e in campaign.faq]
    rows.append([button(t.gettext("⬅️ Back"), callbacks.MENU)])
    return Reply(t.direct(t.gettext("❓ <b>Questions about the campaign</b>\nChoose one:")), rows)


def faq_answer(t: Translator, campaign: Campaign, entry: FaqEntry) -> Reply:
    """One question and its answer, with the way back to all questions."""
    question = html.escape(t.gettext(entry.question))
    answer = fill(t.gettext(entry.answer), campaign_values(t, campaign))
    return Reply(t.direct(f"<b>{question}</b>\n\n{answer}"),
                 [[button(t.gettext("⬅️ All questions"), callbacks.FAQ)]])


# The button that does what each command people ask about does: the menus' own buttons.
COMMAND_BUTTONS: dict[str, tuple[str, callbacks.Button, str]] = {
    commands.TODAY.name: (N_("📅 Today's action"), callbacks.TODAY, ""),
    commands.PROGRESS.name: (N_("📊 My progress"), callbacks.PROGRESS, ""),
    commands.UNSUBSCRIBE.name: (N_("🔕 Unsubscribe"), callbacks.UNSUBSCRIBE, ""),
    commands.SETTINGS.name: (N_("⚙️ Settings"), callbacks.SETTINGS, ""),
    commands.REMIND.name: (N_("⏰ Remind me tonight"), callbacks.REMIND, REMIND_TONIGHT),
    commands.LANGUAGE.name: (N_("🌐 Language"), callbacks.LANGUAGES, ""),
    commands.MYDATA.name: (N_("🔒 My data"), callbacks.MYDATA, ""),
}


def command_answer(t: Translator, command: commands.Command) -> Reply:
    """A typed question about the bot itself: the command's /help line, and its button."""
    label, kind, arg = COMMAND_BUTTONS[command.name]
    line = t.gettext(command.help) if command.help else f"/{command.name}"
    return Reply(t.direct(line), [[button(t.gettext(label), kind, arg)]])


def no_match(t: Translator, campaign: Campaign) -> Reply:
    """A typed question no entry matches: the questions the bot can answer, by command."""
    lines = [t.gettext("I'm not sure what you mean. I can answer these questions:")]
    lines += [f"• /{e.command} – {html.escape(t.gettext(e.question))}" for e in campaign.faq]
    return Reply(t.direct("\n".join(lines)), [[button(t.gettext("❓ Questions"), callbacks.FAQ)]])


def ask_in_private(t: Translator, bot_username: str) -> Reply:
    """An unmatched question in a group: one line to the private chat, not the whole list."""
    return private_chat_pointer(t, t.gettext("💬 Ask me in a private chat: I answer every "
                                             "question about the campaign there."), bot_username)
