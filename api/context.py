"""The typed context every resolver receives, and the audit of its request."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import asyncpg

from domain.access import Principal
from domain.audit import AuditEntry
from domain.usage import UsageDraft
from services.audit import AuditRecorder, AuditRow, audited_transaction
from services.runtime import Runtime

__all__ = ["AuditRecorder", "Context"]

T = TypeVar("T")


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

    async def committing(
        self, name: str, answer: str, call: Callable[[AuditRow], Awaitable[T]]
    ) -> T:
        """Await a service ``call`` given root field ``name``'s audit row (expecting
        ``answer``): a call that returns has committed the row with its change."""

        def row() -> AuditEntry | None:
            return self.audit_entry(name, answer)

        value = await call(row)
        self.audited(name)
        return value

    @contextlib.asynccontextmanager
    async def writing(
        self, name: str, answer: str, conn: asyncpg.Connection | None = None
    ) -> AsyncIterator[asyncpg.Connection]:
        """A transaction (on ``conn``, or on a connection of its own) that also
        writes root field ``name``'s audit row, expecting ``answer``: the change
        and its row commit together, or neither does."""

        def entry() -> AuditEntry | None:  # asked once the change is made
            return self.audit_entry(name, answer)

        async with audited_transaction(self.runtime.pool, entry, conn) as tx:
            yield tx
        self.audited(name)
