"""The typed context every resolver receives, and the audit of its request."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from domain.access import Principal
from domain.usage import UsageDraft
from services.runtime import Runtime
from storage.audit import AuditEntry, insert_entries, storable


@dataclass
class AuditRecorder:
    """The audit row of one mutation request, written where its change is.

    A storage call that changes something takes ``entry(field, answer)`` and
    inserts it in its own transaction (``Context.writing`` does both for a
    plain transaction); the fields so covered are not written again after
    the request. Anything not covered (refusals, invalid input, a failure
    that rolled back) is written once the request has been answered.
    """

    principal: Principal
    began: datetime
    action: str
    # (response key, field name) of each root field, in the document's order
    fields: list[tuple[str, str]]
    # the declared variables, summarised (storage.audit.summarise)
    variables: Any
    covered: set[str] = field(default_factory=set)
    # answers known to differ from the one a write expected (see Context.answered)
    answers: dict[str, str] = field(default_factory=dict)

    def entry(self, name: str, answer: str) -> AuditEntry:
        """The row for root field ``name`` answered with ``answer`` (a type name)."""
        keys = [k for k, n in self.fields if n == name] or [name]
        answer = self.answers.get(name, answer)
        return self._row(keys, ",".join(f"{k}:{answer}" for k in keys), [])

    def cover(self, name: str) -> None:
        """``name``'s row was committed with its change."""
        self.covered.add(name)

    def remaining(self, outcome: str, errors: list[str]) -> AuditEntry | None:
        """The row for the fields no change has recorded yet (None: none left)."""
        keys = [k for k, n in self.fields if n not in self.covered]
        if not keys and self.covered:
            return None
        return self._row(keys, outcome, [storable(e) for e in errors][:20])

    def _row(self, keys: list[str], outcome: str, errors: list[str]) -> AuditEntry:
        p = self.principal
        return AuditEntry(
            at=self.began,
            api_key_id=p.key_id,
            role=p.role.value,
            company_id=p.company_id,
            action=self.action,
            outcome=outcome,
            details={"fields": keys, "variables": self.variables, "errors": errors},
        )


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    # When the request came with the console's session cookie: when that ends.
    session_expires_at: datetime | None = None
    # Records decoded straight from the request's variables (api.typed_inputs),
    # with the root field they were decoded for.
    decoded: tuple[str, list[UsageDraft]] | None = None
    # Those variables as sent, for the audit log.
    audited_variables: dict[str, Any] | None = None
    # The audit of this request when it is a mutation.
    audit: AuditRecorder | None = None

    def take_decoded(self, field: str) -> list[UsageDraft] | None:
        """The drafts decoded for ``field``, once."""
        if self.decoded is None or self.decoded[0] != field:
            return None
        drafts = self.decoded[1]
        self.decoded = None
        return drafts

    def audit_entry(self, name: str, answer: str) -> AuditEntry | None:
        """The audit row to commit with root field ``name``'s change, if audited."""
        return self.audit.entry(name, answer) if self.audit is not None else None

    def audited(self, name: str) -> None:
        """Root field ``name``'s audit row was committed with its change."""
        if self.audit is not None:
            self.audit.cover(name)

    def answered(self, name: str, answer: str) -> None:
        """Inside ``writing``: root field ``name`` is answered with ``answer`` after all
        (a conflict found by the write itself)."""
        if self.audit is not None:
            self.audit.answers[name] = answer

    @contextlib.asynccontextmanager
    async def writing(
        self, name: str, answer: str, conn: asyncpg.Connection | None = None
    ) -> AsyncIterator[asyncpg.Connection]:
        """A transaction (on ``conn``, or on a connection of its own) that also
        writes root field ``name``'s audit row, expecting ``answer``: the change
        and its row commit together, or neither does."""
        if conn is None:
            async with self.runtime.pool.acquire() as own, self.writing(name, answer, own):
                yield own
            return
        async with conn.transaction():
            yield conn
            entry = self.audit_entry(name, answer)
            if entry is not None:
                await insert_entries(conn, [entry])
        self.audited(name)
