"""A large batch is checked chunk by chunk and its records sent as each chunk is
checked, in one transaction (``UsageIngestor._ingest_pipelined``); it must
report and store exactly what the batch stored in one piece reports and stores."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import msgspec
import pytest
import uuid_utils.compat as uuid7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import services.pipeline
from domain.bulk import UsageRecordWire
from services.pipeline import BatchResult, Status
from storage.copy_rows import CopyRows
from storage.partitions import month_of
from tests.integration.helpers import create_company


def drafts_of(records: list[dict[str, Any]]) -> list[Any]:
    return [
        msgspec.json.decode(msgspec.json.encode(r), type=UsageRecordWire).draft() for r in records
    ]


@contextmanager
def chunked(runtime: Any, size: int, check_step: int) -> Iterator[list[int]]:
    """Batches above ``size`` records take the pipelined path; yields how
    many batches did."""
    ingestor = runtime.ingestor
    calls: list[int] = []
    real = ingestor._ingest_pipelined

    async def counted(*args: Any) -> BatchResult:
        calls.append(len(args[0]))
        result: BatchResult = await real(*args)
        return result

    before = ingestor.pipeline_chunk, services.pipeline._CHECK_STEP
    ingestor.pipeline_chunk, services.pipeline._CHECK_STEP = size, check_step
    ingestor._ingest_pipelined = counted
    try:
        yield calls
    finally:
        ingestor.pipeline_chunk, services.pipeline._CHECK_STEP = before
        del ingestor._ingest_pipelined


def report(result: BatchResult, company: str) -> list[tuple[Any, ...]]:
    """Outcomes with what differs between two companies' runs taken out."""
    return [
        (
            o.index,
            o.status,
            [(e.field, e.code, e.message.replace(company, "<company>")) for e in o.errors],
        )
        for o in result.outcomes
    ]


async def stored_rows(runtime: Any, company: str) -> list[tuple[Any, ...]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT idempotency_key, value, ts FROM usage_records WHERE company_id = $1"
            " ORDER BY idempotency_key NULLS FIRST, value, ts",
            uuid7.UUID(company),
        )
    return [tuple(r) for r in rows]


async def ingest_both_ways(
    runtime: Any, admin: Any, make: Any, size: int, check_step: int
) -> tuple[Any, Any]:
    """The same batch, once pipelined and once in one piece, for two new companies."""
    outcomes = []
    for pipelined in (True, False):
        company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
        drafts = drafts_of(make(company))
        await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in drafts})
        with chunked(runtime, size if pipelined else 10**9, check_step) as calls:
            result = await runtime.ingestor.ingest(drafts)
        assert calls == ([len(drafts)] if pipelined and len(drafts) > size else [])
        outcomes.append((report(result, company), await stored_rows(runtime, company)))
    return outcomes[0], outcomes[1]


# One instant for every record, so that the two runs of a batch (and the
# repeats within one) carry the same timestamps.
NOW = datetime.now(UTC).replace(microsecond=0)


def record(company: str, key: str | None, value: str, hours_ago: float = 1) -> dict[str, Any]:
    ts = NOW - timedelta(hours=hours_ago)
    r = {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": ts.isoformat(),
        "value": value,
        "unit": "requests",
    }
    if key is not None:
        r["idempotencyKey"] = key
    return r


async def test_repeats_and_conflicts_across_chunks_are_judged_as_in_one_piece(
    runtime: Any, admin: Any
) -> None:
    def make(company: str) -> list[dict[str, Any]]:
        same = record(company, "k-1", "5")
        return [
            same,
            record(company, "k-2", "1"),
            record(company, None, "3"),
            {**record(company, "k-3", "2"), "metricCode": "NOPE"},  # rejected
            dict(same),  # the same event again, a chunk later: a duplicate
            {**same, "value": "6"},  # the same key with another value: a conflict
            record(company, None, "3"),  # no key: stored again
            record(company, "k-3", "2"),  # its first valid use: stored
            record(company, "k-2", "1"),
        ]

    pipelined, whole = await ingest_both_ways(runtime, admin, make, size=2, check_step=1)
    assert pipelined == whole
    statuses = [status for _, status, _ in pipelined[0]]
    assert statuses.count(Status.ACCEPTED) == 5
    assert statuses.count(Status.DUPLICATE) == 2
    assert [errors[0][1].value for _, _, errors in pipelined[0] if errors] == [
        "UNKNOWN_METRIC",
        "IDEMPOTENCY_CONFLICT",
    ]
    assert len(pipelined[1]) == 5


