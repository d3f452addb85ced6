"""The rollup job: pending deltas into hourly, daily and monthly rollups.

Runs in one REPEATABLE READ transaction, so the deltas it moves and the raw
rows it recomputes stale hours from are the same snapshot: a record
committed meanwhile keeps its delta pending for the next run. A crash rolls
the whole run back; the rerun finds the same deltas.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from storage.queries import q


@dataclass(frozen=True)
class RollupRun:
    deltas: int
    stale_hours: int

    @property
    def rows(self) -> int:
        return self.deltas + self.stale_hours


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def _month(moment: datetime) -> datetime:
    return _day(moment).replace(day=1)


async def roll_up(conn: asyncpg.Connection) -> RollupRun:
    async with conn.transaction(isolation="repeatable_read"):
        moved = int(await conn.fetchval(q("merge_deltas")))
        stale = await conn.fetch(q("take_stale_hours"))
        hours: set[tuple[UUID, str, datetime]] = {
            (r["company_id"], r["metric_code"], r["bucket_start"]) for r in stale
        }
        # Finest level first: each coarser bucket is recomputed from the finer one.
        for company, metric, hour in sorted(hours):
            await conn.execute(q("clear_rollup_hour"), company, metric, hour)
            await conn.execute(q("rebuild_hour_from_raw"), company, metric, hour)
        days = {(c, m, _day(h)) for c, m, h in hours}
        for company, metric, day in sorted(days):
            await conn.execute(q("clear_rollup_day"), company, metric, day)
            await conn.execute(q("rebuild_day_from_hours"), company, metric, day)
        months = {(c, m, _month(d)) for c, m, d in days}
        for company, metric, month in sorted(months):
            await conn.execute(q("clear_rollup_month"), company, metric, month)
            await conn.execute(q("rebuild_month_from_days"), company, metric, month)
    return RollupRun(moved, len(hours))
