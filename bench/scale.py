"""How cost grows with data: the same figures on N records and on N/10, side by side.

    python bench/scale.py [--records 20000000] [--companies 5000] [--months 13] [--runs 200]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL is
set: then on its server, in two new databases named after its own with
``_scale_small`` and ``_scale_large`` appended) and fills two databases:
``--records`` / 10 usage records (the baseline) and ``--records``, both for
the same ``--companies`` companies over the ``--months`` months before this
one, written through COPY (not the API). The hourly, daily and monthly
rollups are computed set-wise in SQL from the raw rows, as the rollup job
would have left them, so queries are answered as in production; each
company has a contract of one per-unit product.

For each data set it measures, through the service layer:
- a month-by-day ``aggregateUsage`` of one company (p50 and p99 over ``--runs``),
- the platform-wide total of last month (``aggregateUsage`` of every company),
- the invoice run of last month for every contract,
- a retention run that drops the oldest month's partition,
- the database size per million records,
and prints the large set's figure beside the small one's, with the ratio.
The goal: per-company queries flat (ratio near 1), platform-wide queries and
invoice runs at most linear (ratio at most 10, the ratio of the data).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uuid_utils.compat as uuid7  # noqa: E402
from support import postgres  # noqa: E402

from domain import aggregation as a  # noqa: E402
from domain.access import Principal, Role  # noqa: E402
from domain.invoicing import ContractProduct, ContractTerms  # noqa: E402
from domain.pricing import Price, PriceModel  # noqa: E402
from domain.usage import Aggregation, MeasurementType, Metric, ResourceType  # noqa: E402
from services import invoicing  # noqa: E402
from services.config import Settings  # noqa: E402
from services.retention import clean_up  # noqa: E402
from services.runtime import (  # noqa: E402
    Runtime,
    ensure_database,
    open_runtime,
    prepare_database,
    with_database,
)
from services.usage import AggregationRequest, aggregate_usage  # noqa: E402
from storage import billing, repos  # noqa: E402
from storage.partitions import add_months, month_of, next_month  # noqa: E402
from storage.queries import q  # noqa: E402
from storage.rollups import COLUMNS, COMBINED, CONTEXT, LEVELS  # noqa: E402

METRIC = Metric(
    "scale_events",
    "Scale events",
    ResourceType.API_CALLS,
    MeasurementType.COUNTER,
    "events",
    Aggregation.SUM,
)
PRODUCT = ("SCALE", Price(PriceModel.PER_UNIT, unit_price=Decimal("0.001")))
SPACES = [UUID(int=1), UUID(int=2), UUID(int=3)]
SOURCES = ["web", "mobile"]
VALUES = [Decimal(n) for n in range(1, 98)]
CHUNK = 100_000
COPY_COLUMNS = (
    "id",
    "company_id",
    "metric_code",
    "resource_type",
    "ts",
    "value",
    "unit",
    "measurement_type",
    "space_id",
    "source",
    "billable",
)
ADMIN = Principal(UUID(int=0), Role.ADMIN, None)
# the hour level from raw rows; the day and month levels each from the level below
HOUR_FROM_RAW = (
    f"INSERT INTO usage_rollup_hour ({COLUMNS})"
    f" SELECT company_id, metric_code, date_trunc('hour', ts, 'UTC'), {CONTEXT},"
    " count(*), sum(value), min(value), max(value), max(ts),"
    " (array_agg(id ORDER BY ts DESC, id DESC))[1],"
    " (array_agg(value ORDER BY ts DESC, id DESC))[1]"
    " FROM usage_records WHERE ts >= $1 AND ts < $2"
    f" GROUP BY company_id, metric_code, date_trunc('hour', ts, 'UTC'), {CONTEXT}"
)

FOLDED_ALL = (
    "UPDATE usage_rollup_watermark SET folded_below = pg_snapshot_xmin(pg_current_snapshot())"
)

# raw records (every partition) and the three rollup levels, indexes included
USAGE_SIZE = (
    "SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind = 'r'"
    " AND (relname LIKE 'usage\\_records\\_p%' OR relname LIKE 'usage\\_rollup\\_%')"
)


def level_from_below(level: int) -> str:
    table, bucket, _ = LEVELS[level]
    finer = LEVELS[level - 1][0]
    return (
        f"INSERT INTO {table} ({COLUMNS})"
        f" SELECT company_id, metric_code, {bucket}, {CONTEXT}, {COMBINED} FROM {finer}"
        " WHERE bucket_start >= $1 AND bucket_start < $2"
        f" GROUP BY company_id, metric_code, {bucket}, {CONTEXT}"
    )


@dataclass
class Figures:
    """One data set's measures (seconds, or bytes for ``size``)."""

    records: int
    load: float = 0.0
    rollups: float = 0.0
    company_p50: float = 0.0
    company_p99: float = 0.0
    platform_p50: float = 0.0
    invoice_run: float = 0.0
    invoices: int = 0
    retention: float = 0.0
    dropped: list[str] = field(default_factory=list)
    dropped_rows: int = 0
    size: int = 0
    usage_size: int = 0


