"""Reports, report schedules and their runs: the repository.

A report is claimed for building with ``FOR UPDATE SKIP LOCKED`` (two
processes never build the same one); a schedule's fire time is claimed by
inserting its unique ``(schedule, scheduled_for)`` run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.reports.criteria import ReportCriteria
from domain.reports.document import ReportFormat, ReportKind
from domain.reports.records import (
    DeliveryStatus,
    Destination,
    ReportSchedule,
    ReportStatus,
    ScheduleRun,
    StoredReport,
    resolved,
)
from storage.queries import q


def _report(row: asyncpg.Record) -> StoredReport:
    criteria = row["criteria"]
    return StoredReport(
        id=row["id"],
        company_id=row["company_id"],
        kind=ReportKind(row["kind"]),
        format=ReportFormat(row["format"]),
        criteria=json.loads(criteria) if isinstance(criteria, str) else criteria,
        status=ReportStatus(row["status"]),
        attempts=row["attempts"],
        error=row["error"],
        size_bytes=row["size_bytes"],
        schedule_id=row["schedule_id"],
        scheduled_for=row["scheduled_for"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _schedule(row: asyncpg.Record) -> ReportSchedule:
    return ReportSchedule(
        id=row["id"],
        name=row["name"],
        company_id=row["company_id"],
        cron=row["cron"],
        time_zone=row["time_zone"],
        criteria=json.loads(row["criteria"]),
        format=ReportFormat(row["format"]),
        destination=Destination.of(json.loads(row["destination"])),
        active=row["active"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        last_scheduled_for=row.get("last_scheduled_for"),
    )


def _run(row: asyncpg.Record) -> ScheduleRun:
    status = row.get("report_status")
    return ScheduleRun(
        schedule_id=row["schedule_id"],
        scheduled_for=row["scheduled_for"],
        report_id=row["report_id"],
        status=DeliveryStatus(row.get("status", DeliveryStatus.PENDING.value)),
        attempts=row["attempts"],
        error=row.get("error"),
        delivered_at=row.get("delivered_at"),
        report_status=ReportStatus(status) if status else None,
    )


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
    """Store a request for a report (PENDING), its window fixed at ``now``."""
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
    return _report(row)


async def delete_report(conn: asyncpg.Connection, report_id: UUID) -> None:
    await conn.execute(q("delete_report"), report_id)


# An arbitrary constant: the key space of per-company report queue locks.
_QUEUE_LOCK = 7_300_013


async def pending_reports(conn: asyncpg.Connection, company_id: UUID | None) -> int:
    """How many of the company's reports wait or are being built.

    Takes a transaction-level lock on the company's queue first, so two
    requests cannot both see room for one more (the caller's transaction).
    """
    key = company_id.int % (2**31) if company_id is not None else 0
    await conn.execute(q("lock_report_queue"), _QUEUE_LOCK, key)
    count: int = await conn.fetchval(q("pending_reports_of"), company_id)
    return count


async def report_by_id(conn: asyncpg.Connection, report_id: UUID) -> StoredReport | None:
    row = await conn.fetchrow(q("report_by_id"), report_id)
    return _report(row) if row else None


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
    return [_report(r) for r in rows]


async def report_content(conn: asyncpg.Connection, report_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(q("report_content"), report_id)


async def report_bytes(conn: asyncpg.Connection, report_id: UUID) -> bytes | None:
    row = await conn.fetchrow(q("report_content"), report_id)
    return None if row is None or row["content"] is None else bytes(row["content"])


async def claim_report(conn: asyncpg.Connection, report_id: UUID | None) -> StoredReport | None:
    """Mark RUNNING that pending report (or any, ``report_id`` None) nobody builds; None: none."""
    row = await conn.fetchrow(q("claim_report"), report_id)
    return _report(row) if row else None


async def finish_report(conn: asyncpg.Connection, report_id: UUID, content: bytes) -> None:
    await conn.execute(q("finish_report"), report_id, content)


async def fail_report(conn: asyncpg.Connection, report_id: UUID, error: str, final: bool) -> None:
    """Record a failed build: FAILED when ``final`` or out of tries, else PENDING again."""
    await conn.fetchval(q("fail_report"), report_id, error, final)


async def company_keys(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch(q("company_keys"), list(set(ids)))
    return {r["id"]: r["external_key"] for r in rows}


# ------------------------------------------------------------- schedules


async def insert_schedule(
    conn: asyncpg.Connection,
    *,
    company_id: UUID | None,
    name: str,
    cron: str,
    time_zone: str,
    criteria: dict[str, Any],
    fmt: ReportFormat,
    destination: Destination,
    created_by: UUID | None,
) -> ReportSchedule:
    row = await conn.fetchrow(
        q("insert_schedule"),
        uuid7.uuid7(),
        company_id,
        name,
        cron,
        time_zone,
        json.dumps(criteria),
        fmt.value,
        json.dumps(destination.to_json()),
        created_by,
    )
    return _schedule(row)


async def schedule_by_id(conn: asyncpg.Connection, schedule_id: UUID) -> ReportSchedule | None:
    row = await conn.fetchrow(q("schedule_by_id"), schedule_id)
    return _schedule(row) if row else None


async def list_schedules(conn: asyncpg.Connection, company_id: UUID | None) -> list[ReportSchedule]:
    """Every schedule (``company_id`` None), or one company's."""
    rows = await conn.fetch(q("list_schedules"), company_id is None, company_id)
    return [_schedule(r) for r in rows]


async def schedules_page(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    start: tuple[datetime, UUID] | None,
    limit: int,
    backward: bool = False,
) -> list[ReportSchedule]:
    """``limit`` schedules (every company's, or one's) in (created_at, id) order after
    ``start`` (None: from the first); ``backward``: the ones before it, nearest first."""
    at, at_id = start if start is not None else (None, None)
    query = q("schedules_before" if backward else "schedules_after")
    rows = await conn.fetch(query, company_id is None, company_id, at, at_id, limit)
    return [_schedule(r) for r in rows]


async def count_schedules(conn: asyncpg.Connection, company_id: UUID | None) -> int:
    count: int = await conn.fetchval(q("count_schedules"), company_id is None, company_id)
    return count


async def set_schedule_active(
    conn: asyncpg.Connection, schedule_id: UUID, active: bool
) -> ReportSchedule:
    return _schedule(await conn.fetchrow(q("set_schedule_active"), schedule_id, active))


async def delete_schedule(conn: asyncpg.Connection, schedule_id: UUID) -> None:
    await conn.execute(q("delete_schedule"), schedule_id)


async def active_schedules(conn: asyncpg.Connection) -> list[ReportSchedule]:
    """Active schedules with the latest fire time each has run."""
    return [_schedule(r) for r in await conn.fetch(q("active_schedules"))]


async def claim_schedule_run(
    conn: asyncpg.Connection, schedule_id: UUID, moment: datetime, report_id: UUID, now: datetime
) -> bool:
    """Insert the schedule's run at ``moment`` with its report; False: another has it."""
    won = await conn.fetchval(q("claim_schedule_run"), schedule_id, moment, report_id, now)
    return won is not None


async def undelivered_runs(
    conn: asyncpg.Connection, now: datetime, limit: int
) -> list[ScheduleRun]:
    """Runs due for delivery whose report is done (SUCCEEDED or FAILED), oldest try first."""
    return [_run(r) for r in await conn.fetch(q("undelivered_runs"), now, limit)]


async def finish_schedule_run(
    conn: asyncpg.Connection,
    run: ScheduleRun,
    status: DeliveryStatus,
    error: str | None,
    next_attempt_at: datetime,
) -> None:
    await conn.execute(
        q("finish_schedule_run"),
        run.schedule_id,
        run.scheduled_for,
        status.value,
        error,
        next_attempt_at,
    )


async def schedule_runs(
    conn: asyncpg.Connection, schedule_ids: list[UUID], last: int
) -> dict[UUID, list[ScheduleRun]]:
    """Each schedule's latest ``last`` runs, newest first (one without runs is left out)."""
    found: dict[UUID, list[ScheduleRun]] = {}
    for r in await conn.fetch(q("schedule_runs"), schedule_ids, last):
        found.setdefault(r["schedule_id"], []).append(_run(r))
    return found
