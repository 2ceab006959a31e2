"""What people did, under their pseudonyms: their answers to actions, "I did it" in groups."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tgbot.domain.outcomes import Outcome
from tgbot.storage.sql import Part, chunks, marks


class People(Part):
    """The `completions`, `not_safe` and `group_presses` tables: pseudonyms, not user ids."""

    async def set_completed(self, user_id: int, edition: int, action_id: str, done: bool,
                            today: dt.date) -> bool:
        """I did it (or Undo): `set_outcome` with DONE (or None)."""
        return await self.set_outcome(user_id, edition, action_id,
                                      Outcome.DONE if done else None, today)

    async def completed(self, user_id: int, edition: int) -> set[str]:
        """The actions a person has done in an edition."""
        rows = await self._db.fetch("SELECT action_id FROM completions WHERE person = ? AND "
                                    "edition = ?", (self._people.person(user_id), edition))
        return {row[0] for row in rows}

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
        """Every completion of an edition, by everyone together (retired ones included)."""
        return int((await self._db.fetch(
            "SELECT CAST((SELECT COUNT(*) FROM completions WHERE edition = ?) + (SELECT "
            "COALESCE(SUM(people), 0) FROM outcome_tally WHERE edition = ? AND "
            "outcome != 'not_safe') AS BIGINT)", (edition, edition)))[0][0])

    # --- outcomes: how a day went -----------------------------------------------------------
    # (done and safer are rows of `completions`, safer = 1; "not safe" is a row of `not_safe`,
    # never beside a completion of the same action; `outcome_tally` keeps the counts of rows
    # deleted by `Store.retire`)

    async def set_outcome(self, user_id: int, edition: int, action_id: str,
                          outcome: Outcome | None, today: dt.date,
                          language: str | None = None) -> bool:
        """Record a person's answer to an action (None: Undo); return whether it changed.

        One answer per person and action: another replaces it. The row keeps `language`, the
        one the person read the action in (None: their chat's), and the partner whose link
        their chat came through, which /stats counts it under.
        """
        key = (self._people.person(user_id), edition, action_id)
        where = "person = ? AND edition = ? AND action_id = ?"
        language_then = "COALESCE(?, (SELECT language FROM chats WHERE chat_id = ?))"
        changed = 0
        async with self._db.transaction() as tx:
            if outcome != Outcome.NOT_SAFE:
                changed += await tx.execute(f"DELETE FROM not_safe WHERE {where}", key)
            if outcome in (None, Outcome.NOT_SAFE):
                changed += await tx.execute(f"DELETE FROM completions WHERE {where}", key)
            if outcome == Outcome.NOT_SAFE:
                changed += await tx.execute(
                    "INSERT INTO not_safe (person, edition, action_id, noted_on, language) "
                    f"VALUES (?, ?, ?, ?, {language_then}) ON CONFLICT DO NOTHING",
                    (*key, today.isoformat(), language, user_id))
            elif outcome is not None:
                changed += await tx.execute(
                    "INSERT INTO completions (person, edition, action_id, completed_on, "
                    f"language, safer, partner) VALUES (?, ?, ?, ?, {language_then}, ?, "
                    "(SELECT partner FROM chats WHERE chat_id = ?)) "
                    "ON CONFLICT (person, edition, action_id) DO UPDATE SET safer = "
                    "excluded.safer WHERE completions.safer != excluded.safer",
                    (*key, today.isoformat(), language, user_id,
                     int(outcome == Outcome.SAFER), user_id))
        return changed > 0

    async def not_safe_count(self, edition: int, action_id: str, language: str) -> int:
        """How many people reading `language` find an action not safe where they live."""
        return int((await self._db.fetch("SELECT COUNT(*) FROM not_safe WHERE edition = ? AND "
                                         "action_id = ? AND COALESCE(language, '') = ?",
                                         (edition, action_id, language)))[0][0])

    async def answered_by(self, edition: int, action_id: str, user_ids: list[int]) -> set[int]:
        """Which of these people have answered an action: did it, or found it not safe.

        Their push shows Undo, not the answers; their reminder is not sent.
        """
        user_of = {self._people.person(user_id): user_id for user_id in user_ids}
        answered: set[int] = set()
        for chunk in chunks(list(user_of)):
            rows = await self._db.fetch(
                "SELECT person FROM completions WHERE edition = ? AND action_id = ? AND "
                f"person IN ({marks(chunk)}) UNION SELECT person FROM not_safe WHERE "
                f"edition = ? AND action_id = ? AND person IN ({marks(chunk)})",
                (edition, action_id, *chunk, edition, action_id, *chunk))
            answered.update(user_of[bytes(row[0])] for row in rows)
        return answered

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
