"""Recording usage: the product's commands for one record and for a batch.

Both check drafts against the metric catalogue and the company's policy and
store them through the runtime's pipeline (``services.pipeline``): a single
record shares a commit with its concurrent neighbours (group commit), a
batch is stored in one transaction. Refusals of the whole request raise
``domain.errors.Rejected``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import asyncpg

from domain.access import Principal, Role
from domain.audit import AuditEntry
from domain.errors import Rejected
from domain.usage import ErrorCode, FieldError, UsageDraft
from services import metrics
from services.pipeline import BatchResult, Outcome, Status
from services.runtime import Runtime
from storage.usage import PendingRecord, usage_record

# The roles whose keys may record usage.
RECORDERS = (Role.ADMIN, Role.SYSTEM, Role.COMPANY_ADMIN)


def _refuse_backfill(principal: Principal, backfill: bool) -> None:
    if backfill and principal.role is not Role.ADMIN:
        raise Rejected(
            [FieldError("backfill", ErrorCode.FORBIDDEN, "only an ADMIN key may back-fill")]
        )


@dataclass(frozen=True)
class Recorded:
    """What became of one recorded draft: stored, a duplicate, or rejected by its
    write (a key's conflict), with the record as checked."""

    outcome: Outcome
    record: PendingRecord
    # the stored row (None: a duplicate or a rejection)
    row: asyncpg.Record | None = None


async def record_usage(
    rt: Runtime,
    principal: Principal,
    draft: UsageDraft,
    *,
    backfill: bool = False,
    audit: Callable[[Outcome], AuditEntry] | None = None,
) -> Recorded:
    """Check ``draft`` and store it in a shared commit (group commit).

    Raises Rejected for a draft refused before it is written; ``audit`` gives
    the record's audit row, committed with it, once it has been written.
    """
    principal.require(*RECORDERS)
    _refuse_backfill(principal, backfill)
    (checked,) = await rt.ingestor.check(
        [draft], allowed_company=principal.write_scope(), backfill=backfill
    )
    if isinstance(checked, list):
        metrics.count_records(0, 0, checked)
        raise Rejected(checked)
    outcome = await rt.group_commit.submit(checked, audit)
    metrics.count_outcomes([outcome])
    if outcome.status is not Status.ACCEPTED:
        return Recorded(outcome, checked)
    assert outcome.record_id is not None
    row = outcome.row
    if row is None:  # stored by a retry outside the shared statement
        async with rt.pool.acquire() as conn:
            row = await usage_record(conn, outcome.record_id, checked.draft.timestamp)
    assert row is not None, "an acknowledged record is committed"
    return Recorded(outcome, checked, row)


async def record_usage_batch(
    rt: Runtime,
    principal: Principal,
    drafts: Sequence[UsageDraft],
    *,
    atomic: bool = False,
    backfill: bool = False,
    audit: AuditEntry | None = None,
) -> BatchResult:
    """Check and store a batch (partly, or all-or-nothing when ``atomic``); raises
    Rejected for a batch refused as a whole. ``audit`` commits with the batch."""
    principal.require(*RECORDERS)
    _refuse_backfill(principal, backfill)
    limit = rt.settings.max_batch_size
    if len(drafts) > limit:
        raise Rejected(
            [
                FieldError(
                    "records",
                    ErrorCode.BATCH_TOO_LARGE,
                    f"a batch holds at most {limit} records, this one has {len(drafts)};"
                    " split it or use the bulk import endpoint",
                )
            ]
        )
    result = await rt.ingestor.ingest(
        drafts,
        atomic=atomic,
        allowed_company=principal.write_scope(),
        backfill=backfill,
        audit=audit,
    )
    metrics.count_records(result.accepted, result.duplicates, result.first_errors())
    return result
