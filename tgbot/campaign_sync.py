"""One campaign for every instance on a database: publish on start and /reload, follow at the
beat.

The campaign's text itself is stored in the database, not only a version stamp: instances on
other machines may have an older actions.yaml on disk, and a stamp would make each re-read
its own file. An instance publishes only a text that passed validation; one that cannot take
in a published text (an older release, a missing image) keeps its last good campaign and
says why in its log, once per version. Images are read beside each instance's own file.
"""

from __future__ import annotations

import hashlib
import logging

from tgbot import metrics
from tgbot.campaign import CampaignError, parse_campaign
from tgbot.context import Services

log = logging.getLogger(__name__)


def version_of(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()[:16]


async def reload(services: Services) -> list[str]:
    """Read actions.yaml again and make it every instance's campaign; return its problems
    (the running campaign stays, here and everywhere) or []."""
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
    await services.store.publish_campaign(version, source, services.clock().timestamp())
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
