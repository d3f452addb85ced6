"""The running service's resources, started and stopped as one.

Used by the Starlette lifespan (``metergraph serve``) and by the CLI
commands that need the database. Nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from metergraph.config import Settings
from storage.alert_hub import AlertHub
from storage.alerts import ThresholdWatch
from storage.audit import AuditWriter
from storage.db import connect, create_pool
from storage.embedded import EmbeddedPostgres
from storage.ingest import GroupCommitter, IngestRules, ReferenceCache, UsageIngestor
from storage.migrate import migrate
from storage.partitions import PartitionCatalog
from storage.reports import ReportRunner

_log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "metergraph"


@dataclass
class Runtime:
    settings: Settings
    dsn: str
    pool: asyncpg.Pool
    partitions: PartitionCatalog
    references: ReferenceCache
    ingestor: UsageIngestor
    group_commit: GroupCommitter
    audit: AuditWriter
    thresholds: ThresholdWatch
    alert_hub: AlertHub
    reports: ReportRunner


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


@contextlib.contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """Yield the DSN of the service's database, starting the embedded server if needed."""
    if settings.database_url:
        yield settings.database_url
        return
    server = EmbeddedPostgres(settings.data_dir)
    server.start()
    try:
        yield server.dsn(EMBEDDED_DATABASE)
    finally:
        server.stop()


async def ensure_database(dsn: str) -> None:
    """Create the embedded server's application database on first start."""
    name = urlsplit(dsn).path.lstrip("/")
    admin = await connect(with_database(dsn, "postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            try:
                # An identifier cannot be a bind parameter; quote_ident makes it safe.
                quoted = await admin.fetchval("SELECT quote_ident($1)", name)
                await admin.execute(f"CREATE DATABASE {quoted}")
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await admin.close()


async def prepare_database(dsn: str) -> list[str]:
    conn = await connect(dsn)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


# The server, and a CLI import, collect the youngest generation after this
# many new container objects (CPython's default is 700). Ingestion allocates
# millions of short-lived records, drafts and rows that reference counting
# frees, almost none of them in cycles: at the default, collections took more
# than half of the time spent parsing a bulk file.
GC_YOUNG_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Collect less often, and never walk what start-up left alive again."""
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
    gc.collect()
    gc.freeze()


@contextlib.asynccontextmanager
async def open_runtime(
    settings: Settings, dsn: str, *, run_migrations: bool = True
) -> AsyncIterator[Runtime]:
    if run_migrations:
        applied = await prepare_database(dsn)
        if applied:
            _log.info("applied migrations: %s", ", ".join(applied))
    pool = await create_pool(dsn, min_size=settings.pool_min_size, max_size=settings.pool_max_size)
    try:
        partitions = PartitionCatalog()
        await partitions.ensure_ahead(pool, datetime.now(UTC).date())
        references = ReferenceCache(pool)
        ingestor = UsageIngestor(
            pool,
            IngestRules(
                future_tolerance=timedelta(seconds=settings.future_tolerance_seconds),
                max_batch_size=settings.max_batch_size,
                limits=settings.limits,
            ),
            references,
            partitions,
        )
        committer = GroupCommitter(
            ingestor,
            window=settings.group_commit_window_ms / 1000,
            max_records=settings.group_commit_max_records,
        )
        committer.start()
        audit = AuditWriter(pool)
        thresholds = ThresholdWatch(pool)
        ingestor.after_commit = thresholds.on_commit
        hub = AlertHub(dsn)
        await hub.start()
        reports = ReportRunner(pool)
        try:
            yield Runtime(
                settings,
                dsn,
                pool,
                partitions,
                references,
                ingestor,
                committer,
                audit,
                thresholds,
                hub,
                reports,
            )
        finally:
            await reports.close()
            await committer.stop()
            await audit.close()
            await hub.stop()
    finally:
        await pool.close()
