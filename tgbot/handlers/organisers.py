"""Organisers' commands: /stats, /announce, /reload, /correct and /recall.

To anyone else they do not exist.

Organisers are the user ids in TGBOT_ADMINS, checked by id, never by name; a partner
organisation's organisers (TGBOT_PARTNERS) have /stats for their own partner's figures only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
from collections.abc import Callable

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, filters

from tgbot.config import parse_lifetime
from tgbot.context import BotContext, Services
from tgbot.domain import schedule, zones
from tgbot.domain.announcement import SENT, Phase, visible_length
from tgbot.domain.approval import Pending, Subject, Verdict
from tgbot.domain.commands import ANNOUNCE, CORRECT, RECALL, RELOAD, STATS
from tgbot.domain.outcomes import count_outcomes
from tgbot.domain.recall import Target
from tgbot.handlers.common import answer_press, chat_of, message_of, press_of, reply, user_of
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages import organisers as replies
from tgbot.messages.chart import chart_png
from tgbot.messages.common import Reply
from tgbot.messages.discreet import announcement_limit
from tgbot.ops import campaign_sync

LIFETIME = re.compile(r"\d+[mhd]")  # "/announce 12h ...": how long it stays worth sending
AT = "at"  # "/announce at 18:00 ...": at that time in each chat's own zone
log = logging.getLogger(__name__)


def organisers(services: Services) -> filters.BaseFilter:
    """Only organisers, in private chats; everyone else falls through as if no command."""
    return filters.User(user_id=services.settings.admins) & filters.ChatType.PRIVATE


def stats_readers(services: Services) -> filters.BaseFilter:
    """Organisers and partners' organisers, in private chats: /stats is for them."""
    settings = services.settings
    return filters.User(user_id=settings.admins.union(*settings.partners.values())) \
        & filters.ChatType.PRIVATE


async def stats(update: Update, context: BotContext) -> None:
    """/stats: the campaign's figures as text, the answers per day, then the completions chart.

    A partner's organiser (not in TGBOT_ADMINS) gets their own partner's figures only.
    """
    campaign, settings = context.campaign, context.services.settings
    if user_of(update).id not in settings.admins:
        mine = settings.partners_of(user_of(update).id)
        partners = await context.store.partner_figures(campaign, mine, others=False)
        await reply(update, context, replies.partner_stats(context.t, campaign, partners))
        return
    figures = await context.store.stats(campaign, context.campaign_date,
                                        context.services.clock().timestamp())
    partners = await context.store.partner_figures(campaign, settings.partners, others=True)
    await reply(update, context, replies.stats_with_partners(
        context.t, campaign, figures, partners, await context.store.waiting_approvals()))
    await _outcomes(update, context)
    png = await asyncio.to_thread(chart_png, figures, f"{campaign.name} {campaign.edition}",
                                  campaign.days)
    await context.bot.send_photo(chat_of(update).id, png)


async def _outcomes(update: Update, context: BotContext) -> None:
    """/stats' answers per day and language, when anyone has answered."""
    campaign = context.campaign
    counts = count_outcomes(campaign, await context.store.outcome_counts(campaign.edition))
    if counts.by_day:
        await reply(update, context, replies.outcomes_message(context.t, counts))


async def announce(update: Update, context: BotContext) -> None:
    """/announce [xx] [12h] [at 18:00] TEXT: preview exactly as subscribers will see it.

    `xx` reaches one language only; `12h` (or 90m, 2d) is how long the announcement
    stays worth sending, instead of TGBOT_ANNOUNCEMENT_LIFETIME; `at 18:00` sends it at 18:00
    in each chat's own zone. Then Send/Cancel.
    """
    t, message, services = context.t, message_of(update), context.services
    text = _text_after_command(message.text_html)
    language, lifetime, send_at = None, None, None
    for _ in range(3):  # the language, the lifetime and the time, in any order
        first, _, rest = text.partition(" ")
        if not rest.strip():
            break
        if first in services.i18n.languages and language is None:
            language, text = first, rest.strip()
        elif LIFETIME.fullmatch(first) and lifetime is None:
            lifetime, text = parse_lifetime(first, "the lifetime"), rest.strip()
        elif first == AT and send_at is None and any(c.isdigit() for c in rest.split()[0]):
            clock, _, text = rest.strip().partition(" ")
            send_at, text = zones.parse_time(clock), text.strip()
            if send_at is None:
                await reply(update, context, replies.announce_bad_time(t))
                return
    if not text:
        await reply(update, context, replies.announce_usage(t))
        return
    if too_long := _too_long(context, text):
        await reply(update, context, too_long)
        return
    audience = await context.store.audience(language)
    if not audience:
        await reply(update, context, replies.announce_nobody(t, language))
        return
    announcement = await context.store.create_announcement(text, language,
                                                           services.campaign_date(), lifetime,
                                                           send_at)
    await reply(update, context, Reply(text))
    await reply(update, context,
                replies.announce_question(t, announcement, audience, _lasts(services, lifetime),
                                          language, send_at))


