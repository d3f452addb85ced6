"""aggregateUsage: rollup-backed answers are raw-scan answers, exactly, for a metric
measured by its value and for one measured by a property (``valueProperty``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import uuid_utils.compat as uuid7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.aggregation import Criteria, Dimension, Function, Granularity
from domain.usage import MeasurementType, ResourceType, UsageDraft
from services.corrections import void_record
from services.retention import roll_up
from storage.aggregate import ResultRow, aggregate

NOW = datetime.now(UTC)
# A month boundary inside the late-arrival window when there is one; records
# land on both sides of it.
BASE = (NOW - timedelta(days=12)).replace(hour=0, minute=0, second=0, microsecond=0)
SPACES = [UUID(int=1), UUID(int=2), None]
SOURCES = ["web", "ios", None]
ZONES = ["UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York"]
ALL_FUNCTIONS = (Function.SUM, Function.COUNT, Function.AVG, Function.MIN, Function.MAX)


async def new_company(runtime: Any) -> UUID:
    async with runtime.pool.acquire() as conn:
        company: UUID = await conn.fetchval(
            "INSERT INTO companies (id, external_key, name) VALUES ($1, $2, 'Agg') RETURNING id",
            uuid7.uuid7(),
            f"agg-{uuid7.uuid7()}",
        )
    return company


def draft(company: UUID, ts: datetime, value: Decimal, **extra: Any) -> UsageDraft:
    return UsageDraft(
        company_id=company,
        resource_type=ResourceType.API_CALLS,
        metric_code="API_REQUESTS",
        timestamp=ts,
        value=value,
        unit="requests",
        measurement_type=MeasurementType.COUNTER,
        **extra,
    )


# A metric measured by a property: the value each record sends is not what it counts.
BYTES = "AGG_BYTES_SENT"


async def define_bytes_metric(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO metrics (code, name, resource_type, measurement_type, unit, aggregation,"
            " value_property) VALUES ($1, 'Bytes sent', 'DATA_TRANSFER', 'COUNTER', 'bytes',"
            " 'SUM', 'bytes') ON CONFLICT (code) DO NOTHING",
            BYTES,
        )
    runtime.references.invalidate()


def bytes_draft(company: UUID, ts: datetime, sent: Decimal, **extra: Any) -> UsageDraft:
    """A record whose ``bytes`` property is ``sent``; its value says 1 and counts for nothing."""
    return UsageDraft(
        company_id=company,
        resource_type=ResourceType.DATA_TRANSFER,
        metric_code=BYTES,
        timestamp=ts,
        value=Decimal(1),
        unit="bytes",
        measurement_type=MeasurementType.COUNTER,
        properties={"bytes": float(sent), "kind": "sent"},
        **extra,
    )


def same_draft(row: Any, company: UUID, value: Decimal) -> UsageDraft:
    """A correction of stored ``row`` to ``value``, in its own metric's terms."""
    make = bytes_draft if row["metric_code"] == BYTES else draft
    return make(company, row["ts"], value, space_id=row["space_id"])


async def store(runtime: Any, drafts: list[UsageDraft]) -> list[UUID]:
    result = await runtime.ingestor.ingest(drafts, backfill=True)
    assert result.rejected == 0, [o.errors for o in result.outcomes if o.errors]
    return [o.record_id for o in result.outcomes]


def criteria(company: UUID, start: datetime, end: datetime, **kw: Any) -> Criteria:
    return Criteria(
        from_=start,
        to=end,
        granularity=kw.pop("granularity", Granularity.DAY),
        functions=kw.pop("functions", ALL_FUNCTIONS),
        time_zone=ZoneInfo(kw.pop("tz", "UTC")),
        company_id=company,
        **kw,
    )


def answer(rows: list[ResultRow]) -> list[tuple[Any, ...]]:
    return [
        (
            r.period_start,
            r.period_end,
            r.metric_code,
            tuple(sorted(r.group.items(), key=lambda kv: kv[0])),
            r.partial.records,
            r.partial.total,
            r.partial.min_value,
            r.partial.max_value,
            r.partial.latest,
        )
        for r in rows
    ]


