"""Retention cleanup never loses a unit: rollups keep what raw records leave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from domain.aggregation import Criteria, Function, Granularity
from domain.usage import ErrorCode
from services import retention
from services.corrections import void_record
from storage.aggregate import aggregate
from storage.partitions import partition_name
from storage.rollups import fold
from tests.integration.test_aggregation import draft, new_company, store

NOW = datetime.now(UTC)
THIS_MONTH = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_back(count: int) -> datetime:
    month = THIS_MONTH
    for _ in range(count):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


def window(company: UUID, granularity: Granularity, start: datetime, end: datetime) -> Criteria:
    return Criteria(
        from_=start,
        to=end,
        granularity=granularity,
        functions=(Function.SUM, Function.COUNT, Function.MAX),
        time_zone=ZoneInfo("UTC"),
        company_id=company,
    )


async def totals(runtime: Any, company: UUID) -> list[Any]:
    start, end = months_back(5), THIS_MONTH + timedelta(days=40)
    figures = []
    async with runtime.pool.acquire() as conn:
        for granularity in (Granularity.MONTH, Granularity.TOTAL):
            rows = await aggregate(conn, window(company, granularity, start, end))
            figures.append([(r.period_start, r.partial.total, r.partial.records) for r in rows])
        start_of_day = (NOW - timedelta(days=80)).replace(hour=0, minute=0, second=0, microsecond=0)
        days = await aggregate(conn, window(company, Granularity.DAY, start_of_day, NOW))
        figures.append([(r.period_start, r.partial.total) for r in days])
    return figures


async def seed(runtime: Any) -> UUID:
    company = await new_company(runtime)
    drafts = []
    for days_ago in range(1, 150, 3):
        for hour in (0, 7, 23):
            ts = (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=15)
            drafts.append(draft(company, ts, Decimal(days_ago) + Decimal("0.25")))
    await store(runtime, drafts)
    return company


async def raw_count(runtime: Any, company: UUID) -> int:
    async with runtime.pool.acquire() as conn:
        return int(
            await conn.fetchval("SELECT count(*) FROM usage_records WHERE company_id = $1", company)
        )


async def test_cleanup_keeps_every_monthly_total(runtime: Any) -> None:
    company = await seed(runtime)
    before = await totals(runtime, company)
    assert before[1][0][1] > 0
    raw_before = await raw_count(runtime, company)

    async with runtime.pool.acquire() as conn:
        run = await retention.clean_up(conn, batch_rows=7)
        runtime.partitions.forget()
        again = await retention.clean_up(conn, batch_rows=7)

    assert await totals(runtime, company) == before
    assert run.raw_rows > 0 and again.raw_rows == 0
    # whole months past every metric's cutoff went as partitions
    assert partition_name(months_back(4).date()) in run.partitions_dropped
    async with runtime.pool.acquire() as conn:
        oldest = await conn.fetchval(
            "SELECT min(ts) FROM usage_records WHERE company_id = $1", company
        )
    assert oldest >= (NOW - timedelta(days=31))
    assert await raw_count(runtime, company) < raw_before


async def test_a_rollup_that_failed_midway_is_rerun_before_raw_goes(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = await seed(runtime)
    before = await totals(runtime, company)

    # A rollup run that dies after folding the records rolls back whole.
    async with runtime.pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            async with conn.transaction():
                assert (await fold(conn, 100_000)).records > 0
                raise RuntimeError("killed")
        pending = await conn.fetchval(
            "SELECT count(*) FROM usage_records"
            " WHERE xid >= (SELECT folded_below FROM usage_rollup_watermark)"
        )
    assert pending > 0
    assert await totals(runtime, company) == before

    # A cleanup that dies after recording its cutoffs, before deleting.
    async def crash(*args: Any, **kw: Any) -> list[str]:
        raise RuntimeError("killed mid-cleanup")

    monkeypatch.setattr(retention, "_drop_partitions", crash)
    async with runtime.pool.acquire() as conn:
        with pytest.raises(RuntimeError):
            await retention.clean_up(conn)
    assert await totals(runtime, company) == before
    monkeypatch.undo()

    async with runtime.pool.acquire() as conn:
        await retention.clean_up(conn)
        runtime.partitions.forget()
    assert await totals(runtime, company) == before


async def test_records_past_raw_retention_cannot_be_voided(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = await new_company(runtime)
    (old,) = await store(runtime, [draft(company, NOW - timedelta(days=29), Decimal("3"))])

    async def crash(*args: Any, **kw: Any) -> list[str]:
        raise RuntimeError("killed mid-cleanup")

    monkeypatch.setattr(retention, "_drop_partitions", crash)
    async with runtime.pool.acquire() as conn:
        # as if a week later: the record is 36 days old, past the 30-day cutoff,
        # which the run recorded before it died
        with pytest.raises(RuntimeError):
            await retention.clean_up(conn, now=NOW + timedelta(days=7))
        done = await void_record(conn, old, reason="late", company_scope=None, api_key_id=None)
        still_there = await conn.fetchval("SELECT count(*) FROM usage_records WHERE id = $1", old)
    assert getattr(done, "code", None) is ErrorCode.TIMESTAMP_TOO_OLD, done
    assert still_there == 1


async def test_rules_are_checked_by_the_database(runtime: Any) -> None:
    import asyncpg

    async with runtime.pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "INSERT INTO retention_rules (metric_code, raw_days, hour_days) VALUES ($1, 30, 7)",
                "API_REQUESTS",
            )
        await conn.execute(
            "INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days)"
            " VALUES ('API_REQUESTS', 7, 7, 90)"
        )
        rules = await retention.rules(conn)
    assert retention.rule_for(rules, "API_REQUESTS").hour_days == 7
    assert retention.rule_for(rules, "ACTIVE_USERS").raw_days == 30


async def test_cleanup_prunes_the_job_log(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        for days in (40, 2):
            await conn.execute(
                "INSERT INTO job_runs (job, trigger, outcome, host, pid, started_at)"
                " VALUES ('x', 'MANUAL', 'SUCCEEDED', 'h', 1, now() - make_interval(days => $1))",
                days,
            )
        run = await retention.clean_up(conn)
        left = await conn.fetchval("SELECT count(*) FROM job_runs")
    assert (run.job_runs, left) == (1, 1)
