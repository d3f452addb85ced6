"""Ingestion throughput, each figure as a ratio to a COPY measured in the same run.

    python bench/ingest.py [--records N] [--batch 10000] [--singles 5000]
                           [--unfolded 1000000] [--hot-batch 1000]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL
is set), a real `metergraph serve` process on a free port (its scheduler,
and so the rollup folder, off: records stay unfolded until the bench folds
them), and measures: a COPY of the same rows into a table of usage_records'
shape, with its indexes and the idempotency key's unique index (the
baseline), the store's SQL alone on the same rows already checked
(PostgreSQL's share of any batch), batchRecordUsage over HTTP with 1 and 4
clients, bulk NDJSON and CSV over HTTP, 8 clients writing batches for one
company and one hour against 8 clients writing to 8 companies, recordUsage
from 50 concurrent clients (one server process, then --workers of them), a
batch sent twice (all duplicates), and, with --unfolded records stored and
not folded, whether aggregateUsage equals a raw SUM and how fast the rollup
folder catches up. The targets are printed beside the ratios.

The baseline is taken again after each batch and bulk measure (and the
store's SQL alone): each of those is held to the faster of the two COPYs
either side of it, every other measure to the fastest COPY of the run. A
CHECKPOINT (untimed) comes before each baseline COPY and each framed measure,
so that none of them pays for a checkpoint of the writes before it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeVar
from uuid import UUID

import asyncpg
import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uuid_utils.compat as uuid7  # noqa: E402
from support import postgres  # noqa: E402

from domain.access import Role  # noqa: E402
from domain.privacy import SECRET_BYTES, UserIdMode  # noqa: E402
from domain.usage import UsageDraft  # noqa: E402
from services.keys import create_api_key  # noqa: E402
from services.retention import fold_committed  # noqa: E402
from services.runtime import ensure_database, prepare_database  # noqa: E402
from storage import repos  # noqa: E402
from storage.db import connect  # noqa: E402
from storage.partitions import PartitionCatalog  # noqa: E402
from storage.usage import STAGING_COLUMNS, PendingRecord, clear_usage, store_usage  # noqa: E402

_T = TypeVar("_T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(client: httpx.AsyncClient, seconds: float = 30) -> None:
    """Until the server answers /readyz with 200 (it may still be starting)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the server was not ready within {seconds:.0f} s")


class Workload:
    def __init__(self, company_id: str, start: datetime, users: int = 0, prefix: str = "") -> None:
        self.company_id = company_id
        self.start = start
        self.counter = 0
        # records name one of this many users in turn (0: no user id)
        self.users = users
        # in front of every idempotency key: two workloads of one company differ
        self.prefix = prefix

    def record(self) -> dict[str, Any]:
        self.counter += 1
        n = self.counter
        return {
            "companyId": self.company_id,
            "resourceType": "API_CALLS",
            "metricCode": "API_REQUESTS",
            "timestamp": (self.start + timedelta(milliseconds=n)).isoformat(),
            "value": str(n % 97 + 1),
            "unit": "requests",
            "idempotencyKey": f"{self.prefix}evt-{n}",
            **({"userId": str(UUID(int=n % self.users + 1))} if self.users else {}),
        }

    def records(self, count: int) -> list[dict[str, Any]]:
        return [self.record() for _ in range(count)]


BATCH = """mutation($input: BatchRecordUsageInput!) {
  batchRecordUsage(input: $input) {
    ... on BatchUsageReport { accepted duplicates rejected }
    ... on ValidationError { errorCode message }
  }
}"""

AGGREGATE = """query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    ... on AggregationResult { buckets { sum count } }
    ... on ValidationError { errorCode message }
  }
}"""

SINGLE = """mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { __typename ... on ValidationError { errorCode message } }
}"""


async def truncate(dsn: str) -> None:
    conn = await connect(dsn)
    try:
        await clear_usage(conn)
    finally:
        await conn.close()


# The baseline's table: usage_records' columns, defaults and indexes (not its
# partitions), plus the unique index the idempotency keys have.
BASELINE_TABLE = """
DROP TABLE IF EXISTS bench_copy;
CREATE TABLE bench_copy (LIKE usage_records INCLUDING DEFAULTS INCLUDING INDEXES);
CREATE UNIQUE INDEX bench_copy_key ON bench_copy (company_id, idempotency_key);
"""