async def both(runtime: Any, c: Criteria) -> tuple[list[ResultRow], list[ResultRow]]:
    async with runtime.pool.acquire() as conn:
        return await aggregate(conn, c), await aggregate(conn, c, raw_only=True)


records = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=5 * 86_400 * 1000 - 1),  # ms after BASE
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False),
        st.sampled_from(SPACES),
        st.sampled_from(SOURCES),
    ),
    min_size=1,
    max_size=25,
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), records),
        st.tuples(st.just("rollup")),
        st.tuples(st.just("void"), st.integers(min_value=0, max_value=10_000)),
        st.tuples(
            st.just("correct"),
            st.integers(min_value=0, max_value=10_000),
            st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False),
        ),
    ),
    min_size=1,
    max_size=8,
)
windows = st.tuples(
    st.integers(min_value=-3_600_000, max_value=5 * 86_400 * 1000),
    st.integers(min_value=1, max_value=6 * 86_400 * 1000),
    st.sampled_from(list(Granularity)),
    st.sampled_from(ZONES),
    st.sampled_from([(), (Dimension.SPACE,), (Dimension.SOURCE, Dimension.SPACE)]),
    st.booleans(),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations, queries=st.lists(windows, min_size=1, max_size=4))
async def test_rollup_answers_equal_raw_scans(runtime: Any, ops: Any, queries: Any) -> None:
    company = await new_company(runtime)
    await define_bytes_metric(runtime)
    stored: list[UUID] = []
    for op in ops:
        if op[0] == "insert":
            stored += await store(
                runtime,
                [
                    make(company, BASE + timedelta(milliseconds=ms), v, space_id=sp, source=src)
                    for ms, v, sp, src in op[1]
                    for make in (draft, bytes_draft)
                ],
            )
        elif op[0] == "rollup":
            async with runtime.pool.acquire() as conn:
                await roll_up(conn)
        elif stored:
            target = stored.pop(op[1] % len(stored))
            replacement = None
            if op[0] == "correct":
                async with runtime.pool.acquire() as conn:
                    row = await conn.fetchrow("SELECT * FROM usage_records WHERE id = $1", target)
                (replacement,) = await runtime.ingestor.check(
                    [same_draft(row, company, op[2])],
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
            assert not isinstance(done, Exception) and hasattr(done, "voided"), done
            if replacement is not None:
                stored.append(replacement.id)
    for start_ms, length_ms, granularity, tz, group_by, latest in queries:
        start = BASE + timedelta(milliseconds=start_ms)
        functions = (*ALL_FUNCTIONS, Function.LATEST) if latest else ALL_FUNCTIONS
        c = criteria(
            company,
            start,
            start + timedelta(milliseconds=length_ms),
            granularity=granularity,
            tz=tz,
            group_by=group_by,
            functions=functions,
        )
        rolled, raw = await both(runtime, c)
        assert answer(rolled) == answer(raw)
        # and the units are all there: the totals equal a plain SUM over raw rows
        async with runtime.pool.acquire() as conn:
            expected = await conn.fetchval(
                "SELECT coalesce(sum(value), 0) FROM usage_records"
                " WHERE company_id = $1 AND ts >= $2 AND ts < $3",
                company,
                c.from_,
                c.to,
            )
        assert sum((r.partial.total for r in rolled), Decimal(0)) == expected
        # and a metric measured by a property sums the property, not the value sent
        async with runtime.pool.acquire() as conn:
            sent = await conn.fetchval(
                "SELECT coalesce(sum((properties ->> 'bytes')::numeric), 0) FROM usage_records"
                " WHERE company_id = $1 AND metric_code = $2 AND ts >= $3 AND ts < $4",
                company,
                BYTES,
                c.from_,
                c.to,
            )
        assert sum((r.partial.total for r in rolled if r.metric_code == BYTES), Decimal(0)) == sent


async def test_window_edges_are_half_open(runtime: Any) -> None:
    company = await new_company(runtime)
    start = BASE + timedelta(hours=5)
    end = start + timedelta(hours=2)
    await store(
        runtime,
        [
            draft(company, start, Decimal("1")),
            draft(company, end - timedelta(microseconds=1), Decimal("10")),
            draft(company, end, Decimal("100")),
        ],
    )
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        (row,) = await aggregate(conn, criteria(company, start, end, granularity=Granularity.TOTAL))
    assert (row.partial.records, row.partial.total) == (2, Decimal("11"))
    assert (row.period_start, row.period_end) == (start, end)


async def test_a_month_boundary_splits_the_last_millisecond_from_midnight(runtime: Any) -> None:
    company = await new_company(runtime)
    month = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    await store(
        runtime,
        [
            draft(company, month - timedelta(milliseconds=1), Decimal("2")),
            draft(company, month, Decimal("3")),
        ],
    )
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        rows = await aggregate(
            conn,
            criteria(
                company,
                month - timedelta(days=2),
                month + timedelta(days=2),
                granularity=Granularity.MONTH,
            ),
        )
    assert [(r.period_start, r.period_end, r.partial.total) for r in rows] == [
        (month - timedelta(days=2), month, Decimal("2")),
        (month, month + timedelta(days=2), Decimal("3")),
    ]


async def test_days_follow_the_requested_time_zone(runtime: Any) -> None:
    company = await new_company(runtime)
    berlin = ZoneInfo("Europe/Berlin")
    local_midnight = datetime.combine(BASE.date(), datetime.min.time(), tzinfo=berlin)
    # 23:30 UTC the day before is already the Berlin day; 22:59 local is the day before.
    await store(
        runtime,
        [
            draft(company, local_midnight + timedelta(minutes=30), Decimal("5")),
            draft(company, local_midnight - timedelta(minutes=1), Decimal("7")),
        ],
    )
    start = local_midnight - timedelta(days=1)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        rows = await aggregate(
            conn, criteria(company, start, local_midnight + timedelta(days=1), tz="Europe/Berlin")
        )
    assert [(r.period_start, r.partial.total) for r in rows] == [
        (start.astimezone(UTC), Decimal("7")),
        (local_midnight.astimezone(UTC), Decimal("5")),
    ]


async def test_group_by_space_breaks_down_and_unique_count_reads_raw(runtime: Any) -> None:
    company = await new_company(runtime)
    users = [UUID(int=10), UUID(int=11)]
    await store(
        runtime,
        [
            draft(
                company,
                BASE + timedelta(hours=1),
                Decimal("1"),
                space_id=SPACES[0],
                user_id=users[0],
            ),
            draft(
                company,
                BASE + timedelta(hours=2),
                Decimal("2"),
                space_id=SPACES[0],
                user_id=users[1],
            ),
            draft(
                company,
                BASE + timedelta(hours=3),
                Decimal("4"),
                space_id=SPACES[1],
                user_id=users[0],
            ),
        ],
    )
    c = criteria(
        company,
        BASE,
        BASE + timedelta(days=1),
        granularity=Granularity.TOTAL,
        functions=(Function.SUM, Function.UNIQUE_COUNT),
        group_by=(Dimension.SPACE,),
        unique_of=Dimension.USER,
    )
    async with runtime.pool.acquire() as conn:
        rows = await aggregate(conn, c)
    assert [(r.group["SPACE"], r.partial.total, r.partial.unique_count) for r in rows] == [
        (SPACES[0], Decimal("3"), 2),
        (SPACES[1], Decimal("4"), 1),
    ]


async def test_time_weighted_average_holds_each_reading(runtime: Any) -> None:
    company = await new_company(runtime)
    start = BASE
    await store(
        runtime,
        [
            draft(company, start - timedelta(hours=1), Decimal("10")),
            draft(company, start + timedelta(hours=6), Decimal("40")),
        ],
    )
    c = criteria(
        company,
        start,
        start + timedelta(days=1),
        granularity=Granularity.TOTAL,
        functions=(Function.AVG,),
        time_weighted=True,
    )
    async with runtime.pool.acquire() as conn:
        (row,) = await aggregate(conn, c)
    # 10 held for 6 hours, 40 for 18: (60 + 720) / 24
    assert row.time_weighted == Decimal("32.5")
    assert row.partial.records == 1  # the plain figures cover the window only


@pytest.mark.parametrize("granularity", list(Granularity))
async def test_an_empty_window_has_no_buckets(runtime: Any, granularity: Granularity) -> None:
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        rows = await aggregate(
            conn, criteria(company, BASE, BASE + timedelta(days=2), granularity=granularity)
        )
    assert rows == []
