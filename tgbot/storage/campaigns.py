"""The campaign every instance runs (the last published actions.yaml), and its uploaded images."""

from __future__ import annotations

from typing import NamedTuple

from tgbot.storage.sql import Part


class PublishedCampaign(NamedTuple):
    """The campaign text every instance runs, and its version (a hash of the text)."""

    version: str
    source: str


class Campaigns(Part):
    """The `published_campaign`, `campaign_versions` and `media` tables."""

    async def publish_campaign(self, version: str, source: str, now: float, *,
                               unless_superseded: bool = False) -> bool:
        """Make a checked campaign text the one every instance runs; return whether it is.

        `unless_superseded` (a start): a version published before and replaced since stays
        replaced.
        """
        async with self._db.transaction() as tx:
            current = await tx.fetch("SELECT version FROM published_campaign WHERE id = 1")
            if current and current[0][0] == version:
                return True
            if unless_superseded and await tx.fetch(
                    "SELECT 1 FROM campaign_versions WHERE version = ?", (version,)):
                return False
            await tx.execute("INSERT INTO published_campaign VALUES (1, ?, ?, ?) "
                             "ON CONFLICT (id) DO UPDATE SET version = excluded.version, "
                             "source = excluded.source, published_at = excluded.published_at",
                             (version, source, now))
            await tx.execute("INSERT INTO campaign_versions VALUES (?, ?) "
                             "ON CONFLICT DO NOTHING", (version, now))
            return True

    async def campaign_version(self) -> str | None:
        """The version of the campaign every instance runs, if one was published."""
        row = await self._db.fetchone("SELECT version FROM published_campaign WHERE id = 1")
        return row[0] if row else None

    async def published_campaign(self) -> PublishedCampaign | None:
        """The campaign every instance runs, if one was published."""
        row = await self._db.fetchone("SELECT version, source FROM published_campaign "
                                      "WHERE id = 1")
        return PublishedCampaign(*row) if row else None

    async def media_file_id(self, key: str) -> str | None:
        """Telegram's file_id of an uploaded file, so it is sent by id next time."""
        row = await self._db.fetchone("SELECT file_id FROM media WHERE key = ?", (key,))
        return row[0] if row else None

    async def remember_media(self, key: str, file_id: str) -> None:
        """Keep the file_id Telegram gave an uploaded file."""
        async with self._db.transaction() as tx:
            await tx.execute("INSERT INTO media VALUES (?, ?) ON CONFLICT (key) "
                             "DO UPDATE SET file_id = excluded.file_id", (key, file_id))