async def checkpoint(dsn: str) -> None:
    """A CHECKPOINT, so that the measure about to start does not pay for the
    writes of the one before (skipped where the role may not)."""
    conn = await connect(dsn)
    try:
        await conn.execute("CHECKPOINT")
    except asyncpg.InsufficientPrivilegeError:
        pass
    finally:
        await conn.close()


async def raw_copy(dsn: str, company_id: str, count: int, start: datetime) -> float:
    """The baseline: COPY the same shape of rows into a table like usage_records that
    also carries the idempotency key's unique index, in one transaction."""
    conn = await connect(dsn)
    await conn.execute(BASELINE_TABLE)
    await checkpoint(dsn)
    rows = [
        (
            uuid7.uuid7(),
            UUID(company_id),
            "API_REQUESTS",
            "API_CALLS",
            start + timedelta(milliseconds=n),
            Decimal(n % 97 + 1),
            "requests",
            "COUNTER",
            "HOURLY",
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            True,
            None,
            f"evt-{n}",
            None,
            None,
        )
        for n in range(count)
    ]
    try:
        began = time.perf_counter()
        async with conn.transaction():
            columns = [c for c in STAGING_COLUMNS if c != "ord"]
            await conn.copy_records_to_table("bench_copy", records=rows, columns=columns)
        return count / (time.perf_counter() - began)
    finally:
        await conn.execute("DROP TABLE bench_copy")
        await conn.close()


class Baselines:
    """The baseline COPY, taken again after each measure it frames: the machine's
    speed drifts within a run (the same COPY has run at 91,000 and 134,000
    records/s on one day), so each framed measure is held to the faster of the
    two COPYs either side of it, and the others to the fastest of the run."""

    def __init__(self, dsn: str, company_id: str, count: int, start: datetime) -> None:
        self._copy = (dsn, company_id, count, start)
        self.samples: list[float] = []
        self.near: dict[str, float] = {}

    async def take(self) -> float:
        rate = await raw_copy(*self._copy)
        self.samples.append(rate)
        return rate

    async def framed(self, name: str, measure: Awaitable[_T]) -> _T:
        """``measure``, with a COPY before (the last one taken) and one after it."""
        before = self.samples[-1] if self.samples else await self.take()
        await checkpoint(self._copy[0])
        result = await measure
        self.near[name] = max(before, await self.take())
        return result

    def of(self, name: str) -> float:
        return self.near.get(name, max(self.samples))


async def store_sql(dsn: str, company_id: str, count: int, start: datetime, batch: int) -> float:
    """The database's share of a batch: the same rows, already checked, through
    the store's own SQL (COPY into staging, claim the idempotency keys, insert),
    a transaction per ``batch`` rows, on one connection. No
    HTTP, no decoding, no validation: what any batch must cost PostgreSQL."""
    conn = await connect(dsn)
    try:
        metric = (await repos.all_metrics(conn))["API_REQUESTS"]
        drafts = [
            UsageDraft(
                company_id=UUID(company_id),
                resource_type=metric.resource_type,
                metric_code=metric.code,
                timestamp=start + timedelta(milliseconds=n),
                value=Decimal(n % 97 + 1),
                unit=metric.unit,
                idempotency_key=f"sql-{n}",
            )
            for n in range(count)
        ]
        pending = [PendingRecord(n, uuid7.uuid7(), d, metric) for n, d in enumerate(drafts)]
        began = time.perf_counter()
        for first in range(0, count, batch):
            async with conn.transaction():
                result = await store_usage(conn, pending[first : first + batch])
            assert result.stored == len(pending[first : first + batch])
        return count / (time.perf_counter() - began)
    finally:
        await conn.close()


def batch_body(records: list[dict[str, Any]]) -> bytes:
    """A batchRecordUsage request, encoded before any clock starts (as the
    baseline's rows are built before its clock starts)."""
    return json.dumps({"query": BATCH, "variables": {"input": {"records": records}}}).encode()


async def post_batch(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"Content-Type": "application/json"})


