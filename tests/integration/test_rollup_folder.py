"""The rollup folder: writes store records only, the folder folds committed
records into the rollups, and every aggregate equals a raw scan at every
instant, folded or not (0032_rollup_folder.sql says why)."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.aggregation import Function, Granularity
from jobs import scheduler
from services import jobs as job_table
from services.corrections import void_record
from services.retention import fold_committed, roll_up
from storage import rollups
from storage.usage import store_usage
from tests.integration.test_aggregation import (
    BASE,
    SPACES,
    answer,
    both,
    criteria,
    draft,
    new_company,
    store,
)

FUNCTIONS = (Function.SUM, Function.COUNT, Function.MIN, Function.MAX, Function.LATEST)
# every record lands in [BASE - 1 day, BASE + 3 days): the late ones a day early
START, END = BASE - timedelta(days=1), BASE + timedelta(days=3)


UNFOLDED = (
    "SELECT count(*) FROM usage_records"
    " WHERE xid >= (SELECT folded_below FROM usage_rollup_watermark)"
)


class RolledBack(Exception):
    """Stops a fold midway, as a crash would: its transaction rolls back."""


async def raw_sums(conn: asyncpg.Connection, company: UUID) -> tuple[int, Decimal]:
    row = await conn.fetchrow(
        "SELECT count(*) AS n, coalesce(sum(value), 0) AS s FROM usage_records"
        " WHERE company_id = $1",
        company,
    )
    return int(row["n"]), row["s"]


async def check_every_aggregate(runtime: Any, company: UUID) -> None:
    """Hour, day, month and total, with SUM/COUNT/MIN/MAX/LATEST (stale hours read
    raw) and with SUM/COUNT alone (stale hours read from rollups and deltas),
    equal raw scans."""
    for granularity, functions in itertools.product(
        (Granularity.HOUR, Granularity.DAY, Granularity.MONTH, Granularity.TOTAL),
        (FUNCTIONS, (Function.SUM, Function.COUNT)),
    ):
        c = criteria(company, START, END, granularity=granularity, functions=functions)
        rolled, raw = await both(runtime, c)
        if functions == FUNCTIONS:
            assert answer(rolled) == answer(raw), granularity
        else:  # MIN/MAX/LATEST not asked for: a stale hour's may be old
            assert [a[:6] for a in answer(rolled)] == [a[:6] for a in answer(raw)], granularity
        async with runtime.pool.acquire() as conn:
            count, total = await raw_sums(conn, company)
        assert sum(r.partial.records for r in rolled) == count
        assert sum((r.partial.total for r in rolled), Decimal(0)) == total


async def rollups_equal_raw(conn: asyncpg.Connection) -> None:
    """After a full roll-up: nothing left to fold or merge, and each level's rows
    hold exactly the raw records' COUNT and SUM per company, metric and bucket."""
    assert await conn.fetchval(UNFOLDED) == 0
    assert await conn.fetchval("SELECT count(*) FROM usage_rollup_deltas") == 0
    for table, unit in (
        ("usage_rollup_hour", "hour"),
        ("usage_rollup_day", "day"),
        ("usage_rollup_month", "month"),
    ):
        rolled = await conn.fetch(
            f"SELECT company_id, metric_code, bucket_start, sum(records) AS n, sum(total) AS s"  # noqa: S608
            f" FROM {table} GROUP BY 1, 2, 3 HAVING sum(records) <> 0 ORDER BY 1, 2, 3"
        )
        raw = await conn.fetch(
            "SELECT company_id, metric_code, date_trunc($1, ts, 'UTC') AS bucket_start,"
            " count(*) AS n, sum(value) AS s FROM usage_records GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            unit,
        )
        assert [tuple(r) for r in rolled] == [tuple(r) for r in raw], table


