"""The jobs the server runs, and how one run goes.

Each job has a period; its scheduled runs fall on multiples of the period
(plus an offset) since the Unix epoch, so every server process computes the
same ``scheduled_for`` for the same run. A run holds a PostgreSQL advisory
lock on the job for its duration and claims ``(job, scheduled_for)`` in
``job_runs``: a second process finds the lock taken or the period done, and
does nothing. A failed or interrupted period is run again by the next
attempt. Every run is recorded: start, end, outcome, rows touched, error, and
its owner (host, pid, and the PostgreSQL backend holding the lock).

A run never stays RUNNING after its process is gone: one cut short by a
shutdown is recorded FAILED (``INTERRUPTED``) as it stops; one whose process,
connection or database died is found by a sweep (``fail_orphaned_runs``, and
the next run of its job) because nobody holds its job's lock any more.
``jobs.scheduler`` fires the runs; ``JOBS`` is the table it schedules.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

import asyncpg

from domain.access import Principal, Role
from domain.errors import Rejected
from domain.jobs import JobOutcome, JobRun, period_start
from domain.usage import ErrorCode, FieldError
from services import metrics, upkeep, webhook_delivery
from services.reports import fire_report_schedules, generate_pending_reports
from services.runtime import Runtime
from services.usage import page_size
from storage import job_runs
from storage.db import is_unavailable

_log = logging.getLogger(__name__)

JobFunction = Callable[[Runtime], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    function: JobFunction
    every: timedelta
    offset: timedelta = timedelta(0)
    description: str = ""


JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    """Add a job to the table (names are unique)."""
    if job.name in JOBS:
        raise ValueError(f"job {job.name!r} is registered already")
    JOBS[job.name] = job


# The table: what each job calls, how often, and what it is for. A new job is
# one service function (Runtime -> rows touched) and one line here.
for _job in (
    Job(
        "rollup-usage",
        upkeep.roll_up_usage,
        timedelta(minutes=1),
        description="fold committed usage records and pending deltas into hourly, daily and"
        " monthly rollups",
    ),
    Job(
        "deliver-notifications",
        webhook_delivery.deliver_outbox,
        timedelta(seconds=15),
        description="send pending alert notifications (e-mail, SMS webhook) and webhook events,"
        " retrying failures",
    ),
    Job(
        "forecast-thresholds",
        upkeep.forecast_thresholds,
        timedelta(hours=1),
        timedelta(minutes=10),
        description="raise FORECAST alerts for levels the period's pace will reach",
    ),
    Job(
        "generate-invoices",
        upkeep.generate_due_invoices,
        timedelta(hours=1),
        timedelta(minutes=5),
        description="invoice closed periods; finalize drafts whose grace period is over",
    ),
    Job(
        "mark-overdue",
        upkeep.mark_overdue_invoices,
        timedelta(days=1),
        timedelta(hours=1),
        description="mark unpaid invoices past their due date overdue (late fees follow)",
    ),
    Job(
        "retention-cleanup",
        upkeep.clean_up_usage,
        timedelta(days=1),
        timedelta(hours=3, minutes=30),
        description="delete raw usage and rollups past their retention (aggregate first)",
    ),
    Job(
        "create-partitions",
        upkeep.create_partitions_ahead,
        timedelta(days=1),
        timedelta(hours=3, minutes=17),
        description="create monthly usage partitions ahead of need",
    ),
    Job(
        "run-report-schedules",
        fire_report_schedules,
        timedelta(minutes=1),
        description="fire due report schedules (each fire time once), deliver their reports",
    ),
    Job(
        "generate-reports",
        generate_pending_reports,
        timedelta(seconds=30),
        description="build requested reports a stopped process left pending",
    ),
):
    register(_job)


class Outcome(Enum):
    """How one attempt to run a job ended (SKIPPED is not recorded)."""

    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"  # another process holds the job, or the period is done


@dataclass(frozen=True)
class RunResult:
    outcome: Outcome
    rows: int = 0
    error: str | None = None
    run_id: int | None = None


@dataclass(frozen=True)
class ScheduledJob:
    name: str
    every: timedelta
    description: str


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
    return period_start(every, job.offset, now)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (a run is then not attempted)."""
    return is_unavailable(exc)


INTERRUPTED = "interrupted by shutdown"
ABANDONED = "interrupted: its process, connection or database died midway"


async def run_job(name: str, runtime: Runtime, *, scheduled: datetime | None = None) -> RunResult:
    """Run ``name`` now (``scheduled`` None: a manual run), record it and count it."""
    job = job_named(name)
    began = time.perf_counter()
    result = await _run_job(job, runtime, scheduled)
    metrics.observe_job(name, result.outcome.value, time.perf_counter() - began)
    return result


