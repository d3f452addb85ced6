"""The rollup repositories: committed records folded and pending deltas merged
into hourly, daily and monthly rollups, and stale buckets recomputed
(``services.retention`` runs them).

Folding (0032_rollup_folder.sql says why it is exact): a fold transaction
takes ``FOLD_LOCK``, reads the watermark W and the oldest transaction still
running X, groups the records with W <= xid < X into the three levels and
sets W = X (or a smaller transaction boundary, to bound a batch).

The three levels share one shape, so their statements are written once,
here, for each level.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import cache

import asyncpg

from domain.retention import Bucket
from storage.queries import q

# The advisory lock the rollup job and retention share: they rewrite and
# delete the same rollup rows, so they take turns instead of failing each
# other's REPEATABLE READ transactions (see storage.partitions and
# storage.migrate for the other lock constants).
ROLLUP_LOCK = 7_300_003
# A fold takes this one exclusively (per transaction) before it reads the
# watermark; a void, a correction and an erasure take it shared, so none of
# them sees the watermark move, nor a fold read the rows they change, before
# they commit.
FOLD_LOCK = 7_300_004

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


# The records of one fold, grouped by hour and context as a delta is. An
# ordered aggregate would sort every record by its group and time; instead the
# groups are hashed (counts, sums, extremes, latest time), and only the
# records at some group's latest time (one per group, and ties) are sorted to
# find each group's latest reading (the greatest (timestamp, id)): within a
# group those include its own latest record, and any other is older. The two
# are summed up by group; each column has one value per group.
_FOLD_KEY = f"company_id, metric_code, bucket_start, {CONTEXT}"
_FOLD_ROWS = (
    "SELECT company_id, metric_code, date_trunc('hour', ts, 'UTC') AS bucket_start,"
    f" {CONTEXT}, ts, id, value"
    " FROM usage_records WHERE xid >= $1::xid8 AND xid < $2::xid8"
)
_FOLDED = (
    f"WITH fold_rows AS NOT MATERIALIZED ({_FOLD_ROWS}),"
    f" groups AS (SELECT {_FOLD_KEY}, count(*) AS records, sum(value) AS total,"
    " min(value) AS min_value, max(value) AS max_value, max(ts) AS latest_ts,"
    " NULL::uuid AS latest_id, NULL::numeric AS latest_value"
    f" FROM fold_rows GROUP BY {_FOLD_KEY}),"
    f" latest AS (SELECT {_FOLD_KEY}, NULL::bigint, NULL::numeric, NULL::numeric,"
    " NULL::numeric, NULL::timestamptz,"
    " (array_agg(id ORDER BY ts DESC, id DESC))[1],"
    " (array_agg(value ORDER BY ts DESC, id DESC))[1]"
    " FROM fold_rows WHERE ts IN (SELECT latest_ts FROM groups)"
    f" GROUP BY {_FOLD_KEY})"
    f" SELECT {_FOLD_KEY}, sum(records) AS records, sum(total) AS total,"
    " min(min_value) AS min_value, max(max_value) AS max_value,"
    " max(latest_ts) AS latest_ts, max(latest_id::text)::uuid AS latest_id,"
    " max(latest_value) AS latest_value"
    " FROM (SELECT * FROM groups UNION ALL SELECT * FROM latest) AS both_parts"
    f" GROUP BY {_FOLD_KEY}"
)


@cache
def fold_sql() -> str:
    """The records of [$1, $2) into all three levels and the watermark moved to $2,
    in one statement; the number of records folded."""
    inserts = [
        f"l{n} AS (INSERT INTO {table} AS t ({COLUMNS})"
        f" SELECT company_id, metric_code, {bucket}, {CONTEXT}, {COMBINED}"
        f" FROM folded GROUP BY company_id, metric_code, {bucket}, {CONTEXT}"
        f" {UPSERT} RETURNING 1)"
        for n, (table, bucket, _) in enumerate(LEVELS)
    ]
    return (
        f"WITH folded AS ({_FOLDED}), "
        + ", ".join(inserts)
        + ", moved AS (UPDATE usage_rollup_watermark SET folded_below = $2::xid8,"
        " folded_at = now() WHERE folded_below = $1::xid8 RETURNING 1)"
        " SELECT coalesce(sum(records), 0) AS records,"
        " (SELECT count(*) FROM moved) AS moved FROM folded"
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


@dataclass(frozen=True)
class Folded:
    records: int
    # the fold reached the oldest running transaction (else its batch cut it short)
    caught_up: bool


async def fold(conn: asyncpg.Connection, batch: int) -> Folded:
    """Fold the next committed records (the writing transactions' whole, about
    ``batch`` records at most unless one transaction wrote more) into the
    rollups, in the caller's READ COMMITTED transaction.

    The lock comes first, in its own statement: the statements after it take
    their snapshots once every void or erasure before it has committed.
    """
    await conn.execute("SELECT pg_advisory_xact_lock($1)", FOLD_LOCK)
    # The bounds read the xid index in order from the watermark. Statistics
    # taken before a large backlog arrived make the planner expect a few rows
    # and sort them all instead (every waiting record, each fold).
    await conn.execute("SET LOCAL enable_sort = off")
    bounds = await conn.fetchrow(q("fold_bounds"), batch)
    await conn.execute("RESET enable_sort")
    low, high = bounds["low"], bounds["high"]
    if low == high:
        return Folded(0, True)
    row = await conn.fetchrow(fold_sql(), low, high)
    if row["moved"] != 1:
        raise RuntimeError("the rollup watermark moved under a fold that held its lock")
    return Folded(int(row["records"]), bool(bounds["caught_up"]))


async def hold_off_folds(conn: asyncpg.Connection) -> None:
    """No fold runs from here until the caller's transaction ends (nor is one
    running: this waits for it), so the watermark the caller reads stays put."""
    await conn.execute("SELECT pg_advisory_xact_lock_shared($1)", FOLD_LOCK)


async def try_rollup_lock(conn: asyncpg.Connection) -> bool:
    """Take the lock rollups and retention share if it is free (session level;
    ``release_rollup_lock`` gives it back); whether it was."""
    return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", ROLLUP_LOCK))


async def release_rollup_lock(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock($1)", ROLLUP_LOCK)


async def merge_deltas(conn: asyncpg.Connection) -> int:
    """Move every visible pending delta into all three levels; how many moved."""
    return int(await conn.fetchval(merge_sql()))


async def take_stale_hours(conn: asyncpg.Connection) -> set[Bucket]:
    """Clear the stale marks; the (company, metric, hour) they marked."""
    stale = await conn.fetch(q("take_stale_hours"))
    return {(r["company_id"], r["metric_code"], r["bucket_start"]) for r in stale}


async def rebuild_hour(conn: asyncpg.Connection, bucket: Bucket) -> None:
    """One hourly bucket recomputed from the raw records."""
    await conn.execute(q("clear_rollup_hour"), *bucket)
    await conn.execute(q("rebuild_hour_from_raw"), *bucket)


async def rebuild_day(conn: asyncpg.Connection, bucket: Bucket) -> None:
    """One daily bucket recomputed from its hours."""
    await conn.execute(q("clear_rollup_day"), *bucket)
    await conn.execute(rebuild_sql(1), *bucket)


async def rebuild_month(conn: asyncpg.Connection, bucket: Bucket) -> None:
    """One monthly bucket recomputed from its days."""
    await conn.execute(q("clear_rollup_month"), *bucket)
    await conn.execute(rebuild_sql(2), *bucket)
