"""What the server counts for Prometheus (``GET /metrics``).

Counters and histograms are kept in this process as events happen: GraphQL
requests by root field and outcome, records accepted, duplicated and
rejected by code, group-commit sizes, imported rows, job runs. Under
``serve --workers`` every worker writes its values to files in
``PROMETHEUS_MULTIPROC_DIR`` (set by ``serve`` before the workers start),
and a scrape answered by any worker sums them all.

What the database knows (the notification outbox's backlog and failures,
the records and deltas not yet folded into the rollups) is read when a scrape arrives, so it is
the same whichever worker answers; the connection pool is this process's.

Labels take values from closed sets only (schema field names, error codes,
job names, outbox channels), never from what a client sends, so a client
cannot grow the number of series.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterable, Iterator, Sequence
from enum import Enum
from operator import attrgetter
from pathlib import Path
from typing import Protocol

import asyncpg
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from domain.field_errors import FieldError
from storage import observability

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

_LATENCY = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)

REQUESTS = Counter(
    "metergraph_graphql_requests",
    "GraphQL requests by root field(s), operation type and outcome (ok, or the error code).",
    ["operation", "type", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "metergraph_graphql_request_seconds",
    "Time to answer a GraphQL request, by root field(s) and operation type.",
    ["operation", "type"],
    buckets=_LATENCY,
)
RECORDS = Counter(
    "metergraph_usage_records",
    "Usage records written, by result: accepted or duplicate (an idempotent replay).",
    ["result"],
)
REJECTED = Counter(
    "metergraph_usage_records_rejected",
    "Usage records refused, by error code.",
    ["code"],
)
GROUP_SIZE = Histogram(
    "metergraph_group_commit_size",
    "Records committed together by one group commit (single recordUsage calls).",
    buckets=_SIZES,
)
IMPORT_ROWS = Counter(
    "metergraph_import_rows",
    "Lines of bulk files imported, by format and result.",
    ["format", "result"],
)
IMPORT_SECONDS = Histogram(
    "metergraph_import_seconds",
    "Time to import one bulk file, by format (rows/s: rate of rows over rate of seconds).",
    ["format"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600),
)
JOB_RUNS = Counter(
    "metergraph_job_runs",
    "Job runs by job and outcome (SUCCEEDED, FAILED, SKIPPED).",
    ["job", "outcome"],
)
JOB_SECONDS = Histogram(
    "metergraph_job_seconds",
    "Time a job run took, by job.",
    ["job"],
    buckets=(0.01, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600),
)
DELIVERY_FAILURES = Counter(
    "metergraph_delivery_failures",
    "Failed attempts to deliver a notification, by channel.",
    ["channel"],
)
POOL = Gauge(
    "metergraph_pool_connections",
    "Database connections of the servers' pools, by state (in_use, idle).",
    ["state"],
    multiprocess_mode="livesum",
)

# A request naming more root fields than this is counted as "several".
MAX_NAMED_FIELDS = 3


def operation_label(fields: Iterable[str]) -> str:
    """The ``operation`` label of a request: its root fields, sorted, or "several"."""
    names = sorted(set(fields))
    if not names:
        return "none"
    if len(names) > MAX_NAMED_FIELDS:
        return "several"
    return ",".join(names)


def observe_request(operation: str, kind: str, outcome: str, seconds: float) -> None:
    REQUESTS.labels(operation, kind, outcome).inc()
    REQUEST_SECONDS.labels(operation, kind).observe(seconds)


def count_records(accepted: int, duplicates: int, errors: Iterable[FieldError]) -> None:
    if accepted:
        RECORDS.labels("accepted").inc(accepted)
    if duplicates:
        RECORDS.labels("duplicate").inc(duplicates)
    for code, n in Tally(e.code.value for e in errors).items():
        REJECTED.labels(code).inc(n)


class _Written(Protocol):
    """What became of one record (services.pipeline.Outcome)."""

    @property
    def status(self) -> Enum: ...

    @property
    def errors(self) -> Sequence[FieldError]: ...


def count_outcomes(outcomes: Iterable[_Written]) -> None:
    """Records of one write, by what became of them."""
    outcomes = list(outcomes)
    # tallied in C by the status's value (an Enum member hashes in Python)
    statuses = Tally(map(_status_value, outcomes))
    errors = (
        [e for o in outcomes if o.errors and o.status._value_ == "REJECTED" for e in o.errors[:1]]
        if statuses["REJECTED"]
        else []
    )
    count_records(statuses["ACCEPTED"], statuses["DUPLICATE"], errors)


_status_value = attrgetter("status._value_")


def observe_group(size: int) -> None:
    GROUP_SIZE.observe(size)


def count_import(fmt: str, accepted: int, duplicates: int, rejected: int, seconds: float) -> None:
    for result, n in (("accepted", accepted), ("duplicate", duplicates), ("rejected", rejected)):
        if n:
            IMPORT_ROWS.labels(fmt, result).inc(n)
    IMPORT_SECONDS.labels(fmt).observe(seconds)


def observe_job(job: str, outcome: str, seconds: float) -> None:
    JOB_RUNS.labels(job, outcome).inc()
    if outcome != "SKIPPED":
        JOB_SECONDS.labels(job).observe(seconds)


def count_delivery_failure(channel: str) -> None:
    DELIVERY_FAILURES.labels(channel).inc()


def note_pool(pool: asyncpg.Pool) -> None:
    """This process's pool, as it is now."""
    size, idle = pool.get_size(), pool.get_idle_size()
    POOL.labels("in_use").set(size - idle)
    POOL.labels("idle").set(idle)


