"""The day's action, the list of actions, "I did it" and progress."""

from __future__ import annotations

import datetime as dt

from telegram import MaybeInaccessibleMessage, Update
from telegram.ext import CallbackQueryHandler, CommandHandler

from tgbot import callbacks, messages
from tgbot.campaign import CAMPAIGN_DAYS, Action
from tgbot.context import BotContext
from tgbot.handlers.common import answer_press, reply
from tgbot.progress import progress


def _reached(context: BotContext) -> tuple[dt.date, int]:
    """Today in the chat's time zone, and the last campaign day it has reached (0 before)."""
    campaign = context.campaign
    today = context.services.campaign_today(context.chat_record)
    phase = campaign.phase(today)
    reached = CAMPAIGN_DAYS if phase == "after" else (campaign.day_of(today) or 0)
    return today, reached


async def _completed(update: Update, context: BotContext) -> set[str]:
    """The action ids the person behind this update completed in this edition."""
    user = update.effective_user
    return await context.store.completed(user.id, context.campaign.edition) if user else set()


async def show_action(update: Update, context: BotContext, action: Action) -> None:
    """One action, with the buttons that fit the chat (private, group or channel)."""
    chat, campaign = update.effective_chat, context.campaign
    done = action.id in await _completed(update, context)
    taken = await context.store.action_takers(campaign.edition, [action.id])
    await reply(update, context, messages.action_message(
        context.tr, campaign, action, bot_username=context.services.bot_username,
        done=done, chat_kind=chat.type if chat else "private", taken=taken[action.id]))


async def today(update: Update, context: BotContext) -> None:
    """Today's action; before the campaign a countdown, after it a thank-you with the result."""
    await answer_press(update)
    campaign, t = context.campaign, context.tr
    date, reached = _reached(context)
    phase = campaign.phase(date)
    if phase == "before":
        await reply(update, context, messages.countdown(t, campaign, date))
    elif phase == "after":
        done = len(await _completed(update, context))
        await reply(update, context, messages.campaign_over(t, campaign, done))
    else:
        await show_action(update, context, campaign.action_for_day(reached))


async def actions(update: Update, context: BotContext) -> None:
    await answer_press(update)
    completed = await _completed(update, context)
    _, reached = _reached(context)
    await reply(update, context,
                messages.actions_list(context.tr, context.campaign, completed, reached))


async def action_command(update: Update, context: BotContext) -> None:
    """/action N: one day's action, once that day has come."""
    t = context.tr
    arg = context.args[0] if context.args else ""
    if not arg.isdigit() or not 1 <= int(arg) <= CAMPAIGN_DAYS:
        await reply(update, context, messages.Reply(t.gettext(
            "Send /action with a day number from 1 to 23, for example: /action 5")))
        return
    await open_day(update, context, int(arg))


async def open_day(update: Update, context: BotContext, day: int) -> None:
    campaign = context.campaign
    _, reached = _reached(context)
    action = campaign.action_for_day(day)
    if action is None or day > reached:
        text = messages.fill(context.tr.gettext("🔒 Day {day} opens on {date}."),
                             {"day": context.tr.number(day),
                              "date": context.tr.date(campaign.date_of(day))})
        await reply(update, context, messages.Reply(text))
        return
    await show_action(update, context, action)


async def action_press(update: Update, context: BotContext) -> None:
    """A day's button in the /actions list."""
    press = callbacks.parse(update.callback_query.data)
    if press is None or press.edition != context.campaign.edition:
        await answer_press(update, context.tr.gettext("This button is from an earlier campaign."))
        return
    await answer_press(update)
    await open_day(update, context, int(press.arg))