async def _run_job(job: Job, runtime: Runtime, scheduled: datetime | None) -> RunResult:
    name = job.name
    async with runtime.pool.acquire() as lock:
        if not await job_runs.try_lock(lock, name):
            return RunResult(Outcome.SKIPPED, error="running in another process")
        try:
            # Holding the lock, any RUNNING run of this job is one that died.
            await job_runs.fail_running_runs_of(lock, name, ABANDONED)
            host, pid = socket.gethostname(), os.getpid()
            if scheduled is None:
                run_id = await job_runs.start_manual_run(lock, name, host, pid)
            else:
                claimed = await job_runs.claim_scheduled_run(lock, name, scheduled, host, pid)
                if claimed is None:
                    return RunResult(Outcome.SKIPPED, error="this period has run already")
                run_id = claimed
            return await _run_and_record(job, runtime, lock, run_id)
        except asyncio.CancelledError:
            # Stopped (shutdown) anywhere after taking the lock: the job's
            # RUNNING run, if the claim got that far, is this one.
            _log.warning("job %s interrupted by shutdown", name)
            await job_runs.fail_running_runs_of(lock, name, INTERRUPTED)
            raise
        finally:
            await job_runs.unlock(lock, name)


async def _run_and_record(
    job: Job, runtime: Runtime, lock: asyncpg.Connection, run_id: int
) -> RunResult:
    try:
        rows = await job.function(runtime)
    except Exception as exc:
        _log.exception("job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"
        await job_runs.finish_run(lock, run_id, JobOutcome.FAILED, None, error)
        return RunResult(Outcome.FAILED, error=error, run_id=run_id)
    await job_runs.finish_run(lock, run_id, JobOutcome.SUCCEEDED, rows, None)
    return RunResult(Outcome.SUCCEEDED, rows, run_id=run_id)


async def fail_orphaned_runs(runtime: Runtime) -> int:
    """Record FAILED every RUNNING run whose owner no longer holds its job's lock."""
    async with runtime.pool.acquire() as conn:
        failed = await job_runs.fail_orphaned_runs(conn, ABANDONED)
    for run_id, job in failed:
        _log.warning("job run %d of %s was left RUNNING; recorded FAILED", run_id, job)
    return len(failed)


async def run_failed_periods(runtime: Runtime) -> int:
    """Run again each job's current period if its run failed or died; how many ran."""
    now = datetime.now(UTC)
    current = [
        (name, scheduled_for(job, period_of(job, runtime), now)) for name, job in JOBS.items()
    ]
    async with runtime.pool.acquire() as conn:
        failed = await job_runs.failed_periods(conn, current)
    for name, moment in failed:
        _log.warning("running %s again for %s (its run failed)", name, moment)
        await run_job(name, runtime, scheduled=moment)
    return len(failed)


def scheduled_jobs(rt: Runtime, principal: Principal) -> list[ScheduledJob]:
    """The jobs and how often they run here (ADMIN)."""
    principal.require(Role.ADMIN)
    return [ScheduledJob(j.name, period_of(j, rt), j.description) for j in JOBS.values()]


async def list_job_runs(
    rt: Runtime,
    principal: Principal,
    job: str | None,
    first: int,
    start: Callable[[], int | None],
) -> list[JobRun]:
    """Recorded runs, newest first (ADMIN): up to ``first`` + 1 (the one more says a
    next page exists), with ids below where ``start`` says the page starts (None: the
    newest). ``start`` reads the caller's cursor once the caller may list runs."""
    principal.require(Role.ADMIN)
    page_size(rt, first)
    before = start()
    async with rt.pool.acquire() as conn:
        return await job_runs.list_runs(conn, job, before, first + 1)


async def run_job_now(rt: Runtime, principal: Principal, name: str) -> JobRun:
    """Run job ``name`` now, as ``metergraph jobs run`` does; its recorded (MANUAL) run."""
    principal.require(Role.ADMIN)
    if name not in JOBS:
        raise Rejected(
            [
                FieldError(
                    "name",
                    ErrorCode.NOT_FOUND,
                    f"no job named {name!r}; jobs: {', '.join(sorted(JOBS))}",
                )
            ]
        )
    # Shielded: a caller that goes away does not interrupt the job midway.
    result = await asyncio.shield(run_job(name, rt))
    if result.run_id is None:
        raise Rejected(
            [
                FieldError(
                    "name",
                    ErrorCode.ALREADY_EXISTS,
                    f"{name} is running in another process already",
                )
            ]
        )
    async with rt.pool.acquire() as conn:
        # the job's newest run below run_id + 1: this one
        (run,) = await job_runs.list_runs(conn, name, result.run_id + 1, 1)
    return run