class _Backlog(Collector):
    """The database's figures, read for one scrape."""

    def __init__(self, figures: observability.Backlog) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = GaugeMetricFamily(
            "metergraph_outbox_pending",
            "Notifications waiting in the outbox, by channel.",
            labels=["channel"],
        )
        failed = GaugeMetricFamily(
            "metergraph_outbox_failed",
            "Notifications that failed for good (no try left), by channel.",
            labels=["channel"],
        )
        for channel, (waiting, dead) in sorted(self.figures.outbox.items()):
            pending.add_metric([channel], waiting)
            failed.add_metric([channel], dead)
        yield pending
        yield failed
        yield GaugeMetricFamily(
            "metergraph_rollup_pending_deltas",
            "Rollup deltas of voids and corrections not yet merged into the rollups.",
            value=self.figures.rollup_deltas,
        )
        yield GaugeMetricFamily(
            "metergraph_rollup_unfolded_records",
            "Usage records stored and not yet folded into the rollups (the rollup lag).",
            value=self.figures.unfolded_records,
        )
        yield GaugeMetricFamily(
            "metergraph_rollup_lag_seconds",
            "Age of the oldest usage record not yet folded into the rollups (0: none).",
            value=self.figures.unfolded_age_seconds,
        )
        yield GaugeMetricFamily(
            "metergraph_rollup_stale_hours",
            "Rollup hours whose MIN/MAX/LATEST wait to be recomputed after a void or correction.",
            value=self.figures.stale_hours,
        )


async def scrape(pool: asyncpg.Pool) -> bytes:
    """The text a Prometheus scrape gets: every process's counters, then the database's."""
    async with pool.acquire() as conn:
        note_pool(pool)  # this scrape's connection counts as in use
        figures = await observability.backlog(conn)
    if os.environ.get(MULTIPROCESS_DIR):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    database = CollectorRegistry()
    database.register(_Backlog(figures))
    return generate_latest(counted) + generate_latest(database)


def prepare_multiprocess(directory: Path) -> None:
    """Before ``serve`` starts its workers: an empty directory for their values."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_DIR] = str(directory)


def process_stopped() -> None:
    """A worker that stops takes its pool gauge out of the sums."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(os.getpid())
