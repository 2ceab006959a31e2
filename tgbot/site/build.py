"""`tgbot site`: write the mirror site to a folder, replacing the previous build whole.

The site shows the days reached, as `/today` counts them for a chat in the campaign's own
zone: a build never reveals a day before the bot does. The new site is written beside the
folder and swapped in, so a web server serving the folder never shows half a build, and a day
left over from an earlier build (`--all`) disappears with it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tgbot.config import ConfigError
from tgbot.domain.campaign import Campaign
from tgbot.domain.schedule import local_now
from tgbot.i18n.translator import I18n
from tgbot.site import pages
from tgbot.site.feed import atom_feed

# Every page, images apart, stays under this: it loads over a slow or metered connection.
PAGE_LIMIT = 40 * 1024
# The file that marks a folder as a site this command built, and so one it may replace.
MARKER = ".tgbot-site"


@dataclass(frozen=True)
class Built:
    """What a build wrote: how many days, languages and files, and the largest page."""

    days: int
    languages: int
    files: int
    largest: int


def days_reached(campaign: Campaign, now: dt.datetime) -> int:
    """The last day out at `now`: today's campaign day in the campaign's zone, as /today."""
    return campaign.reached(local_now(None, campaign, now).date())


def site_files(campaign: Campaign, i18n: I18n, reached: int,
               site_url: str = "") -> dict[str, bytes]:
    """Every file of the site by its path under the site's root (images apart)."""
    days = [a.day for a in campaign.actions if a.day <= reached]
    built = [pages.chooser(campaign, i18n)]
    files: dict[str, bytes] = {}
    for t in i18n:
        built.append(pages.index(t, i18n, campaign, reached))
        built += [pages.day(t, i18n, campaign, action, days)
                  for action in campaign.actions if action.day <= reached]
        files[f"{t.code}/{pages.FEED}"] = atom_feed(t, campaign, reached, site_url)
    for page in built:
        data = page.text.encode()
        if len(data) > PAGE_LIMIT:
            raise ConfigError(f"{page.path} would be {len(data)} bytes, over the site's "
                              f"{PAGE_LIMIT}: shorten that day's texts")
        files[page.path] = data
    return files


def build_site(campaign: Campaign, i18n: I18n, out: Path, reached: int,
               site_url: str = "") -> Built:
    """Write the site for the days up to `reached` into `out`, replacing an earlier build."""
    if not out.parent.is_dir():
        raise ConfigError(f"cannot write {out}: the folder {out.parent} does not exist")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not (out / MARKER).exists():
        raise ConfigError(f"{out} exists and is not a site tgbot built: choose a new or "
                          "empty folder")
    files = site_files(campaign, i18n, reached, site_url)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        staging.chmod(0o755)  # for the web server, which mkdtemp's 0700 would lock out
        for path, data in files.items():
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            (staging / path).write_bytes(data)
        images = {a.image for a in campaign.actions if a.day <= reached and a.image}
        for image in images:
            (staging / pages.IMAGES).mkdir(exist_ok=True)
            shutil.copyfile(image, staging / pages.IMAGES / image.name)
        (staging / MARKER).write_text("built by `tgbot site`; the next build replaces this "
                                      "folder whole\n", encoding="utf-8")
        _swap(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    pages_only = [len(data) for path, data in files.items() if path.endswith(".html")]
    return Built(days=sum(1 for a in campaign.actions if a.day <= reached),
                 languages=len(i18n.languages), files=len(files) + len(images),
                 largest=max(pages_only))


def _swap(staging: Path, out: Path) -> None:
    """Put the new build in `out`'s place, then delete the old one."""
    if not out.exists():
        staging.rename(out)
        return
    old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
    try:
        out.rename(old / "site")
        try:
            staging.rename(out)
        except OSError:
            (old / "site").rename(out)  # the earlier build stays served
            raise
    finally:
        shutil.rmtree(old, ignore_errors=True)
