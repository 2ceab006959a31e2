"""What people did, under their pseudonyms: completed actions and "I did it" in groups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tgbot.storage.sql import Part, chunks, marks


class People(Part):
    """The `completions` and `group_presses` tables, which hold pseudonyms, not user ids."""

    async def set_completed(self, user_id: int, edition: int, action_id: str, done: bool,
                            today: dt.date) -> bool:
        """Record (or undo) one completion; return whether anything changed.

        The row keeps the chat's language, which /stats counts it under.
        """
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            if done:
                return await tx.execute(
                    "INSERT INTO completions VALUES (?, ?, ?, ?, (SELECT language FROM chats "
                    "WHERE chat_id = ?)) ON CONFLICT DO NOTHING",
                    (person, edition, action_id, today.isoformat(), user_id)) > 0
            return await tx.execute(
                "DELETE FROM completions WHERE person = ? AND edition = ? AND action_id = ?",
                (person, edition, action_id)) > 0

    async def completed(self, user_id: int, edition: int) -> set[str]:
        """The actions a person has done in an edition."""
        rows = await self._db.fetch("SELECT action_id FROM completions WHERE person = ? AND "
                                    "edition = ?", (self._people.person(user_id), edition))
        return {row[0] for row in rows}

    async def completed_by(self, edition: int, action_id: str, user_ids: list[int]) -> set[int]:
        """Which of these people have done an action (their push shows Undo, not I did it)."""
        user_of = {self._people.person(user_id): user_id for user_id in user_ids}
        done: set[int] = set()
        for chunk in chunks(list(user_of)):
            rows = await self._db.fetch(
                "SELECT person FROM completions WHERE edition = ? AND action_id = ? AND "
                f"person IN ({marks(chunk)})", (edition, action_id, *chunk))
            done.update(user_of[bytes(row[0])] for row in rows)
        return done

    async def action_takers(self, edition: int, action_ids: Iterable[str]) -> dict[str, int]:
        """How many people did each of these actions: a count, never who ("you are not alone")."""
        ids = list(action_ids)
        if not ids:
            return {}
        rows = await self._db.fetch("SELECT action_id, COUNT(*) FROM completions WHERE "
                                    f"edition = ? AND action_id IN ({marks(ids)}) GROUP BY 1",
                                    (edition, *ids))
        return {action_id: 0 for action_id in ids} | dict(rows)

    async def completions_total(self, edition: int) -> int:
        """Every completion of an edition, by everyone together."""
        return int((await self._db.fetch("SELECT COUNT(*) FROM completions WHERE edition = ?",
                                         (edition,)))[0][0])

    async def group_press(self, chat_id: int, edition: int, day: int, user_id: int,
                          done: bool) -> None:
        """Record (or undo) a press in a group."""
        person = self._people.person(user_id)
        async with self._db.transaction() as tx:
            if done:
                await tx.execute("INSERT INTO group_presses VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT DO NOTHING", (chat_id, edition, day, person))
            else:
                await tx.execute("DELETE FROM group_presses WHERE chat_id = ? AND edition = ? "
                                 "AND day = ? AND person = ?", (chat_id, edition, day, person))

    async def group_count(self, chat_id: int, edition: int, day: int) -> int:
        """How many people did a day's action in a group.

        Read when the counter is drawn, not inside each press: presses committing at once
        could each miss the other.
        """
        return int((await self._db.fetch("SELECT COUNT(*) FROM group_presses WHERE chat_id = ? "
                                         "AND edition = ? AND day = ?",
                                         (chat_id, edition, day)))[0][0])
