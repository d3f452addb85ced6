"""Retention in PostgreSQL: the rules, and deletions in bounded batches.

``services.retention`` runs a cleanup (what is past its rule, and in which
order it goes: ``domain.retention``); these repositories read the rules and
delete. Raw records go by (metric_code, ts) on each partition's primary key
and time index; rollup rows by (metric_code, bucket_start). What each level
still covers is written to ``usage_coverage`` in the transaction that
deletes from it, so a reader in one snapshot never sees a level emptier
than its coverage says (storage.aggregate plans by it).

Legal holds: every delete here passes over the rows of a company under hold
(``legal_holds``, read in the deleting statement); a held company's rows
are skipped on the same indexes, so a batch may scan them again each time.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from domain.aggregation import Source
from domain.retention import LegalHold, Rule
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


async def set_rule(conn: asyncpg.Connection, rule: Rule) -> None:
    await conn.execute(
        q("set_retention_rule"),
        rule.metric_code,
        rule.raw_days,
        rule.hour_days,
        rule.day_days,
        rule.month_days,
    )


async def own_rules(conn: asyncpg.Connection) -> list[Rule]:
    """The default rule, then the metrics' own rules (not those following the default)."""
    rows = await conn.fetch(q("retention_rules"))
    return [
        Rule(r["metric_code"], r["raw_days"], r["hour_days"], r["day_days"], r["month_days"])
        for r in rows
        if not r["follows_default"]
    ]


async def legal_holds(conn: asyncpg.Connection) -> list[LegalHold]:
    return [LegalHold(r["company_id"], r["placed_at"]) for r in await conn.fetch(q("legal_holds"))]


async def place_legal_hold(conn: asyncpg.Connection, company_id: UUID) -> LegalHold:
    """Hold ``company_id`` (a hold in place stays as it was)."""
    row = await conn.fetchrow(q("place_legal_hold"), company_id)
    return LegalHold(row["company_id"], row["placed_at"])


async def lift_legal_hold(conn: asyncpg.Connection, company_id: UUID) -> bool:
    """Lift the hold on ``company_id``; whether there was one."""
    return bool(await conn.fetchval(q("lift_legal_hold"), company_id))


async def lock_legal_holds(conn: asyncpg.Connection) -> None:
    """No hold is placed or lifted until the caller's transaction ends."""
    await conn.execute(q("lock_legal_holds"))


async def lock_usage_records(conn: asyncpg.Connection) -> None:
    """The parent table alone, as ``storage.partitions.drop_partition`` takes it first."""
    await conn.execute(q("lock_usage_records"))


async def held_records_between(conn: asyncpg.Connection, start: datetime, end: datetime) -> bool:
    """Whether a company under legal hold has a raw record in [start, end)."""
    return bool(await conn.fetchval(q("held_records_between"), start, end))


async def unfolded_records_between(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> bool:
    """Whether a raw record in [start, end) is not folded into the rollups yet."""
    return bool(await conn.fetchval(q("unfolded_records_between"), start, end))


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
