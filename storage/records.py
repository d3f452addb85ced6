"""Stored usage records read back: a page of them, or one to correct.

Rows become ``domain.records.StoredRecord`` here; nothing above storage
sees a driver row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.records import RecordsQuery, StoredRecord
from domain.usage import MeasurementType, ResourceType
from storage.usage import list_usage

__all__ = ["records_page", "stored_record"]


def stored_record(row: Mapping[str, Any]) -> StoredRecord:
    return StoredRecord(
        id=row["id"],
        company_id=row["company_id"],
        resource_type=ResourceType(row["resource_type"]),
        metric_code=row["metric_code"],
        timestamp=row["ts"],
        value=row["value"],
        unit=row["unit"],
        measurement_type=MeasurementType(row["measurement_type"]),
        interval=row["reporting_interval"],
        space_id=row["space_id"],
        application_id=row["application_id"],
        user_id=row["user_id"],
        source=row["source"],
        subscription_id=row["subscription_id"],
        billing_period_start=row["billing_period_start"],
        billing_period_end=row["billing_period_end"],
        billable=row["billable"],
        billing_category=row["billing_category"],
        idempotency_key=row["idempotency_key"],
        product_code=row["product_code"],
        properties=row["properties"],
        recorded_at=row["recorded_at"],
    )


async def records_page(
    conn: asyncpg.Connection, f: RecordsQuery, after: tuple[datetime, UUID] | None, limit: int
) -> list[StoredRecord]:
    """Up to ``limit`` records matching ``f`` after ``after`` (ts, id), in time order."""
    return [stored_record(r) for r in await list_usage(conn, f, after, limit)]
