"""An import stores two chunks at once, each in its own transaction: a chunk
held up in PostgreSQL does not hold up the next, unless the next claims one of
its keys, in which case the file's first line with the key is still the one
stored."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.bulk import BulkFormat
from services.imports import ImportOptions, ImportSummary, UsageImporter
from tests.integration.helpers import create_company
from tests.integration.test_import_usage import DAY, RECENT

WAIT = 30.0  # far above what anything here takes
# How long a chunk is given to go ahead when it must not
GRACE = 1.0


def line(company: str, key: str, value: str = "1") -> str:
    record = {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": RECENT,
        "value": value,
        "unit": "requests",
        "idempotencyKey": key,
    }
    return json.dumps(record) + "\n"


async def until(check: Callable[[], Awaitable[bool]], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return False


@contextlib.asynccontextmanager
async def key_held(runtime: Any, company: str, key: str) -> AsyncIterator[None]:
    """``key`` claimed in a transaction left open while the block runs (then rolled
    back): a chunk claiming it waits."""
    async with runtime.pool.acquire() as conn:
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.execute(
                "INSERT INTO usage_idempotency_keys"
                " (company_id, idempotency_key, record_id, metric_code, ts, value)"
                " VALUES ($1, $2, $3, 'API_REQUESTS', $4, 1)",
                UUID(company),
                key,
                uuid4(),
                DAY,
            )
            yield
        finally:
            await transaction.rollback()


async def start_import(runtime: Any, lines: list[str]) -> asyncio.Task[ImportSummary]:
    async def body() -> AsyncIterator[bytes]:
        yield "".join(lines).encode()

    options = ImportOptions(fmt=BulkFormat.NDJSON, chunk_rows=2)
    return asyncio.create_task(UsageImporter(runtime.ingestor).run(body(), options))


async def stored(runtime: Any, key: str) -> Decimal | None:
    async with runtime.pool.acquire() as conn:
        value: Decimal | None = await conn.fetchval(
            "SELECT value FROM usage_records WHERE idempotency_key = $1", key
        )
        return value


async def waiting_on_a_lock(runtime: Any) -> bool:
    async with runtime.pool.acquire() as conn:
        return bool(
            await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
        )


async def stored_is(runtime: Any, key: str, value: Decimal) -> bool:
    return await stored(runtime, key) == value


@contextlib.asynccontextmanager
async def first_chunk_held_up(
    runtime: Any, company: str, lines: list[str]
) -> AsyncIterator[asyncio.Task[ImportSummary]]:
    """The import of ``lines`` (the first claiming key a0), its first chunk waiting
    on a0 while the block runs; a0 is let go at its end."""
    async with key_held(runtime, company, "a0"):
        importing = await start_import(runtime, lines)
        assert await until(lambda: waiting_on_a_lock(runtime), WAIT)
        yield importing


async def test_a_chunk_held_up_in_the_database_does_not_hold_up_the_next(
    admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    lines = [line(company, key) for key in ("a0", "a1", "b1", "b2")]
    async with first_chunk_held_up(runtime, company, lines) as importing:
        # the second chunk commits meanwhile
        assert await until(lambda: stored_is(runtime, "b2", Decimal(1)), WAIT)
        assert await stored(runtime, "a1") is None
    summary = await asyncio.wait_for(importing, WAIT)
    assert (summary.accepted, summary.duplicates, summary.rejected) == (4, 0, 0)


async def test_a_chunk_sharing_a_key_with_one_in_flight_waits_and_the_first_line_wins(
    admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    lines = [
        line(company, "a0"),
        line(company, "k", "1"),  # line 2
        line(company, "k", "2"),  # line 3: the same key, another value
        line(company, "z"),
    ]
    async with first_chunk_held_up(runtime, company, lines) as importing:
        # the second chunk must not go ahead of the first
        assert not await until(lambda: stored_is(runtime, "z", Decimal(1)), GRACE)
    summary = await asyncio.wait_for(importing, WAIT)
    assert (summary.accepted, summary.rejected) == (3, 1)
    assert [(e.line, e.error.code.value) for e in summary.errors] == [(3, "IDEMPOTENCY_CONFLICT")]
    assert await stored(runtime, "k") == Decimal(1)


async def test_a_chunk_failing_to_store_ends_the_import_before_another_starts(
    admin: Any, runtime: Any, monkeypatch: Any
) -> None:
    company = await create_company(admin, "acme")
    calls = []
    store_batch = runtime.ingestor.store_batch

    async def failing_second(plan: Any, audit: Any = None) -> Any:
        calls.append(len(plan.pending))
        if len(calls) == 2:
            raise RuntimeError("the second chunk's store failed")
        return await store_batch(plan, audit)

    monkeypatch.setattr(runtime.ingestor, "store_batch", failing_second)
    keys = ["a1", "a2", "b1", "b2", "c1", "c2"]
    importing = await start_import(runtime, [line(company, key) for key in keys])
    with pytest.raises(RuntimeError, match="second chunk"):
        await asyncio.wait_for(importing, WAIT)
    assert calls == [2, 2]
    assert [await stored(runtime, key) for key in keys] == [Decimal(1)] * 2 + [None] * 4
