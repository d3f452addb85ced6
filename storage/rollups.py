"""The rollup job: pending deltas into hourly, daily and monthly rollups.

Runs in one REPEATABLE READ transaction, so the deltas it moves and the raw
rows it recomputes stale hours from are the same snapshot: a record
committed meanwhile keeps its delta pending for the next run. A crash rolls
the whole run back; the rerun finds the same deltas (``services.retention``
runs it again after a serialization failure).

The three levels share one shape, so their statements are written once,
here, for each level.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from uuid import UUID

import asyncpg

from storage.queries import q

# The advisory lock the rollup job and retention share: they rewrite and
# delete the same rollup rows, so they take turns instead of failing each
# other's REPEATABLE READ transactions (see storage.partitions and
# storage.migrate for the other lock constants).
ROLLUP_LOCK = 7_300_003

# (table, the expression that buckets an hourly start, the bucket's length)
LEVELS = (
    ("usage_rollup_hour", "bucket_start", "1 hour"),
    ("usage_rollup_day", "date_trunc('day', bucket_start, 'UTC')", "1 day"),
    ("usage_rollup_month", "date_trunc('month', bucket_start, 'UTC')", "1 month"),
)
CONTEXT = "space_id, application_id, user_id, source, billing_category, billable"
KEY = f"company_id, metric_code, bucket_start, {CONTEXT}"
COLUMNS = f"{KEY}, records, total, min_value, max_value, latest_ts, latest_id, latest_value"
# Partial rollups combine: counts and sums add, extremes keep the extreme,
# the latest reading is the one with the greatest (timestamp, id).
_LATEST = "ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST"
COMBINED = (
    "sum(records), sum(total), min(min_value), max(max_value), max(latest_ts),"
    f" (array_agg(latest_id {_LATEST}))[1], (array_agg(latest_value {_LATEST}))[1]"
)
_NEWER = (
    "excluded.latest_ts IS NOT NULL AND (t.latest_ts IS NULL"
    " OR (excluded.latest_ts, excluded.latest_id) > (t.latest_ts, t.latest_id))"
)
UPSERT = (
    f"ON CONFLICT ({KEY}) DO UPDATE SET"
    " records = t.records + excluded.records, total = t.total + excluded.total,"
    " min_value = least(t.min_value, excluded.min_value),"
    " max_value = greatest(t.max_value, excluded.max_value),"
    + ",".join(
        f" {c} = CASE WHEN {_NEWER} THEN excluded.{c} ELSE t.{c} END"
        for c in ("latest_ts", "latest_id", "latest_value")
    )
)


@cache
def merge_sql() -> str:
    """Every visible delta into all three levels, in one statement: a delta is
    either still pending or counted at every level, never in between."""
    inserts = [
        f"l{n} AS (INSERT INTO {table} AS t ({COLUMNS})"
        f" SELECT company_id, metric_code, {bucket}, {CONTEXT}, {COMBINED}"
        f" FROM moved GROUP BY company_id, metric_code, {bucket}, {CONTEXT}"
        f" {UPSERT} RETURNING 1)"
        for n, (table, bucket, _) in enumerate(LEVELS)
    ]
    return (
        "WITH moved AS (DELETE FROM usage_rollup_deltas RETURNING *), "
        + ", ".join(inserts)
        + " SELECT count(*) FROM moved"
    )


@cache
def rebuild_sql(level: int) -> str:
    """One bucket of a day or month level, recomputed from the level below it."""
    table, _, length = LEVELS[level]
    finer = LEVELS[level - 1][0]
    return (
        f"INSERT INTO {table} ({COLUMNS})"
        f" SELECT company_id, metric_code, $3, {CONTEXT}, {COMBINED} FROM {finer}"
        f" WHERE company_id = $1 AND metric_code = $2"
        f" AND bucket_start >= $3 AND bucket_start < $3 + interval '{length}' AND records > 0"
        f" GROUP BY company_id, metric_code, {CONTEXT}"
    )


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


@contextlib.asynccontextmanager
async def rollup_lock(conn: asyncpg.Connection) -> AsyncIterator[None]:
    """Hold the lock rollups and retention share (a session may nest it).

    Taken outside any transaction: a REPEATABLE READ snapshot taken while
    waiting would not see what the run waited for.
    """
    await conn.execute("SELECT pg_advisory_lock($1)", ROLLUP_LOCK)
    try:
        yield
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", ROLLUP_LOCK)


async def roll_up(conn: asyncpg.Connection) -> RollupRun:
    """Move every pending delta into the rollups and recompute the stale hours,
    in one run; a serialization failure or deadlock is the caller's to retry."""
    async with rollup_lock(conn), conn.transaction(isolation="repeatable_read"):
        moved = int(await conn.fetchval(merge_sql()))
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
            await conn.execute(rebuild_sql(1), company, metric, day)
        months = {(c, m, _month(d)) for c, m, d in days}
        for company, metric, month in sorted(months):
            await conn.execute(q("clear_rollup_month"), company, metric, month)
            await conn.execute(rebuild_sql(2), company, metric, month)
    return RollupRun(moved, len(hours))
