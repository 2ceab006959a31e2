"""What the bot says when it is added to a group or a channel."""

from __future__ import annotations

from tgbot.i18n.translator import Translator
from tgbot.messages.common import Reply


def group_greeting(t: Translator) -> Reply:
    """Added to a group: what the bot does, and which commands its admins use."""
    return Reply(t.direct("\n\n".join([
        t.gettext("👋 Hello! I bring one simple action a day to end impunity for crimes "
                  "against journalists, and answer questions about the campaign."),
        t.gettext("An admin can send /subscribe to get each day's action here, "
                  "/settings to choose the time and /language to choose the language. "
                  "Everyone can press \"I did it\" under an action."),
    ])))


def channel_greeting(t: Translator) -> Reply:
    """Added to a channel: how to subscribe it (the bot never posts there uninvited)."""
    return Reply(t.gettext(
        "Thank you for adding me. Post /subscribe in the channel (or send me "
        "/subscribe @channelname in a private chat) to get each day's action here."))
