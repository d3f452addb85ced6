"""GraphQL for reading the audit log: ``auditLog(filter, first, after)``, newest first."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api import paging
from api import types as t
from api.context import Context
from domain.audit import AuditQuery, StoredAuditEntry
from services import audit_log


@strawberry.input(
    description="Which audit rows to read: a half-open window [from, to) and matches."
)
class AuditLogFilter:
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Rows written at or after this instant."
    )
    to: datetime | None = strawberry.field(
        default=None, description="Rows written before this instant (excluded)."
    )
    action: str | None = strawberry.field(
        default=None, description="The action exactly: an operation's name, or its fields."
    )
    key_id: UUID | None = strawberry.field(default=None, description="Rows of this API key.")
    company_id: UUID | None = strawberry.field(
        default=None,
        description="Rows of this company's keys (a COMPANY_ADMIN reads its own only).",
    )
    outcome: str | None = strawberry.field(
        default=None,
        description="The outcome exactly: ok, error, or field:Type for each root field.",
    )


@strawberry.type(description="One row of the audit log: who did what, when, and how it ended.")
class AuditLogEntry:
    id: strawberry.ID = strawberry.field(description="The row's place in the log.")
    at: datetime = strawberry.field(description="When the request began.")
    key_id: UUID | None = strawberry.field(description="The API key (none: the command line).")
    role: str | None = strawberry.field(description="The key's role, or CLI.")
    company_id: UUID | None = strawberry.field(description="The company of a scoped key.")
    action: str = strawberry.field(description="What was asked: an operation or a field list.")
    outcome: str = strawberry.field(description="How it ended: ok, error, or field:Type.")
    details: JSON = strawberry.field(
        description="The request as kept: declared variables (secrets, user ids redacted),"
        " fields, error codes."
    )

    @classmethod
    def of(cls, stored: StoredAuditEntry) -> AuditLogEntry:
        e = stored.entry
        return cls(
            id=strawberry.ID(str(stored.id)),
            at=e.at,
            key_id=e.api_key_id,
            role=e.role,
            company_id=e.company_id,
            action=e.action,
            outcome=e.outcome,
            details=e.details,
        )


@strawberry.type(description="An audit row and its cursor.")
class AuditLogEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the rows older than this.")
    node: AuditLogEntry = strawberry.field(description="The row.")


@strawberry.type(description="A page of the audit log, newest first.")
class AuditLogConnection:
    edges: list[AuditLogEdge] = strawberry.field(description="The rows of this page.")
    page_info: t.PageInfo = strawberry.field(description="Whether older rows follow, and where.")


# Row ids are bigints: a cursor's id beyond them is not one this API gave.
MAX_ROW_ID = 2**63 - 1


def _position(parts: list[str]) -> tuple[datetime, int]:
    row_id = int(parts[1])
    if not 0 < row_id <= MAX_ROW_ID:
        raise ValueError("out of range")
    return datetime.fromisoformat(parts[0]), row_id


async def audit_log_page(
    ctx: Context, f: AuditLogFilter, first: int, after: str | None
) -> AuditLogConnection:
    query = AuditQuery(
        from_=f.from_,
        to=f.to,
        action=f.action,
        key_id=f.key_id,
        company_id=f.company_id,
        outcome=f.outcome,
    )
    start = partial(paging.position, after, 2, _position)
    page = await audit_log.audit_log_page(
        ctx.runtime, ctx.principal, query, first=first, start=start
    )
    edges = [
        AuditLogEdge(
            cursor=t.encode_cursor(s.entry.at.isoformat(), str(s.id)), node=AuditLogEntry.of(s)
        )
        for s in page.entries
    ]
    return AuditLogConnection(
        edges=edges,
        page_info=t.PageInfo.forward([e.cursor for e in edges], page.has_next_page, after),
    )
