"""The audit log: the one way a row is written.

    a change and its row         write_in(conn, entry) inside the change's
                                 transaction (or ``audited_transaction``):
                                 both commit or neither does
    a row with nothing to commit AuditWriter.write(entry): rows arriving
      alongside (refusals,       while a write is in flight are gathered and
      invalid input, failures)   written by the next one, so fifty concurrent
                                 refusals cost a couple of commits, not fifty
    a GraphQL mutation request   AuditRecorder: which of its root fields a
                                 change has recorded, and the row for the rest
    a read of a company's data   one row per request (api.schema.AuditReads,
                                 the report download), through AuditWriter
                                 once the answer is known

A caller hands a service the row to commit with its change as a
``ChangeAudit`` (``NOT_AUDITED``: no row): the service writes it in the
change's transaction and says when that has committed.

Each path ends in ``storage.audit.insert_entries``; ``domain.audit`` says
what a row keeps of a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.access import Principal
from domain.audit import AuditEntry, storable
from storage.audit import insert_entries

__all__ = [
    "OPERATOR_ROLE",
    "AuditEntry",
    "AuditRow",
    "AuditRecorder",
    "AuditWriter",
    "ChangeAudit",
    "NOT_AUDITED",
    "audited_transaction",
    "by_operator",
    "by_principal",
    "write_in",
]

_log = logging.getLogger(__name__)

# A change's row, asked for once the change is made (None: the request is not audited).
AuditRow = Callable[[], AuditEntry | None]
# The role the command line's rows carry: the operator has no key.
OPERATOR_ROLE = "CLI"
# A row keeps at most this many error codes.
MAX_ERRORS = 20


def by_principal(
    principal: Principal,
    action: str,
    details: Mapping[str, Any],
    *,
    outcome: str = "ok",
    at: datetime | None = None,
) -> AuditEntry:
    """The row of ``action`` done by ``principal``'s key."""
    return AuditEntry(
        at=at or datetime.now(UTC),
        api_key_id=principal.key_id,
        role=principal.role.value,
        company_id=principal.company_id,
        action=action,
        outcome=outcome,
        details=dict(details),
    )


def by_operator(
    action: str, details: Mapping[str, Any], *, company_id: UUID | None = None
) -> AuditEntry:
    """The row of ``action`` done from the command line."""
    return AuditEntry(
        at=datetime.now(UTC),
        api_key_id=None,
        role=OPERATOR_ROLE,
        company_id=company_id,
        action=action,
        outcome="ok",
        details=dict(details),
    )


async def write_in(conn: asyncpg.Connection, *entries: AuditEntry | None) -> None:
    """Write ``entries`` (None: nothing to write) in ``conn``'s transaction."""
    await insert_entries(conn, [e for e in entries if e is not None])


@dataclass(frozen=True)
class ChangeAudit:
    """The audit row a change commits with, and whom to tell once it has.

    ``row`` gives the row for the change's answer (a type name; None: not
    audited); ``committed`` is called once the transaction that wrote it has.
    """

    row: Callable[[str], AuditEntry | None]
    committed: Callable[[], None]

    async def write(self, conn: asyncpg.Connection, answer: str) -> None:
        """Write the row for ``answer`` in ``conn``'s transaction."""
        await write_in(conn, self.row(answer))


NOT_AUDITED = ChangeAudit(lambda answer: None, lambda: None)


@contextlib.asynccontextmanager
async def audited_transaction(
    pool: asyncpg.Pool,
    entry: AuditRow,
    conn: asyncpg.Connection | None = None,
) -> AsyncIterator[asyncpg.Connection]:
    """A transaction (on ``conn``, or on a connection of its own) that ends by
    writing ``entry()``: the change and its row commit together, or neither does.

    ``entry`` is asked once the change is made, so that the row can say what
    the change found (a conflict, say).
    """
    if conn is None:
        async with pool.acquire() as own, audited_transaction(pool, entry, own) as tx:
            yield tx
        return
    async with conn.transaction():
        yield conn
        await write_in(conn, entry())


class AuditWriter:
    """Rows with no change to commit with, written in groups."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[AuditEntry, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, entry: AuditEntry) -> None:
        """Return once ``entry`` is committed; raise if it could not be."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        await future

    async def write_logged(self, entry: AuditEntry) -> None:
        """``write``, with a failure logged rather than raised: the row of a read
        (or of a change already answered) does not change the request's answer."""
        try:
            await self.write(entry)
        except Exception:
            _log.exception("the audit row of %s could not be written", entry.action)

    async def close(self) -> None:
        """Finish the write in flight (and anything queued behind it)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    async def _drain(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                async with self._pool.acquire() as conn:
                    # One statement: the group commits together.
                    await insert_entries(conn, [e for e, _ in group])
            except Exception as exc:
                for _, future in group:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in group:
                    if not future.done():
                        future.set_result(None)


@dataclass
class AuditRecorder:
    """The audit row of one mutation request, written where its change is.

    A change takes ``entry(field, answer)`` and writes it in its own
    transaction (``audited_transaction`` does both for a plain transaction);
    the fields so covered are not written again after the request. Anything
    not covered (refusals, invalid input, a failure that rolled back) is
    written once the request has been answered (``remaining``).
    """

    principal: Principal
    began: datetime
    action: str
    # (response key, field name) of each root field, in the document's order
    fields: list[tuple[str, str]]
    # the declared variables, summarised (domain.audit.summarise)
    variables: Any
    covered: set[str] = field(default_factory=set)

    def entry(self, name: str, answer: str) -> AuditEntry:
        """The row for root field ``name`` answered with ``answer`` (a type name)."""
        keys = [k for k, n in self.fields if n == name] or [name]
        return self._row(keys, ",".join(f"{k}:{answer}" for k in keys), [])

    def cover(self, name: str) -> None:
        """``name``'s row was committed with its change."""
        self.covered.add(name)

    def remaining(self, outcome: str, errors: list[str]) -> AuditEntry | None:
        """The row for the fields no change has recorded yet (None: none left)."""
        keys = [k for k, n in self.fields if n not in self.covered]
        if not keys and self.covered:
            return None
        return self._row(keys, outcome, [storable(e) for e in errors][:MAX_ERRORS])

    def _row(self, keys: list[str], outcome: str, errors: list[str]) -> AuditEntry:
        details = {"fields": keys, "variables": self.variables, "errors": errors}
        return by_principal(self.principal, self.action, details, outcome=outcome, at=self.began)
