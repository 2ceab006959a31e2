"""`tgbot recall`: delete the delivered copies of a day, or of an announcement, from the shell.

The preview per language first (copies to delete, copies too old, rows not sent yet); with
`--yes` the recall starts and, when this process may send, its deletions are made (those a
stopped run left too: the same command again resumes it). With TGBOT_APPROVALS=2 `--yes` only
records the request, whose author is the operator: the running bot asks the organisers in
Telegram, and the first one's Approve starts it.
"""

from __future__ import annotations

import argparse
import asyncio

from tgbot.cli.bot import on_engine
from tgbot.cli.options import settings_from, start_logging
from tgbot.config import ConfigError
from tgbot.delivery.deliverer import Deliverer
from tgbot.domain.approval import OPERATOR
from tgbot.domain.campaign_file import load_campaign
from tgbot.domain.deletions import DeletionState
from tgbot.domain.recall import Target


def cmd_recall(args: argparse.Namespace) -> int:
    """`tgbot recall DAY` or `--announcement ID`: the preview; with `--yes`, recall it."""
    settings = settings_from(args)
    if (args.day is None) == (args.announcement is None):
        raise ConfigError("give a day or --announcement ID, not both")
    settings.check_token()
    start_logging(settings, settings.log_format)
    campaign = load_campaign(settings.campaign)
    if args.day is not None and campaign.action_for_day(args.day) is None:
        raise ConfigError(f"day {args.day} has no action in {settings.campaign}")
    target = Target.of_day(campaign.edition, args.day) if args.day is not None \
        else Target.of_announcement(args.announcement)
    return asyncio.run(on_engine(settings, campaign, lambda deliverer, _: recall(
        deliverer, target, args.yes, settings.approvals)))


async def recall(deliverer: Deliverer, target: Target, confirmed: bool, approvals: int) -> int:
    """The preview per language; confirmed, recall it and delete every copy due now.

    (Deletions a stopped run left are made too: `recall ... --yes` again resumes it.) With
    `approvals` 2 (four eyes), confirmed only asks for an organiser's approval, which the
    running bot then asks for in Telegram.
    """
    recaller, instance = deliverer.recaller, deliverer.instance
    preview = await recaller.preview(target)
    for language in sorted(preview.deletable | preview.too_old):
        print(f"{language or '-'}: {preview.deletable[language]} to delete, "
              f"{preview.too_old[language]} too old")
    print(f"{preview.deletable.total()} copies to delete, {preview.too_old.total()} too old "
          f"(48 hours), {preview.withdrawn} not sent yet to withdraw"
          + (" (recalled already)" if preview.already else "")
          + (", run again with --yes to recall it" if not confirmed and not preview.already
             else ""))
    if not confirmed:
        return 0
    if approvals > 1 and not preview.already:  # four eyes: an organiser approves in Telegram
        requested = await recaller.request(target, OPERATOR)
        print(f"recall {requested[0] if requested else '-'} waits for an organiser's Approve "
              "in Telegram (TGBOT_APPROVALS=2): the running bot asks them; nothing is deleted "
              "before")
        return 0
    await instance.join(replies=False)
    if await recaller.queue(target) is None and not preview.already:
        print("recalled already")
    if not await instance.is_sender():
        print("another process holds the sender lock and deletes them")
        return 0
    async with instance.beating():
        await deliverer.deleter.run()
        reports = await recaller.report()
    await deliverer.stop()
    for report, withdrawn in reports:  # this recall's, and any other under way
        for language, done in sorted(report.copies.items()):
            print(f"{language or '-'}: deleted {done[DeletionState.DELETED]}, too old "
                  f"{done[DeletionState.TOO_OLD]}, unreachable "
                  f"{done[DeletionState.GONE] + done[DeletionState.FAILED]}, to retry "
                  f"{done[DeletionState.PENDING] + done[DeletionState.DELETING]}")
        print(f"recall {report.recall_id}: withdrawn {withdrawn}"
              + (", finished" if report.finished else ""))
    return 0