def _too_long(context: BotContext, text: str) -> Reply | None:
    """The reply to an announcement's text its discreet chats' copies could not hold."""
    limit = announcement_limit(context.services.i18n)
    length = visible_length(text)
    return replies.announce_too_long(context.t, length, limit) if length > limit else None


def _lasts(services: Services, lifetime: float | None) -> dt.timedelta:
    """How long an announcement stays worth sending: its own lifetime, or the configured one."""
    return dt.timedelta(seconds=lifetime or services.settings.announcement_lifetime)


async def announce_press(update: Update, context: BotContext) -> None:
    """Send or Cancel under an announcement's preview; only organisers' presses count.

    With TGBOT_APPROVALS=2, Send makes it wait for another organiser's Approve
    (`approval_press`).
    """
    t, store, query = context.t, context.store, press_of(update)
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in context.services.settings.admins:
        await answer_press(update)
        return
    announcement = int(press.arg)
    if press.verb == callbacks.ANNOUNCE_CANCEL.verb:
        await store.cancel_announcement(announcement)
        await answer_press(update)
        await reply(update, context, replies.announcement_cancelled(t), edit=True)
        return
    services, status = context.services, query.message
    draft = await store.announcement(announcement)
    if draft is None or draft.state != Phase.DRAFT:
        await answer_press(update)
        await reply(update, context, replies.announcement_gone(t), edit=True)
        return
    where = (status.chat.id, status.message_id, t.code) if status else None
    if services.settings.approvals > 1:
        asked = await store.request_approval(Subject.ANNOUNCEMENT, announcement,
                                             user_of(update).id, services.clock().timestamp(),
                                             where)
        await _wait_for_approval(update, context, Subject.ANNOUNCEMENT, announcement, asked)
        return
    now = services.clock()
    due_at = schedule.announcement_due(draft.send_at, services.campaign, now) \
        if draft.send_at else None
    total = await store.start_announcement(
        announcement, now=now.timestamp(), lifetime=services.settings.announcement_lifetime,
        due_at=due_at, status=where)
    await answer_press(update)
    if not total:
        await reply(update, context, replies.announcement_gone(t), edit=True)
        return
    # the sender edits the status message with the progress at each beat
    # (delivery/announcements.py)
    await reply(update, context, Reply(replies.announcement_progress(t, 0, total, False)),
                edit=True)
    services.deliverer.wake()


async def _wait_for_approval(update: Update, context: BotContext, what: Subject, item: int,
                             asked: bool) -> None:
    """Four eyes: the pressed message now says it waits; the sender asks the others.

    `asked` is False when it waited already (Send pressed twice): nobody is asked again.
    """
    await answer_press(update)
    await reply(update, context, replies.approval_waiting(context.t, what, item), edit=True)
    if asked:
        context.services.deliverer.ask_approvals()


async def approval_press(update: Update, context: BotContext) -> None:
    """Approve or Cancel of something waiting for approval; only organisers' presses count.

    The author's own Approve is refused; Cancel by either ends it. Once approved, the author's
    status message shows the progress.
    """
    t, query, services = context.t, press_of(update), context.services
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in services.settings.admins:
        await answer_press(update)
        return
    what, item = callbacks.subject_of(press)
    approvals = services.deliverer.approvals
    if not approvals.handles(what):
        await answer_press(update)
        return
    pressed = (query.message.chat.id, query.message.message_id) if query.message else None
    if press.verb == callbacks.APPROVAL_CANCEL.verb:
        waiting = [p for p in await context.store.waiting_approvals() if p.what == what
                   and p.id == item and p.status and p.status[:2] != pressed]
        cancelled = await approvals.cancel(what, item)
        await answer_press(update)
        await reply(update, context, replies.announcement_cancelled(t) if cancelled
                    else replies.approval_gone(t), edit=True)
        for author in waiting:  # the author's message, when another organiser cancelled
            await _show_status(context, author, replies.announcement_cancelled)
        return
    verdict, pending, queued, _ = await approvals.approve(what, item, user_of(update).id)
    if verdict == Verdict.OWN:
        await answer_press(update, replies.approval_own(t))
        return
    await answer_press(update)
    if pending is None:
        await reply(update, context, replies.approval_gone(t), edit=True)
        return
    await reply(update, context, replies.approval_given(t), edit=True)
    await _show_status(context, pending,
                       lambda author: Reply(approvals.progress(what, author, queued)))
    services.deliverer.wake()


