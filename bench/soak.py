"""A bounded mixed run against two server processes: do latency and memory stay flat?

    python bench/soak.py [--minutes 10] [--companies 20] [--batch 100] [--pause 0.05]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL is
set) and two ``metergraph serve`` processes on the one database, their
schedulers on (one of them leads the jobs). For ``--minutes`` it sends, taking
the two servers in turn: ``batchRecordUsage`` batches and single
``recordUsage`` records of ``--companies`` companies, ``aggregateUsage``
(one company's month by day) and ``usageRecords`` (a page of 50), ``runJob``
of the rollup job every 10 s, and it holds an ``alertRaised`` subscription on
each server (every company has thresholds its usage keeps crossing). Each
client pauses ``--pause`` seconds between requests.

Prints, each minute, p50 and p99 per operation and each server's resident
memory (RSS, psutil); at the end, the last minute against the first (the
baseline) as a ratio: flat when p99 and RSS stay within 1.5x of it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psutil
import websockets
from websockets.typing import Subprotocol

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest import free_port, wait_ready  # noqa: E402
from support import postgres  # noqa: E402

from domain.access import Role  # noqa: E402
from services.keys import create_api_key  # noqa: E402
from services.runtime import ensure_database, prepare_database  # noqa: E402
from storage.db import connect  # noqa: E402

FLAT = 1.5
BATCH = """mutation($records: [UsageRecordInput!]!) {
  batchRecordUsage(records: $records) {
    __typename ... on BatchUsageReport { accepted rejected } ... on ValidationError { code }
  }
}"""
SINGLE = """mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { __typename ... on ValidationError { code message } }
}"""
AGGREGATE = """query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    __typename ... on AggregationResult { buckets { periodStart sum } }
    ... on ValidationError { code message }
  }
}"""
RECORDS = """query($f: UsageRecordFilter) {
  usageRecords(filter: $f, first: 50) { edges { node { id value } } }
}"""
RUN_JOB = """mutation { runJob(name: "rollup-usage") {
  __typename ... on ValidationError { code }
} }"""
COMPANY = """mutation($input: CompanyInput!) {
  createCompany(input: $input) { __typename ... on Company { id } }
}"""
THRESHOLD = (
    """mutation($input: ThresholdInput!) { createThreshold(input: $input) { __typename } }"""
)
SUBSCRIBE = "subscription { alertRaised { level companyId } }"
# the threshold levels each company's month of usage crosses one after the other
LEVELS = [250_000 * n for n in range(1, 41)]


class Clock:
    """Samples by minute since the start: latencies per operation, RSS per server."""

    def __init__(self, minutes: float) -> None:
        self.minutes = int(minutes)
        self.started = time.monotonic()
        self.deadline = self.started + minutes * 60
        self.latency: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.failed: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.rss: dict[int, dict[int, int]] = defaultdict(dict)
        self.alerts: dict[int, int] = defaultdict(int)

    def minute(self) -> int:
        return int((time.monotonic() - self.started) // 60)

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    async def timed(self, op: str, call: Awaitable[bool]) -> None:
        """``call``'s latency under ``op`` when it succeeds; else a failure of ``op``."""
        began = time.perf_counter()
        try:
            ok = await call
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            ok = False
        if ok:
            self.latency[self.minute()][op].append(time.perf_counter() - began)
        else:
            self.failed[self.minute()][op] += 1


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def month() -> tuple[str, str]:
    start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return start.isoformat(), end.isoformat()


def record(company: str, n: int) -> dict[str, Any]:
    return {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": now_iso(),
        "value": str(n % 97 + 1),
        "unit": "requests",
        "idempotencyKey": f"soak-{uuid4()}",
    }


