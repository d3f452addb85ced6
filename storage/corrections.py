"""Voided and corrected usage in PostgreSQL: the record's removal and its trail.

A void deletes the raw record, keeps a copy in usage_corrections and, when
the record was folded into the rollups already, adds a negative rollup delta
(SUM and COUNT stay exact at once) and a stale mark on its hour (its MIN, MAX
and LATEST are read from raw records until the rollup job recomputes them);
a record not folded yet leaves the raw tail with its delete. No fold runs
from the delete to the commit (``storage.rollups.hold_off_folds``).
``services.corrections`` decides whether a record may be voided and runs
these in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.corrections import CorrectionAction
from domain.records import StoredRecord
from storage.queries import q
from storage.records import stored_record
from storage.rollups import hold_off_folds
from storage.usage import PendingRecord, store_usage


@dataclass(frozen=True)
class Deleted:
    """A record taken out of usage_records, and the copy usage_corrections keeps."""

    record: StoredRecord
    original: dict[str, Any]
    # the transaction that stored it: folded into the rollups or not yet
    xid: int


async def find_record(
    conn: asyncpg.Connection, record_id: UUID, company_scope: UUID | None
) -> StoredRecord | None:
    row = await conn.fetchrow(q("usage_record_for_correction"), record_id, company_scope)
    return stored_record(row) if row is not None else None


async def delete_record(
    conn: asyncpg.Connection, record_id: UUID, company_scope: UUID | None
) -> Deleted | None:
    await hold_off_folds(conn)
    row = await conn.fetchrow(q("delete_usage_record"), record_id, company_scope)
    if row is None:
        return None
    original = {k: v for k, v in dict(row).items() if k != "xid"}
    return Deleted(stored_record(row), json.loads(json.dumps(original, default=str)), row["xid"])


async def raw_horizon(conn: asyncpg.Connection, metric_code: str) -> datetime | None:
    """Raw records of ``metric_code`` before this instant may be gone (see retention)."""
    horizon: datetime | None = await conn.fetchval(q("raw_horizon"), metric_code)
    return horizon


async def store_replacement(conn: asyncpg.Connection, replacement: PendingRecord) -> StoredRecord:
    stored = await store_usage(conn, [replacement], returning=True)
    return stored_record(stored.rows[replacement.id])


async def record_correction(
    conn: asyncpg.Connection,
    deleted: Deleted,
    action: CorrectionAction,
    *,
    replaced_by: UUID | None,
    reason: str,
    api_key_id: UUID | None,
) -> None:
    """The trail row, and the voided record leaving its rollups."""
    r = deleted.record
    await conn.execute(
        q("record_correction"),
        r.id,
        r.company_id,
        action.value,
        replaced_by,
        reason,
        api_key_id,
        deleted.original,
    )
    await conn.execute(
        q("void_rollup_delta"),
        r.company_id,
        r.metric_code,
        r.timestamp,
        r.space_id,
        r.application_id,
        r.user_id,
        r.source,
        r.billing_category,
        r.billable,
        r.value,
        deleted.xid,
    )
