"""The instances sharing a database: heartbeats, updates handled, incidents told.

Any of them may receive an update again, or notice an incident again: the database says
whether another already handled it.
"""

from __future__ import annotations

from tgbot.domain.instance import Instance
from tgbot.storage.sql import Part

# An instance gone this long (seconds) is forgotten.
FORGOTTEN_AFTER = 3600


class Instances(Part):
    """The `instances` and `handled_updates` tables, and the small facts they keep in `meta`."""

    async def heartbeat(self, instance_id: str, *, started_at: float, sending: bool,
                        reply_lease: int, version: str, now: float) -> None:
        """Record that an instance is alive, whether it sends, and its replies' share."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO instances VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (instance_id) "
                "DO UPDATE SET heartbeat_at = excluded.heartbeat_at, sending = "
                "excluded.sending, reply_lease = excluded.reply_lease",
                (instance_id, started_at, now, int(sending), reply_lease, version))
            await tx.execute("DELETE FROM instances WHERE heartbeat_at < ?",
                             (now - FORGOTTEN_AFTER,))

    async def leave(self, instance_id: str, *, sending: bool, now: float) -> None:
        """A stopping instance: its share of the budget goes back to the sender at once.

        A sender also records when it stopped: its last messages may count in Telegram's
        second after it, which the next sender waits out (`sender_left_at`).
        """
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM instances WHERE instance_id = ?", (instance_id,))
            if sending:
                await tx.execute("INSERT INTO meta VALUES ('sender_left', ?) ON CONFLICT (key) "
                                 "DO UPDATE SET value = excluded.value", (repr(now),))

    async def sender_left_at(self) -> float | None:
        """When the last sender to stop did (a UTC timestamp); None if none ever did."""
        row = await self._db.fetchone("SELECT value FROM meta WHERE key = 'sender_left'")
        return float(row[0]) if row else None

    async def instances(self) -> list[Instance]:
        """The instances alive lately, newest heartbeat first."""
        rows = await self._db.fetch("SELECT instance_id, started_at, heartbeat_at, sending, "
                                    "reply_lease, version FROM instances "
                                    "ORDER BY heartbeat_at DESC")
        return [Instance(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows]

    async def first_sight(self, update_id: int, now: float) -> bool:
        """Record an update as handled; False when any instance recorded it already."""
        async with self._db.transaction() as tx:
            return await tx.execute("INSERT INTO handled_updates VALUES (?, ?) "
                                    "ON CONFLICT DO NOTHING", (update_id, now)) > 0

    async def last_update_id(self) -> int:
        """The highest update id recorded as handled (0 when none is)."""
        row = await self._db.fetchone("SELECT MAX(update_id) FROM handled_updates")
        return int(row[0]) if row and row[0] is not None else 0

    async def forget_updates(self, before: float) -> int:
        """Delete the record of updates handled before a time; return how many."""
        async with self._db.transaction() as tx:
            return await tx.execute("DELETE FROM handled_updates WHERE handled_at < ?",
                                    (before,))

    async def first_notice(self, incident: str) -> bool:
        """Mark an incident as told to the organisers; False when some instance told it."""
        async with self._db.transaction() as tx:
            return await tx.execute("INSERT INTO meta VALUES (?, 'told') ON CONFLICT DO NOTHING",
                                    (f"incident:{incident}",)) > 0
