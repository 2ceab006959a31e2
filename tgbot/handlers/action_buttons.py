"""The buttons under an action: I did it, the safer version, Not safe, Undo, the letter, the post.

In a group, the answers and Undo also redraw the message's shared counter.
"""

from __future__ import annotations

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import CallbackQueryHandler

from tgbot.context import BotContext
from tgbot.domain.campaign import Action
from tgbot.domain.outcomes import Outcome
from tgbot.handlers.common import answer_press, edit_may_repeat, press_of, reply
from tgbot.messages import actions as replies
from tgbot.messages import callbacks
from tgbot.messages.common import stale_button

# What each answer button records (Undo: None, no answer).
OUTCOMES = {callbacks.DONE.verb: Outcome.DONE, callbacks.SAFER.verb: Outcome.SAFER,
            callbacks.NOT_SAFE.verb: Outcome.NOT_SAFE, callbacks.UNDO.verb: None}


async def completion_press(update: Update, context: BotContext) -> None:
    """I did it, the safer version, Not safe where I live, or Undo.

    Recorded for the person who pressed, whichever chat it is in: one answer per person and
    action, so another answer replaces theirs. A group's counter counts those who did it.
    """
    t, campaign, query = context.t, context.campaign, press_of(update)
    press = callbacks.parse(query.data)
    user = update.effective_user
    action = campaign.action_by_id(press.arg) if press else None
    if press is None or user is None or press.edition != campaign.edition or action is None:
        await answer_press(update, stale_button(t))
        return
    if action.day > campaign.reached(context.local_date):
        await answer_press(update, replies.not_open_yet(t))
        return
    outcome = OUTCOMES[press.verb]
    await context.store.set_outcome(user.id, campaign.edition, action.id, outcome,
                                    context.campaign_date, language=t.code)
    count = len(await context.store.completed(user.id, campaign.edition))
    await answer_press(update, replies.completion_toast(t, outcome, count))
    if outcome == Outcome.NOT_SAFE:
        await context.services.alerts.not_safe(campaign, action, t.code)
    chat, message = update.effective_chat, query.message
    if chat is None or message is None:
        return
    if chat.type == "private":
        rendered = replies.action_message(t, campaign, action, done=outcome is not None,
                                          bot_username=context.services.bot_username)
        # pressed twice, the buttons already show it; a message sent before the person did
        # it elsewhere still shows "I did it": it shows Undo now
        if getattr(message, "reply_markup", None) != rendered.markup:
            with edit_may_repeat():
                await query.edit_message_reply_markup(rendered.markup)
        return
    did_it = outcome in (Outcome.DONE, Outcome.SAFER)
    await context.store.group_press(chat.id, campaign.edition, action.day, user.id, did_it)
    context.application.create_task(context.services.edits.submit(
        (chat.id, message.message_id), lambda: _edit_counter(context, message, action)))


async def _edit_counter(context: BotContext, message: MaybeInaccessibleMessage,
                        action: Action) -> None:
    """Redraw a shared action message with the group's counter, counted now.

    Counted after every press that asked for this edit was committed.
    """
    campaign = context.campaign
    people = await context.store.group_count(message.chat.id, campaign.edition, action.day)
    taken = await context.store.action_takers(campaign.edition, [action.id])
    rendered = replies.action_message(context.t, campaign, action,
                                      chat_kind=message.chat.type, counter=people,
                                      taken=taken[action.id],
                                      bot_username=context.services.bot_username)
    if rendered.photo is not None:
        await context.bot.edit_message_caption(message.chat.id, message.message_id,
                                               caption=rendered.text,
                                               reply_markup=rendered.markup)
    else:
        await context.bot.edit_message_text(rendered.text, message.chat.id, message.message_id,
                                            reply_markup=rendered.markup)


async def letter_press(update: Update, context: BotContext) -> None:
    """Show the letter and Copy the post: the text ready to copy, in this chat."""
    press = callbacks.parse(press_of(update).data)
    action = context.campaign.action_by_id(press.arg) if press else None
    if press is None or press.edition != context.campaign.edition or action is None \
            or (action.letter if press.verb == callbacks.LETTER.verb else action.tweet) is None:
        await answer_press(update, stale_button(context.t))
        return
    await answer_press(update)
    letter = press.verb == callbacks.LETTER.verb
    render = replies.letter_message if letter else replies.post_message
    await reply(update, context, render(context.t, context.campaign, action))


HANDLERS = [
    CallbackQueryHandler(completion_press,
                         pattern=callbacks.either(callbacks.DONE, callbacks.SAFER,
                                                  callbacks.NOT_SAFE, callbacks.UNDO)),
    CallbackQueryHandler(letter_press,
                         pattern=callbacks.either(callbacks.LETTER, callbacks.POST)),
]
