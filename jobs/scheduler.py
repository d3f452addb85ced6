"""The jobs, how they run, and APScheduler in the server process.

Each job has a period; its scheduled runs fall on multiples of the period
(plus an offset) since the Unix epoch, so every server process computes the
same ``scheduled_for`` for the same run. A run holds a PostgreSQL advisory
lock on the job for its duration and claims ``(job, scheduled_for)`` in
``job_runs``: a second process finds the lock taken or the period done, and
does nothing. A failed or interrupted period is run again by the next
attempt. Every run is recorded: start, end, outcome, rows touched, error, and
its owner (host, pid, and the PostgreSQL backend holding the lock).

A run never stays RUNNING after its process is gone: one cut short by a
shutdown is recorded FAILED as it stops; one whose process, connection or
database died is found by a sweep (at scheduler start, every minute, and by
the next run of its job) because nobody holds its job's lock any more. At
start, each job's current period whose run failed or died runs again.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs.delivery import deliver_notifications
from jobs.invoices import generate_due_invoices, mark_overdue_invoices
from jobs.partitions import create_partitions_ahead
from jobs.reports import generate_reports, run_report_schedules
from jobs.retention import clean_up_usage
from jobs.rollups import roll_up_usage
from jobs.thresholds import forecast_thresholds
from services.runtime import Runtime
from storage.db import is_unavailable
from storage.queries import q

_log = logging.getLogger(__name__)

JobFunction = Callable[[Runtime], Awaitable[int]]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    every: timedelta
    offset: timedelta = timedelta(0)
    description: str = ""


JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    """Add a job to the registry (names are unique)."""
    if job.name in JOBS:
        raise ValueError(f"job {job.name!r} is registered already")
    JOBS[job.name] = job


register(
    Job(
        "rollup-usage",
        roll_up_usage,
        timedelta(minutes=1),
        description="move pending usage deltas into hourly, daily and monthly rollups",
    )
)
register(
    Job(
        "deliver-notifications",
        deliver_notifications,
        timedelta(seconds=15),
        description="send pending alert notifications (e-mail, SMS webhook), retrying failures",
    )
)
register(
    Job(
        "forecast-thresholds",
        forecast_thresholds,
        timedelta(hours=1),
        timedelta(minutes=10),
        description="raise FORECAST alerts for levels the period's pace will reach",
    )
)
register(
    Job(
        "generate-invoices",
        generate_due_invoices,
        timedelta(hours=1),
        timedelta(minutes=5),
        description="invoice closed periods; finalize drafts whose grace period is over",
    )
)
register(
    Job(
        "mark-overdue",
        mark_overdue_invoices,
        timedelta(days=1),
        timedelta(hours=1),
        description="mark unpaid invoices past their due date overdue (late fees follow)",
    )
)
register(
    Job(
        "retention-cleanup",
        clean_up_usage,
        timedelta(days=1),
        timedelta(hours=3, minutes=30),
        description="delete raw usage and rollups past their retention (aggregate first)",
    )
)
register(
    Job(
        "create-partitions",
        create_partitions_ahead,
        timedelta(days=1),
        timedelta(hours=3, minutes=17),
        description="create monthly usage partitions ahead of need",
    )
)

register(
    Job(
        "run-report-schedules",
        run_report_schedules,
        timedelta(minutes=1),
        description="fire due report schedules (each fire time once), deliver their reports",
    )
)
register(
    Job(
        "generate-reports",
        generate_reports,
        timedelta(seconds=30),
        description="build requested reports a stopped process left pending",
    )
)


class Outcome(Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # another process holds the job, or the period is done


@dataclass(frozen=True)
class RunResult:
    outcome: Outcome
    rows: int = 0
    error: str | None = None
    run_id: int | None = None


def job_named(name: str) -> Job:
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; jobs: {', '.join(sorted(JOBS))}") from None


def period_of(job: Job, runtime: Runtime) -> timedelta:
    override = dict(runtime.settings.job_periods).get(job.name)
    return timedelta(seconds=override) if override else job.every


def scheduled_for(job: Job, every: timedelta, now: datetime) -> datetime:
    """The start of the period ``now`` falls in: the run this moment belongs to."""
    periods = (now - EPOCH - job.offset) // every
    return EPOCH + job.offset + periods * every


INTERRUPTED = "interrupted by shutdown"
ABANDONED = "interrupted: its process, connection or database died midway"
SWEEP_EVERY = timedelta(minutes=1)


async def run_job(name: str, runtime: Runtime, *, scheduled: datetime | None = None) -> RunResult:
    """Run ``name`` now (``scheduled`` None: a manual run) and record it."""
    job = job_named(name)
    host, pid = socket.gethostname(), os.getpid()
    async with runtime.pool.acquire() as lock:
        if not await lock.fetchval(q("job_lock"), name):
            return RunResult(Outcome.SKIPPED, error="running in another process")
        try:
            # Holding the lock, any RUNNING run of this job is one that died.
            await lock.fetch(q("fail_abandoned_runs_of_job"), name, ABANDONED)
            if scheduled is None:
                run_id = await lock.fetchval(q("start_manual_run"), name, host, pid)
            else:
                run_id = await lock.fetchval(q("claim_scheduled_run"), name, scheduled, host, pid)
                if run_id is None:
                    return RunResult(Outcome.SKIPPED, error="this period has run already")
            try:
                rows = await job.function(runtime)
            except Exception as exc:
                _log.exception("job %s failed", name)
                error = f"{type(exc).__name__}: {exc}"
                await lock.execute(q("finish_run"), run_id, Outcome.FAILED.value, None, error)
                return RunResult(Outcome.FAILED, error=error, run_id=run_id)
            await lock.execute(q("finish_run"), run_id, Outcome.SUCCEEDED.value, rows, None)
            return RunResult(Outcome.SUCCEEDED, rows, run_id=run_id)
        except asyncio.CancelledError:
            # Stopped (shutdown) anywhere after taking the lock: the job's
            # RUNNING run, if the claim got that far, is this one.
            _log.warning("job %s interrupted by shutdown", name)
            await lock.fetch(q("fail_abandoned_runs_of_job"), name, INTERRUPTED)
            raise
        finally:
            await lock.fetchval(q("job_unlock"), name)


async def fail_orphaned_runs(runtime: Runtime) -> int:
    """Record FAILED every RUNNING run whose owner no longer holds its job's lock."""
    async with runtime.pool.acquire() as conn:
        failed = await conn.fetch(q("fail_orphaned_runs"), ABANDONED)
    for row in failed:
        _log.warning("job run %d of %s was left RUNNING; recorded FAILED", row["id"], row["job"])
    return len(failed)