async def batches(
    client: httpx.AsyncClient, payloads: list[list[dict[str, Any]]], clients: int
) -> float:
    queue = [batch_body(records) for records in payloads]
    total = sum(len(p) for p in payloads)

    async def worker() -> None:
        while queue:
            response = await post_batch(client, queue.pop())
            body = response.json()
            result = body["data"]["batchRecordUsage"]
            assert result.get("rejected", 1) == 0, result

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return total / (time.perf_counter() - began)


async def per_client(client: httpx.AsyncClient, queues: list[list[bytes]]) -> float:
    """Each client sends its own queue of batch bodies, all clients at once; records/s."""
    total = 0
    for queue in queues:
        for body in queue:
            total += len(json.loads(body)["variables"]["input"]["records"])

    async def worker(queue: list[bytes]) -> None:
        for body in queue:
            result = (await post_batch(client, body)).json()["data"]["batchRecordUsage"]
            assert result.get("rejected", 1) == 0, result

    began = time.perf_counter()
    await asyncio.gather(*(worker(queue) for queue in queues))
    return total / (time.perf_counter() - began)


async def hot_measures(
    client: httpx.AsyncClient, company_id: str, others: list[str], start: datetime, args: Any
) -> list[tuple[str, float]]:
    """8 clients writing batches for one company and one hour, against 8 clients each
    writing to its own company (the same hour); taken in turns, best of five each
    (each is under half a second: a single stall moves one by a tenth)."""
    hour = start + timedelta(hours=40)
    best = {"one": 0.0, "eight": 0.0}
    for trial in range(5):
        one = Workload(company_id, hour, prefix=f"hot{trial}-")
        queues = [[batch_body(one.records(args.hot_batch)) for _ in range(5)] for _ in range(8)]
        best["one"] = max(best["one"], await per_client(client, queues))
        spread = [Workload(c, hour, prefix=f"hot{trial}-") for c in others]
        queues = [[batch_body(w.records(args.hot_batch)) for _ in range(5)] for w in spread]
        best["eight"] = max(best["eight"], await per_client(client, queues))
    return [
        (f"8 clients, one company and hour, {args.hot_batch}/batch", best["one"]),
        (f"8 clients, 8 companies, {args.hot_batch}/batch", best["eight"]),
    ]


# Records stored straight into usage_records (not folded: the scheduler is
# off), in transactions of 10,000: what the folder has to catch up on.
UNFOLDED = """
INSERT INTO usage_records (id, company_id, metric_code, resource_type, ts, value, unit,
                           measurement_type, reporting_interval, billable)
SELECT gen_random_uuid(), $1::uuid, 'API_REQUESTS', 'API_CALLS',
       $2::timestamptz + g * interval '100 milliseconds', (g % 97 + 1)::numeric, 'requests',
       'COUNTER', 'HOURLY', true
FROM generate_series($3::int, $4::int - 1) AS g
"""


async def aggregate_is_exact(
    client: httpx.AsyncClient, conn: Any, company: str, start: datetime
) -> tuple[bool, float]:
    """aggregateUsage's SUM and COUNT of ``company`` against a raw scan; and its seconds."""
    window = {"from": (start - timedelta(days=1)).isoformat(), "to": datetime.now(UTC).isoformat()}
    criteria = {
        **window,
        "companyId": company,
        "granularity": "TOTAL",
        "functions": ["SUM", "COUNT"],
    }
    began = time.perf_counter()
    response = await client.post(
        "/graphql", json={"query": AGGREGATE, "variables": {"c": criteria}}
    )
    elapsed = time.perf_counter() - began
    (bucket,) = response.json()["data"]["aggregateUsage"]["buckets"]
    raw = await conn.fetchrow(
        "SELECT count(*) AS n, sum(value) AS s FROM usage_records"
        " WHERE company_id = $1 AND ts >= $2 AND ts < $3",
        UUID(company),
        datetime.fromisoformat(window["from"]),
        datetime.fromisoformat(window["to"]),
    )
    return (Decimal(bucket["sum"]), bucket["count"]) == (raw["s"], raw["n"]), elapsed


