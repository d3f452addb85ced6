"""The write path's per-record Python, each step as a ratio to a bare decode, same run.

    python bench/validate.py [--records 10000] [--runs 9]

No database and no server: the records of one batchRecordUsage (the shape
bench/ingest.py sends) are timed through each step the server takes in
Python, and each step's microseconds per record are printed beside its ratio
to a bare msgspec decode of the same JSON into UsageRecordWire (the baseline):
the request's decoding into drafts, UsageIngestor.check (the metric catalogue
and the company served from memory), a record id, and an NDJSON and a CSV
line parsed. The best of --runs is kept; the garbage collector is tuned as
the server tunes it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.typed_inputs import decode_body  # noqa: E402
from domain.bulk import CsvReader, UsageRecordWire, parse_ndjson  # noqa: E402
from domain.catalog import Company  # noqa: E402
from domain.usage import (  # noqa: E402
    Aggregation,
    MeasurementType,
    Metric,
    ResourceType,
)
from services.pipeline import IngestRules, UsageIngestor, new_record_id  # noqa: E402
from services.runtime import tune_garbage_collector  # noqa: E402

COMPANY = UUID("01900000-0000-7000-8000-000000000001")
METRIC = Metric(
    "API_REQUESTS",
    "API requests",
    ResourceType.API_CALLS,
    MeasurementType.COUNTER,
    "requests",
    Aggregation.SUM,
)
BATCH = """mutation($records: [UsageRecordInput!]!) {
  batchRecordUsage(records: $records) { ... on BatchUsageReport { accepted } }
}"""


class References:
    """The metric catalogue and the company, from memory (ReferenceCache's calls)."""

    def __init__(self, company: Company) -> None:
        self.company = company

    async def metrics(self) -> dict[str, Metric]:
        return {METRIC.code: METRIC}

    async def companies(self, ids: set[UUID]) -> dict[UUID, Company]:
        return {self.company.id: self.company} if self.company.id in ids else {}


def records(count: int, start: datetime) -> list[dict[str, Any]]:
    return [
        {
            "companyId": str(COMPANY),
            "resourceType": "API_CALLS",
            "metricCode": "API_REQUESTS",
            "timestamp": (start + timedelta(milliseconds=n)).isoformat(),
            "value": str(n % 97 + 1),
            "unit": "requests",
            "idempotencyKey": f"evt-{n}",
        }
        for n in range(count)
    ]


def best(step: Callable[[], object], runs: int, count: int) -> float:
    """The fastest of ``runs`` runs of ``step``, in microseconds per record."""
    fastest = float("inf")
    for _ in range(runs):
        began = time.perf_counter()
        step()
        fastest = min(fastest, time.perf_counter() - began)
    return fastest / count * 1e6


def measure(count: int, runs: int) -> list[tuple[str, float]]:
    now = datetime.now(UTC)
    sent = records(count, now - timedelta(hours=2))
    raw = msgspec.json.encode(sent)
    body = msgspec.json.encode({"query": BATCH, "variables": {"records": sent}})
    ndjson = [msgspec.json.encode(r).decode() + "\n" for r in sent]
    csv = [
        f"{r['idempotencyKey']},acme,{r['metricCode']},{r['timestamp']},{r['value']}\n"
        for r in sent
    ]
    reader = CsvReader("event_id,customer_id,metric_name,timestamp,quantity")
    company = Company(COMPANY, "acme", "Acme", 35, now)
    ingestor = UsageIngestor(
        None,  # type: ignore[arg-type]  # check reads no table
        IngestRules(timedelta(minutes=5), count),
        References(company),  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
    )
    decoded = decode_body(body)
    assert decoded is not None and decoded.drafts is not None
    drafts = decoded.drafts
    loop = asyncio.new_event_loop()

    def check() -> None:
        checked = loop.run_until_complete(
            ingestor.check(drafts, allowed_company=None, backfill=False, now=now)
        )
        assert not any(isinstance(c, list) for c in checked)

    wire = msgspec.json.Decoder(list[UsageRecordWire])
    try:
        return [
            (
                "bare decode into UsageRecordWire (baseline)",
                best(lambda: wire.decode(raw), runs, count),
            ),
            (
                "batchRecordUsage body decoded into drafts",
                best(lambda: decode_body(body), runs, count),
            ),
            ("UsageIngestor.check", best(check, runs, count)),
            ("record id (UUIDv7)", best(lambda: [new_record_id() for _ in drafts], runs, count)),
            (
                "NDJSON line parsed",
                best(lambda: [parse_ndjson(n, t) for n, t in enumerate(ndjson, 1)], runs, count),
            ),
            (
                "CSV line parsed",
                best(lambda: [reader.parse(n, t) for n, t in enumerate(csv, 2)], runs, count),
            ),
        ]
    finally:
        loop.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    tune_garbage_collector()
    results = measure(args.records, args.runs)
    baseline = results[0][1]
    print(f"\n{'step':<46} {'us/record':>10} {'x decode':>9}")
    for name, micros in results:
        print(f"{name:<46} {micros:>10.2f} {micros / baseline:>9.2f}")
    print(f"\n{args.records} records, best of {args.runs} runs")


if __name__ == "__main__":
    main()
