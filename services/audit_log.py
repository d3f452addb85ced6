"""Reading the audit log: a page of it through the API, all of a window for export.

    auditLog (GraphQL)   ADMIN reads every row; a COMPANY_ADMIN the rows of
                         its own company's keys; VIEWER and SYSTEM keys none
    export (command line) every row of [from, to), oldest first, in chunks

The log itself is append-only (migration 0023): nothing here, or anywhere,
changes a row once written.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.access import Principal, Role
from domain.audit import AuditQuery, StoredAuditEntry
from domain.errors import Invalid
from services.audit import by_operator
from services.runtime import Runtime
from storage.audit import audit_in_time_order, audit_page, count_audit_window

__all__ = ["AuditPage", "ExportChunk", "audit_log_page", "export_window"]

BAD_USER_INPUT = "BAD_USER_INPUT"
# Rows read per round trip by the export.
EXPORT_CHUNK = 1_000


@dataclass(frozen=True)
class AuditPage:
    entries: list[StoredAuditEntry]
    has_next_page: bool


@dataclass(frozen=True)
class ExportChunk:
    """Rows of an export, with how many the whole window holds."""

    entries: list[StoredAuditEntry]
    total: int


def check_window(from_: datetime | None, to: datetime | None, prefix: str = "filter.") -> None:
    """``Invalid`` (BAD_USER_INPUT, naming the field) for a window that is not one."""
    for name, value in (("from", from_), ("to", to)):
        if value is not None and (value.tzinfo is None or value.utcoffset() is None):
            field = f"{prefix}{name}"
            raise Invalid(f"{field} must carry a UTC offset", code=BAD_USER_INPUT, field=field)
    if from_ is not None and to is not None and from_ >= to:
        raise Invalid(
            f"{prefix}from must be before {prefix}to", code=BAD_USER_INPUT, field=f"{prefix}from"
        )


async def audit_log_page(
    rt: Runtime,
    principal: Principal,
    query: AuditQuery,
    *,
    first: int,
    start: Callable[[], tuple[datetime, int] | None],
) -> AuditPage:
    """Up to ``first`` rows matching ``query``, newest first, from where ``start``
    says (the caller's cursor, read once the caller may read the log).

    A COMPANY_ADMIN reads only the rows of its own company (asking for another
    is ``FORBIDDEN``); VIEWER and SYSTEM keys may not read the log at all.
    """
    principal.require(Role.ADMIN, Role.COMPANY_ADMIN)
    scoped = replace(query, company_id=principal.company_filter(query.company_id))
    most = rt.settings.max_page_size
    if first < 1 or first > most:
        raise Invalid(f"first must be between 1 and {most}", code=BAD_USER_INPUT, field="first")
    check_window(query.from_, query.to)
    before = start()
    async with rt.pool.acquire() as conn:
        rows = await audit_page(conn, scoped, before, first + 1)
    return AuditPage(rows[:first], has_next_page=len(rows) > first)


async def export_window(
    rt: Runtime, from_: datetime, to: datetime, chunk: int = EXPORT_CHUNK
) -> AsyncIterator[ExportChunk]:
    """Every row of ``[from_, to)``, oldest first, ``chunk`` rows at a time (the
    operator's command line: no key, every company)."""
    check_window(from_, to, prefix="--")
    async with rt.pool.acquire() as conn:
        total = await count_audit_window(conn, from_, to)
    after: tuple[datetime, int] | None = None
    written = 0
    while True:
        async with rt.pool.acquire() as conn:
            rows = await audit_in_time_order(conn, from_, to, after, chunk)
        if not rows:
            break
        yield ExportChunk(rows, total)
        written += len(rows)
        last = rows[-1]
        after = (last.entry.at, last.id)
    # the export itself is on the record (an operator read every company's rows)
    details = {"from": from_.isoformat(), "to": to.isoformat(), "rows": written}
    await rt.audit.write(by_operator("exportAuditLog", details))
