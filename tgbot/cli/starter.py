"""The campaign shipped with tgbot: `tgbot init` copies it, other commands fall back on it.

A bot installed from a wheel has no checkout around it: the shipped campaign (actions.yaml
and its images) travels inside the package as `tgbot/starter`, as the catalogs do.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from tgbot.config import DEFAULT_CAMPAIGN, ConfigError, Settings


def shipped_campaign() -> Path:
    """The shipped actions.yaml: inside the installed package, or the checkout's own."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "starter" / "actions.yaml"
    return installed if installed.is_file() else package.parent / "actions.yaml"


def shipped_files() -> list[Path]:
    """The shipped campaign's files: actions.yaml and the images beside it."""
    campaign = shipped_campaign()
    return [campaign, *sorted((campaign.parent / "images").glob("*.png"))]


def fall_back_on_shipped(settings: Settings) -> None:
    """With no campaign named and none in this folder, use the shipped one, and say so.

    For the commands that only read a campaign (check, demo, preview, stats, status...):
    `run` and `push` never send a campaign nobody chose.
    """
    if settings.campaign != DEFAULT_CAMPAIGN or settings.campaign.is_file():
        return
    settings.campaign = shipped_campaign()
    print(f"tgbot: no {DEFAULT_CAMPAIGN.name} in this folder: using the campaign shipped with "
          f"tgbot ({settings.campaign}); `tgbot init` writes a copy to edit", file=sys.stderr)


def cmd_init(args: argparse.Namespace) -> int:
    """`tgbot init [DIR]`: write the shipped campaign and its images into DIR to edit."""
    folder = Path(args.folder)
    shipped = shipped_files()
    root = shipped[0].parent
    targets = [folder / path.relative_to(root) for path in shipped]
    existing = [str(target) for target in targets if target.exists()]
    if existing:
        raise ConfigError(f"{existing[0]} already exists: `tgbot init` writes a new campaign "
                          "only where there is none (choose another folder)")
    for path, target in zip(shipped, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    print(f"{targets[0]}: written, with {len(targets) - 1} image(s); edit it, then run "
          f"`tgbot check {targets[0]}`")
    return 0
