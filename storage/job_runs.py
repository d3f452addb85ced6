"""Job runs: the advisory lock a run holds, and the ``job_runs`` record of every run.

The lock's keys (``job_lock`` in ``sql/job_runs.sql``) are the ones
``fail_orphaned_runs`` looks for in ``pg_locks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from domain.jobs import JobOutcome, JobRun, JobTrigger
from storage.queries import q


def _run(r: asyncpg.Record) -> JobRun:
    return JobRun(
        id=r["id"],
        job=r["job"],
        scheduled_for=r["scheduled_for"],
        trigger=JobTrigger(r["trigger"]),
        started_at=r["started_at"],
        finished_at=r["finished_at"],
        outcome=JobOutcome(r["outcome"]),
        rows=r["rows"],
        error=r["error"],
    )


async def try_lock(conn: asyncpg.Connection, job: str) -> bool:
    """Take the job's session-level advisory lock, if nobody holds it."""
    return bool(await conn.fetchval(q("job_lock"), job))


async def unlock(conn: asyncpg.Connection, job: str) -> None:
    await conn.fetchval(q("job_unlock"), job)


async def fail_running_runs_of(conn: asyncpg.Connection, job: str, error: str) -> int:
    """Record FAILED every RUNNING run of ``job`` (the caller holds its lock); how many."""
    return len(await conn.fetch(q("fail_abandoned_runs_of_job"), job, error))


async def start_manual_run(conn: asyncpg.Connection, job: str, host: str, pid: int) -> int:
    run_id: int = await conn.fetchval(q("start_manual_run"), job, host, pid)
    return run_id


async def claim_scheduled_run(
    conn: asyncpg.Connection, job: str, scheduled_for: datetime, host: str, pid: int
) -> int | None:
    """The period's run id, or None when the period succeeded already."""
    run_id: int | None = await conn.fetchval(
        q("claim_scheduled_run"), job, scheduled_for, host, pid
    )
    return run_id


async def finish_run(
    conn: asyncpg.Connection, run_id: int, outcome: JobOutcome, rows: int | None, error: str | None
) -> None:
    await conn.execute(q("finish_run"), run_id, outcome.value, rows, error)


async def fail_orphaned_runs(conn: asyncpg.Connection, error: str) -> list[tuple[int, str]]:
    """Record FAILED every RUNNING run whose owner no longer holds its job's lock."""
    return [(r["id"], r["job"]) for r in await conn.fetch(q("fail_orphaned_runs"), error)]


async def failed_periods(
    conn: asyncpg.Connection, periods: Sequence[tuple[str, datetime]]
) -> list[tuple[str, datetime]]:
    """Of these (job, scheduled_for) periods, those whose run failed or died."""
    rows = await conn.fetch(
        q("failed_periods"), [job for job, _ in periods], [moment for _, moment in periods]
    )
    return [(r["job"], r["scheduled_for"]) for r in rows]


async def list_runs(
    conn: asyncpg.Connection, job: str | None, before: int | None, limit: int
) -> list[JobRun]:
    """Runs newest first (``job`` None: every job), with ids below ``before``."""
    return [_run(r) for r in await conn.fetch(q("list_job_runs"), job, before, limit)]