async def test_an_error_while_checking_leaves_nothing_of_the_batch(
    runtime: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
    drafts = drafts_of([record(company, f"e-{i}", "1") for i in range(9)])
    await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in drafts})
    real_check = runtime.ingestor.check
    calls = 0

    async def failing_check(*args: Any, **kw: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:  # the third chunk, with two stored in the transaction
            raise RuntimeError("checking failed")
        return await real_check(*args, **kw)

    monkeypatch.setattr(runtime.ingestor, "check", failing_check)
    with chunked(runtime, 3, 3), pytest.raises(RuntimeError, match="checking failed"):
        await runtime.ingestor.ingest(drafts)
    assert await stored_rows(runtime, company) == []
    # the pool's connections are all usable afterwards
    monkeypatch.undo()
    with chunked(runtime, 3, 3) as calls_made:
        result = await runtime.ingestor.ingest(drafts)
    assert calls_made == [9]
    assert result.accepted == 9


async def test_a_copy_postgresql_refuses_midway_leaves_nothing_of_the_batch(
    runtime: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second chunk's part of the records' COPY is not a row PostgreSQL can
    read: the batch raises PostgreSQL's error, the transaction rolls back the
    first chunk's rows, and the connection is usable afterwards."""
    company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
    drafts = drafts_of([record(company, f"s-{i}", "1") for i in range(9)])
    await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in drafts})
    real_taken = CopyRows.taken
    parts: list[int] = []

    def garbled(self: CopyRows) -> bytes:
        part = real_taken(self)
        parts.append(len(part))
        return part if len(parts) != 2 else b"\x00\x15not a row"

    monkeypatch.setattr(CopyRows, "taken", garbled)
    with chunked(runtime, 3, 3), pytest.raises(asyncpg.PostgresError):
        await runtime.ingestor.ingest(drafts)
    assert len(parts) >= 2
    assert await stored_rows(runtime, company) == []
    monkeypatch.undo()
    with chunked(runtime, 3, 3):
        result = await runtime.ingestor.ingest(drafts)
    assert result.accepted == 9
    assert len(await stored_rows(runtime, company)) == 9


async def test_keys_stored_before_send_a_pipelined_batch_the_careful_way(
    runtime: Any, admin: Any
) -> None:
    """A batch whose later chunks meet keys an earlier batch stored: the records
    sent already are undone, and the batch reports and stores what one piece does."""

    def make(company: str) -> list[dict[str, Any]]:
        return [record(company, f"c-{i}", "1") for i in range(12)] + [
            {**record(company, "c-3", "1"), "value": "2"},  # a conflict within the batch
        ]

    results = []
    for pipelined in (True, False):
        company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
        drafts = drafts_of(make(company))
        await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in drafts})
        earlier = await runtime.ingestor.ingest(drafts[7:10])  # stored before, in one piece
        assert earlier.accepted == 3
        with chunked(runtime, 4 if pipelined else 10**9, 2) as calls:
            result = await runtime.ingestor.ingest(drafts)
        assert calls == ([len(drafts)] if pipelined else [])
        results.append((report(result, company), await stored_rows(runtime, company)))
    assert results[0] == results[1]
    statuses = [status for _, status, _ in results[0][0]]
    assert statuses.count(Status.DUPLICATE) == 3
    assert statuses.count(Status.ACCEPTED) == 9
    assert len(results[0][1]) == 12


