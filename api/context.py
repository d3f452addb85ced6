"""The typed context every resolver receives, and the audit of its request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from domain.access import Principal
from domain.audit import AuditEntry
from domain.usage import UsageDraft
from services.audit import AuditRecorder, ChangeAudit
from services.runtime import Runtime


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
    # This request's data loaders, by name, made on first use.
    loaders: dict[str, Any] = field(default_factory=dict)

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

    def change_audit(self, name: str) -> ChangeAudit:
        """Root field ``name``'s audit row, for a service to commit with its change."""
        return ChangeAudit(partial(self.audit_entry, name), partial(self.audited, name))

    def audited(self, name: str) -> None:
        """Root field ``name``'s audit row was committed with its change."""
        if self.audit is not None:
            self.audit.cover(name)
