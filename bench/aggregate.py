"""aggregateUsage by day over a month: rollup-backed vs a raw scan, same run.

    python bench/aggregate.py [--records 1000000] [--noise 250000] [--runs 30]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL is
set), stores ``--records`` usage records spread over last month for one
company (three spaces, two sources) and ``--noise`` more for four other
companies, runs the rollup job, then times the same DAY-granularity query
(SUM, COUNT, AVG, MIN, MAX) answered from a raw scan (the baseline) and from
rollups, in process and through GraphQL. Prints medians and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uuid_utils.compat as uuid7  # noqa: E402
from support import postgres  # noqa: E402

from api.app import create_app  # noqa: E402
from domain.access import Role  # noqa: E402
from domain.aggregation import Criteria, Function, Granularity  # noqa: E402
from domain.usage import (  # noqa: E402
    Aggregation,
    MeasurementType,
    Metric,
    ResourceType,
    UsageDraft,
)
from services.config import Settings  # noqa: E402
from services.keys import create_api_key  # noqa: E402
from services.retention import roll_up  # noqa: E402
from services.runtime import ensure_database, open_runtime, prepare_database  # noqa: E402
from storage.aggregate import aggregate  # noqa: E402
from storage.partitions import month_of  # noqa: E402
from storage.usage import PendingRecord, store_usage  # noqa: E402

METRIC = Metric(
    "API_REQUESTS",
    "API requests",
    ResourceType.API_CALLS,
    MeasurementType.COUNTER,
    "requests",
    Aggregation.SUM,
)
SPACES = [UUID(int=1), UUID(int=2), UUID(int=3)]
SOURCES = ["web", "mobile"]
CHUNK = 50_000

QUERY = """query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    ... on AggregationResult { buckets { periodStart sum count avg min max } }
    ... on ValidationError { code message }
  }
}"""


def last_month() -> tuple[datetime, datetime]:
    end = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=1)).replace(day=1)
    return start, end


async def load(runtime: object, companies: list[UUID], count: int, bar: tqdm) -> None:
    start, end = last_month()
    span_ms = int((end - start).total_seconds() * 1000)
    step_ms = max(1, span_ms // count)
    pool = runtime.pool  # type: ignore[attr-defined]
    n = 0
    while n < count:
        size = min(CHUNK, count - n)
        pending = []
        for i in range(n, n + size):
            draft = UsageDraft(
                company_id=companies[i % len(companies)],
                resource_type=ResourceType.API_CALLS,
                metric_code=METRIC.code,
                timestamp=start + timedelta(milliseconds=(i * step_ms + i % 997) % span_ms),
                value=Decimal(i % 97 + 1),
                unit="requests",
                space_id=SPACES[i % 3],
                source=SOURCES[i % 2],
            )
            pending.append(PendingRecord(i - n, uuid7.uuid7(), draft, METRIC))
        async with pool.acquire() as conn, conn.transaction():
            await store_usage(conn, pending)
        n += size
        bar.update(size)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def run(args: argparse.Namespace, dsn: str) -> None:
    await ensure_database(dsn)
    await prepare_database(dsn)
    settings = Settings(database_url=dsn, scheduler_enabled=False)
    async with open_runtime(settings, dsn, run_migrations=False) as runtime:
        start, end = last_month()
        await runtime.partitions.ensure(runtime.pool, [month_of(start), month_of(end)])
        target, noise, key = await seed(runtime)
        with tqdm(total=args.records + args.noise, unit="rec", desc="loading") as bar:
            await load(runtime, [target], args.records, bar)
            await load(runtime, noise, args.noise, bar)
        began = time.perf_counter()
        async with runtime.pool.acquire() as conn:
            rolled = await roll_up(conn)
            await conn.execute("VACUUM ANALYZE")
        print(f"rollup job: {rolled.deltas:,} deltas in {time.perf_counter() - began:.1f} s")
        criteria = Criteria(
            from_=start,
            to=end,
            granularity=Granularity.DAY,
            functions=(Function.SUM, Function.COUNT, Function.AVG, Function.MIN, Function.MAX),
            time_zone=ZoneInfo("UTC"),
            company_id=target,
            metric_codes=(METRIC.code,),
        )
        buckets, raw_times, rollup_times = await in_process(runtime, criteria, args.runs)
        app = create_app(settings, runtime=runtime)
        graphql_times = await over_graphql(app, key, criteria, args.runs, buckets)
    report(args, buckets, raw_times, rollup_times, graphql_times)


async def seed(runtime: Any) -> tuple[UUID, list[UUID], str]:
    """Five companies (the measured one first) and an ADMIN key."""
    async with runtime.pool.acquire() as conn:
        companies = []
        for n in range(5):
            companies.append(
                await conn.fetchval(
                    "INSERT INTO companies (id, external_key, name) VALUES ($1, $2, $2)"
                    " RETURNING id",
                    uuid7.uuid7(),
                    f"bench-{n}-{uuid7.uuid7()}",
                )
            )
        _, key = await create_api_key(conn, Role.ADMIN, None, "bench")
    return companies[0], companies[1:], key


async def in_process(
    runtime: Any, criteria: Criteria, runs: int
) -> tuple[int, list[float], list[float]]:
    """The buckets answered, and the raw-scan and rollup-backed timings."""
    raw_times: list[float] = []
    rollup_times: list[float] = []
    async with runtime.pool.acquire() as conn:
        raw = await aggregate(conn, criteria, raw_only=True)
        fast = await aggregate(conn, criteria)
        assert [(r.period_start, r.partial) for r in raw] == [
            (r.period_start, r.partial) for r in fast
        ], "rollup-backed and raw answers differ"
        for _ in range(max(3, runs // 10)):
            t = time.perf_counter()
            await aggregate(conn, criteria, raw_only=True)
            raw_times.append(time.perf_counter() - t)
        for _ in range(runs):
            t = time.perf_counter()
            await aggregate(conn, criteria)
            rollup_times.append(time.perf_counter() - t)
    return len(raw), raw_times, rollup_times


async def over_graphql(
    app: Any, key: str, criteria: Criteria, runs: int, buckets: int
) -> list[float]:
    """aggregateUsage's timings through the ASGI app (the first, warming up, left out)."""
    variables = {
        "c": {
            "companyId": str(criteria.company_id),
            "from": criteria.from_.isoformat(),
            "to": criteria.to.isoformat(),
            "granularity": "DAY",
            "functions": ["SUM", "COUNT", "AVG", "MIN", "MAX"],
        }
    }
    times: list[float] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench",
        headers={"Authorization": f"Bearer {key}"},
    ) as client:
        for _ in range(runs + 1):
            t = time.perf_counter()
            response = await client.post("/graphql", json={"query": QUERY, "variables": variables})
            times.append(time.perf_counter() - t)
            assert len(response.json()["data"]["aggregateUsage"]["buckets"]) == buckets
    return times[1:]


def report(
    args: argparse.Namespace,
    buckets: int,
    raw_times: list[float],
    rollup_times: list[float],
    graphql_times: list[float],
) -> None:
    baseline = median_ms(raw_times)
    title = f"DAY buckets over a month, {args.records:,} records"
    print(f"\n{title:<52} {'median ms':>10} {'x raw':>8}")
    for name, samples in (
        ("raw scan (baseline)", raw_times),
        ("rollup-backed, in process", rollup_times),
        ("rollup-backed aggregateUsage over GraphQL", graphql_times),
    ):
        ms = median_ms(samples)
        print(f"{name:<52} {ms:>10.2f} {ms / baseline:>8.4f}")
    print(f"\n{buckets} buckets; {args.noise:,} records of four other companies as noise")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--noise", type=int, default=250_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with postgres() as dsn:
        asyncio.run(run(args, dsn))


if __name__ == "__main__":
    main()
