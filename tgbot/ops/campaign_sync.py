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

import hashlib
import logging
import time

from tgbot.config import Settings
from tgbot.context import Services
from tgbot.delivery.deliverer import ALIVE
from tgbot.domain.campaign import Campaign
from tgbot.domain.campaign_file import parse_campaign
from tgbot.errors import CampaignError
from tgbot.ops import metrics
from tgbot.storage.store import Store

log = logging.getLogger(__name__)


def version_of(source: str) -> str:
    """A campaign text's version: short, and the same on every machine for the same text."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


async def reload(services: Services) -> list[str]:
    """Read actions.yaml again and make it every instance's campaign (/reload, SIGHUP).

    Returns its problems (the running campaign then stays, here and everywhere), or [].
    """
    return await _publish(services, start=False)


async def start(services: Services) -> list[str]:
    """At start: publish this instance's actions.yaml, then run the published campaign.

    Beside running instances, not a version that was replaced since: a machine restarting
    with an old file runs the newer campaign instead. A file with problems (returned) leaves
    the published campaign running, if there is one.
    """
    others = any(instance.heartbeat_at > time.time() - ALIVE
                 for instance in await services.store.instances())
    problems = await _publish(services, start=others)
    if problems:
        await follow(services)
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


async def _publish(services: Services, *, start: bool) -> list[str]:
    path = services.settings.campaign
    try:
        source = path.read_text(encoding="utf-8")
    except OSError as error:
        return [f"{path}: cannot read the file: {error.strerror}"]
    version = version_of(source)
    try:
        campaign = parse_campaign(source, path)
    except CampaignError as error:
        return error.problems
    services.set_campaign(campaign, version)
    metrics.campaign_taken()
    if not await services.store.publish_campaign(version, source, services.clock().timestamp(),
                                                 unless_superseded=start):
        log.warning("%s is an older campaign (version %s) than the one published since; "
                    "this instance runs the published one", path, version)
        await follow(services)
    return []


async def follow(services: Services) -> None:
    """At the beat: take in a campaign another instance published since we looked."""
    version = await services.store.campaign_version()
    if version is None or version in (services.campaign_version, services.refused_version):
        return
    published = await services.store.published_campaign()
    if published is None:
        return
    version, source = published
    try:
        campaign = parse_campaign(source, services.settings.campaign)
    except CampaignError as error:
        services.refused_version = version
        log.error("the campaign another instance published (version %s) is refused here; "
                  "this instance keeps its own: %s", version, "; ".join(error.problems[:5]))
        return
    services.set_campaign(campaign, version)
    metrics.campaign_taken()
    log.info("campaign %s %s (version %s) taken in from the database", campaign.name,
             campaign.edition, version)