def this_month() -> datetime:
    return datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def at(month: date) -> datetime:
    return datetime.combine(month, datetime.min.time(), tzinfo=UTC)


def months_of(count: int) -> list[date]:
    """The ``count`` months before this one, oldest first."""
    current = month_of(this_month())
    return [add_months(current, -n) for n in range(count, 0, -1)]


def companies(count: int) -> list[UUID]:
    """The same company ids in both data sets."""
    return [UUID(int=(1 << 64) + n) for n in range(count)]


async def catalogue(runtime: Runtime, ids: list[UUID], first_month: date) -> None:
    """The metric, its product, the companies and one contract each from last month."""
    last = month_of(this_month() - timedelta(days=1))
    async with runtime.pool.acquire() as conn:
        await repos.insert_metric(conn, METRIC)
        await conn.execute(q("insert_product"), PRODUCT[0], PRODUCT[0], METRIC.code)
        await conn.copy_records_to_table(
            "companies",
            records=[(c, f"scale-{n}", f"Scale {n}") for n, c in enumerate(ids)],
            columns=("id", "external_key", "name"),
        )
        for company in tqdm(ids, unit="contract", desc="contracts", leave=False):
            terms = ContractTerms(
                id=uuid7.uuid7(),
                company_id=company,
                currency="EUR",
                start_date=last,
                end_date=None,
                billing_day=1,
                payment_terms_days=30,
                minimum_commitment=Decimal(0),
                grace=timedelta(hours=0),
                products=(ContractProduct(PRODUCT[0], METRIC.code, PRODUCT[1]),),
            )
            await billing.insert_contract(conn, terms, Decimal(0))
    await runtime.partitions.ensure(runtime.pool, [first_month])


def rows(
    ids: list[UUID], start: datetime, span_s: float, total: int, first: int, size: int
) -> Iterator[tuple[Any, ...]]:
    """Records ``first`` to ``first + size`` of ``total``, spread evenly over the span."""
    step = span_s / total
    for i in range(first, first + size):
        yield (
            uuid7.uuid7(),
            ids[(i * 7919) % len(ids)],
            METRIC.code,
            METRIC.resource_type.value,
            start + timedelta(seconds=i * step),
            VALUES[i % 97],
            METRIC.unit,
            METRIC.measurement_type.value,
            SPACES[i % 3],
            SOURCES[i % 2],
            True,
        )


async def load(runtime: Runtime, ids: list[UUID], months: list[date], total: int) -> None:
    """``total`` records over ``months`` through COPY, in chunks, with a progress bar."""
    await runtime.partitions.ensure(runtime.pool, months)
    start, end = at(months[0]), at(next_month(months[-1]))
    span_s = (end - start).total_seconds()
    with tqdm(total=total, unit="rec", unit_scale=True, desc=f"COPY {total:,}") as bar:
        async with runtime.pool.acquire() as conn:
            for first in range(0, total, CHUNK):
                size = min(CHUNK, total - first)
                await conn.copy_records_to_table(
                    "usage_records",
                    records=rows(ids, start, span_s, total, first, size),
                    columns=COPY_COLUMNS,
                )
                bar.update(size)


async def build_rollups(runtime: Runtime, months: list[date]) -> None:
    """The three rollup levels from the raw rows, a month at a time."""
    async with runtime.pool.acquire() as conn:
        for month in tqdm(months, unit="month", desc="rollups", leave=False):
            start, end = at(month), at(next_month(month))
            async with conn.transaction():
                await conn.execute(HOUR_FROM_RAW, start, end)
                await conn.execute(level_from_below(1), start, end)
                await conn.execute(level_from_below(2), start, end)
        # every raw row is in the rollups now: the folder's watermark says so
        # (past every transaction that wrote them), or readers would add them twice
        await conn.execute(FOLDED_ALL)
        await conn.execute("VACUUM ANALYZE")