async def folder_measures(
    client: httpx.AsyncClient, dsn: str, company: str, start: datetime, count: int
) -> dict[str, Any]:
    """``count`` unfolded records: aggregateUsage exact before and after the folder
    caught up, and the folder's rate (every unfolded record, the earlier measures'
    too)."""
    conn = await connect(dsn)
    try:
        for first in range(0, count, 10_000):
            await conn.execute(UNFOLDED, UUID(company), start, first, min(count, first + 10_000))
        waiting = await conn.fetchval(
            "SELECT count(*) FROM usage_records"
            " WHERE xid >= (SELECT folded_below FROM usage_rollup_watermark)"
        )
        exact, seconds = await aggregate_is_exact(client, conn, company, start)
        began = time.perf_counter()
        folded = await fold_committed(conn)
        rate = folded / (time.perf_counter() - began)
        exact_after, seconds_after = await aggregate_is_exact(client, conn, company, start)
    finally:
        await conn.close()
    return {
        "waiting": waiting,
        "exact": exact,
        "seconds": seconds,
        "folded": folded,
        "rate": rate,
        "exact_after": exact_after,
        "seconds_after": seconds_after,
    }


async def resend(
    client: httpx.AsyncClient, records: list[dict[str, Any]]
) -> tuple[float, dict[str, Any]]:
    body = batch_body(records)
    began = time.perf_counter()
    response = await post_batch(client, body)
    elapsed = time.perf_counter() - began
    return len(records) / elapsed, response.json()["data"]["batchRecordUsage"]


async def bulk(client: httpx.AsyncClient, body: bytes, content_type: str, count: int) -> float:
    began = time.perf_counter()
    response = await client.post(
        "/v1/usage-records:import", content=body, headers={"Content-Type": content_type}
    )
    elapsed = time.perf_counter() - began
    summary = response.json()
    assert summary["accepted"] == count, summary
    return count / elapsed


class Connection:
    """A bare keep-alive HTTP/1.1 connection: the 50-client measures would
    otherwise time the client library rather than the server."""

    def __init__(self, port: int, key: str) -> None:
        self._port = port
        self._head = (
            f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        ).encode()

    async def __aenter__(self) -> Connection:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self._port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._writer.close()

    async def graphql(self, body: dict[str, Any]) -> dict[str, Any]:
        payload = json.dumps(body).encode()
        self._writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(payload) + payload)
        head = await self._reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        answer: dict[str, Any] = json.loads(await self._reader.readexactly(length))
        return answer


async def concurrently(
    port: int,
    key: str,
    bodies: list[dict[str, Any]],
    clients: int,
    typename: str,
    warmup: int = 0,
) -> float:
    """Send ``bodies`` from ``clients`` connections at once; bodies per second.

    The connections are opened, and the first ``warmup`` bodies sent, before
    the clock starts: the figure is the server's steady state.
    """
    queue = list(bodies)
    warm = [queue.pop() for _ in range(min(warmup, len(queue)))]
    counted = len(queue)

    async def drain(conn: Connection, items: list[dict[str, Any]]) -> None:
        while items:
            answer = await conn.graphql(items.pop())
            (value,) = answer["data"].values()
            found = value if isinstance(value, str) else value["__typename"]
            assert found == typename, answer

    conns = [Connection(port, key) for _ in range(clients)]
    for conn in conns:
        await conn.__aenter__()
    try:
        await asyncio.gather(*(drain(conn, warm) for conn in conns))
        began = time.perf_counter()
        await asyncio.gather(*(drain(conn, queue) for conn in conns))
        return counted / (time.perf_counter() - began)
    finally:
        for conn in conns:
            await conn.__aexit__()


async def seed(dsn: str) -> tuple[str, str, datetime]:
    """The bench's company and ADMIN key, and when its usage starts (partitions made)."""
    await ensure_database(dsn)
    await prepare_database(dsn)
    conn = await connect(dsn)
    try:
        company = await repos.insert_company(conn, uuid7.uuid7(), "bench", "Bench", 35)
        if company is None:  # a DATABASE_URL the bench ran against before
            company = (await repos.companies_by_external_keys(conn, ["bench"]))["bench"]
        _, key = await create_api_key(conn, Role.ADMIN, None, "bench")
        start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=2)
        await PartitionCatalog().ensure_ahead(conn, start.date())
    finally:
        await conn.close()
    return str(company.id), key, start


async def seed_companies(dsn: str, prefix: str, count: int) -> list[str]:
    """``count`` more companies, keys ``prefix0`` ..."""
    conn = await connect(dsn)
    try:
        ids = []
        for n in range(count):
            key = f"{prefix}{n}"
            company = await repos.insert_company(conn, uuid7.uuid7(), key, key, 35)
            if company is None:
                company = (await repos.companies_by_external_keys(conn, [key]))[key]
            ids.append(str(company.id))
    finally:
        await conn.close()
    return ids


