"""A batch is stored by COPY when its keys are all free, and the careful way
(claim what is free, store what was claimed) when one is taken: by a
committed record, or by a transaction still open when the batch arrives."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import uuid_utils.compat as uuid7

from domain.bulk import UsageRecordWire
from domain.usage import UsageDraft
from services.pipeline import BatchResult, Status
from storage.partitions import month_of
from storage.usage import PendingRecord, store_usage
from tests.integration.helpers import create_company

NOW = datetime.now(UTC).replace(microsecond=0)
TS = NOW - timedelta(hours=1)


def draft(company: str, key: str | None, value: str = "1") -> UsageDraft:
    wire = {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": TS.isoformat(),
        "value": value,
        "unit": "requests",
        **({"idempotencyKey": key} if key is not None else {}),
    }
    return msgspec.json.decode(msgspec.json.encode(wire), type=UsageRecordWire).draft()


async def new_company(runtime: Any, admin: Any) -> str:
    company = await create_company(admin, f"c{uuid7.uuid7().hex[-12:]}")
    await runtime.partitions.ensure(runtime.pool, {month_of(TS)})
    return company


async def stored(runtime: Any, company: str) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT r.id, r.idempotency_key, r.value FROM usage_records r"
                " WHERE r.company_id = $1 ORDER BY r.idempotency_key",
                UUID(company),
            )
        )


async def waits_on_a_lock(runtime: Any) -> None:
    """Until some backend waits for another transaction to end."""
    async with runtime.pool.acquire() as conn:
        for _ in range(600):
            if await conn.fetchval(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
            ):
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the batch never waited for the open transaction")


async def hold_key(runtime: Any, conn: Any, company: str, key: str) -> PendingRecord:
    """Store one record with ``key`` in ``conn``'s open transaction, by the COPY path."""
    (pending,) = await runtime.ingestor.check(
        [draft(company, key)], allowed_company=None, backfill=False
    )
    assert isinstance(pending, PendingRecord)
    result = await store_usage(conn, [pending])
    assert result.stored == 1 and not result.replays
    return pending


async def batch_behind_an_open_key(
    runtime: Any, company: str, *, commit: bool
) -> tuple[PendingRecord, BatchResult]:
    """A batch of k-00 ... k-09 sent while another transaction holds k-05 uncommitted;
    once the batch waits for it, that transaction commits (or rolls back)."""
    async with runtime.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        held = await hold_key(runtime, conn, company, "k-05")
        batch = asyncio.create_task(
            runtime.ingestor.ingest([draft(company, f"k-{i:02d}") for i in range(10)])
        )
        await waits_on_a_lock(runtime)
        assert not batch.done()
        await (transaction.commit() if commit else transaction.rollback())
    return held, await asyncio.wait_for(batch, 60)


async def test_a_batch_of_new_keys_and_unkeyed_records_is_stored_whole(
    runtime: Any, admin: Any
) -> None:
    company = await new_company(runtime, admin)
    batch = [draft(company, f"k-{i:02d}") for i in range(20)] + [draft(company, None)] * 5
    result = await runtime.ingestor.ingest(batch)
    assert (result.accepted, result.duplicates, result.rejected) == (25, 0, 0)
    rows = await stored(runtime, company)
    assert len(rows) == 25
    assert {o.record_id for o in result.outcomes} == {r["id"] for r in rows}


async def test_a_batch_meeting_committed_keys_stores_only_the_new_ones(
    runtime: Any, admin: Any
) -> None:
    company = await new_company(runtime, admin)
    first = await runtime.ingestor.ingest([draft(company, f"k-{i:02d}") for i in range(0, 20, 2)])
    assert first.accepted == 10
    # every key again (the even ones replays, one of them a conflict), and unkeyed records
    batch = [draft(company, f"k-{i:02d}", "9" if i == 4 else "1") for i in range(20)]
    result = await runtime.ingestor.ingest([*batch, draft(company, None), draft(company, None)])
    statuses = [o.status for o in result.outcomes]
    assert statuses.count(Status.ACCEPTED) == 12
    assert statuses.count(Status.DUPLICATE) == 9
    assert statuses.count(Status.REJECTED) == 1
    (conflict,) = [o for o in result.outcomes if o.status is Status.REJECTED]
    assert conflict.index == 4 and conflict.errors[0].field == "idempotencyKey"
    rows = await stored(runtime, company)
    assert len(rows) == 22
    earlier = {o.record_id for o in first.outcomes}
    duplicates = {o.record_id for o in result.outcomes if o.status is Status.DUPLICATE}
    assert duplicates <= earlier


async def test_a_key_held_by_an_open_transaction_that_commits_is_a_duplicate(
    runtime: Any, admin: Any
) -> None:
    company = await new_company(runtime, admin)
    held, result = await batch_behind_an_open_key(runtime, company, commit=True)
    assert (result.accepted, result.duplicates) == (9, 1)
    (duplicate,) = [o for o in result.outcomes if o.status is Status.DUPLICATE]
    assert duplicate.index == 5 and duplicate.record_id == held.id
    assert len(await stored(runtime, company)) == 10


async def test_a_key_held_by_an_open_transaction_that_rolls_back_is_stored(
    runtime: Any, admin: Any
) -> None:
    company = await new_company(runtime, admin)
    held, result = await batch_behind_an_open_key(runtime, company, commit=False)
    assert (result.accepted, result.duplicates) == (10, 0)
    rows = await stored(runtime, company)
    assert len(rows) == 10 and held.id not in {r["id"] for r in rows}


async def test_a_key_committed_between_the_look_up_and_the_second_copy_is_a_duplicate(
    runtime: Any, admin: Any
) -> None:
    """k-01 is taken before the batch comes (its first COPY fails at once and
    the look-up finds it); k-05 is held open and committed while the second
    COPY waits for it: the careful statement stores the other eight."""
    company = await new_company(runtime, admin)
    first = await runtime.ingestor.ingest([draft(company, "k-01")])
    assert first.accepted == 1
    held, result = await batch_behind_an_open_key(runtime, company, commit=True)
    assert (result.accepted, result.duplicates) == (8, 2)
    duplicates = {o.index: o.record_id for o in result.outcomes if o.status is Status.DUPLICATE}
    assert duplicates == {1: first.outcomes[0].record_id, 5: held.id}
    assert len(await stored(runtime, company)) == 10
