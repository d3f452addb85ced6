"""Voiding and correcting stored usage (ADMIN), with an audit trail.

A void takes a record out of every total in one transaction: the record is
deleted, a copy kept in usage_corrections, its rollups given a negative
delta and its hour a stale mark. A correction is a void plus a corrected
copy stored through the ordinary checks and write path, in the same
transaction. A record past raw retention is refused (``domain.corrections``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg

from domain.access import Principal, Role
from domain.corrections import (
    CorrectionAction,
    missing_correction,
    not_found,
    reason_errors,
    retention_error,
)
from domain.errors import Rejected
from domain.field_errors import FieldError
from domain.records import StoredRecord
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage.corrections import (
    delete_record,
    find_record,
    raw_horizon,
    record_correction,
    store_replacement,
)
from storage.usage import PendingRecord


@dataclass(frozen=True)
class Corrected:
    """What a void or correction removed, and what replaced it."""

    voided: StoredRecord
    replacement: StoredRecord | None


async def void_usage_record(
    rt: Runtime,
    principal: Principal,
    record_id: UUID,
    reason: str,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> Corrected:
    """Take ``record_id`` out of every total; ``audit`` commits with it."""
    return await _void_or_correct(rt, principal, record_id, reason, None, None, audit)


async def correct_usage_record(
    rt: Runtime,
    principal: Principal,
    record_id: UUID,
    reason: str,
    *,
    value: Decimal | None,
    timestamp: datetime | None,
    audit: ChangeAudit = NOT_AUDITED,
) -> Corrected:
    """Replace ``record_id`` by a copy with a corrected value or timestamp."""
    if value is None and timestamp is None:
        raise Rejected([missing_correction()])
    return await _void_or_correct(rt, principal, record_id, reason, value, timestamp, audit)


async def _void_or_correct(
    rt: Runtime,
    principal: Principal,
    record_id: UUID,
    reason: str,
    value: Decimal | None,
    timestamp: datetime | None,
    audit: ChangeAudit,
) -> Corrected:
    principal.require(Role.ADMIN)
    errors = reason_errors(reason)
    if errors:
        raise Rejected(errors)
    replacement = None
    if value is not None or timestamp is not None:
        replacement = await _replacement(rt, record_id, value, timestamp)
    async with rt.pool.acquire() as conn:
        done = await void_record(
            conn,
            record_id,
            reason=reason.strip(),
            company_scope=None,
            api_key_id=principal.key_id,
            replacement=replacement,
            audit=audit,
        )
    if isinstance(done, FieldError):
        raise Rejected([done])
    return done


async def _replacement(
    rt: Runtime, record_id: UUID, value: Decimal | None, timestamp: datetime | None
) -> PendingRecord:
    """The corrected copy of ``record_id``, checked as any new record is."""
    async with rt.pool.acquire() as conn:
        record = await find_record(conn, record_id, None)
    if record is None:
        raise Rejected([not_found(record_id)])
    draft = record.corrected(value=value, timestamp=timestamp)
    (checked,) = await rt.ingestor.check(
        [draft], allowed_company=None, backfill=True, as_stored=True
    )
    if isinstance(checked, list):
        raise Rejected(checked)
    await rt.ingestor.ensure_partitions([checked])
    return checked


async def void_record(
    conn: asyncpg.Connection,
    record_id: UUID,
    *,
    reason: str,
    company_scope: UUID | None,
    api_key_id: UUID | None,
    replacement: PendingRecord | None = None,
    audit: ChangeAudit = NOT_AUDITED,
) -> Corrected | FieldError:
    """Void ``record_id`` in one transaction on ``conn``; with ``replacement``, store
    it in the same transaction, and ``audit`` with them. A refusal is answered,
    with nothing changed."""
    try:
        async with conn.transaction():
            deleted = await delete_record(conn, record_id, company_scope)
            if deleted is None:
                return not_found(record_id)
            voided = deleted.record
            refused = retention_error(voided.timestamp, await raw_horizon(conn, voided.metric_code))
            if refused is not None:
                raise Rejected([refused])  # rolls the delete back
            stored = None
            if replacement is not None:
                stored = await store_replacement(conn, replacement)
            await record_correction(
                conn,
                deleted,
                CorrectionAction.of(replaced=replacement is not None),
                replaced_by=replacement.id if replacement is not None else None,
                reason=reason,
                api_key_id=api_key_id,
            )
            await audit.write(conn, "UsageCorrection")
        audit.committed()
        return Corrected(voided, stored)
    except Rejected as refused:
        return refused.errors[0]
