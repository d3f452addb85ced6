"""Reports: stored requests, built in the background, kept for download.

``create_report`` stores a request (PENDING); ``ReportRunner.run`` claims one
(``FOR UPDATE SKIP LOCKED``, so two processes never build the same report),
builds its document, renders it (on a bounded pool of worker threads,
``METERGRAPH_REPORT_WORKERS``: charts and PDF layout are CPU work that must
not run on the event loop) and stores the bytes. A process that dies mid-build leaves the
report RUNNING; after ten minutes another run takes it over (three tries at
most). Report schedules live here too; ``jobs.reports`` fires them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.aggregation import WindowNotAnswerable
from domain.reports.criteria import ReportCriteria
from domain.reports.document import ReportDocument, ReportFormat, ReportKind
from domain.reports.render import render
from storage import repos
from storage.queries import q
from storage.report_builders import (
    Scope,
    allocation_document,
    profitability_document,
    usage_document,
)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredReport:
    id: UUID
    company_id: UUID | None
    kind: ReportKind
    format: ReportFormat
    criteria: dict[str, Any]
    status: str
    attempts: int
    error: str | None
    size_bytes: int | None
    schedule_id: UUID | None
    scheduled_for: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> StoredReport:
        criteria = row["criteria"]
        return cls(
            id=row["id"],
            company_id=row["company_id"],
            kind=ReportKind(row["kind"]),
            format=ReportFormat(row["format"]),
            criteria=json.loads(criteria) if isinstance(criteria, str) else criteria,
            status=row["status"],
            attempts=row["attempts"],
            error=row["error"],
            size_bytes=row["size_bytes"],
            schedule_id=row["schedule_id"],
            scheduled_for=row["scheduled_for"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
        )

    def file_name(self) -> str:
        stamp = self.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"metergraph-{self.kind.value.lower()}-{stamp}.{self.format.extension}"


def resolved(criteria: ReportCriteria, now: datetime) -> dict[str, Any]:
    """The criteria with their window fixed at ``now`` (a relative one is kept as a label)."""
    start, end = criteria.resolve(now)
    data = replace(criteria, from_=start, to=end, window=None).to_json()
    data["window"] = criteria.window.value if criteria.window else None
    return data


async def create_report(
    conn: asyncpg.Connection,
    criteria: ReportCriteria,
    fmt: ReportFormat,
    now: datetime,
    *,
    created_by: UUID | None,
    schedule_id: UUID | None = None,
    scheduled_for: datetime | None = None,
) -> StoredReport:
    row = await conn.fetchrow(
        q("insert_report"),
        uuid7.uuid7(),
        criteria.company_id,
        criteria.kind.value,
        fmt.value,
        json.dumps(resolved(criteria, now)),
        schedule_id,
        scheduled_for,
        created_by,
    )
    return StoredReport.of(row)


# An arbitrary constant: the key space of per-company report queue locks.
_QUEUE_LOCK = 7_300_013


async def pending_reports(conn: asyncpg.Connection, company_id: UUID | None) -> int:
    """How many of the company's reports wait or are being built.

    Takes a transaction-level lock on the company's queue first, so two
    requests cannot both see room for one more (the caller's transaction).
    """
    key = company_id.int % (2**31) if company_id is not None else 0
    await conn.execute("SELECT pg_advisory_xact_lock($1, $2)", _QUEUE_LOCK, key)
    count: int = await conn.fetchval(q("pending_reports_of"), company_id)
    return count


async def report_by_id(conn: asyncpg.Connection, report_id: UUID) -> StoredReport | None:
    row = await conn.fetchrow(q("report_by_id"), report_id)
    return StoredReport.of(row) if row else None


async def list_reports(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    *,
    schedule_id: UUID | None = None,
    after: tuple[datetime, UUID] | None = None,
    limit: int = 50,
) -> list[StoredReport]:
    rows = await conn.fetch(
        q("list_reports"),
        company_id is None,
        company_id,
        schedule_id,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )
    return [StoredReport.of(r) for r in rows]


async def report_content(conn: asyncpg.Connection, report_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(q("report_content"), report_id)


async def build_document(
    conn: asyncpg.Connection, criteria: ReportCriteria, now: datetime
) -> ReportDocument:
    """The document for resolved ``criteria`` (a fixed window)."""
    assert criteria.from_ is not None and criteria.to is not None
    start, end = criteria.from_, criteria.to
    key = None
    if criteria.company_id is not None:
        company = await repos.company_by_id(conn, criteria.company_id)
        key = company.external_key if company else str(criteria.company_id)
    scope = Scope(criteria.company_id, key)
    if criteria.kind is ReportKind.COST_ALLOCATION:
        return await allocation_document(conn, criteria, scope, start, end, now)
    if criteria.kind is ReportKind.PROFITABILITY:
        return await profitability_document(conn, criteria, scope, start, end, now)
    metrics = await repos.all_metrics(conn)
    return await usage_document(conn, criteria, scope, metrics, start, end, now)


class ReportRunner:
    """Builds pending reports; ``start`` runs one in the background of this process.

    At most ``workers`` reports are built at once in a process (the rest
    wait their turn), and rendering (charts, PDF layout: CPU work) runs on
    a pool of that many threads, never on the event loop, so a tenant asking
    for many reports slows its own reports, not other requests.
    """

    CLOSE_TIMEOUT_SECONDS = 30

    def __init__(self, pool: asyncpg.Pool, workers: int = 2) -> None:
        self.pool = pool
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
            row = await conn.fetchrow(q("claim_report"), report_id)
        if row is None:
            return False
        report = StoredReport.of(row)
        try:
            criteria = ReportCriteria.from_json(report.criteria)
            async with self.pool.acquire() as conn:
                document = await build_document(conn, criteria, datetime.now(UTC))
            loop = asyncio.get_running_loop()
            content = await loop.run_in_executor(self._executor, render, document, report.format)
        except asyncio.CancelledError:
            # the process is stopping under this build: leave it PENDING for the next one
            with contextlib.suppress(Exception):
                async with self.pool.acquire() as conn:
                    await conn.fetchval(
                        q("fail_report"), report.id, "interrupted: the process stopped", False
                    )
            raise
        except Exception as exc:
            _log.exception("report %s failed", report.id)
            # stopped under it (the renderers are gone): back to PENDING, built again later
            final = not self._closing
            async with self.pool.acquire() as conn:
                await conn.fetchval(q("fail_report"), report.id, failure_reason(exc), final)
            return True
        async with self.pool.acquire() as conn:
            await conn.execute(q("finish_report"), report.id, content)
        return True

    async def run_pending(self) -> int:
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