async def _show_status(context: BotContext, pending: Pending,
                       message: Callable[[Translator], Reply]) -> None:
    """Edit the author's status message of something that waited for approval."""
    if pending.status is None:
        return
    chat_id, message_id, language = pending.status
    shown = message(context.services.i18n.get(language))
    try:
        await context.bot.edit_message_text(shown.text, chat_id, message_id,
                                            reply_markup=shown.markup)
    except TelegramError as error:  # deleted, or not modified: nothing to show
        log.info("%s %d status not shown: %s", pending.what, pending.id, error)


async def reload_command(update: Update, context: BotContext) -> None:
    """Re-read actions.yaml for every instance.

    A file with problems is refused and the campaign stays as it was, everywhere.
    """
    services = context.services
    problems = await campaign_sync.reload(services.store, services.current,
                                          services.settings.campaign,
                                          services.clock().timestamp())
    await reply(update, context, replies.reload_result(context.t, problems))


async def correct(update: Update, context: BotContext) -> None:
    """/correct DAY: how many delivered copies of the day change, per language; Edit/Cancel.

    As a reply to an announcement's status message, /correct NEW TEXT corrects the
    announcement instead (`_correct_announcement`).
    """
    args, campaign, t = context.args or [], context.campaign, context.t
    replied = message_of(update).reply_to_message
    announcement = await context.store.announcement_of_status(
        replied.chat.id, replied.message_id) if replied else None
    if announcement is not None:
        await _correct_announcement(update, context, announcement)
        return
    day = int(args[0]) if len(args) == 1 and args[0].isdigit() else 0
    if campaign.action_for_day(day) is None:
        await reply(update, context, replies.correct_not_announcement(t) if replied
                    else replies.correct_announcement_usage(t) if args
                    else replies.correct_usage(t))
        return
    _, per_language, _ = await context.services.deliverer.corrector.changed_copies(day)
    if not per_language:
        await reply(update, context, replies.correct_nothing(t, day))
        return
    await reply(update, context, replies.correct_question(t, day, campaign.edition, per_language))


async def _correct_announcement(update: Update, context: BotContext, announcement: int) -> None:
    """/correct NEW TEXT on an announcement's status: the new text, then its copies to edit."""
    t, store, services = context.t, context.store, context.services
    text = _text_after_command(message_of(update).text_html)
    draft = await store.announcement(announcement)
    if not text:  # (Telegram's HTML of a message is valid, and fits: no text_problem)
        problem = replies.correct_announcement_usage(t)
    elif draft is None or draft.state not in SENT:
        problem = replies.correct_never_sent(t)
    elif draft.text == text:
        problem = replies.correct_announcement_nothing(t)
    elif too_long := _too_long(context, text):
        problem = too_long
    else:
        per_language = await store.announcement_copies(announcement)
        correction = await store.create_announcement_correction(
            announcement, text, context.campaign.edition, services.clock().timestamp())
        await reply(update, context, Reply(text))
        problem = replies.correct_announcement_question(t, correction, per_language)
    await reply(update, context, problem)


def _text_after_command(html: str) -> str:
    """What follows "/command" in a message's Telegram HTML ("" when nothing does)."""
    parts = html.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def correct_press(update: Update, context: BotContext) -> None:
    """Edit them or Cancel under a correction's preview; only organisers' presses count.

    With TGBOT_APPROVALS=2, Edit makes it wait for another organiser's Approve.
    """
    t, query, services = context.t, press_of(update), context.services
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in services.settings.admins:
        await answer_press(update)
        return
    stale = press.verb == callbacks.CORRECT_SEND.verb \
        and press.edition != context.campaign.edition
    if press.verb == callbacks.CORRECT_CANCEL.verb or stale:
        await answer_press(update)
        await reply(update, context, replies.announcement_cancelled(t), edit=True)
        return
    status, store, corrector = query.message, context.store, services.deliverer.corrector
    where = (status.chat.id, status.message_id, t.code) if status else None
    author, four_eyes = user_of(update).id, services.settings.approvals > 1
    if press.verb == callbacks.CORRECT_ANNOUNCEMENT.verb:
        correction = int(press.arg)
        corrected = await store.corrected_announcement(correction)
        if corrected is None or corrected[1] is None:  # started already
            await answer_press(update)
            await reply(update, context, replies.approval_gone(t), edit=True)
            return
        if four_eyes:
            new = await store.request_approval(Subject.CORRECTION, correction, author,
                                               services.clock().timestamp(), where)
            await _wait_for_approval(update, context, Subject.CORRECTION, correction, new)
            return
        total = await store.start_announcement_correction(correction, where)
    elif four_eyes:
        correction, new = await corrector.request(int(press.arg), author, where)
        await _wait_for_approval(update, context, Subject.CORRECTION, correction, new)
        return
    else:
        _, total = await corrector.queue(int(press.arg), where)
    await answer_press(update)
    # the sender edits the status message as the edits go out (delivery/corrections.py)
    await reply(update, context, Reply(replies.correction_progress(t, 0, total or 0, not total)),
                edit=True)
    services.deliverer.wake()


