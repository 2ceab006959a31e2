"""`tgbot site`: the mirror site of the days reached (static pages and Atom feeds), to a folder.

The pages are built by `tgbot.site`; this is the command's flags and its one line of report.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from tgbot.cli.options import settings_from
from tgbot.config import parse_site_url
from tgbot.domain.campaign_file import load_campaign
from tgbot.i18n.translator import I18n
from tgbot.site.build import build_site, days_reached


def cmd_site(args: argparse.Namespace) -> int:
    """`tgbot site`: the mirror site of the days reached (or `--all`), written to a folder."""
    settings = settings_from(args)
    campaign = load_campaign(settings.campaign)
    if args.all:
        reached = campaign.reached(campaign.end_date)
    elif args.date is not None:
        reached = campaign.reached(args.date)
    else:
        reached = days_reached(campaign, dt.datetime.now(dt.UTC))
    site_url = parse_site_url(args.url) if args.url else settings.site_url
    built = build_site(campaign, I18n(settings.locales, settings.languages), Path(args.out),
                       reached, site_url)
    print(f"{args.out}: {built.days} days in {built.languages} languages, {built.files} "
          f"files, the largest page {built.largest} bytes")
    return 0
