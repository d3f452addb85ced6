"""Keeping usage storage in shape: rollups, retention, partitions.

The rollup folder (``fold_usage``, run every few seconds by the scheduler
of whichever process gets the rollup lock) folds committed records into the
hourly, daily and monthly rollups. The rollup job folds too, then moves the
pending deltas of voids and corrections into the rollups and recomputes
stale hours. Retention aggregates before it deletes: a run first rolls
everything up; raw records of a metric are deleted only up to a cutoff
before which no delta, stale mark or unfolded record is left, only records
already folded are deleted, and a partition holding an unfolded record is
not dropped, and the cutoff (a whole UTC
day) is recorded before anything is deleted, so a crash midway leaves a
state the rerun simply continues. Monthly partitions that every metric's
cutoff has passed, and that no company's late-arrival window still reaches,
are dropped whole; otherwise rows go in bounded batches (raw records by
each partition's (metric_code, ts) index, rollups by (metric_code,
bucket_start)). Retention never deletes a record whose deltas are pending,
nor a rollup level a rule keeps for ever. A run holds the lock the rollup
job takes, so the two never rewrite the same rollup rows at once.

Governance (ADMIN): the rules are read and set here (``set_retention_rule``
checks ``domain.retention.check_rule``), and legal holds placed and lifted.
A company under legal hold loses nothing to retention: its raw records and
rollup rows are skipped by every delete, and a monthly partition holding a
record of a held company is not dropped (its other rows go by row deletes);
the first run after the hold is lifted deletes what is past the rules.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg

from domain import usage as d
from domain.access import Principal, Role
from domain.aggregation import Source
from domain.errors import Rejected
from domain.retention import (
    DEFAULT_RULE,
    JOB_RUNS_KEPT,
    REPORTS_KEPT,
    CleanupRun,
    LegalHold,
    RollupRun,
    Rule,
    check_rule,
    partition_horizon,
    raw_cutoff,
    rollup_cutoffs,
    rule_for,
    stale_buckets,
    writable_from,
)
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import repos, rollups
from storage import retention as repo
from storage.partitions import drop_partition, monthly_partitions, next_month
from storage.retention import rules
from storage.rollups import rollup_lock

__all__ = [
    "BATCH_ROWS",
    "CleanupRun",
    "RollupRun",
    "clean_up",
    "clean_up_usage",
    "create_partitions_ahead",
    "fold_usage",
    "legal_holds",
    "retention_rules",
    "set_legal_hold",
    "set_retention_rule",
    "roll_up",
    "roll_up_usage",
    "rule_for",
    "rules",
]

_log = logging.getLogger(__name__)

BATCH_ROWS = 10_000
# records per fold transaction, unless the caller says (METERGRAPH_ROLLUP_FOLD_BATCH)
FOLD_BATCH = 100_000
# A serialization failure or deadlock against some other writer: tries in all.
ROLLUP_TRIES = 5


async def roll_up_usage(rt: Runtime) -> RollupRun:
    """Fold committed records and move pending deltas into the rollups (the rollup job)."""
    async with rt.pool.acquire() as conn:
        return await roll_up(conn, fold_batch=rt.settings.rollup_fold_batch)


async def fold_usage(rt: Runtime) -> int:
    """Fold the records committed since the last fold into the rollups, a batch per
    transaction, unless the rollup job or retention holds the rollup lock (they
    fold themselves); how many records."""
    async with rt.pool.acquire() as conn:
        if not await rollups.try_rollup_lock(conn):
            return 0
        try:
            return await fold_committed(conn, rt.settings.rollup_fold_batch)
        finally:
            await rollups.release_rollup_lock(conn)


async def fold_committed(conn: asyncpg.Connection, batch: int = FOLD_BATCH) -> int:
    """Fold until a fold reaches the oldest running transaction, each batch its own
    transaction; how many records. The caller holds
    the rollup lock. A fold cut short (crash, kill) rolls back whole: its
    records stay in the raw tail and the next fold takes them."""
    folded = 0
    while True:
        async with conn.transaction():
            done = await rollups.fold(conn, batch)
        folded += done.records
        if done.caught_up:
            return folded


async def clean_up_usage(rt: Runtime) -> CleanupRun:
    """One retention run (the retention job)."""
    async with rt.pool.acquire() as conn:
        run = await clean_up(conn, late_arrival_days=rt.settings.late_arrival_days)
    if run.partitions_dropped:
        rt.partitions.forget()  # a back-fill into a dropped month recreates it
        _log.info("dropped partitions: %s", ", ".join(run.partitions_dropped))
    if run.skipped:
        _log.info("raw records kept for the next run (late data pending): %s", run.skipped)
    return run


async def create_partitions_ahead(rt: Runtime) -> int:
    """Create the partitions for the recent past and the next three months; how many."""
    rt.partitions.forget()
    return await rt.partitions.ensure_ahead(rt.pool, datetime.now(UTC).date())


async def roll_up(conn: asyncpg.Connection, *, fold_batch: int = FOLD_BATCH) -> RollupRun:
    """Fold the committed records, then move every pending delta into the rollups;
    run again after a serialization failure."""
    for attempt in range(1, ROLLUP_TRIES + 1):
        try:
            return await _roll_up_once(conn, fold_batch)
        except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError):
            if attempt == ROLLUP_TRIES:
                raise
            await asyncio.sleep(0.05 * 2**attempt)
    raise AssertionError("unreachable")


async def _roll_up_once(conn: asyncpg.Connection, fold_batch: int) -> RollupRun:
    """The committed records folded (``fold_committed``), then every pending delta
    into the rollups and the stale hours recomputed, in one REPEATABLE READ
    transaction: the deltas it moves, the watermark and the raw rows it
    recomputes stale hours from (those below the watermark) are the same
    snapshot, so a void committed meanwhile keeps its delta and stale mark
    for the next run. A crash rolls that transaction back; the rerun finds
    the same deltas."""
    async with rollup_lock(conn):
        folded = await fold_committed(conn, fold_batch)
        async with conn.transaction(isolation="repeatable_read"):
            moved = await rollups.merge_deltas(conn)
            hours = await rollups.take_stale_hours(conn)
            stale = stale_buckets(hours)
            for bucket in stale.hours:
                await rollups.rebuild_hour(conn, bucket)
            for bucket in stale.days:
                await rollups.rebuild_day(conn, bucket)
            for bucket in stale.months:
                await rollups.rebuild_month(conn, bucket)
    return RollupRun(moved, len(hours), folded)


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
    metrics = await repo.metric_codes(conn)
    cutoffs = await _raw_cutoffs(conn, run, metrics, all_rules, now)
    # a partition some company may still write late records into stays
    writable = writable_from(now, default_late, await repo.longest_late_window(conn))
    await _drop_partitions(conn, run, metrics, cutoffs, writable)
    for metric, cutoff in cutoffs.items():
        run.raw_rows += await _delete_raw(conn, metric, cutoff, batch_rows)
    for metric in metrics:
        for level, cutoff in rollup_cutoffs(rule_for(all_rules, metric), now):
            run.rollup_rows += await _delete_rollups(conn, level, metric, cutoff, batch_rows)
    run.job_runs = await repo.prune_job_runs(conn, now - JOB_RUNS_KEPT)
    run.reports = await repo.prune_reports(conn, now - REPORTS_KEPT)
    return run


async def _raw_cutoffs(
    conn: asyncpg.Connection,
    run: CleanupRun,
    metrics: list[str],
    all_rules: dict[str, Rule],
    now: datetime,
) -> dict[str, datetime]:
    """Each metric's raw cutoff, recorded before anything is deleted; a metric with
    deltas pending before its cutoff keeps its raw records this run."""
    cutoffs: dict[str, datetime] = {}
    for metric in metrics:
        cutoff = raw_cutoff(rule_for(all_rules, metric), now)
        if await repo.pending_before(conn, metric, cutoff):
            # Late records arrived after the roll-up: leave this metric's raw
            # records for the next run rather than delete un-aggregated data.
            run.skipped.append(metric)
            continue
        async with conn.transaction():
            await repo.mark_raw_complete_from(conn, metric, cutoff)
        cutoffs[metric] = cutoff
    return cutoffs


async def _drop_partitions(
    conn: asyncpg.Connection,
    run: CleanupRun,
    metrics: list[str],
    cutoffs: dict[str, datetime],
    writable: datetime,
) -> None:
    """Drop the monthly partitions wholly before every metric's cutoff and
    before ``writable``, the oldest instant a late record may still have."""
    horizon = partition_horizon(metrics, cutoffs, writable)
    if horizon is None:
        return
    for name, month in (await monthly_partitions(conn)).items():
        end = datetime.combine(next_month(month), datetime.min.time(), tzinfo=UTC)
        if end <= horizon:
            async with conn.transaction():
                # A held company's records stay: its month goes by row deletes.
                # Holds and the table are locked before the look, so neither a
                # hold nor a record of one arrives between it and the drop;
                # the parent first, the order drop_partition takes it in.
                await repo.lock_legal_holds(conn)
                await repo.lock_usage_records(conn)
                start = datetime.combine(month, datetime.min.time(), tzinfo=UTC)
                if await repo.held_records_between(conn, start, end):
                    continue
                # A record stored after this run's fold is in no rollup yet:
                # the month waits for the next run (its folded rows go by
                # row deletes meanwhile).
                if await repo.unfolded_records_between(conn, start, end):
                    continue
                rows = await drop_partition(conn, month)
            run.partitions_dropped.append(name)
            run.partition_rows += rows


async def _delete_raw(
    conn: asyncpg.Connection, metric: str, cutoff: datetime, batch_rows: int
) -> int:
    deleted = 0
    while True:
        batch = await repo.delete_raw_batch(conn, metric, cutoff, batch_rows)
        deleted += batch
        if batch < batch_rows:
            return deleted


async def _delete_rollups(
    conn: asyncpg.Connection, level: Source, metric: str, cutoff: datetime, batch_rows: int
) -> int:
    deleted = 0
    while True:
        async with conn.transaction():
            # readers plan by the coverage marked with it: never a level emptier than it says
            batch = await repo.delete_rollup_batch(conn, level, metric, cutoff, batch_rows)
        deleted += batch
        if batch < batch_rows:
            return deleted


async def retention_rules(rt: Runtime, principal: Principal) -> list[Rule]:
    """The default rule (``*``) first, then each metric's own rule."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        found = await repo.own_rules(conn)
    return sorted(found, key=lambda r: (r.metric_code != DEFAULT_RULE, r.metric_code))