async def recall(update: Update, context: BotContext) -> None:
    """/recall DAY, or /recall in reply to an announcement's status message: a preview.

    Per language, how many delivered copies would be deleted and how many are too old to;
    then Delete them/Cancel.
    """
    args, campaign, message = context.args or [], context.campaign, message_of(update)
    target = None
    if len(args) == 1 and args[0].isdigit() and campaign.action_for_day(int(args[0])):
        target = Target.of_day(campaign.edition, int(args[0]))
    elif not args and (replied := message.reply_to_message) is not None:
        announcement = await context.store.announcement_shown_in(replied.chat.id,
                                                                 replied.message_id)
        target = Target.of_announcement(announcement) if announcement else None
    if target is None:
        await reply(update, context, replies.recall_usage(context.t))
        return
    preview = await context.services.deliverer.recaller.preview(target)
    if preview.waiting is not None:  # asked already: the same question, with its buttons
        await reply(update, context,
                    replies.approval_waiting(context.t, Subject.RECALL, preview.waiting))
    elif preview.already:
        await reply(update, context, replies.recall_already(context.t))
    elif preview.empty:
        await reply(update, context, replies.recall_nothing(context.t))
    else:
        await reply(update, context, replies.recall_question(context.t, target, preview))


async def recall_press(update: Update, context: BotContext) -> None:
    """Delete them or Cancel under a recall's preview; only organisers' presses count.

    With TGBOT_APPROVALS=2, Delete them makes it wait for another organiser's Approve.
    """
    t, query, services = context.t, press_of(update), context.services
    press = callbacks.parse(query.data)
    if press is None or user_of(update).id not in services.settings.admins:
        await answer_press(update)
        return
    if press.verb == callbacks.RECALL_CANCEL.verb or (
            press.edition is not None and press.edition != context.campaign.edition):
        await answer_press(update)
        await reply(update, context, replies.recall_cancelled(t), edit=True)
        return
    target = Target.of_announcement(int(press.arg)) \
        if press.verb == callbacks.RECALL_ANNOUNCEMENT.verb \
        else Target.of_day(context.campaign.edition, int(press.arg))
    status, recaller = query.message, services.deliverer.recaller
    where = (status.chat.id, status.message_id, t.code) if status else None
    requested = await recaller.request(target, user_of(update).id, where) \
        if services.settings.approvals > 1 else None
    if requested is not None:
        await _wait_for_approval(update, context, Subject.RECALL, *requested)
        return
    await answer_press(update)
    if services.settings.approvals > 1 or await recaller.queue(target, where) is None:
        await reply(update, context, replies.recall_already(t), edit=True)
        return
    # the status message shows the outcome per language, as the deletions go
    await recaller.report()
    services.deliverer.delete_now()


def handlers(services: Services) -> list[BaseHandler]:
    """The organisers' handlers; their filter needs the admins of this bot's settings."""
    only = organisers(services)
    return [
        CommandHandler(STATS.name, stats, filters=stats_readers(services)),
        CommandHandler(ANNOUNCE.name, announce, filters=only),
        CommandHandler(RELOAD.name, reload_command, filters=only),
        CommandHandler(CORRECT.name, correct, filters=only),
        CommandHandler(RECALL.name, recall, filters=only),
        CallbackQueryHandler(recall_press, pattern=callbacks.either(
            callbacks.RECALL_DAY, callbacks.RECALL_ANNOUNCEMENT, callbacks.RECALL_CANCEL)),
        CallbackQueryHandler(correct_press, pattern=callbacks.either(
            callbacks.CORRECT_SEND, callbacks.CORRECT_ANNOUNCEMENT, callbacks.CORRECT_CANCEL)),
        CallbackQueryHandler(announce_press, pattern=callbacks.either(
            callbacks.ANNOUNCE_SEND, callbacks.ANNOUNCE_CANCEL)),
        CallbackQueryHandler(approval_press, pattern=callbacks.either(
            callbacks.APPROVE, callbacks.APPROVAL_CANCEL)),
    ]
