"""The typed context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.access import Principal
from domain.usage import UsageDraft
from metergraph.runtime import Runtime


@dataclass
class Context:
    runtime: Runtime
    principal: Principal
    # Records decoded straight from the request's variables (api.typed_inputs),
    # with the root field they were decoded for.
    decoded: tuple[str, list[UsageDraft]] | None = None
    # Those variables as sent, for the audit log.
    audited_variables: dict[str, Any] | None = None

    def take_decoded(self, field: str) -> list[UsageDraft] | None:
        """The drafts decoded for ``field``, once."""
        if self.decoded is None or self.decoded[0] != field:
            return None
        drafts = self.decoded[1]
        self.decoded = None
        return drafts
