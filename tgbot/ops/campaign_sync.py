"""One campaign for every instance on a database: publish on start and /reload, follow it.

/reload and SIGHUP always publish (an organiser may go back to an earlier text on purpose),
and so does a start while no other instance runs: the file on disk is what runs after a
restart, also when it is an earlier text (an edit reverted). A start beside running
instances publishes its file unless that version was published before and replaced since, so
a machine restarting with an old file does not bring the old campaign back everywhere.

The campaign's text itself is stored in the database, not only a version stamp: instances on
other machines may have an older actions.yaml on disk, and a stamp would make each re-read
its own file. An instance publishes only a text that passed validation; one that cannot take
in a published text (an older release, a missing image) keeps its last good campaign and
says why in its log, once per version. Images are read beside each instance's own file. A
start with a broken file runs the last good campaign in the database (`last_good`), if there
is one, until the file is fixed and reloaded.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from pathlib import Path

from tgbot.config import Settings
from tgbot.domain.campaign import Campaign, CampaignInForce
from tgbot.domain.campaign_file import parse_campaign
from tgbot.errors import CampaignError
from tgbot.ops import metrics
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


def version_of(source: str) -> str:
    """A campaign text's version: short, and the same on every machine for the same text."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


async def reload(store: Store, current: CampaignInForce, path: Path, now: float) -> list[str]:
    """Read the file at `path` again and make it every instance's campaign (/reload, SIGHUP).

    Returns its problems (the running campaign then stays, here and everywhere), or [].
    """
    return await _publish(store, current, path, now, start=False)


async def start(store: Store, current: CampaignInForce, path: Path, now: float, *,
                others: bool) -> list[str]:
    """At start: publish this instance's actions.yaml, then run the published campaign.

    Beside running instances (`others`), not a version that was replaced since: a machine
    restarting with an old file runs the newer campaign instead. A file with problems
    (returned) leaves the published campaign running, if there is one.
    """
    problems = await _publish(store, current, path, now, start=others)
    if problems:
        await follow(store, current, path)
    return problems


async def last_good(settings: Settings) -> Campaign | None:
    """The campaign published in the database, if it has one that this release can run.

    What a start runs while actions.yaml has problems. The database must exist (this opens
    it, creating the tables it lacks).
    """
    store = await Store.open(settings.db)
    try:
        published = await store.published_campaign()
    finally:
        await store.close()
    if published is None:
        return None
    try:
        return parse_campaign(published.source, settings.campaign)
    except CampaignError:
        return None


async def _publish(store: Store, current: CampaignInForce, path: Path, now: float, *,
                   start: bool) -> list[str]:
    try:
        source = await asyncio.to_thread(path.read_text, encoding="utf-8")
    except OSError as error:
        return [f"{path}: cannot read the file: {error.strerror}"]
    version = version_of(source)
    try:
        campaign = parse_campaign(source, path)
    except CampaignError as error:
        return error.problems
    # published first, then run: a beat's `follow` meanwhile finds it published, and does
    # not take the older one back
    published = await store.publish_campaign(version, source, now, unless_superseded=start)
    current.swap(campaign, version)
    metrics.campaign_taken()
    if not published:
        log.warning("%s is an older campaign (version %s) than the one published since; "
                    "this instance runs the published one", path, version)
        await follow(store, current, path)
    return []


async def follow(store: Store, current: CampaignInForce, path: Path) -> None:
    """At the beat: take in a campaign another instance published since we looked.

    Its images are read beside the file at `path`.
    """
    version = await store.campaign_version()
    if version is None or version in (current.version, current.refused):
        return
    published = await store.published_campaign()
    if published is None:
        return
    version, source = published
    try:
        campaign = parse_campaign(source, path)
    except CampaignError as error:
        current.refused = version
        log.error("the campaign another instance published (version %s) is refused here; "
                  "this instance keeps its own: %s", version, "; ".join(error.problems[:5]))
        return
    current.swap(campaign, version)
    metrics.campaign_taken()
    log.info("campaign %s %s (version %s) taken in from the database", campaign.name,
             campaign.edition, version)
