"""A usage record as stored: what reads and corrections hand back.

The stored form of a ``UsageDraft`` after validation: its id, its resolved
measurement type and reporting interval, and when it was recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.usage import MeasurementType, ResourceType, UsageDraft


@dataclass(frozen=True)
class StoredRecord:
    id: UUID
    company_id: UUID
    resource_type: ResourceType
    metric_code: str
    timestamp: datetime
    value: Decimal
    unit: str
    measurement_type: MeasurementType
    interval: str | None
    space_id: UUID | None
    application_id: UUID | None
    user_id: UUID | None
    source: str | None
    subscription_id: UUID | None
    billing_period_start: datetime | None
    billing_period_end: datetime | None
    billable: bool
    billing_category: str | None
    idempotency_key: str | None
    product_code: str | None
    properties: dict[str, Any] | None
    recorded_at: datetime | None

    def corrected(self, *, value: Decimal | None, timestamp: datetime | None) -> UsageDraft:
        """This record as a draft again, with a corrected value or timestamp."""
        return UsageDraft(
            company_id=self.company_id,
            resource_type=self.resource_type,
            metric_code=self.metric_code,
            timestamp=timestamp if timestamp is not None else self.timestamp,
            value=value if value is not None else self.value,
            unit=self.unit,
            measurement_type=self.measurement_type,
            interval=self.interval,
            space_id=self.space_id,
            application_id=self.application_id,
            user_id=self.user_id,
            source=self.source,
            subscription_id=self.subscription_id,
            billing_period_start=self.billing_period_start,
            billing_period_end=self.billing_period_end,
            billable=self.billable,
            billing_category=self.billing_category,
            properties=self.properties,
            product_code=self.product_code,
        )


@dataclass(frozen=True)
class RecordsQuery:
    """Which stored records to list; every filter is optional."""

    company_id: UUID | None = None
    metric_codes: list[str] | None = None
    resource_type: ResourceType | None = None
    from_: datetime | None = None
    to: datetime | None = None
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None
