"""APScheduler in the server process, and the registry of runnable jobs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from jobs.partitions import create_partitions_ahead
from metergraph.runtime import Runtime

_log = logging.getLogger(__name__)

JobFunction = Callable[[Runtime], Awaitable[int]]

# name -> (function, cron schedule in UTC)
JOBS: dict[str, tuple[JobFunction, str]] = {
    "create-partitions": (create_partitions_ahead, "17 3 * * *"),
}


async def run_job(name: str, runtime: Runtime) -> int:
    """Run one job now; the number of rows (or objects) it touched."""
    try:
        function, _ = JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; jobs: {', '.join(sorted(JOBS))}") from None
    return await function(runtime)


def start_scheduler(runtime: Runtime) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    for name, (function, cron) in JOBS.items():
        scheduler.add_job(
            function,
            CronTrigger.from_crontab(cron, timezone="UTC"),
            args=[runtime],
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
        )
    scheduler.start()
    return scheduler