async def completion_press(update: Update, context: BotContext) -> None:
    """ "I did it" / "Undo": recorded for the person who pressed, whichever chat it is in."""
    t, campaign = context.tr, context.campaign
    press = callbacks.parse(update.callback_query.data)
    user = update.effective_user
    action = campaign.action_by_id(press.arg) if press else None
    if press is None or user is None or press.edition != campaign.edition or action is None:
        await answer_press(update, t.gettext("This button is from an earlier campaign."))
        return
    _, reached = _reached(context)
    if action.day > reached:
        await answer_press(update, t.gettext("This action is not open yet."))
        return
    done = press.verb == "done"
    today = context.services.campaign_today(context.chat_record)
    await context.store.set_completed(user.id, campaign.edition, action.id, done,
                                      today)
    count = len(await context.store.completed(user.id, campaign.edition))
    toast = t.ngettext("✅ Thank you! {count} action done.",
                       "✅ Thank you! {count} actions done.", count) if done \
        else t.gettext("↩️ Undone.")
    await answer_press(update, messages.fill(toast, {"count": t.number(count)}))
    chat, message = update.effective_chat, update.callback_query.message
    if chat is None or message is None:
        return
    if chat.type == "private":
        rendered = messages.action_message(t, campaign, action, done=done,
                                           bot_username=context.services.bot_username)
        # pressed twice, the buttons already show it; a message sent before the person did
        # it elsewhere still shows "I did it": it shows Undo now
        if getattr(message, "reply_markup", None) != rendered.markup:
            await update.callback_query.edit_message_reply_markup(rendered.markup)
        return
    await context.store.group_press(chat.id, campaign.edition, action.day, user.id, done)
    context.application.create_task(context.services.edits.submit(
        (chat.id, message.message_id), lambda: _edit_counter(context, message, action)))


async def _edit_counter(context: BotContext, message: MaybeInaccessibleMessage,
                        action: Action) -> None:
    """Redraw a shared action message with the group's counter, counted now (after every
    press that asked for this edit was committed).
    """
    campaign = context.campaign
    people = await context.store.group_count(message.chat.id, campaign.edition, action.day)
    taken = await context.store.action_takers(campaign.edition, [action.id])
    rendered = messages.action_message(context.tr, campaign, action, chat_kind=message.chat.type,
                                       counter=people, taken=taken[action.id],
                                       bot_username=context.services.bot_username)
    if rendered.photo is not None:
        await context.bot.edit_message_caption(message.chat.id, message.message_id,
                                               caption=rendered.text,
                                               reply_markup=rendered.markup)
    else:
        await context.bot.edit_message_text(rendered.text, message.chat.id, message.message_id,
                                            reply_markup=rendered.markup)


async def letter_press(update: Update, context: BotContext) -> None:
    """ "Show the letter" and "Copy the post": the text ready to copy, in this chat."""
    press = callbacks.parse(update.callback_query.data)
    action = context.campaign.action_by_id(press.arg) if press else None
    if press is None or press.edition != context.campaign.edition or action is None \
            or (action.letter if press.verb == "letter" else action.tweet) is None:
        await answer_press(update, context.tr.gettext("This button is from an earlier campaign."))
        return
    await answer_press(update)
    await reply(update, context, messages.letter_message(context.tr, context.campaign, action)
                if press.verb == "letter" else
                messages.post_message(context.tr, context.campaign, action))


async def progress_command(update: Update, context: BotContext) -> None:
    await answer_press(update)
    campaign = context.campaign
    completed = await _completed(update, context)
    date, reached = _reached(context)
    result = progress(campaign, completed, reached or None, campaign.phase(date))
    everyone = await context.store.completions_total(campaign.edition)
    await reply(update, context, messages.progress_message(context.tr, campaign, result,
                                                           everyone))


HANDLERS = [
    CommandHandler("today", today),
    CommandHandler("actions", actions),
    CommandHandler("action", action_command),
    CommandHandler("progress", progress_command),
    CallbackQueryHandler(today, pattern=r"^today$"),
    CallbackQueryHandler(actions, pattern=r"^actions$"),
    CallbackQueryHandler(progress_command, pattern=r"^progress$"),
    CallbackQueryHandler(action_press, pattern=r"^act:"),
    CallbackQueryHandler(completion_press, pattern=r"^(done|undo):"),
    CallbackQueryHandler(letter_press, pattern=r"^(letter|post):"),
]
