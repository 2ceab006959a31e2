"""The day's action (/today, /action N, a day's button), the list of actions, and progress."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from tgbot.context import BotContext
from tgbot.domain.campaign import Action
from tgbot.domain.commands import ACTION, ACTIONS, DAY_LINK, PROGRESS, START, TODAY
from tgbot.domain.progress import progress
from tgbot.handlers.common import answer_press, count_start, message_of, press_of, reply
from tgbot.messages import actions as replies
from tgbot.messages import callbacks
from tgbot.messages.common import stale_button


async def _completed(update: Update, context: BotContext) -> set[str]:
    """The action ids the person behind this update completed in this edition."""
    user = update.effective_user
    return await context.store.completed(user.id, context.campaign.edition) if user else set()


async def show_action(update: Update, context: BotContext, action: Action) -> None:
    """One action, with the buttons that fit the chat (private, group or channel)."""
    chat, campaign = update.effective_chat, context.campaign
    done = action.id in await _completed(update, context)
    taken = await context.store.action_takers(campaign.edition, [action.id])
    await reply(update, context, replies.action_message(
        context.t, campaign, action, bot_username=context.services.bot_username,
        done=done, chat_kind=chat.type if chat else "private", taken=taken[action.id]))


async def today(update: Update, context: BotContext) -> None:
    """Today's action; before the campaign a countdown, after it a thank-you with the result."""
    await answer_press(update)
    campaign, t = context.campaign, context.t
    date = context.local_date
    reached, phase = campaign.reached(date), campaign.phase(date)
    if phase == "before":
        chat = update.effective_chat
        stored = await context.store.chat(chat.id) if chat else None
        await reply(update, context, replies.countdown(
            t, campaign, date, subscribed=stored is not None and stored.subscribed))
    elif phase == "after":
        done = len(await _completed(update, context))
        await reply(update, context, replies.campaign_over(t, campaign, done))
    else:
        action = campaign.action_for_day(reached)
        assert action is not None, "the campaign checker requires an action for every day"
        await show_action(update, context, action)


async def actions(update: Update, context: BotContext) -> None:
    """/actions: every day, done or open; the days to come show only their date."""
    await answer_press(update)
    completed = await _completed(update, context)
    reached = context.campaign.reached(context.local_date)
    await reply(update, context,
                replies.actions_list(context.t, context.campaign, completed, reached))


async def action_command(update: Update, context: BotContext) -> None:
    """/action N: one day's action, once that day has come."""
    arg = context.args[0] if context.args else ""
    if not arg.isdigit() or not 1 <= int(arg) <= context.campaign.days:
        await reply(update, context, replies.action_usage(context.t, context.campaign))
        return
    await open_day(update, context, int(arg))


async def open_day(update: Update, context: BotContext, day: int) -> None:
    """One day's action, if that day has come (/action N, a day's button, a channel link)."""
    campaign = context.campaign
    action = campaign.action_for_day(day)
    if action is None or day > campaign.reached(context.local_date):
        await reply(update, context, replies.day_not_open(context.t, campaign, day))
        return
    await show_action(update, context, action)


async def day_link(update: Update, context: BotContext) -> None:
    """/start day5, from a channel post's link: count the source, then open that day."""
    await count_start(context)
    link = DAY_LINK.match(message_of(update).text or "")
    assert link, "registered for /start day links only"
    await open_day(update, context, int(link[1]))


async def action_press(update: Update, context: BotContext) -> None:
    """A day's button in the /actions list."""
    press = callbacks.parse(press_of(update).data)
    if press is None or press.edition != context.campaign.edition:
        await answer_press(update, stale_button(context.t))
        return
    await answer_press(update)
    await open_day(update, context, int(press.arg))


async def progress_command(update: Update, context: BotContext) -> None:
    """/progress: done, streak, days still open, and everyone's completions together."""
    await answer_press(update)
    campaign = context.campaign
    completed = await _completed(update, context)
    result = progress(campaign, completed, context.local_date)
    everyone = await context.store.completions_total(campaign.edition)
    await reply(update, context, replies.progress_message(
        context.t, campaign, result, everyone,
        started=campaign.phase(context.local_date) != "before"))


HANDLERS = [
    CommandHandler(TODAY.name, today),
    CommandHandler(ACTIONS.name, actions),
    CommandHandler(ACTION.name, action_command),
    CommandHandler(PROGRESS.name, progress_command),
    CommandHandler(START.name, day_link, filters=filters.Regex(DAY_LINK)),
    CallbackQueryHandler(today, pattern=callbacks.TODAY.pattern),
    CallbackQueryHandler(actions, pattern=callbacks.ACTIONS.pattern),
    CallbackQueryHandler(progress_command, pattern=callbacks.PROGRESS.pattern),
    CallbackQueryHandler(action_press, pattern=callbacks.ACT.pattern),
]