async def seed_privacy_pair(dsn: str) -> tuple[str, str]:
    """Two more companies, alike but for their user id mode: RAW, PSEUDONYMIZED."""
    conn = await connect(dsn)
    try:
        ids = []
        for key, mode in (("bench_raw", UserIdMode.RAW), ("bench_psn", UserIdMode.PSEUDONYMIZED)):
            privacy = (mode, (), secrets.token_bytes(SECRET_BYTES))
            company = await repos.insert_company(conn, uuid7.uuid7(), key, key, 35, privacy)
            if company is None:
                company = (await repos.companies_by_external_keys(conn, [key]))[key]
            ids.append(str(company.id))
    finally:
        await conn.close()
    return ids[0], ids[1]


async def privacy_measures(
    client: httpx.AsyncClient, raw: Workload, hidden: Workload, args: argparse.Namespace
) -> list[tuple[str, float]]:
    """batchRecordUsage with user ids for a RAW and a PSEUDONYMIZED company, taken
    in turns (best of three each) so that both see the same machine."""
    rounds = max(1, args.records // args.batch)
    best = {"raw": 0.0, "psn": 0.0}
    for _ in range(3):
        for name, work in (("raw", raw), ("psn", hidden)):
            payloads = [work.records(args.batch) for _ in range(rounds)]
            best[name] = max(best[name], await batches(client, payloads, 1))
    return [
        ("batchRecordUsage with user ids, RAW company", best["raw"]),
        ("batchRecordUsage with user ids, PSEUDONYMIZED", best["psn"]),
    ]


@contextlib.contextmanager
def server(
    env: dict[str, str], port: int, log: IO[str], *options: str
) -> Iterator[subprocess.Popen[bytes]]:
    """A `metergraph serve` process on ``port`` while the block runs."""
    command = [str(Path(sys.executable).parent / "metergraph"), "serve", "--port", str(port)]
    process = subprocess.Popen([*command, *options], env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def cpu_seconds(process: subprocess.Popen[bytes]) -> Callable[[], float]:
    """The server process's CPU seconds so far (user and system), as a function."""
    watched = psutil.Process(process.pid)

    def seconds() -> float:
        times = watched.cpu_times()
        return float(times.user + times.system)

    return seconds


class ServerCpu:
    """The server's CPU microseconds per record of each measure taken through ``timed``."""

    def __init__(self, seconds: Callable[[], float]) -> None:
        self._seconds = seconds
        self.per_record: dict[str, float] = {}

    async def timed(self, name: str, records: int, measure: Awaitable[float]) -> tuple[str, float]:
        before = self._seconds()
        rate = await measure
        self.per_record[name] = (self._seconds() - before) / records * 1e6
        return name, rate


async def batch_measures(
    client: httpx.AsyncClient,
    dsn: str,
    work: Workload,
    args: argparse.Namespace,
    cpu: ServerCpu,
    base: Baselines,
) -> list[tuple[str, float]]:
    """batchRecordUsage (1 and 4 clients, all duplicates) and bulk NDJSON and CSV,
    each framed by the baseline's COPY.

    Each measure but the re-sent batch starts from empty usage tables, as the
    baseline's COPY does: a measure is not slowed by the rows of the ones
    before it."""

    def timed(name: str, records: int, measure: Awaitable[float]) -> Awaitable[tuple[str, float]]:
        return base.framed(name, cpu.timed(name, records, measure))

    n = args.records
    payloads = [work.records(args.batch) for _ in range(max(1, n // args.batch))]
    one = f"batchRecordUsage, {args.batch}/batch, 1 client"
    results = [await timed(one, n, batches(client, payloads, 1))]
    rate, outcome = await resend(client, payloads[0])
    assert outcome["duplicates"] == len(payloads[0]), outcome
    await truncate(dsn)
    payloads4 = [work.records(args.batch) for _ in range(max(4, n // args.batch))]
    four = f"batchRecordUsage, {args.batch}/batch, 4 clients"
    total4 = sum(len(p) for p in payloads4)
    results.append(await timed(four, total4, batches(client, payloads4, 4)))
    results.append(("batch re-sent (all duplicates)", rate))
    await truncate(dsn)
    ndjson = "".join(json.dumps(r) + "\n" for r in work.records(n)).encode()
    measure = bulk(client, ndjson, "application/x-ndjson", n)
    results.append(await timed("bulk NDJSON over HTTP", n, measure))
    await truncate(dsn)
    csv_lines = ["event_id,customer_id,product_code,metric_name,timestamp,quantity"]
    for r in work.records(n):
        csv_lines.append(
            f"{r['idempotencyKey']},bench,API,API_REQUESTS,{r['timestamp']},{r['value']}"
        )
    body = ("\n".join(csv_lines) + "\n").encode()
    results.append(await timed("bulk CSV over HTTP", n, bulk(client, body, "text/csv", n)))
    return results


async def single_measures(
    port: int, key: str, work: Workload, args: argparse.Namespace
) -> list[tuple[str, float]]:
    """A GraphQL round trip with nothing to store (recordUsage's ceiling), and recordUsage."""
    warm = args.clients * 10
    trips = [{"query": "{ __typename }"}] * (args.singles + warm)
    trip = await concurrently(port, key, trips, args.clients, "Query", warm)
    singles = [
        {"query": SINGLE, "variables": {"input": r}} for r in work.records(args.singles + warm)
    ]
    single = await concurrently(port, key, singles, args.clients, "RecordedUsage", warm)
    return [
        (f"GraphQL round trip, {args.clients} clients", trip),
        (f"recordUsage, {args.clients} concurrent clients", single),
    ]


async def worker_measures(
    port: int, key: str, work: Workload, args: argparse.Namespace
) -> list[tuple[str, float]]:
    """The batch and single-record loads against several server processes on the port."""
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"}, timeout=300
    ) as client:
        await wait_ready(client)
        payloads4 = [work.records(args.batch) for _ in range(max(4, args.records // args.batch))]
        rate = await batches(client, payloads4, 4)
    warm = args.clients * 10
    singles = [
        {"query": SINGLE, "variables": {"input": r}} for r in work.records(args.singles + warm)
    ]
    single = await concurrently(port, key, singles, args.clients, "RecordedUsage", warm)
    return [
        (f"batchRecordUsage, 4 clients, {args.workers} workers", rate),
        (f"recordUsage, {args.clients} clients, {args.workers} workers", single),
    ]


async def run(args: argparse.Namespace, dsn: str) -> None:
    company_id, key, start = await seed(dsn)
    raw_company, hidden_company = await seed_privacy_pair(dsn)
    hot_companies = await seed_companies(dsn, "bench_hot", 8)
    (tail_company,) = await seed_companies(dsn, "bench_tail", 1)
    env = {**os.environ, "DATABASE_URL": dsn, "METERGRAPH_SCHEDULER": "false"}
    work = Workload(company_id, start)
    results: list[tuple[str, float]] = []
    with open(os.environ.get("BENCH_SERVER_LOG", os.devnull), "w") as log:  # noqa: ASYNC230
        port = free_port()
        with server(env, port, log) as process:
            cpu = ServerCpu(cpu_seconds(process))
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {key}"},
                timeout=300,
                limits=httpx.Limits(max_connections=64),
            ) as client:
                await wait_ready(client)
                base = Baselines(dsn, company_id, args.records, start)
                sql = f"store SQL alone, {args.batch}/transaction"
                floor = await base.framed(
                    sql, store_sql(dsn, company_id, args.records, start, args.batch)
                )
                results.append((sql, floor))
                await truncate(dsn)
                batched = await batch_measures(client, dsn, work, args, cpu, base)
                results += batched
                hot = await hot_measures(client, company_id, hot_companies, start, args)
                results += hot
                results += await single_measures(port, key, work, args)
                privacy = await privacy_measures(
                    client,
                    Workload(raw_company, start, users=1_000),
                    Workload(hidden_company, start, users=1_000),
                    args,
                )
                results += privacy
                folder = await folder_measures(client, dsn, tail_company, start, args.unfolded)
                results.append(("rollup folder catching up", folder["rate"]))
        port = free_port()
        with server(env, port, log, "--workers", str(args.workers)):
            results += await worker_measures(port, key, work, args)

    print_rates(results, base, floor, cpu)
    (_, raw_rate), (_, hidden_rate) = privacy
    print(
        f"\npseudonymized / raw user ids: {hidden_rate / raw_rate:.3f}"
        f" (the keyed hash costs {100 * (1 - hidden_rate / raw_rate):.1f} %)"
    )
    print(
        f"\n{args.records} rows per measure; recordUsage: {args.singles} records"
        f" after {args.clients * 10} not timed"
    )
    print_targets(base, batched, hot, folder, args)


def print_rates(
    results: list[tuple[str, float]], base: Baselines, floor: float, cpu: ServerCpu
) -> None:
    """Each measure's rate, against the baseline and the store's SQL alone."""
    fastest = max(base.samples)
    # x COPY: against the faster COPY either side of the measure (base.of).
    # x SQL: against the store's SQL alone, what PostgreSQL needs of any batch.
    # CPU: the server process's CPU microseconds per record (its Python's share).
    print(f"\n{'measure':<46} {'rows/s':>12} {'x COPY':>8} {'x SQL':>7} {'CPU us':>7}")
    print(
        f"{'raw COPY (baseline), fastest':<46} {fastest:>12,.0f} {1:>8.2f} {fastest / floor:>7.2f}"
    )
    for name, rate in results:
        used = f"{cpu.per_record[name]:>7.1f}" if name in cpu.per_record else ""
        near = base.of(name)
        print(f"{name:<46} {rate:>12,.0f} {rate / near:>8.2f} {rate / floor:>7.2f} {used}")
    samples = ", ".join(f"{rate:,.0f}" for rate in base.samples)
    print(
        f"\nthe baseline's COPY, taken {len(base.samples)} times: {samples} records/s;"
        " a measure framed by two is held to the faster of them, the others to the fastest"
        f"\nthe fastest COPY takes {1e6 / fastest:.1f} us of wall time per record;"
        " CPU us is the server process's CPU time per record (decoding, checking and"
        " encoding in Python), which one server process spends on one core"
    )


def print_targets(
    base: Baselines,
    batched: list[tuple[str, float]],
    hot: list[tuple[str, float]],
    folder: dict[str, Any],
    args: argparse.Namespace,
) -> None:
    """The ratios the write path is held to, each beside its target."""
    rate = dict(batched)
    one_name = f"batchRecordUsage, {args.batch}/batch, 1 client"
    four_name = f"batchRecordUsage, {args.batch}/batch, 4 clients"
    one = rate[one_name]
    (_, same), (_, spread) = hot

    def copied(name: str) -> float:
        return rate[name] / base.of(name)

    rows = [
        ("batchRecordUsage, 1 client / COPY", copied(one_name), ">= 0.5"),
        ("batchRecordUsage, 4 clients / COPY", copied(four_name), ">= 0.5"),
        ("bulk NDJSON / COPY", copied("bulk NDJSON over HTTP"), ">= 0.7"),
        ("bulk CSV / COPY", copied("bulk CSV over HTTP"), ">= 0.7"),
        ("one company and hour / 8 companies", same / spread, ">= 0.9"),
        ("folder catch-up / batchRecordUsage, 1 client", folder["rate"] / one, ">= 2"),
    ]
    print(f"\n{'ratio':<46} {'value':>8}  target")
    for name, value, target in rows:
        print(f"{name:<46} {value:>8.2f}  {target}")

    def yes(flag: bool) -> str:
        return "yes" if flag else "NO"

    print(
        f"\naggregateUsage with {folder['waiting']:,} records unfolded equals the raw SUM and"
        f" COUNT: {yes(folder['exact'])} ({folder['seconds'] * 1000:.0f} ms);"
        f" after the folder caught up ({folder['folded']:,} records folded):"
        f" {yes(folder['exact_after'])} ({folder['seconds_after'] * 1000:.0f} ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--singles", type=int, default=5_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="server processes, last measure")
    parser.add_argument(
        "--unfolded", type=int, default=1_000_000, help="records left unfolded for the last checks"
    )
    parser.add_argument(
        "--hot-batch", type=int, default=1_000, help="records per batch, one company and hour"
    )
    args = parser.parse_args()
    with postgres() as dsn:
        asyncio.run(run(args, dsn))


if __name__ == "__main__":
    main()
