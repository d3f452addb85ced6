"""One tenant's heaviest allowed requests against another tenant's small query.

    python bench/isolation.py [--records 200000] [--samples 300] [--heavy-clients 6]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL
is set) and a real `metergraph serve` with its default limits. Tenant A has
``--records`` usage records over the last 30 days, tenant B a few. Tenant B's
small query (its own day total) is timed alone (the baseline), then again
while tenant A's clients send, back to back, the heaviest requests the limits
allow: aggregates of A's records by HOUR in as many aliases as
METERGRAPH_MAX_ALIASES permits (under METERGRAPH_MAX_QUERY_COST), full-size
batches (METERGRAPH_MAX_BATCH_SIZE records), and documents refused by the
limits (too many aliases, too costly). Prints both p99s and their ratio,
and how many of A's requests were answered, refused or rate-limited.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uuid_utils.compat as uuid7  # noqa: E402
from support import postgres  # noqa: E402

from api.limits import AGGREGATE_BASE_COST  # noqa: E402
from domain.access import Role  # noqa: E402
from services.config import Settings  # noqa: E402
from services.keys import create_api_key  # noqa: E402
from services.runtime import ensure_database, prepare_database  # noqa: E402
from storage import repos  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.partitions import PartitionCatalog  # noqa: E402

BATCH = """mutation($records: [UsageRecordInput!]!) {
  batchRecordUsage(records: $records) {
    __typename ... on BatchUsageReport { accepted } ... on ValidationError { code }
  }
}"""

SMALL = """query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) { __typename ... on AggregationResult { buckets { sum } } }
}"""


def aliased(count: int) -> str:
    fields = "\n".join(
        f"a{i}: aggregateUsage(criteria: $c) {{ __typename"
        " ... on AggregationResult { buckets { periodStart sum count avg min max } } }"
        for i in range(count)
    )
    return f"query($c: AggregationCriteria!) {{\n{fields}\n}}"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def records(company: str, count: int, start: datetime, span: timedelta, tag: str) -> list[Any]:
    step = span / max(count, 1)
    return [
        {
            "companyId": company,
            "resourceType": "API_CALLS",
            "metricCode": "API_REQUESTS",
            "timestamp": (start + step * n).isoformat(),
            "value": str(n % 97 + 1),
            "unit": "requests",
            "idempotencyKey": f"{tag}-{n}",
        }
        for n in range(count)
    ]


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


async def post(client: httpx.AsyncClient, key: str, body: bytes) -> httpx.Response:
    return await client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )


async def time_small(client: httpx.AsyncClient, key: str, body: bytes, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        began = time.perf_counter()
        response = await post(client, key, body)
        out.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
        assert "AggregationResult" in response.text, response.text
        await asyncio.sleep(0.005)
    return out


def outcome(response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0].get("extensions", {}).get("code", "error"))
    return "answered"


async def seed(dsn: str, start: datetime) -> tuple[dict[str, str], str, str, str]:
    """Tenants A and B; the ids by name, a loader's (ADMIN) key and each tenant's key."""
    await ensure_database(dsn)
    await prepare_database(dsn)
    conn = await connect(dsn)
    try:
        ids = {}
        for name in ("tenant-a", "tenant-b"):
            company = await repos.insert_company(conn, uuid7.uuid7(), name, name, 35)
            if company is None:  # a DATABASE_URL the bench ran against before
                company = (await repos.companies_by_external_keys(conn, [name]))[name]
            ids[name] = str(company.id)
        _, loader = await create_api_key(conn, Role.ADMIN, None, "bench-loader")
        _, key_a = await create_api_key(conn, Role.COMPANY_ADMIN, ids["tenant-a"], "bench-a")
        _, key_b = await create_api_key(conn, Role.COMPANY_ADMIN, ids["tenant-b"], "bench-b")
        await PartitionCatalog().ensure_ahead(conn, (start - timedelta(days=31)).date())
    finally:
        await conn.close()
    return ids, loader, key_a, key_b


@contextlib.asynccontextmanager
async def serving(dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """A `metergraph serve` with its default limits, and a client of it once it is ready."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": dsn, "METERGRAPH_SCHEDULER": "false"}
    server = subprocess.Popen(  # noqa: ASYNC220
        [str(Path(sys.executable).parent / "metergraph"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    limits = httpx.Limits(max_connections=64)
    try:
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=300, limits=limits
        ) as client:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                await asyncio.sleep(0.2)
            yield client
    finally:
        server.terminate()
        server.wait(30)


async def load(
    client: httpx.AsyncClient, loader: str, ids: dict[str, str], args: argparse.Namespace
) -> None:
    """Tenant A's records over 30 days, tenant B's over the last day."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(days=30)
    batch = Settings().max_batch_size
    seed_records = records(ids["tenant-a"], args.records, start, timedelta(days=30), "seed")
    for i in range(0, len(seed_records), batch):
        chunk = seed_records[i : i + batch]
        body = json.dumps({"query": BATCH, "variables": {"records": chunk}})
        response = await post(client, loader, body.encode())
        assert "BatchUsageReport" in response.text, response.text[:500]
    small_b = records(ids["tenant-b"], 24, now - timedelta(days=1), timedelta(hours=23), "b")
    await post(
        client, loader, json.dumps({"query": BATCH, "variables": {"records": small_b}}).encode()
    )


class HeavyLoad:
    """Tenant A's heaviest allowed requests: HOUR buckets over its 30 days, in as many
    aliases as the cost and alias limits permit; full batches; refused documents."""

    def __init__(self, company: str, now: datetime, args: argparse.Namespace) -> None:
        settings = Settings()
        start = now - timedelta(days=30)
        window = {"from": start.isoformat(), "to": now.isoformat(), "granularity": "HOUR"}
        self.buckets = int((now - start).total_seconds() // 3600) + 1
        self.aliases = min(
            settings.max_aliases, settings.max_query_cost // (self.buckets + AGGREGATE_BASE_COST)
        )
        self.heavy = _body(aliased(self.aliases), window)
        self.too_many = _body(aliased(settings.max_aliases + 1), window)
        ten_years = {
            **window,
            "from": (now - timedelta(days=3650)).isoformat(),
            "granularity": "DAY",
        }
        self.too_costly = _body(aliased(settings.max_aliases), ten_years)
        size = settings.max_batch_size
        self.batches = [
            json.dumps(
                {
                    "query": BATCH,
                    "variables": {
                        "records": records(company, size, start, timedelta(days=30), f"load{n}")
                    },
                }
            ).encode()
            for n in range(1, args.batches + 1)
        ]
        self.outcomes: Counter[str] = Counter()
        self.only = args.only

    async def send(
        self, client: httpx.AsyncClient, key: str, kind: int, stop: asyncio.Event
    ) -> None:
        if self.only is not None:
            kind = {"aggregates": 0, "refused": 1, "batches": 2}[self.only]
        while not stop.is_set():
            if kind % 3 == 2:
                if not self.batches:
                    return
                body = self.batches.pop()
            elif kind % 3 == 1:
                body = self.too_costly if self.outcomes.total() % 2 else self.too_many
            else:
                body = self.heavy
            self.outcomes[outcome(await post(client, key, body))] += 1


def _body(query: str, window: dict[str, str]) -> bytes:
    return json.dumps({"query": query, "variables": {"c": window}}).encode()


async def run(args: argparse.Namespace, dsn: str) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    ids, loader, key_a, key_b = await seed(dsn, now - timedelta(days=30))
    async with serving(dsn) as client:
        await load(client, loader, ids, args)
        day = {
            "from": (now - timedelta(days=1)).isoformat(),
            "to": now.isoformat(),
            "granularity": "TOTAL",
        }
        small = json.dumps({"query": SMALL, "variables": {"c": day}}).encode()
        await time_small(client, key_b, small, 20)  # warm-up, not counted
        baseline = await time_small(client, key_b, small, args.samples)
        heavy = HeavyLoad(ids["tenant-a"], now, args)
        stop = asyncio.Event()
        sending = [
            asyncio.create_task(heavy.send(client, key_a, k, stop))
            for k in range(args.heavy_clients)
        ]
        await asyncio.sleep(2)  # the load is under way
        loaded = await time_small(client, key_b, small, args.samples)
        stop.set()
        await asyncio.gather(*sending)

    base, under = p99(baseline), p99(loaded)
    print(
        f"tenant A: {args.records} records; heavy document: {heavy.aliases} aliased HOUR"
        f" aggregates of {heavy.buckets} buckets; {args.heavy_clients} clients"
    )
    print(f"tenant A's requests: {dict(heavy.outcomes)}")
    median_base, median_under = statistics.median(baseline), statistics.median(loaded)
    print(f"tenant B small query p99 alone:       {base:8.1f} ms (median {median_base:.1f})")
    print(f"tenant B small query p99 under load:  {under:8.1f} ms (median {median_under:.1f})")
    print(f"ratio (under load / alone):           {under / base:8.1f} x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--heavy-clients", type=int, default=6)
    parser.add_argument("--batches", type=int, default=6, help="full-size batches tenant A sends")
    parser.add_argument(
        "--only",
        choices=["aggregates", "refused", "batches"],
        default=None,
        help="tenant A sends only this kind of request",
    )
    args = parser.parse_args()
    with postgres() as dsn:
        asyncio.run(run(args, dsn))


if __name__ == "__main__":
    main()