async def timed(calls: int, make: Callable[[], Awaitable[object]]) -> list[float]:
    """Seconds each of ``calls`` awaits of ``make()`` took (one more first, not timed)."""
    times = []
    for n in range(calls + 1):
        began = time.perf_counter()
        await make()
        if n:
            times.append(time.perf_counter() - began)
    return times


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def queries(runtime: Runtime, company: UUID, runs: int, figures: Figures) -> None:
    """One company's month by day, and every company's month total."""
    start = at(month_of(this_month() - timedelta(days=1)))
    by_day = AggregationRequest(
        from_=start, to=this_month(), company_id=company, metric_codes=(METRIC.code,)
    )
    answer = await aggregate_usage(runtime, ADMIN, by_day)
    assert answer.rows, "no usage for the company last month"
    times = await timed(runs, lambda: aggregate_usage(runtime, ADMIN, by_day))
    figures.company_p50, figures.company_p99 = statistics.median(times), p99(times)
    total = AggregationRequest(
        from_=start, to=this_month(), granularity=a.Granularity.MONTH, metric_codes=(METRIC.code,)
    )
    answer = await aggregate_usage(runtime, ADMIN, total)
    assert len(answer.rows) == 1, answer.rows
    times = await timed(max(5, runs // 10), lambda: aggregate_usage(runtime, ADMIN, total))
    figures.platform_p50 = statistics.median(times)


async def invoice_run(runtime: Runtime, contracts: int, figures: Figures) -> None:
    began = time.perf_counter()
    result = await invoicing.generate_invoices(runtime, now=this_month() + timedelta(hours=1))
    figures.invoice_run = time.perf_counter() - began
    assert result.created == contracts, result
    figures.invoices = result.created


async def retention_run(runtime: Runtime, months: list[date], figures: Figures) -> None:
    """Raw records kept from the second month on, rollups for ever: the oldest
    month's partition is past every cutoff and goes whole."""
    now = datetime.now(UTC)
    raw_days = (now.date() - months[1]).days
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE retention_rules SET raw_days = $1, hour_days = NULL, day_days = NULL,"
            " month_days = NULL WHERE metric_code = '*'",
            raw_days,
        )
        began = time.perf_counter()
        run = await clean_up(conn, now=now)
        figures.retention = time.perf_counter() - began
    figures.dropped, figures.dropped_rows = run.partitions_dropped, run.partition_rows
    assert run.raw_rows == 0, run


async def measure(dsn: str, args: argparse.Namespace, total: int) -> Figures:
    """Fill the database at ``dsn`` with ``total`` records; its figures."""
    await ensure_database(dsn)
    await prepare_database(dsn)
    figures = Figures(total)
    settings = Settings(database_url=dsn, scheduler_enabled=False, issuer_name="Scale Ltd")
    ids, months = companies(args.companies), months_of(args.months)
    async with open_runtime(settings, dsn, run_migrations=False) as runtime:
        async with runtime.pool.acquire() as conn:
            if await conn.fetchval("SELECT count(*) FROM companies"):
                raise SystemExit(f"{dsn.rsplit('/', 1)[-1]} is not empty: drop it first")
        await catalogue(runtime, ids, months[0])
        began = time.perf_counter()
        await load(runtime, ids, months, total)
        figures.load = time.perf_counter() - began
        began = time.perf_counter()
        await build_rollups(runtime, months)
        figures.rollups = time.perf_counter() - began
        async with runtime.pool.acquire() as conn:
            figures.size = await conn.fetchval("SELECT pg_database_size(current_database())")
            figures.usage_size = await conn.fetchval(USAGE_SIZE)
        await queries(runtime, ids[0], args.runs, figures)
        await invoice_run(runtime, args.companies, figures)
        await retention_run(runtime, months, figures)
    return figures


def report(args: argparse.Namespace, small: Figures, big: Figures) -> None:
    data = big.records / small.records
    linear = f"linear (<= {data:.0f}x)"
    print(
        f"\n{args.companies:,} companies, {args.months} months; {small.records:,} records"
        f" (baseline) against {big.records:,} ({data:.0f}x the data per company)"
    )
    print(f"{'':<40} {'baseline':>12} {'large':>12} {'':<3} {'ratio':>8}  goal")
    for name, before, after, unit, goal in (
        ("COPY, thousand records/s", small.records / small.load / 1e3,
         big.records / big.load / 1e3, "k/s", "flat"),
        ("rollups from raw rows", small.rollups, big.rollups, "s", linear),
        ("one company, month by day: p50", small.company_p50 * 1e3, big.company_p50 * 1e3,
         "ms", "flat"),
        ("one company, month by day: p99", small.company_p99 * 1e3, big.company_p99 * 1e3,
         "ms", "flat"),
        ("platform-wide month total: p50", small.platform_p50 * 1e3, big.platform_p50 * 1e3,
         "ms", linear),
        (f"invoice run, {big.invoices:,} contracts", small.invoice_run, big.invoice_run, "s",
         linear),
        ("retention run, one partition dropped", small.retention, big.retention, "s", linear),
        ("database size", small.size / 1e6, big.size / 1e6, "MB", linear),
        ("database size per million records", small.size / small.records,
         big.size / big.records, "MB", "flat"),
        ("usage tables per million records", small.usage_size / small.records,
         big.usage_size / big.records, "MB", "flat"),
    ):  # fmt: skip
        print(
            f"{name:<40} {before:>12.2f} {after:>12.2f} {unit:<3} {after / before:>7.2f}x  {goal}"
        )
    print(
        f"{args.runs} calls per company query (after one untimed); partitions dropped:"
        f" {', '.join(big.dropped)} ({small.dropped_rows:,} and {big.dropped_rows:,} rows)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=20_000_000)
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    if args.months < 2 or args.records < 10 * args.companies:
        parser.error("--months must be at least 2 and --records at least 10 x --companies")
    with postgres() as dsn:
        name = urlsplit(dsn).path.lstrip("/")
        small = asyncio.run(
            measure(with_database(dsn, f"{name}_scale_small"), args, args.records // 10)
        )
        big = asyncio.run(measure(with_database(dsn, f"{name}_scale_large"), args, args.records))
    report(args, small, big)


if __name__ == "__main__":
    main()
