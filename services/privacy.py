"""Erasure of a user's usage (GDPR/CCPA): the person's id leaves every stored
row while every total, invoice and allocation stays as it was.

A user's raw records, rollup groups (every level and the pending deltas) and
correction copies are re-keyed, in one transaction, to one random tombstone
id: the values are untouched, so sums, counts and invoices do not move by a
cent, and records of the user stay distinct from everyone else's (a
UNIQUE_COUNT of users is unchanged too). The audit row says who asked, when,
why and how many rows moved, never the user id.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from uuid import UUID

from domain import usage as d
from domain.access import Principal, Role
from domain.audit import AuditEntry
from domain.errors import Rejected
from domain.privacy import stored_user_id
from services.audit import ChangeAudit, audited_transaction
from services.runtime import Runtime
from storage import privacy, repos
from storage.privacy import Rekeyed

ERASERS = (Role.ADMIN, Role.COMPANY_ADMIN)
# A reason says why, briefly (it is kept in the audit log).
MAX_REASON = 500


@dataclass(frozen=True)
class Erasure:
    """What an erasure moved to its tombstone (all zero: the user had nothing stored)."""

    company_id: UUID
    records: int
    rollup_groups: int
    corrections: int


def _reason_errors(reason: str) -> list[d.FieldError]:
    if not reason.strip():
        return [d.FieldError("reason", d.ErrorCode.REQUIRED, "an erasure needs a reason")]
    if len(reason) > MAX_REASON:
        message = f"a reason holds at most {MAX_REASON} characters"
        return [d.FieldError("reason", d.ErrorCode.TOO_LONG, message)]
    return []


def _with_counts(entry: AuditEntry | None, moved: Rekeyed) -> AuditEntry | None:
    if entry is None:
        return None
    counts = dataclasses.asdict(moved)
    return dataclasses.replace(entry, details={**entry.details, "erased": counts})


async def erase_user(
    rt: Runtime,
    principal: Principal,
    company_id: UUID,
    user_id: UUID,
    reason: str,
    audit: ChangeAudit,
) -> Erasure:
    """Re-key ``user_id``'s usage in ``company_id`` to a fresh tombstone (ADMIN, or
    the company's COMPANY_ADMIN). ``user_id`` is the id as the client knows it:
    in a pseudonymized company it is hashed here as at ingest.

    Raises Rejected for an unknown company or a missing reason.
    """
    principal.require(*ERASERS)
    principal.company_filter(company_id)
    if errors := _reason_errors(reason):
        raise Rejected(errors)
    moved = Rekeyed(0, 0, 0)

    def entry() -> AuditEntry | None:  # asked once the rows have moved
        return _with_counts(audit.row("Erasure"), moved)

    async with audited_transaction(rt.pool, entry) as conn:
        company = await repos.company_by_id(conn, company_id)
        if company is None:
            message = f"no company has id {company_id}"
            raise Rejected([d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, message)])
        stored = stored_user_id(company.user_id_mode, company.secret, user_id)
        await privacy.lock_usage(conn)
        moved = await privacy.rekey_user(conn, company_id, stored, uuid.uuid4())
    audit.committed()
    return Erasure(company_id, moved.records, moved.rollup_groups, moved.corrections)
