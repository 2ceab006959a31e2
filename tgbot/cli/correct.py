"""`tgbot correct`: edit the delivered copies of a day, or of an announcement, from the shell.

The preview per language first; with `--yes` the edits are queued and, when this process may
send, sent (edits a stopped run left are sent too: the same command again resumes it). With
TGBOT_APPROVALS=2 `--yes` only records the request, whose author is the operator: the running
bot asks the organisers in Telegram, and the first one's Approve starts it.
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter

from tgbot.cli.bot import on_engine
from tgbot.cli.options import settings_from, start_logging
from tgbot.config import ConfigError, Settings
from tgbot.delivery.deliverer import Deliverer
from tgbot.domain.announcement import SENT, text_problem
from tgbot.domain.approval import OPERATOR
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.outbox import State
from tgbot.messages.discreet import announcement_limit


def cmd_correct(args: argparse.Namespace) -> int:
    """`tgbot correct DAY`, or `--announcement ID --text/--file`: the copies to edit.

    Counted per language; with `--yes`, edited.
    """
    settings = settings_from(args)
    settings.check_token()
    start_logging(settings, settings.log_format)
    if (args.day is None) == (args.announcement is None):
        raise ConfigError("name a day, or an announcement with --announcement ID")
    text = args.file.read_text(encoding="utf-8").strip() if args.file else args.text
    if args.announcement is not None and not text:
        raise ConfigError("--announcement needs the new text: --text TEXT or --file FILE")
    return asyncio.run(_correct(settings, args.day, args.announcement, text, args.yes))


async def _correct(settings: Settings, day: int | None, announcement: int | None,
                   text: str | None, confirmed: bool) -> int:
    """Count the copies to edit; edit them if `confirmed` and this process may send."""
    campaign = load_campaign(settings.campaign)
    if day is not None and campaign.action_for_day(day) is None:
        raise ConfigError(f"day {day} has no action in {settings.campaign}")
    if announcement is not None and text is not None:
        return await on_engine(settings, campaign, lambda deliverer, now: (
            correct_announcement(deliverer, announcement, text, confirmed, settings.approvals,
                                 now)))
    return await on_engine(settings, campaign, lambda deliverer, _: correct_day(
        deliverer, day or 0, confirmed, settings.approvals))


async def correct_day(deliverer: Deliverer, day: int, confirmed: bool, approvals: int) -> int:
    """A day's copies that changed, per language; confirmed, edit them (or ask, four eyes)."""
    corrector = deliverer.corrector
    changed, to_edit, unchanged = await corrector.changed_copies(day)
    for language in sorted(to_edit | unchanged):
        print(f"{language or '-'}: {to_edit[language]} to edit, {unchanged[language]} "
              "unchanged")
    _copies_line(len(changed), confirmed)
    if not confirmed:
        return 0
    if approvals > 1 and changed:
        correction, _ = await corrector.request(day, OPERATOR)
        return _waits(correction)
    await deliverer.instance.join(replies=False)
    _, queued = await corrector.queue(day) if changed else (0, 0)
    return await _send_edits(deliverer, queued)


async def correct_announcement(deliverer: Deliverer, announcement: int, text: str,
                               confirmed: bool, approvals: int, now: float) -> int:
    """An announcement's delivered copies, per language; confirmed, edit them to `text`.

    Its copies not sent yet go out with `text`. The same text as the announcement's edits
    nothing (but still sends the edits a stopped run left).
    """
    store = deliverer.corrector.store
    draft = await store.announcement(announcement)
    if draft is None or draft.state not in SENT:
        raise ConfigError(f"announcement {announcement} was never sent: nothing to correct")
    if problem := text_problem(text, announcement_limit(deliverer.corrector.translations)):
        raise ConfigError(f"Telegram would refuse the new text: {problem}")
    unchanged = draft.text == text
    copies = Counter[str]() if unchanged else await store.announcement_copies(announcement)
    for language, count in sorted(copies.items()):
        print(f"{language or '-'}: {count} to edit")
    if unchanged:
        print("the announcement already has this text")
    _copies_line(copies.total(), confirmed)
    if not confirmed:
        return 0
    four_eyes = approvals > 1
    correction = None if unchanged else await store.create_announcement_correction(
        announcement, text, deliverer.corrector.current.campaign.edition, now,
        OPERATOR if four_eyes else None)
    if four_eyes and correction is not None:
        return _waits(correction)
    await deliverer.instance.join(replies=False)
    queued = await store.start_announcement_correction(correction) if correction else 0
    return await _send_edits(deliverer, queued or 0)


def _copies_line(count: int, confirmed: bool) -> None:
    print(f"{count} copies to edit"
          + (", run again with --yes to edit them" if count and not confirmed else ""))


def _waits(correction: int) -> int:
    """Four eyes: say that the correction waits for an organiser in Telegram."""
    print(f"correction {correction} waits for an organiser's Approve in Telegram "
          "(TGBOT_APPROVALS=2): the running bot asks them; nothing is edited before")
    return 0


async def _send_edits(deliverer: Deliverer, queued: int) -> int:
    """Send every edit still to send, if this process may send; print what became of them."""
    instance = deliverer.instance
    if not await instance.is_sender():
        print(f"queued: {queued} edits; another process holds the sender lock and sends them")
        return 0
    async with instance.beating():
        tally = await deliverer.corrector.drain()
    await deliverer.stop()
    print(f"edited: {tally[State.SENT]}, message deleted: {tally[State.SKIPPED]}, "
          f"blocked or gone: {tally[State.GONE]}, failed: {tally[State.FAILED]}, "
          f"to retry: {tally[State.PENDING]}")
    return 0
