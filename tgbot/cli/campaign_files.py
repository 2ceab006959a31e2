"""The commands that check a campaign file and its translations: `tgbot check`, `tgbot catalogs`.

Neither opens the database nor imports anything of Telegram.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tgbot.cli.options import settings_from
from tgbot.cli.starter import fall_back_on_shipped
from tgbot.config import Settings
from tgbot.domain.campaign_file import load_campaign
from tgbot.i18n.catalogs import check_all
from tgbot.i18n.extract import extract_campaign
from tgbot.i18n.translator import DEFAULT_LANGUAGE, I18n


def cmd_check(args: argparse.Namespace) -> int:
    """`tgbot check`: validate a campaign file, and warn of texts without a translation."""
    settings = Settings.from_env()
    if not args.file:
        fall_back_on_shipped(settings)
    path = Path(args.file) if args.file else settings.campaign
    campaign = load_campaign(path)
    for warning in untranslated(path, I18n(settings.locales, settings.languages)):
        print(warning, file=sys.stderr)
    print(f"{path}: OK ({campaign.name} {campaign.edition}, {len(campaign.actions)} actions, "
          f"{len(campaign.faq)} questions)")
    return 0


def untranslated(path: Path, i18n: I18n) -> list[str]:
    """A warning for each campaign text some language has no translation of yet."""
    warnings = []
    with path.open("rb") as handle:
        texts = list(extract_campaign(handle, None, None, {}))
    for line, _, text, _ in texts:
        missing = [t.code for t in i18n if t.code != DEFAULT_LANGUAGE and not t.translated(text)]
        if missing:
            warnings.append(f"{path}:{line}: warning: no translation in {', '.join(missing)} "
                            f"for {text[:50]!r} (English is shown; see README, For "
                            "translators)")
    return warnings


def cmd_catalogs(args: argparse.Namespace) -> int:
    """`tgbot catalogs`: each problem, each language's state; exit status 1 if work is left.

    Messages not translated yet are counted; `--untranslated` lists them too.
    """
    settings = settings_from(args)
    fall_back_on_shipped(settings)
    load_campaign(settings.campaign)  # its texts are part of every catalog
    report = check_all(settings.locales, settings.campaign, args.lang)
    for line in report.problems + (report.untranslated if args.untranslated else []):
        print(line)
    for line in report.summary:
        print(line, file=sys.stderr)
    print(report.verdict, file=sys.stderr)
    if report.untranslated and not args.untranslated:
        print("(tgbot catalogs --untranslated lists each message to translate)",
              file=sys.stderr)
    return 1 if report.unfinished else 0