records = st.lists(
    st.tuples(
        st.integers(min_value=-86_400, max_value=2 * 86_400 - 1),  # seconds after BASE
        st.integers(min_value=1, max_value=500),
        st.sampled_from(SPACES),
    ),
    min_size=1,
    max_size=6,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("write"), records),
        # a slow writer: its transaction is open while a fold runs, then commits
        # (or rolls back); the fold must neither take nor skip its records
        st.tuples(st.just("slow"), records, st.booleans()),
        st.tuples(st.just("fold"), st.integers(min_value=1, max_value=8)),
        st.tuples(st.just("fold_rolled_back"), st.integers(min_value=1, max_value=8)),
        st.tuples(st.just("roll_up")),
        st.tuples(st.just("void"), st.integers(min_value=0, max_value=1_000)),
        st.tuples(
            st.just("correct"),
            st.integers(min_value=0, max_value=1_000),
            st.integers(min_value=1, max_value=500),
        ),
    ),
    min_size=1,
    max_size=10,
)


def drafts_of(company: UUID, written: Any) -> list[Any]:
    return [
        draft(company, BASE + timedelta(seconds=s), Decimal(v), space_id=space)
        for s, v, space in written
    ]


async def slow_write(runtime: Any, company: UUID, written: Any, commit: bool) -> list[UUID]:
    checked = await runtime.ingestor.check(
        drafts_of(company, written), allowed_company=None, backfill=True
    )
    await runtime.ingestor.ensure_partitions(checked)
    async with runtime.pool.acquire() as writer:
        tx = writer.transaction()
        await tx.start()
        await store_usage(writer, checked)
        async with runtime.pool.acquire() as folder, folder.transaction():
            await rollups.fold(folder, 1_000)
        # the fold stopped below the open writer: its records stay in the tail
        assert await writer.fetchval(
            "SELECT folded_below <= pg_current_xact_id() FROM usage_rollup_watermark"
        )
        await check_every_aggregate(runtime, company)
        if commit:
            await tx.commit()
            return [p.id for p in checked]
        await tx.rollback()
        return []


async def fold_then_stop(runtime: Any, batch: int) -> None:
    async with runtime.pool.acquire() as conn:
        try:
            async with conn.transaction():
                await rollups.fold(conn, batch)
                raise RolledBack
        except RolledBack:
            pass


async def void_or_correct(runtime: Any, company: UUID, stored: list[UUID], op: Any) -> None:
    target = stored.pop(op[1] % len(stored))
    replacement = None
    if op[0] == "correct":
        async with runtime.pool.acquire() as conn:
            row = await conn.fetchrow("SELECT * FROM usage_records WHERE id = $1", target)
        (replacement,) = await runtime.ingestor.check(
            [draft(company, row["ts"], Decimal(op[2]), space_id=row["space_id"])],
            allowed_company=None,
            backfill=True,
        )
    async with runtime.pool.acquire() as conn:
        done = await void_record(
            conn,
            target,
            reason="test",
            company_scope=None,
            api_key_id=None,
            replacement=replacement,
        )
    assert hasattr(done, "voided"), done
    if replacement is not None:
        stored.append(replacement.id)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
async def test_every_aggregate_equals_raw_whenever_the_folder_runs_or_stops(
    runtime: Any, ops: Any
) -> None:
    company = await new_company(runtime)
    stored: list[UUID] = []
    for op in ops:
        if op[0] == "write":
            stored += await store(runtime, drafts_of(company, op[1]))
        elif op[0] == "slow":
            stored += await slow_write(runtime, company, op[1], op[2])
        elif op[0] == "fold":
            async with runtime.pool.acquire() as conn, conn.transaction():
                await rollups.fold(conn, op[1])
        elif op[0] == "fold_rolled_back":
            await fold_then_stop(runtime, op[1])
        elif op[0] == "roll_up":
            async with runtime.pool.acquire() as conn:
                await roll_up(conn, fold_batch=3)
        elif stored:
            await void_or_correct(runtime, company, stored, op)
        await check_every_aggregate(runtime, company)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        await rollups_equal_raw(conn)
    await check_every_aggregate(runtime, company)


