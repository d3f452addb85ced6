"""Building reports in the background of a process.

``ReportRunner.run`` claims one stored request (two processes never build
the same report), builds its document, renders it (on a bounded pool of
worker threads, ``METERGRAPH_REPORT_WORKERS``: charts and PDF layout are CPU
work that must not run on the event loop) and stores the bytes. A process
that dies mid-build leaves the report RUNNING; after ten minutes another run
takes it over (three tries at most).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.aggregation import WindowNotAnswerable
from domain.reports.criteria import ReportCriteria
from domain.reports.records import StoredReport
from domain.reports.render import render
from services import webhook_events
from services.report_documents import build_document
from storage import reports as store

_log = logging.getLogger(__name__)

# runs a read on a connection (services.replicas.ReadRouter.run)
ReadOn = Callable[[Callable[[asyncpg.Connection], Awaitable[Any]]], Awaitable[Any]]


class ReportRunner:
    """Builds pending reports; ``start`` runs one in the background of this process.

    At most ``workers`` reports are built at once in a process (the rest
    wait their turn), and rendering (charts, PDF layout: CPU work) runs on
    a pool of that many threads, never on the event loop, so a tenant asking
    for many reports slows its own reports, not other requests.
    """

    CLOSE_TIMEOUT_SECONDS = 30

    def __init__(self, pool: asyncpg.Pool, workers: int = 2, read: ReadOn | None = None) -> None:
        self.pool = pool
        # where a report's data is read (a replica may answer); the report's
        # own rows are written on ``pool``
        self._read = read or self._on_primary
        self._tasks: set[asyncio.Task[bool]] = set()
        self._workers = workers
        self._closing = False
        self._slots = asyncio.Semaphore(workers)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="report")

    def start(self, report_id: UUID) -> None:
        task = asyncio.create_task(self.run(report_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run(self, report_id: UUID | None = None) -> bool:
        """Claim and build one report (that one, or any pending); False when none was free."""
        async with self._slots:
            return await self._run(report_id)

    async def _run(self, report_id: UUID | None) -> bool:
        async with self.pool.acquire() as conn:
            report = await store.claim_report(conn, report_id)
        if report is None:
            return False
        try:
            content = await self._build(report)
        except asyncio.CancelledError:
            # the process is stopping under this build: leave it PENDING for the next one
            with contextlib.suppress(Exception):
                async with self.pool.acquire() as conn:
                    await store.fail_report(
                        conn, report.id, "interrupted: the process stopped", False
                    )
            raise
        except Exception as exc:
            _log.exception("report %s failed", report.id)
            # stopped under it (the renderers are gone): back to PENDING, built again later
            final = not self._closing
            async with self.pool.acquire() as conn:
                await store.fail_report(conn, report.id, failure_reason(exc), final)
            return True
        async with self.pool.acquire() as conn, conn.transaction():
            await store.finish_report(conn, report.id, content)
            await webhook_events.report_ready(conn, report.id)
        return True

    async def _on_primary(self, read: Callable[[asyncpg.Connection], Awaitable[Any]]) -> Any:
        async with self.pool.acquire() as conn:
            return await read(conn)

    async def _build(self, report: StoredReport) -> bytes:
        criteria = ReportCriteria.from_json(report.criteria)
        now = datetime.now(UTC)
        document = await self._read(lambda conn: build_document(conn, criteria, now))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, render, document, report.format)

    async def run_pending(self) -> int:
        """Build every pending report, and wait for the ones this process has
        already started in the background, so each is finished on return."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        built = 0
        while await self.run():
            built += 1
        return built

    async def close(self) -> None:
        """Wait for the reports this process is building (they are short), then stop."""
        if self._closing:
            return
        self._closing = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        # builds a job started hold a slot: taking every slot waits for them
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.CLOSE_TIMEOUT_SECONDS):
                for _ in range(self._workers):
                    await self._slots.acquire()
        self._executor.shutdown(wait=False)


def failure_reason(exc: Exception) -> str:
    """What a failed report tells its readers: a refusal of its window in full;
    anything else only as a fixed text (the driver's or the system's words,
    which may name tables or hosts, stay in the log)."""
    if isinstance(exc, WindowNotAnswerable):
        return str(exc)
    return "the report could not be built; the error has been logged"
