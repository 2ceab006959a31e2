"""Figures for organisers and operators: aggregates only, never who did what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from tgbot.domain.campaign import Campaign
from tgbot.domain.outbox import State
from tgbot.domain.partners import PartnerFigures
from tgbot.domain.stats import LastPush, Stats, top_sources
from tgbot.storage.sql import Part


class Statistics(Part):
    """Counts read across the tables (/stats, `tgbot stats`, `tgbot status`).

    And `start_sources`, the one table that holds counts only.
    """

    async def stats(self, campaign: Campaign, today: dt.date, now: float) -> Stats:
        """The figures on `today`, aggregates only; `now` tells which pending rows expired."""
        stats = Stats()
        for kind, language, count in await self.subscribers():
            stats.subscribers[kind] += count
            stats.by_language[language or "?"] += count
        stats.new_this_week, stats.lost_this_week = \
            await self.subscription_changes(today - dt.timedelta(days=7))
        stats.sources = top_sources(await self.start_sources())
        days = {a.id: a.day for a in campaign.actions}
        for action_id, on, language, count in await self.completions(campaign.edition):
            day = days.get(action_id, 0)
            stats.per_action[day] += count
            stats.per_date[on] += count
            stats.rows.append((day, action_id, on, language or "?", count))
        stats.subscriptions_by_date = await self.subscriptions_by_date()
        stats.last_push = await self.last_push(campaign.edition, now)
        return stats

    async def subscribers(self) -> list[tuple[str, str, int]]:
        """(kind, language, count) of subscribed chats."""
        return await self._db.fetch("SELECT kind, COALESCE(language, ''), COUNT(*) FROM chats "
                                    "WHERE subscribed = 1 GROUP BY 1, 2 ORDER BY 1, 2")

    async def subscription_changes(self, since: dt.date) -> tuple[int, int]:
        """(new, lost) subscriptions since a date."""
        row = await self._db.fetchone(
            "SELECT SUM(CASE WHEN subscribed = 1 AND subscribed_on >= ? THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN subscribed = 0 AND unsubscribed_on >= ? THEN 1 ELSE 0 END) "
            "FROM chats", (since.isoformat(), since.isoformat()))
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def subscriptions_by_date(self) -> list[tuple[str, int]]:
        """(date, subscriptions started that day) for chats subscribed now."""
        return await self._db.fetch("SELECT subscribed_on, COUNT(*) FROM chats WHERE "
                                    "subscribed = 1 AND subscribed_on IS NOT NULL "
                                    "GROUP BY 1 ORDER BY 1")

    async def completions(self, edition: int) -> list[tuple[str, str, str, int]]:
        """(action_id, completed_on, language, count) of one edition, retired ones included."""
        return await self._db.fetch(
            "SELECT action_id, completed_on, language, CAST(SUM(people) AS BIGINT) FROM ("
            "SELECT action_id, completed_on, COALESCE(language, '') AS language, COUNT(*) AS "
            "people FROM completions WHERE edition = ? GROUP BY 1, 2, 3 UNION ALL SELECT "
            "action_id, noted_on, language, people FROM outcome_tally WHERE edition = ? AND "
            "outcome != 'not_safe') done GROUP BY 1, 2, 3 ORDER BY 2, 1, 3", (edition, edition))

    async def outcome_counts(self, edition: int) -> list[tuple[str, str, str, int]]:
        """(action_id, language, outcome, people) of one edition, deleted rows included."""
        return await self._db.fetch(
            "SELECT action_id, language, outcome, CAST(SUM(people) AS BIGINT) FROM ("
            "SELECT action_id, COALESCE(language, '') AS language, CASE WHEN safer = 1 THEN "
            "'safer' ELSE 'done' END AS outcome, COUNT(*) AS people FROM completions "
            "WHERE edition = ? GROUP BY 1, 2, 3 UNION ALL SELECT action_id, "
            "COALESCE(language, ''), 'not_safe', COUNT(*) FROM not_safe WHERE edition = ? "
            "GROUP BY 1, 2 UNION ALL SELECT action_id, language, outcome, people FROM "
            "outcome_tally WHERE edition = ?) answers GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            (edition, edition, edition))

    async def last_push(self, edition: int, now: float) -> LastPush | None:
        """The latest campaign day with outbox rows, and its states (see `LastPush`)."""
        row = await self._db.fetchone("SELECT MAX(day) FROM deliveries WHERE edition = ?",
                                      (edition,))
        day = row[0] if row else None
        if not day:
            return None
        states = await self.delivery_states(edition, day, now)
        paid = await self.paid_sent(edition, day)
        return LastPush(day, {**states, "paid": paid} if paid else states)

    async def delivery_states(self, edition: int, day: int | None = None,
                              now: float | None = None) -> dict[str, int]:
        """The push's rows by state; pending rows past their lifetime count as 'expired'."""
        state = "state" if now is None else (
            f"CASE WHEN state = '{State.PENDING}' AND expires_at <= ? "
            f"THEN '{State.EXPIRED}' ELSE state END")
        query = f"SELECT {state}, COUNT(*) FROM deliveries WHERE edition = ?"
        params: tuple[float, ...] = (edition,) if now is None else (now, edition)
        if day is not None:
            query, params = query + " AND day = ?", (*params, day)
        return dict(await self._db.fetch(query + " GROUP BY 1", params))

    async def paid_sent(self, edition: int, day: int) -> int:
        """Messages of a day's push sent as paid broadcasts (0.1 Star each)."""
        return int((await self._db.fetch("SELECT COUNT(*) FROM deliveries WHERE edition = ? "
                                         f"AND day = ? AND state = '{State.SENT}' AND paid = 1",
                                         (edition, day)))[0][0])

    async def count_start(self, source: str, *, keep: int, other: str) -> None:
        """Count one /start from a deep-link source (how many, never who).

        At most `keep` sources have a row: once they do, a new source is counted as `other`.
        """
        async with self._db.transaction() as tx:
            # (SQLite needs the WHERE to read ON CONFLICT as an upsert after a SELECT)
            await tx.execute(
                "INSERT INTO start_sources SELECT CASE WHEN EXISTS (SELECT 1 FROM start_sources "
                "WHERE source = ?) OR (SELECT COUNT(*) FROM start_sources) < ? THEN ? ELSE ? "
                "END, 1 WHERE TRUE ON CONFLICT (source) "
                "DO UPDATE SET starts = start_sources.starts + 1", (source, keep, source, other))

    async def start_sources(self) -> dict[str, int]:
        """Starts per deep-link source."""
        rows = await self._db.fetch("SELECT source, starts FROM start_sources "
                                    "ORDER BY starts DESC, source")
        return {source: starts for source, starts in rows}

    async def partner_figures(self, campaign: Campaign, codes: Iterable[str], *,
                              others: bool) -> dict[str, PartnerFigures]:
        """Per partner: chats that came through its link, those subscribed, completions a day.

        Each of `codes`, even with nothing yet; with `others`, also every other partner a
        chat came through (one since removed from TGBOT_PARTNERS).
        """
        figures = {code: PartnerFigures() for code in codes}
        for code, started, subscribed in await self._db.fetch(
                "SELECT partner, COUNT(*), SUM(subscribed) FROM chats WHERE partner IS NOT NULL "
                "GROUP BY 1"):
            if others or code in figures:
                figures[code] = PartnerFigures(int(started), int(subscribed or 0))
        days = {a.id: a.day for a in campaign.actions}
        for code, action_id, count in await self._db.fetch(
                "SELECT partner, action_id, COUNT(*) FROM completions WHERE edition = ? AND "
                "partner IS NOT NULL GROUP BY 1, 2", (campaign.edition,)):
            if code in figures:
                figures[code].per_day[days.get(action_id, 0)] += count
        return figures