async def test_a_write_stores_no_rollup_delta_and_the_folder_takes_it(runtime: Any) -> None:
    company = await new_company(runtime)
    await store(runtime, [draft(company, BASE, Decimal(5)), draft(company, BASE, Decimal(7))])
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM usage_rollup_deltas") == 0
        assert await conn.fetchval("SELECT count(*) FROM usage_rollup_hour") == 0
        assert await fold_committed(conn, 1) == 2  # one transaction: folded whole
        hour = await conn.fetchrow("SELECT records, total FROM usage_rollup_hour")
        assert (hour["records"], hour["total"]) == (2, Decimal(12))
        assert await fold_committed(conn) == 0
        await rollups_equal_raw(conn)


async def test_a_void_of_an_unfolded_record_adds_no_delta(runtime: Any) -> None:
    company = await new_company(runtime)
    (first, second) = await store(
        runtime, [draft(company, BASE, Decimal(5)), draft(company, BASE, Decimal(7))]
    )
    await void_or_correct(runtime, company, [first], ("void", 0))
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM usage_rollup_deltas") == 0
        await fold_committed(conn)
    await void_or_correct(runtime, company, [second], ("void", 0))
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT sum(records) FROM usage_rollup_deltas") == -1
    await check_every_aggregate(runtime, company)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        await rollups_equal_raw(conn)


async def test_the_scheduler_folds_committed_records_by_itself(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job_table, "JOBS", {})  # the folder's loop alone
    quick = replace(runtime, settings=replace(runtime.settings, rollup_fold_interval_seconds=0.05))
    company = await new_company(runtime)
    running = scheduler.start_scheduler(quick)
    try:
        await store(runtime, drafts_of(company, [(60, 3, None), (7_200, 4, SPACES[0])]))
        deadline = time.monotonic() + 30
        async with runtime.pool.acquire() as conn:
            while await conn.fetchval(UNFOLDED):
                assert time.monotonic() < deadline, "the folder did not fold within 30 s"
                await asyncio.sleep(0.05)
    finally:
        await running.stop(grace=1)
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT sum(records) FROM usage_rollup_hour") == 2
        await rollups_equal_raw(conn)


async def test_a_fold_keeps_each_groups_latest_reading_through_ties_and_shared_times(
    runtime: Any,
) -> None:
    """Each hour and context keeps the reading with the greatest (timestamp, id):
    two readings at one time in a group, and a group whose older reading shares
    another group's latest time, fold as a raw scan reads them."""
    company = await new_company(runtime)
    t0, t1, t2 = (BASE + timedelta(minutes=m) for m in (1, 2, 3))
    space_a, space_b = SPACES[0], SPACES[1]
    await store(
        runtime,
        [
            draft(company, t1, Decimal(3), space_id=space_a),
            draft(company, t0, Decimal(1), space_id=space_a),
            draft(company, t1, Decimal(2), space_id=space_a),  # ties with the first
            draft(company, t2, Decimal(7), space_id=space_b),
            draft(company, t1, Decimal(6), space_id=space_b),  # at space A's latest time
            draft(company, t0, Decimal(8)),
        ],
    )
    async with runtime.pool.acquire() as conn:
        assert await fold_committed(conn) == 6
        folded = await conn.fetch(
            "SELECT space_id, records, latest_ts, latest_id, latest_value FROM usage_rollup_hour"
            " WHERE company_id = $1 ORDER BY space_id NULLS LAST",
            company,
        )
        raw = await conn.fetch(
            "SELECT DISTINCT ON (space_id) space_id,"
            " count(*) OVER (PARTITION BY space_id) AS records, ts, id, value"
            " FROM usage_records WHERE company_id = $1"
            " ORDER BY space_id NULLS LAST, ts DESC, id DESC",
            company,
        )
    assert [tuple(r) for r in folded] == [tuple(r) for r in raw]
    assert [r["latest_value"] for r in folded] == [Decimal(2), Decimal(7), Decimal(8)]
