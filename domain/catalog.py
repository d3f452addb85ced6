"""The catalog's companies: who usage is recorded for and billed to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from domain.invoice_documents import BillingDetails
from domain.privacy import RedactedProperty, UserIdMode

# The longest late-arrival window a company may have, in days.
MAX_LATE_ARRIVAL_DAYS = 3650


@dataclass(frozen=True)
class Company:
    id: UUID
    external_key: str
    name: str
    late_arrival_days: int
    created_at: datetime
    user_id_mode: UserIdMode = UserIdMode.RAW
    redacted_properties: tuple[RedactedProperty, ...] = ()
    # the key of the company's pseudonyms and hashed properties; never shown
    secret: bytes = field(default=b"", repr=False)
    # who its invoices are addressed to
    billing: BillingDetails = BillingDetails()
    # when it was archived (no new usage or contract); None: active
    archived_at: datetime | None = None
