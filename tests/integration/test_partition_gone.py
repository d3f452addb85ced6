"""A usage partition this process still lists may have been dropped by another
(retention): the write that meets its absence creates it again and stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from domain.usage import UsageDraft
from services import ingest
from services.pipeline import Status
from storage import repos
from storage.partitions import month_of, partition_name

ADMIN = Principal(key_id=uuid7.uuid7(), role=Role.ADMIN, company_id=None)


async def drafts(runtime: Any, count: int) -> list[UsageDraft]:
    async with runtime.pool.acquire() as conn:
        company = await repos.insert_company(conn, uuid7.uuid7(), "gone", "Gone", 35)
    assert company is not None
    metric = (await runtime.references.metrics())["API_REQUESTS"]
    at = datetime.now(UTC) - timedelta(minutes=5)
    return [
        UsageDraft(
            company_id=company.id,
            resource_type=metric.resource_type,
            metric_code=metric.code,
            timestamp=at + timedelta(milliseconds=n),
            value=Decimal(n + 1),
            unit=metric.unit,
            idempotency_key=f"gone-{n}",
        )
        for n in range(count)
    ]


async def drop_the_partition_behind_its_back(runtime: Any, at: datetime) -> None:
    month = month_of(at)
    await runtime.partitions.ensure(runtime.pool, {month})
    assert runtime.partitions.knows([month])
    async with runtime.pool.acquire() as conn:
        await conn.execute(f"DROP TABLE {partition_name(month)}")


async def stored(runtime: Any, ids: list[UUID]) -> int:
    async with runtime.pool.acquire() as conn:
        return int(
            await conn.fetchval("SELECT count(*) FROM usage_records WHERE id = ANY($1)", ids)
        )


async def test_a_single_record_is_stored_after_its_partition_was_dropped(runtime: Any) -> None:
    (draft,) = await drafts(runtime, 1)
    await drop_the_partition_behind_its_back(runtime, draft.timestamp)
    recorded = await ingest.record_usage(runtime, ADMIN, draft)
    assert recorded.outcome.status is Status.ACCEPTED
    assert recorded.outcome.record_id is not None
    assert await stored(runtime, [recorded.outcome.record_id]) == 1


@pytest.mark.parametrize("pipelined", [False, True])
async def test_a_batch_is_stored_after_its_partition_was_dropped(
    runtime: Any, pipelined: bool
) -> None:
    batch = await drafts(runtime, 40)
    await drop_the_partition_behind_its_back(runtime, batch[0].timestamp)
    if pipelined:
        runtime.ingestor.pipeline_chunk = 10
    result = await ingest.record_usage_batch(runtime, ADMIN, batch)
    assert [o.status for o in result.outcomes] == [Status.ACCEPTED] * len(batch)
    ids = [o.record_id for o in result.outcomes if o.record_id is not None]
    assert await stored(runtime, ids) == len(batch)