async def ask(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise ValueError(f"{response.status_code}: {body}")
    return body["data"]


async def seed(client: httpx.AsyncClient, companies: int) -> list[str]:
    """``companies`` companies, each with thresholds its month of usage crosses."""
    ids, run = [], uuid4().hex[:8]  # a database used before keeps its companies
    for n in range(companies):
        company_input = {"externalKey": f"soak-{run}-{n}", "name": f"Soak {n}"}
        made = await ask(client, COMPANY, {"input": company_input})
        company = made["createCompany"]["id"]
        levels = [
            {"name": f"L{v}", "kind": "ABSOLUTE", "value": str(v), "channels": ["PLATFORM"]}
            for v in LEVELS
        ]
        threshold = {"metricCode": "API_REQUESTS", "companyId": company, "levels": levels}
        await ask(client, THRESHOLD, {"input": threshold})
        ids.append(company)
    return ids


async def ingest(clock: Clock, clients: list[httpx.AsyncClient], ids: list[str], size: int,
                 pause: float) -> None:  # fmt: skip
    """Batches of ``size`` records, then single records, taking servers and companies in turn."""
    n = 0

    async def batch(client: httpx.AsyncClient, company: str) -> bool:
        records = [record(company, n + i) for i in range(size)]
        report = (await ask(client, BATCH, {"records": records}))["batchRecordUsage"]
        return bool(report.get("accepted") == size)

    async def single(client: httpx.AsyncClient, company: str) -> bool:
        answer = await ask(client, SINGLE, {"input": record(company, n)})
        return bool(answer["recordUsage"]["__typename"] == "RecordedUsage")

    while clock.running():
        n += 1
        client, company = clients[n % len(clients)], ids[n % len(ids)]
        await clock.timed("batchRecordUsage", batch(client, company))
        await asyncio.sleep(pause)
        await clock.timed("recordUsage", single(client, company))
        await asyncio.sleep(pause)


async def query(clock: Clock, clients: list[httpx.AsyncClient], ids: list[str],
                pause: float) -> None:  # fmt: skip
    """aggregateUsage and usageRecords of one company after the other."""
    start, end = month()
    n = 0

    async def aggregate(client: httpx.AsyncClient, company: str) -> bool:
        criteria = {"companyId": company, "from": start, "to": end, "granularity": "DAY",
                    "metricCodes": ["API_REQUESTS"]}  # fmt: skip
        answer = await ask(client, AGGREGATE, {"c": criteria})
        return bool(answer["aggregateUsage"]["__typename"] == "AggregationResult")

    async def page(client: httpx.AsyncClient, company: str) -> bool:
        answer = await ask(client, RECORDS, {"f": {"companyId": company, "from": start}})
        return isinstance(answer["usageRecords"]["edges"], list)

    while clock.running():
        n += 1
        client, company = clients[n % len(clients)], ids[n % len(ids)]
        await clock.timed("aggregateUsage", aggregate(client, company))
        await asyncio.sleep(pause)
        await clock.timed("usageRecords", page(client, company))
        await asyncio.sleep(pause)


async def jobs(clock: Clock, clients: list[httpx.AsyncClient]) -> None:
    """runJob of the rollup job every 10 s (the scheduler's own runs go on too)."""
    n = 0

    async def run(client: httpx.AsyncClient) -> bool:
        answer = (await ask(client, RUN_JOB, {}))["runJob"]
        # ValidationError ALREADY_EXISTS: the scheduled run was in flight, no failure
        return bool(answer["__typename"] == "JobRun" or answer.get("code") == "ALREADY_EXISTS")

    while clock.running():
        n += 1
        await clock.timed("runJob", run(clients[n % len(clients)]))
        await asyncio.sleep(10)


async def listen(clock: Clock, url: str, key: str) -> None:
    """An alertRaised subscription held for the run; alerts heard, by minute."""
    headers = {"Authorization": f"Bearer {key}"}
    while clock.running():
        try:
            async with websockets.connect(
                url,
                subprotocols=[Subprotocol("graphql-transport-ws")],
                additional_headers=headers,
            ) as ws:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert json.loads(await ws.recv())["type"] == "connection_ack"
                subscribe = {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}
                await ws.send(json.dumps(subscribe))
                while clock.running():
                    with contextlib.suppress(TimeoutError):
                        message = json.loads(await asyncio.wait_for(ws.recv(), 1))
                        if message["type"] == "next":
                            clock.alerts[clock.minute()] += 1
        except (OSError, websockets.exceptions.WebSocketException):
            clock.failed[clock.minute()]["alertRaised (reconnect)"] += 1
            await asyncio.sleep(1)


async def sample_rss(clock: Clock, pids: list[int]) -> None:
    """Each server's RSS every 5 s; the minute keeps its largest."""
    processes = [psutil.Process(pid) for pid in pids]
    while clock.running():
        minute = clock.minute()
        for n, process in enumerate(processes):
            rss = process.memory_info().rss
            clock.rss[minute][n] = max(rss, clock.rss[minute].get(n, 0))
        await asyncio.sleep(5)


async def progress(clock: Clock) -> None:
    """Each finished minute's figures, as it ends."""
    shown = 0
    while clock.running():
        await asyncio.sleep(1)
        while shown < clock.minute():
            print_minute(clock, shown)
            sys.stdout.flush()
            shown += 1
    await asyncio.sleep(1)  # the other clients' last requests
    while shown < clock.minutes:
        print_minute(clock, shown)
        shown += 1


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1e3, p99 * 1e3


def print_minute(clock: Clock, minute: int) -> None:
    rss = "  ".join(f"server {n + 1} {b / 2**20:.0f} MB" for n, b in clock.rss[minute].items())
    print(f"\nminute {minute + 1}: RSS {rss}; alerts heard {clock.alerts[minute]}")
    ops = sorted(set(clock.latency[minute]) | set(clock.failed[minute]))
    for op in ops:
        samples = clock.latency[minute].get(op, [])
        p50, p99 = percentiles(samples) if samples else (float("nan"), float("nan"))
        failed = clock.failed[minute].get(op, 0)
        print(f"  {op:<24} {len(samples):>6} ok {failed:>4} failed  p50 {p50:>8.1f} ms"
              f"  p99 {p99:>8.1f} ms")  # fmt: skip


def summary(clock: Clock, minutes: int) -> bool:
    """The last minute against the first; whether p99 and RSS stayed flat."""
    first, last = 0, minutes - 1
    print(f"\nlast minute ({last + 1}) against the first (the baseline); flat: within {FLAT}x")
    flat = True
    for op in sorted(clock.latency[first]):
        before, after = clock.latency[first][op], clock.latency[last].get(op)
        if not after:
            continue
        (p50_before, p99_before), (p50_after, p99_after) = percentiles(before), percentiles(after)
        ratio = p99_after / p99_before
        flat &= ratio <= FLAT
        print(f"  {op + ' p99':<28} {p99_before:>8.1f} ms {p99_after:>8.1f} ms {ratio:>6.2f}x"
              f"   (p50 {p50_after / p50_before:.2f}x)")  # fmt: skip
    for n, rss_before in clock.rss[first].items():
        rss_after = clock.rss[last].get(n, rss_before)
        flat &= rss_after / rss_before <= FLAT
        print(f"  {f'server {n + 1} RSS':<28} {rss_before / 2**20:>8.0f} MB"
              f" {rss_after / 2**20:>8.0f} MB {rss_after / rss_before:>6.2f}x")  # fmt: skip
    failures = sum(sum(f.values()) for f in clock.failed.values())
    print(f"\n{'flat' if flat else 'NOT flat'}; {failures} failed requests in all")
    return flat


@contextlib.asynccontextmanager
async def servers(dsn: str, count: int) -> AsyncIterator[tuple[list[str], list[int]]]:
    """``count`` `metergraph serve` processes on ``dsn``: their base URLs and pids."""
    command = [str(Path(sys.executable).parent / "metergraph"), "serve"]
    started: list[subprocess.Popen[bytes]] = []
    urls = []
    with tempfile.TemporaryDirectory(prefix="metergraph-soak-") as tmp:
        env = {**os.environ, "DATABASE_URL": dsn, "METERGRAPH_DATA_DIR": tmp,
               "METERGRAPH_SCHEDULER": "true"}  # fmt: skip
        try:
            for n in range(count):
                port = free_port()
                with (Path(tmp) / f"serve-{n + 1}.log").open("wb") as log:
                    started.append(
                        subprocess.Popen(  # noqa: ASYNC220 (started, not waited for)
                            [*command, "--port", str(port)], env=env, stdout=log, stderr=log
                        )
                    )
                urls.append(f"http://127.0.0.1:{port}")
                async with httpx.AsyncClient(base_url=urls[-1]) as client:
                    await wait_ready(client, 60)
            yield urls, [p.pid for p in started]
        finally:
            for process in started:
                process.send_signal(signal.SIGTERM)
            for process in started:
                await asyncio.to_thread(process.wait, 30)


async def admin_key(dsn: str) -> str:
    conn = await connect(dsn)
    try:
        _, key = await create_api_key(conn, Role.ADMIN, None, "soak")
    finally:
        await conn.close()
    return str(key)


async def run(args: argparse.Namespace, dsn: str) -> bool:
    await ensure_database(dsn)
    await prepare_database(dsn)
    key = await admin_key(dsn)
    headers = {"Authorization": f"Bearer {key}"}
    async with servers(dsn, 2) as (urls, pids), contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, headers=headers, timeout=60)
            )
            for url in urls
        ]
        ids = await seed(clients[0], args.companies)
        print(f"two servers ({', '.join(urls)}), {args.companies} companies,"
              f" {args.minutes} minutes")  # fmt: skip
        clock = Clock(args.minutes)
        tasks: list[Callable[[], Awaitable[None]]] = [
            *[lambda: ingest(clock, clients, ids, args.batch, args.pause)] * args.ingesters,
            *[lambda: query(clock, clients, ids, args.pause)] * args.readers,
            lambda: jobs(clock, clients),
            lambda: sample_rss(clock, pids),
            lambda: progress(clock),
            *[(lambda u=u: listen(clock, u.replace("http", "ws") + "/graphql", key)) for u in urls],
        ]
        await asyncio.gather(*(task() for task in tasks))
    return summary(clock, args.minutes)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--companies", type=int, default=20)
    parser.add_argument("--batch", type=int, default=100, help="records per batch")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between requests")
    parser.add_argument("--ingesters", type=int, default=2, help="ingesting clients")
    parser.add_argument("--readers", type=int, default=2, help="querying clients")
    args = parser.parse_args()
    if args.minutes < 2:
        parser.error("--minutes must be at least 2 (the last minute is compared with the first)")
    with postgres() as dsn:
        asyncio.run(run(args, dsn))


if __name__ == "__main__":
    main()
