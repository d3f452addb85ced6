"""After retention: answers exact or refused, partitions kept while they can be
written, retention and rollups side by side, and runs that count what they did."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.aggregation import Criteria, Function, Granularity, WindowNotAnswerable
from services import retention
from services.retention import roll_up
from services.runtime import open_runtime
from services.upkeep import clean_up_usage
from storage.aggregate import aggregate
from storage.partitions import month_of, partition_name
from tests.integration.test_aggregate_api import AGGREGATE
from tests.integration.test_aggregation import draft, new_company, store
from tests.integration.test_retention import NOW, THIS_MONTH, months_back


def total(company: UUID, start: datetime, end: datetime, granularity: Granularity) -> Criteria:
    return Criteria(
        from_=start,
        to=end,
        granularity=granularity,
        functions=(Function.SUM, Function.COUNT),
        time_zone=ZoneInfo("UTC"),
        company_id=company,
    )


async def sums(runtime: Any, criteria: Criteria) -> list[tuple[datetime, Decimal]]:
    async with runtime.pool.acquire() as conn:
        rows = await aggregate(conn, criteria)
    return [(r.period_start, r.partial.total) for r in rows]


async def old_month_and_yesterday(runtime: Any) -> tuple[UUID, datetime, datetime]:
    """Ten units a day through a month whose hourly and daily rollups retention
    removes (all of it more than 90 days back), and seven units two days ago."""
    company = await new_company(runtime)
    month, following = months_back(5), months_back(4)
    days = (following - month).days
    await store(
        runtime,
        [draft(company, month + timedelta(days=d, hours=12), Decimal(10)) for d in range(days)]
        + [draft(company, NOW - timedelta(days=2), Decimal(7))],
    )
    return company, month, following


async def test_a_window_whose_detail_retention_removed_is_refused_never_short(
    runtime: Any,
) -> None:
    company, month, following = await old_month_and_yesterday(runtime)
    days = (following - month).days
    partial_start = month + timedelta(days=1)
    # before retention every window is answered
    assert await sums(runtime, total(company, partial_start, NOW, Granularity.TOTAL)) == [
        (partial_start, Decimal(10 * (days - 1) + 7))
    ]
    async with runtime.pool.acquire() as conn:
        await retention.clean_up(conn)

    # whole months come from the monthly rollups, kept for ever
    assert await sums(runtime, total(company, month, following, Granularity.MONTH)) == [
        (month, Decimal(10 * days))
    ]
    assert await sums(runtime, total(company, month, NOW, Granularity.TOTAL)) == [
        (month, Decimal(10 * days + 7))
    ]
    # a window starting inside that month, or cut into its days, is refused
    for start, end, granularity in (
        (partial_start, NOW, Granularity.TOTAL),
        (partial_start, following, Granularity.TOTAL),
        (month, following, Granularity.DAY),
    ):
        with pytest.raises(WindowNotAnswerable) as refused:
            await sums(runtime, total(company, start, end, granularity))
        assert refused.value.at >= month


async def test_aggregate_usage_answers_window_not_answerable_naming_from(
    runtime: Any, admin: Any
) -> None:
    company, month, following = await old_month_and_yesterday(runtime)
    async with runtime.pool.acquire() as conn:
        await retention.clean_up(conn)
    criteria = {
        "companyId": str(company),
        "metricCodes": ["API_REQUESTS"],
        "granularity": "TOTAL",
        "to": following.isoformat(),
    }
    refused = await admin(
        AGGREGATE, {"c": {**criteria, "from": (month + timedelta(days=1)).isoformat()}}
    )
    result = refused["aggregateUsage"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "from",
        "WINDOW_NOT_ANSWERABLE",
    )
    answered = await admin(AGGREGATE, {"c": {**criteria, "from": month.isoformat()}})
    (bucket,) = answered["aggregateUsage"]["buckets"]
    assert bucket["sum"] == str(10 * (following - month).days)


async def test_a_partition_inside_the_late_window_is_kept(runtime: Any) -> None:
    company = await new_company(runtime)
    # 32 days after this month began, last month's records are past the 30-day
    # raw cutoff, but a record 34 days old is still accepted (35-day window)
    later = THIS_MONTH + timedelta(days=32)
    last_month = months_back(1)
    await store(runtime, [draft(company, THIS_MONTH - timedelta(days=2), Decimal(1))])
    async with runtime.pool.acquire() as conn:
        run = await retention.clean_up(conn, now=later)
    assert partition_name(last_month.date()) not in run.partitions_dropped
    assert partition_name(months_back(2).date()) in run.partitions_dropped
    # and a record of its last days is still stored there
    await store(runtime, [draft(company, later - timedelta(days=34), Decimal(1))])


async def held(runtime: Any, company: UUID) -> Decimal:
    async with runtime.pool.acquire() as conn:
        found: Decimal = await conn.fetchval(
            "SELECT coalesce(sum(value), 0) FROM usage_records WHERE company_id = $1", company
        )
    return found


async def test_a_partition_another_process_dropped_is_created_again_on_write(
    runtime: Any, settings: Any, database: str
) -> None:
    company = await new_company(runtime)
    old = months_back(8) + timedelta(days=3)
    name = partition_name(month_of(old))
    # this process writes into an old month (a back-fill) and so knows its partition
    await store(runtime, [draft(company, old, Decimal(1))])
    assert runtime.partitions.knows([month_of(old)])
    async with open_runtime(
        replace(settings, pool_max_size=3), database, run_migrations=False
    ) as other:
        # a second server process: its retention drops the month ...
        async with other.pool.acquire() as conn:
            run = await retention.clean_up(conn)
        assert name in run.partitions_dropped
        assert await held(runtime, company) == 0
        # ... and the first, whose list still names it, writes there again
        await store(runtime, [draft(company, old + timedelta(hours=1), Decimal(2))])
        assert await held(runtime, company) == 2

        async def dropped_by_the_other() -> None:
            async with other.pool.acquire() as conn:
                await conn.execute(f'DROP TABLE "{name}"')

        # every write path of the first process: a single record through group commit
        await dropped_by_the_other()
        (checked,) = await runtime.ingestor.check(
            [draft(company, old + timedelta(hours=3), Decimal(8))],
            allowed_company=None,
            backfill=True,
        )
        outcome = await runtime.group_commit.submit(checked)
        assert (outcome.record_id, await held(runtime, company)) == (checked.id, 8)
        # a batch stored chunk by chunk in one transaction
        await dropped_by_the_other()
        runtime.ingestor.pipeline_chunk = 2
        await store(
            runtime,
            [draft(company, old + timedelta(hours=4, minutes=m), Decimal(1)) for m in range(5)],
        )
        assert await held(runtime, company) == 5


async def test_retention_counts_the_records_of_the_partitions_it_drops(runtime: Any) -> None:
    company = await new_company(runtime)
    await store(
        runtime,
        [draft(company, months_back(6) + timedelta(hours=h), Decimal(1)) for h in range(40)],
    )
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        held = await conn.fetchval("SELECT count(*) FROM usage_records")
    deleted = await clean_up_usage(runtime)
    async with runtime.pool.acquire() as conn:
        left = await conn.fetchval("SELECT count(*) FROM usage_records")
        rollup_rows = await conn.fetchval(
            "SELECT count(*) FROM usage_rollup_hour WHERE company_id = $1", company
        )
    assert held - left >= 40
    assert rollup_rows == 0
    # raw records (dropped with their partitions) and the 40 hourly rollup rows
    assert deleted >= (held - left) + 40


async def test_retention_and_rollups_at_once_both_finish(runtime: Any) -> None:
    company = await new_company(runtime)
    start = months_back(5)
    await store(
        runtime, [draft(company, start + timedelta(hours=h), Decimal(1)) for h in range(0, 2400, 7)]
    )

    async def writes_and_rollups() -> None:
        for n in range(6):
            await store(
                runtime, [draft(company, start + timedelta(hours=n, minutes=5), Decimal(1))]
            )
            async with runtime.pool.acquire() as conn:
                await roll_up(conn)

    async def cleanups() -> None:
        for _ in range(3):
            async with runtime.pool.acquire() as conn:
                await retention.clean_up(conn, batch_rows=5)

    await asyncio.gather(writes_and_rollups(), cleanups())
    expected = len(range(0, 2400, 7)) + 6
    months = await sums(
        runtime, total(company, start, datetime.now(UTC) + timedelta(days=1), Granularity.TOTAL)
    )
    assert months == [(start, Decimal(expected))]


async def test_gaps_in_a_window_whose_raw_records_retention_removed_are_refused(
    runtime: Any, admin: Any
) -> None:
    from tests.integration.test_aggregate_api import GAPS

    company, month, following = await old_month_and_yesterday(runtime)
    criteria = {"companyId": str(company), "metricCodes": ["API_REQUESTS"]}
    old = {**criteria, "from": month.isoformat(), "to": following.isoformat()}
    before = await admin(GAPS, {"c": old})
    assert before["usageGaps"]["__typename"] == "UsageGapList"
    async with runtime.pool.acquire() as conn:
        await retention.clean_up(conn)
    # without the raw records every hour of that month would read as a gap
    refused = (await admin(GAPS, {"c": old}))["usageGaps"]
    assert (refused["__typename"], refused["field"], refused["code"]) == (
        "ValidationError",
        "from",
        "WINDOW_NOT_ANSWERABLE",
    )
    recent = {
        **criteria,
        "from": (NOW - timedelta(days=3)).isoformat(),
        "to": (NOW - timedelta(days=1)).isoformat(),
    }
    answered = (await admin(GAPS, {"c": recent}))["usageGaps"]
    assert answered["__typename"] == "UsageGapList"
    assert answered["gaps"]  # hours without the one record two days ago