async def test_a_batch_whose_first_key_is_taken_goes_the_careful_way_at_once(
    runtime: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resent batch (its first key stored already) is not streamed only to be
    undone: it is checked whole and stored the careful way, and reports and
    stores what one piece does, the keys stored before as duplicates."""
    streamed: list[int] = []
    real = services.pipeline.copy_streamed

    async def counted(*args: Any) -> bool:
        streamed.append(1)
        return await real(*args)

    monkeypatch.setattr(services.pipeline, "copy_streamed", counted)

    def make(company: str) -> list[dict[str, Any]]:
        return [record(company, None, "5")] + [record(company, f"r-{i}", "1") for i in range(9)]

    results = []
    for pipelined in (True, False):
        company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
        drafts = drafts_of(make(company))
        await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in drafts})
        earlier = await runtime.ingestor.ingest(drafts[1:5])  # the first keys, stored before
        assert earlier.accepted == 4
        with chunked(runtime, 3 if pipelined else 10**9, 2) as calls:
            result = await runtime.ingestor.ingest(drafts)
        assert calls == ([len(drafts)] if pipelined else [])
        results.append((report(result, company), await stored_rows(runtime, company)))
    assert streamed == []
    assert results[0] == results[1]
    statuses = [status for _, status, _ in results[0][0]]
    assert statuses == [Status.ACCEPTED] + [Status.DUPLICATE] * 4 + [Status.ACCEPTED] * 5
    assert len(results[0][1]) == 10


async def test_a_key_scoped_to_one_company_never_probes_another_companys_keys(
    runtime: Any, admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which way a batch goes must not tell a scoped key whether another company
    holds a key: that company's keys are not looked at, and its records are
    refused as ever."""
    probed: list[str] = []
    real = services.pipeline.key_taken

    async def counted(conn: Any, company_id: Any, key: str) -> bool:
        probed.append(key)
        return await real(conn, company_id, key)

    monkeypatch.setattr(services.pipeline, "key_taken", counted)
    own = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
    other = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
    theirs = drafts_of([record(other, f"t-{i}", "1") for i in range(6)])
    mine = drafts_of([record(own, f"m-{i}", "1") for i in range(6)])
    await runtime.partitions.ensure(runtime.pool, {month_of(d.timestamp) for d in mine})
    assert (await runtime.ingestor.ingest(theirs)).accepted == 6
    probed.clear()
    with chunked(runtime, 3, 2):
        refused = await runtime.ingestor.ingest(theirs, allowed_company=uuid7.UUID(own))
        stored = await runtime.ingestor.ingest(mine, allowed_company=uuid7.UUID(own))
    assert refused.rejected == 6 and stored.accepted == 6
    assert probed == ["m-0"]


batch_fields = st.fixed_dictionaries(
    {
        "key": st.sampled_from(["a", "b", "c", "d", None]),
        "value": st.sampled_from(["1", "2", "-1"]),
        "metric": st.sampled_from(["API_REQUESTS"] * 5 + ["NOPE"]),
        "hours_ago": st.sampled_from([1, 1, 1, 2, -1]),
    }
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    batch=st.lists(batch_fields, min_size=1, max_size=14),
    size=st.integers(min_value=1, max_value=5),
    check_step=st.integers(min_value=1, max_value=3),
)
async def test_a_pipelined_batch_reports_and_stores_what_one_piece_does(
    runtime: Any, admin: Any, batch: list[dict[str, Any]], size: int, check_step: int
) -> None:
    def make(company: str) -> list[dict[str, Any]]:
        return [
            {
                **record(company, f["key"], f["value"], f["hours_ago"]),
                "metricCode": f["metric"],
            }
            for f in batch
        ]

    pipelined, whole = await ingest_both_ways(runtime, admin, make, size, check_step)
    assert pipelined == whole


async def test_concurrent_batches_with_the_same_keys_in_other_orders_do_not_deadlock(
    runtime: Any, admin: Any
) -> None:
    company = await create_company(admin, f"p{uuid7.uuid7().hex[-12:]}")
    ts = NOW - timedelta(hours=1)
    records = [record(company, f"d-{i:03d}", "1") for i in range(40)]
    drafts = drafts_of(records)
    await runtime.partitions.ensure(runtime.pool, {month_of(ts)})
    # The same keys, chunked the other way round: claimed chunk by chunk in
    # the order given, each batch would hold what the other waits for.
    with chunked(runtime, 10, 5) as calls:
        first, second = await asyncio.wait_for(
            asyncio.gather(
                runtime.ingestor.ingest(drafts),
                runtime.ingestor.ingest(drafts[20:] + drafts[:20]),
            ),
            timeout=60,
        )
    assert calls == [40, 40]
    assert first.accepted + second.accepted == 40
    assert first.duplicates + second.duplicates == 40
    assert len(await stored_rows(runtime, company)) == 40