async def _scheduled_run(name: str, runtime: Runtime) -> None:
    job = JOBS[name]
    # A fire a little early or late still belongs to its period: round to the nearest start.
    every = period_of(job, runtime)
    moment = datetime.now(UTC) + every / 2
    try:
        result = await run_job(name, runtime, scheduled=scheduled_for(job, every, moment))
    except asyncio.CancelledError:
        # The scheduler is shutting down; the run is recorded FAILED. This is
        # the task's outermost frame: ending here keeps APScheduler from
        # logging the stop as the job's error.
        return
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        _log.warning("scheduled job %s not run: the database is unavailable", name)
        return
    if result.outcome is Outcome.FAILED:
        _log.warning("scheduled job %s failed: %s", name, result.error)


async def run_failed_periods(runtime: Runtime) -> int:
    """Run again each job's current period if its run failed or died; how many ran."""
    now = datetime.now(UTC)
    current = {name: scheduled_for(job, period_of(job, runtime), now) for name, job in JOBS.items()}
    async with runtime.pool.acquire() as conn:
        failed = await conn.fetch(
            q("failed_periods"), list(current), [current[name] for name in current]
        )
    for row in failed:
        _log.warning("running %s again for %s (its run failed)", row["job"], row["scheduled_for"])
        await run_job(row["job"], runtime, scheduled=row["scheduled_for"])
    return len(failed)


async def _sweep(runtime: Runtime, *, at_start: bool = False) -> None:
    try:
        await fail_orphaned_runs(runtime)
        if at_start:
            # A period cut short by the last stop runs now, not a period later.
            await run_failed_periods(runtime)
    except asyncio.CancelledError:
        return  # shutting down (see _scheduled_run)
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        _log.warning("job runs not swept: the database is unavailable")


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, job in JOBS.items():
        every = period_of(job, runtime)
        scheduler.add_job(
            _scheduled_run,
            IntervalTrigger(seconds=every.total_seconds(), start_date=EPOCH + job.offset),
            args=[name, runtime],
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=max(1, int(every.total_seconds() // 2)),
        )
    scheduler.add_job(
        _sweep, args=[runtime], kwargs={"at_start": True}, id="recover-job-runs", name="recover"
    )
    scheduler.add_job(
        _sweep,
        IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()),
        args=[runtime],
        id="sweep-job-runs",
        name="sweep",
        coalesce=True,
        max_instances=1,
    )
    scheduler.start()
    return scheduler
