"""Check every button press before a feature handler sees it (group -1).

Telegram passes on whatever callback data a client sends, even data the pressed message
carries no button for (Bot API, CallbackQuery: "the message originated the query can contain
no callback buttons with this data"), and every reader of a channel and every member of a
group can press. So a press goes on only when its data is one the bot makes; when it has a
chat (a press on an inline message has none, and the bot puts no callback buttons there);
when, on a message the whole group or channel sees, it is one of that message's buttons;
and, in a channel, when the presser administers it. Everything else gets a short toast
and changes nothing. Who may change a group's settings is the handlers' `may_manage`.
"""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from tgbot.context import BotContext
from tgbot.handlers.common import answer_press, may_manage, press_of
from tgbot.messages import callbacks
from tgbot.messages.common import stale_button


async def check_press(update: Update, context: BotContext) -> None:
    """Stop a press the bot did not offer, or one from a channel's reader."""
    query, chat = press_of(update), update.effective_chat
    if callbacks.parse(query.data) is None or chat is None \
            or chat.type != "private" and not _offered(query.message, query.data):
        await answer_press(update, stale_button(context.t))
        raise ApplicationHandlerStop
    if chat.type == "channel" and not await may_manage(update, context):
        raise ApplicationHandlerStop


def _offered(message: object, data: str | None) -> bool:
    """Whether the pressed message carries a button with this data.

    A message Telegram no longer shows the bot (InaccessibleMessage) has no buttons to
    compare with: its presses go on, and the handlers check them as before.
    """
    if not isinstance(message, Message):
        return True
    markup = message.reply_markup
    return markup is not None and any(button.callback_data == data
                                      for row in markup.inline_keyboard for button in row)


HANDLERS = [CallbackQueryHandler(check_press)]
