"""Retention cleanup: raw records and rollups past their metric's rule.

Aggregate before deleting: the run first moves every pending delta into the
rollups (and recomputes stale hours); raw records of a metric are deleted
only up to a cutoff before which no delta or stale mark is left. The cutoff
is a whole UTC day, and it is recorded (raw_complete_from) before anything
is deleted, so a crash midway leaves a state the rerun simply continues.
Monthly partitions that every metric's cutoff has passed, and that no
company's late-arrival window still reaches, are dropped whole; otherwise
rows go in bounded batches.

What each level still covers is written to ``usage_coverage`` in the
transaction that deletes from it, so a reader in one snapshot never sees a
level emptier than its coverage says (storage.aggregate plans by it). The
run holds the lock the rollup job takes, so the two never rewrite the same
rollup rows at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import asyncpg

from storage.partitions import next_month, partition_name
from storage.queries import q
from storage.rollups import roll_up, rollup_lock

_log = logging.getLogger(__name__)

DEFAULT_RULE = "*"
BATCH_ROWS = 10_000
JOB_RUNS_KEPT = timedelta(days=30)
REPORTS_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Rule:
    metric_code: str
    raw_days: int
    hour_days: int | None
    day_days: int | None
    month_days: int | None


@dataclass
class CleanupRun:
    raw_rows: int = 0
    partitions_dropped: list[str] = field(default_factory=list)
    # raw records that went with the dropped partitions
    partition_rows: int = 0
    rollup_rows: int = 0
    skipped: list[str] = field(default_factory=list)
    job_runs: int = 0
    reports: int = 0

    @property
    def rows(self) -> int:
        """Everything the run deleted."""
        return self.raw_rows + self.partition_rows + self.rollup_rows + self.job_runs + self.reports


def _day(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


async def rules(conn: asyncpg.Connection) -> dict[str, Rule]:
    rows = await conn.fetch(q("retention_rules"))
    return {
        r["metric_code"]: Rule(
            r["metric_code"], r["raw_days"], r["hour_days"], r["day_days"], r["month_days"]
        )
        for r in rows
    }


def rule_for(all_rules: dict[str, Rule], metric_code: str) -> Rule:
    return all_rules.get(metric_code) or all_rules[DEFAULT_RULE]


async def clean_up(
    conn: asyncpg.Connection,
    *,
    now: datetime | None = None,
    batch_rows: int = BATCH_ROWS,
    late_arrival_days: int = 35,
) -> CleanupRun:
    """One retention run; ``late_arrival_days`` is the window new companies get."""
    async with rollup_lock(conn):
        return await _clean_up(
            conn, now or datetime.now(UTC), batch_rows, timedelta(days=late_arrival_days)
        )


async def _clean_up(
    conn: asyncpg.Connection, now: datetime, batch_rows: int, default_late: timedelta
) -> CleanupRun:
    run = CleanupRun()
    await roll_up(conn)
    all_rules = await rules(conn)
    metrics = [r["code"] for r in await conn.fetch("SELECT code FROM metrics ORDER BY code")]
    cutoffs: dict[str, datetime] = {}
    for metric in metrics:
        rule = rule_for(all_rules, metric)
        cutoff = _day(now - timedelta(days=rule.raw_days))
        pending = await conn.fetchval(q("pending_before"), metric, cutoff)
        if pending:
            # Late records arrived after the roll-up above: leave this metric's
            # raw records for the next run rather than delete un-aggregated data.
            run.skipped.append(metric)
            continue
        async with conn.transaction():
            await conn.execute(q("mark_raw_complete_from"), metric, cutoff)
            await conn.execute(q("mark_coverage"), metric, "RAW", cutoff)
        cutoffs[metric] = cutoff
    # a partition some company may still write late records into stays
    late = max(default_late, timedelta(days=await conn.fetchval(q("longest_late_window"))))
    await _drop_partitions(conn, run, metrics, cutoffs, writable_from=_day(now - late))
    for metric, cutoff in cutoffs.items():
        while True:
            deleted = await conn.fetchval(q("delete_raw_batch"), metric, cutoff, batch_rows)
            run.raw_rows += deleted
            if deleted < batch_rows:
                break
    for metric in metrics:
        rule = rule_for(all_rules, metric)
        for table, days in (
            ("usage_rollup_hour", rule.hour_days),
            ("usage_rollup_day", rule.day_days),
            ("usage_rollup_month", rule.month_days),
        ):
            if days is None:
                continue
            cutoff = _day(now - timedelta(days=days))
            level = table.removeprefix("usage_rollup_")
            while True:
                async with conn.transaction():
                    # readers plan by this: never a level emptier than it says
                    await conn.execute(q("mark_coverage"), metric, level.upper(), cutoff)
                    deleted = int(
                        await conn.fetchval(q(f"delete_{level}_batch"), metric, cutoff, batch_rows)
                    )
                run.rollup_rows += deleted
                if deleted < batch_rows:
                    break
    # the job log itself: a few weeks are plenty to see what ran
    deleted = await conn.fetchval(q("prune_job_runs"), now - JOB_RUNS_KEPT)
    run.job_runs = int(deleted)
    # reports (their files) after three months; schedule runs keep their place
    run.reports = int(await conn.fetchval(q("prune_reports"), now - REPORTS_KEPT))
    return run


async def _drop_partitions(
    conn: asyncpg.Connection,
    run: CleanupRun,
    metrics: list[str],
    cutoffs: dict[str, datetime],
    *,
    writable_from: datetime,
) -> None:
    """Drop the monthly partitions wholly before every metric's cutoff and
    before ``writable_from``, the oldest instant a late record may still have."""
    if not metrics or len(cutoffs) < len(metrics):
        return
    horizon = min(min(cutoffs.values()), writable_from)
    for row in await conn.fetch(q("usage_partitions")):
        name: str = row["name"]
        month = _month_from_name(name)
        if month is None:
            continue
        end = datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC)
        if end <= horizon:
            async with conn.transaction():
                # the name comes from _month_from_name's round trip, never from input
                await conn.execute(f'LOCK TABLE "{name}" IN ACCESS EXCLUSIVE MODE')
                rows = int(await conn.fetchval(f'SELECT count(*) FROM "{name}"'))
                await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
            run.partitions_dropped.append(name)
            run.partition_rows += rows
            _log.info("dropped usage partition %s (%d records)", name, rows)


def _month_from_name(name: str) -> date | None:
    try:
        year, month = name.removeprefix("usage_records_p").split("_")
        candidate = date(int(year), int(month), 1)
    except ValueError:
        return None
    return candidate if partition_name(candidate) == name else None