async def set_retention_rule(
    rt: Runtime, principal: Principal, rule: Rule, audit: ChangeAudit = NOT_AUDITED
) -> Rule:
    """Set a metric's rule (``*``: the default, which metrics without one follow)."""
    principal.require(Role.ADMIN)
    errors = check_rule(rule)
    async with rt.pool.acquire() as conn:
        if rule.metric_code != DEFAULT_RULE and rule.metric_code not in await repos.all_metrics(
            conn
        ):
            message = f"no metric {rule.metric_code!r}"
            errors.insert(0, d.FieldError("metric", d.ErrorCode.UNKNOWN_METRIC, message))
        if errors:
            raise Rejected(errors)
        async with conn.transaction():
            await repo.set_rule(conn, rule)
            await audit.write(conn, "RetentionRule")
        audit.committed()
    return rule


async def legal_holds(rt: Runtime, principal: Principal) -> list[LegalHold]:
    """The companies under legal hold, the oldest hold first."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        return await repo.legal_holds(conn)


async def set_legal_hold(
    rt: Runtime,
    principal: Principal,
    company_id: UUID,
    held: bool,
    audit: ChangeAudit = NOT_AUDITED,
) -> LegalHold | None:
    """Place (``held``) or lift the legal hold on a company; the hold in place after."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        if await repos.company_by_id(conn, company_id) is None:
            message = f"no company {company_id}"
            raise Rejected([d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, message)])
        async with conn.transaction():
            hold = await repo.place_legal_hold(conn, company_id) if held else None
            if not held:
                await repo.lift_legal_hold(conn, company_id)
            await audit.write(conn, "LegalHold")
        audit.committed()
    return hold
