"""The commands that read or copy the database: status, stats, export, backup, copy-db.

None of them talks to Telegram, so none imports python-telegram-bot or the engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tgbot.cli.options import existing_database, new_file, settings_from
from tgbot.cli.starter import fall_back_on_shipped
from tgbot.cli.terminal import ProgressReport
from tgbot.config import ConfigError, Settings
from tgbot.domain import outcomes, partners, schedule, stats
from tgbot.domain.campaign import Campaign
from tgbot.domain.campaign_file import load_campaign
from tgbot.ops.report import status_report
from tgbot.storage.backends import private_file, redact_url
from tgbot.storage.store import Store


def cmd_status(args: argparse.Namespace) -> int:
    """`tgbot status`: the instances on the database, who sends, the backlog, the last push."""
    settings = settings_from(args)
    fall_back_on_shipped(settings)
    print(asyncio.run(_status(settings)))
    return 0


@contextlib.asynccontextmanager
async def _opened(settings: Settings) -> AsyncIterator[tuple[Campaign, Store]]:
    """The campaign and the existing database the settings name, closed after use."""
    campaign = load_campaign(settings.campaign)
    store = await Store.open(existing_database(settings.db))
    try:
        yield campaign, store
    finally:
        await store.close()


async def _status(settings: Settings) -> str:
    async with _opened(settings) as (campaign, store):
        now = schedule.real_now().timestamp()
        return status_report(
            campaign, await store.instances(), await store.outbox_depth(),
            await store.last_push(campaign.edition, now), await store.campaign_version(), now)


def cmd_stats(args: argparse.Namespace) -> int:
    """`tgbot stats`: the campaign's figures as a table."""
    settings = settings_from(args)
    fall_back_on_shipped(settings)
    figures = asyncio.run(_collect(settings))
    print(stats.table(figures))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """`tgbot export`: completions per action, day and language, to a new CSV file.

    Beside it, `<name>-outcomes.csv`: how many did each day, did its safer version or found
    it not safe, per day and language (`outcomes.write_outcomes_csv`). With --partners-csv,
    each partner organisation's figures to a third new file.
    """
    settings = settings_from(args)
    target = new_file(Path(args.csv))
    fall_back_on_shipped(settings)
    answers = new_file(target.with_name(f"{target.stem}-outcomes{target.suffix or '.csv'}"))
    partners_target = new_file(Path(args.partners_csv)) if args.partners_csv else None
    figures, counts = asyncio.run(_collect_with_outcomes(settings))
    private_file(target)
    rows = stats.write_csv(figures, target)
    private_file(answers)
    answered = outcomes.write_outcomes_csv(counts, answers)
    print(f"{args.csv}: {rows} rows\n{answers}: {answered} rows")
    if partners_target:
        _export_partners(settings, partners_target)
    return 0


def _export_partners(settings: Settings, target: Path) -> None:
    """`tgbot export --partners-csv`: per partner, who started, subscribed and did each day."""
    figures = asyncio.run(_collect_partners(settings))
    private_file(target)
    print(f"{target}: {partners.write_csv(figures, target)} rows")


async def _collect_partners(settings: Settings) -> dict[str, partners.PartnerFigures]:
    async with _opened(settings) as (campaign, store):
        return await store.partner_figures(campaign, settings.partners, others=True)


async def _collect_with_outcomes(settings: Settings
                                 ) -> tuple[stats.Stats, outcomes.OutcomeCounts]:
    """The figures, and each day's outcomes per language, from one opening of the database."""
    async with _opened(settings) as (campaign, store):
        counts = outcomes.count_outcomes(campaign, await store.outcome_counts(campaign.edition))
        return await _figures(campaign, store), counts


async def _collect(settings: Settings) -> stats.Stats:
    async with _opened(settings) as (campaign, store):
        return await _figures(campaign, store)


async def _figures(campaign: Campaign, store: Store) -> stats.Stats:
    now = schedule.real_now()
    return await store.stats(campaign, schedule.campaign_date(campaign, now), now.timestamp())


def cmd_backup(args: argparse.Namespace) -> int:
    """`tgbot backup`: a consistent copy of the live database, to a new file."""
    target = new_file(Path(args.file))
    settings = settings_from(args)
    asyncio.run(_backup(settings, target))
    print(f"{target}: backup of {settings.db} written")
    return 0


async def _backup(settings: Settings, target: Path) -> None:
    store = await Store.open(existing_database(settings.db))
    try:
        await store.backup(target)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    finally:
        await store.close()


def cmd_copy_db(args: argparse.Namespace) -> int:
    """`tgbot copy-db`: every table into a new, empty database (SQLite or PostgreSQL)."""
    counts = asyncio.run(_copy_db(args.source, args.target))
    print(f"copied {sum(counts.values())} rows: "
          + ", ".join(f"{table} {rows}" for table, rows in counts.items()))
    return 0


async def _copy_db(source_db: str, target_db: str) -> dict[str, int]:
    """Copy, then compare every table's row count; refuse a target that holds a campaign."""
    source = await Store.open(existing_database(source_db))
    try:
        target = await Store.open(target_db)
        try:
            if any((await target.row_counts()).values()):
                raise ConfigError(f"{redact_url(target_db)} is not empty; copy into a new "
                                  "database")
            counts = await source.row_counts()
            await source.copy_to(target, ProgressReport(sum(counts.values()), "copying").update)
            copied = await target.row_counts()
            if counts != copied:
                raise ConfigError(f"row counts differ after the copy: {counts} != {copied}")
            return counts
        finally:
            await target.close()
    finally:
        await source.close()
