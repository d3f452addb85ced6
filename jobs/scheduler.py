"""APScheduler in the server process: it fires the runs of ``services.jobs.JOBS``.

Each job fires at the start of each of its periods; a run is recorded and
locked by ``services.jobs.run_job``. A sweep (at start and every minute)
records FAILED the runs whose process died; at start, each job's current
period whose run failed or died runs again.

Beside the table, the rollup folder runs in a loop
(``METERGRAPH_ROLLUP_FOLD_INTERVAL`` seconds between looks): every process
with a scheduler runs one, and the one holding the rollup lock folds (the
others, and the rollup job and retention while they hold it, skip that
turn), so the rollups follow the writes within a few seconds; readers are
exact whether or not it has run.

Stopping is graceful: ``JobScheduler.stop`` fires nothing more and waits,
at most ``METERGRAPH_JOB_SHUTDOWN_GRACE_SECONDS``, for the runs in flight to
finish; those still running then are cancelled and recorded FAILED
(``services.jobs.INTERRUPTED``), to run again at the next start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from domain.jobs import EPOCH
from services import jobs, upkeep
from services.jobs import (
    Outcome,
    RunResult,
    database_unavailable,
    fail_orphaned_runs,
    run_job,
    scheduled_for,
)
from services.runtime import Runtime

_log = logging.getLogger(__name__)
# APScheduler's executor logs every run at INFO; this module says what a run did.
logging.getLogger("apscheduler.executors.default").setLevel(logging.WARNING)

SWEEP_EVERY = timedelta(minutes=1)


class JobScheduler:
    """The server's schedule of ``services.jobs.JOBS``; each fire is one recorded run."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._aps = AsyncIOScheduler(timezone="UTC")
        self._in_flight: set[asyncio.Task[object]] = set()
        self._folder: asyncio.Task[None] | None = None

    def start(self) -> None:
        for name, job in jobs.JOBS.items():
            every = jobs.period_of(job, self.runtime)
            self._aps.add_job(
                self._scheduled_run,
                IntervalTrigger(seconds=every.total_seconds(), start_date=EPOCH + job.offset),
                args=[name],
                id=name,
                name=name,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=max(1, int(every.total_seconds() // 2)),
            )
        self._aps.add_job(self._sweep, kwargs={"at_start": True}, id="recover", name="recover")
        self._aps.add_job(
            self._sweep,
            IntervalTrigger(seconds=SWEEP_EVERY.total_seconds()),
            id="sweep-job-runs",
            name="sweep",
            coalesce=True,
            max_instances=1,
        )
        self._aps.start()
        self._folder = asyncio.get_running_loop().create_task(self._fold_forever())

    async def _fold_forever(self) -> None:
        """Fold committed records into the rollups, again and again, until stopped."""
        interval = max(0.05, self.runtime.settings.rollup_fold_interval_seconds)
        while True:
            try:
                folded = await upkeep.fold_usage(self.runtime)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if database_unavailable(exc):
                    _log.warning("rollup folder waiting: the database is unavailable")
                else:
                    _log.exception("rollup folder failed; trying again")
                folded = 0
            if folded:
                _log.debug("rollup folder: %d records folded", folded)
            await asyncio.sleep(interval)

    async def _stop_folder(self) -> None:
        """The fold in flight is cancelled: its transaction rolls back whole, and its
        records stay in the raw tail for the next fold."""
        if self._folder is None:
            return
        self._folder.cancel()
        await asyncio.gather(self._folder, return_exceptions=True)
        self._folder = None

    async def stop(self, grace: float | None = None) -> None:
        """Fire nothing more; give the runs in flight ``grace`` seconds (default: the
        setting) to finish, then cancel those left (recorded FAILED, interrupted)."""
        if grace is None:
            grace = self.runtime.settings.job_shutdown_grace_seconds
        await self._stop_folder()
        self._aps.pause()
        in_flight = set(self._in_flight)
        if in_flight:
            _log.info("waiting up to %ss for %d job runs to finish", grace, len(in_flight))
            await asyncio.wait(in_flight, timeout=grace)
        self._aps.shutdown(wait=False)  # cancels what is still running
        left = [task for task in in_flight if not task.done()]
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left)

    def shutdown(self, wait: bool = False) -> None:
        """Stop at once: runs in flight are cancelled (recorded FAILED, interrupted)."""
        if self._folder is not None:
            self._folder.cancel()
        self._aps.shutdown(wait=wait)

    async def _tracked(self, work: Awaitable[object]) -> object:
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            return await work
        finally:
            self._in_flight.discard(task)

    async def _scheduled_run(self, name: str) -> None:
        job = jobs.JOBS[name]
        # A fire a little early or late still belongs to its period: round to the nearest start.
        every = jobs.period_of(job, self.runtime)
        moment = datetime.now(UTC) + every / 2
        try:
            result = await self._tracked(
                run_job(name, self.runtime, scheduled=scheduled_for(job, every, moment))
            )
        except asyncio.CancelledError:
            # The scheduler is stopping; the run is recorded FAILED. This is the
            # task's outermost frame: ending here keeps APScheduler from logging
            # the stop as the job's error.
            return
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            _log.warning("scheduled job %s not run: the database is unavailable", name)
            return
        assert isinstance(result, RunResult)
        if result.outcome is Outcome.FAILED:
            _log.warning("scheduled job %s failed: %s", name, result.error)
        elif result.rows:
            _log.info("scheduled job %s: %s rows", name, result.rows)
        else:  # an idle run says nothing at INFO
            _log.debug("scheduled job %s: %s, no rows", name, result.outcome.value)

    async def _sweep(self, *, at_start: bool = False) -> None:
        try:
            await fail_orphaned_runs(self.runtime)
            if at_start:
                # A period cut short by the last stop runs now, not a period later.
                await self._tracked(jobs.run_failed_periods(self.runtime))
        except asyncio.CancelledError:
            return  # stopping (see _scheduled_run)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            _log.warning("job runs not swept: the database is unavailable")


def start_scheduler(runtime: Runtime) -> JobScheduler:
    scheduler = JobScheduler(runtime)
    scheduler.start()
    return scheduler
