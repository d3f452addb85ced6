"""Retention in PostgreSQL: the rules, and deletions in bounded batches.

``services.retention`` runs a cleanup (what is past its rule, and in which
order it goes: ``domain.retention``); these repositories read the rules and
delete. Raw records go by (metric_code, ts) on each partition's primary key
and time index; rollup rows by (metric_code, bucket_start). What each level
still covers is written to ``usage_coverage`` in the transaction that
deletes from it, so a reader in one snapshot never sees a level emptier
than its coverage says (storage.aggregate plans by it).
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from domain.aggregation import Source
from domain.retention import Rule
from storage.queries import q

_DELETE_BATCH = {
    Source.HOUR: "delete_hour_batch",
    Source.DAY: "delete_day_batch",
    Source.MONTH: "delete_month_batch",
}


async def rules(conn: asyncpg.Connection) -> dict[str, Rule]:
    rows = await conn.fetch(q("retention_rules"))
    return {
        r["metric_code"]: Rule(
            r["metric_code"], r["raw_days"], r["hour_days"], r["day_days"], r["month_days"]
        )
        for r in rows
    }


async def metric_codes(conn: asyncpg.Connection) -> list[str]:
    return [r["code"] for r in await conn.fetch(q("retention_metric_codes"))]


async def pending_before(conn: asyncpg.Connection, metric_code: str, cutoff: datetime) -> bool:
    """Whether a delta or stale hour of ``metric_code`` before ``cutoff`` is not yet rolled up."""
    return bool(await conn.fetchval(q("pending_before"), metric_code, cutoff))


async def mark_raw_complete_from(
    conn: asyncpg.Connection, metric_code: str, cutoff: datetime
) -> None:
    """Raw records of ``metric_code`` before ``cutoff`` may be gone from now on
    (corrections and readers both go by it). Run in the caller's transaction."""
    await conn.execute(q("mark_raw_complete_from"), metric_code, cutoff)
    await conn.execute(q("mark_coverage"), metric_code, Source.RAW.value, cutoff)


async def longest_late_window(conn: asyncpg.Connection) -> int:
    """The most days back any company may still send records."""
    return int(await conn.fetchval(q("longest_late_window")))


async def delete_raw_batch(
    conn: asyncpg.Connection, metric_code: str, cutoff: datetime, batch_rows: int
) -> int:
    """Up to ``batch_rows`` raw records of ``metric_code`` before ``cutoff``; how many went."""
    return int(await conn.fetchval(q("delete_raw_batch"), metric_code, cutoff, batch_rows))


async def delete_rollup_batch(
    conn: asyncpg.Connection, level: Source, metric_code: str, cutoff: datetime, batch_rows: int
) -> int:
    """Up to ``batch_rows`` rows of one rollup level before ``cutoff``, its coverage
    marked first (run in the caller's transaction); how many went."""
    await conn.execute(q("mark_coverage"), metric_code, level.value, cutoff)
    return int(await conn.fetchval(q(_DELETE_BATCH[level]), metric_code, cutoff, batch_rows))


async def prune_job_runs(conn: asyncpg.Connection, before: datetime) -> int:
    return int(await conn.fetchval(q("prune_job_runs"), before))


async def prune_reports(conn: asyncpg.Connection, before: datetime) -> int:
    return int(await conn.fetchval(q("prune_reports"), before))
