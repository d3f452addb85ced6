"""Voiding and correcting stored usage, with an audit trail.

A void deletes the raw record, keeps a copy in usage_corrections and, in the
same transaction, adds a negative rollup delta (SUM and COUNT stay exact at
once) and marks the hour stale (its MIN, MAX and LATEST are read from raw
records until the rollup job recomputes them). A correction is a void plus a
replacement record stored through the ordinary write path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.usage import ErrorCode, FieldError
from storage.audit import AuditEntry, insert_entries
from storage.queries import q
from storage.usage import PendingRecord, store_usage


@dataclass(frozen=True)
class Corrected:
    voided: asyncpg.Record
    replacement: asyncpg.Record | None


async def find_record(
    conn: asyncpg.Connection, record_id: UUID, company_scope: UUID | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(q("usage_record_for_correction"), record_id, company_scope)


async def void_record(
    conn: asyncpg.Connection,
    record_id: UUID,
    *,
    reason: str,
    company_scope: UUID | None,
    api_key_id: UUID | None,
    replacement: PendingRecord | None = None,
    audit: AuditEntry | None = None,
) -> Corrected | FieldError:
    """Void ``record_id``; with ``replacement``, store it in the same transaction,
    and ``audit`` with them when the record is voided."""
    try:
        return await _void(conn, record_id, reason, company_scope, api_key_id, replacement, audit)
    except _PastRetention as exc:
        return FieldError(
            "id",
            ErrorCode.TIMESTAMP_TOO_OLD,
            f"usage before {exc.horizon.isoformat()} is past raw retention; its rollups are"
            " final and it can no longer be voided or corrected",
        )


class _PastRetention(Exception):
    def __init__(self, horizon: datetime) -> None:
        self.horizon = horizon


async def _void(
    conn: asyncpg.Connection,
    record_id: UUID,
    reason: str,
    company_scope: UUID | None,
    api_key_id: UUID | None,
    replacement: PendingRecord | None,
    audit: AuditEntry | None,
) -> Corrected | FieldError:
    async with conn.transaction():
        row = await conn.fetchrow(q("delete_usage_record"), record_id, company_scope)
        if row is None:
            return FieldError("id", ErrorCode.NOT_FOUND, f"no usage record {record_id}")
        horizon = await conn.fetchval(q("raw_horizon"), row["metric_code"])
        if horizon is not None and row["ts"] < horizon:
            raise _PastRetention(horizon)  # rolls the delete back
        new_row = None
        if replacement is not None:
            stored = await store_usage(conn, [replacement], returning=True)
            new_row = stored.rows[replacement.id]
        await conn.execute(
            q("record_correction"),
            row["id"],
            row["company_id"],
            "CORRECT" if replacement is not None else "VOID",
            replacement.id if replacement is not None else None,
            reason,
            api_key_id,
            json.loads(json.dumps(dict(row), default=str)),
        )
        await conn.execute(
            q("void_rollup_delta"),
            row["company_id"],
            row["metric_code"],
            row["ts"],
            row["space_id"],
            row["application_id"],
            row["user_id"],
            row["source"],
            row["billing_category"],
            row["billable"],
            row["value"],
        )
        if audit is not None:
            await insert_entries(conn, [audit])
        return Corrected(row, new_row)
