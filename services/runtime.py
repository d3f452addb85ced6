"""The running service's resources, started and stopped as one.

Used by the Starlette lifespan (``metergraph serve``) and by the CLI
commands that need the database. Nothing here runs at import time.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from services.alert_watch import AlertHub, ThresholdWatch
from services.audit import AuditWriter
from services.config import Settings
from services.pipeline import GroupCommitter, IngestRules, ReferenceCache, UsageIngestor
from services.replicas import Read, ReadRouter
from services.report_runner import ReportRunner
from storage.db import UNAVAILABLE, connect, create_database, create_pool, ping
from storage.embedded import EmbeddedPostgres, PostmasterState, PostmasterWatch
from storage.errors import DatabaseUnavailable
from storage.migrate import migrate
from storage.partitions import PartitionCatalog

T = TypeVar("T")

_log = logging.getLogger(__name__)

EMBEDDED_DATABASE = "metergraph"

# What means the database cannot be reached (``is_unavailable`` also looks at
# what an error was raised from): the API answers it with 503 or the
# DATABASE_UNAVAILABLE code and UNAVAILABLE_MESSAGE, never with the driver's text.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (DatabaseUnavailable, *UNAVAILABLE)


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
    # set in the process that holds the embedded server (None: DATABASE_URL, or a worker)
    postmaster: PostmasterWatch | None = None
    # where read-only use cases read: a replica fresh enough, else the primary
    reads: ReadRouter | None = None

    async def read(self, read: Read[T]) -> T:
        """``read`` on a connection that may be a replica's (see services.replicas)."""
        if self.reads is None:
            async with self.pool.acquire() as conn:
                return await read(conn)
        return await self.reads.run(read)


def with_database(dsn: str, database: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))


# The watch on the embedded server this process holds, by the DSN handed out.
_WATCHES: dict[str, PostmasterWatch] = {}


@contextlib.contextmanager
def database_server(settings: Settings) -> Iterator[str]:
    """Yield the DSN of the service's database, starting the embedded server if needed.

    The embedded server is watched while the DSN is in use: if its postmaster
    dies, it is started again (``PostmasterWatch``).
    """
    if settings.database_url:
        yield settings.database_url
        return
    server = EmbeddedPostgres(settings.data_dir)
    server.start()
    dsn = server.dsn(EMBEDDED_DATABASE)
    watch = PostmasterWatch(
        server,
        interval=settings.postgres_watch_interval_ms / 1000,
        attempts=settings.postgres_restart_attempts,
    )
    watch.start()
    _WATCHES[dsn] = watch
    try:
        yield dsn
    finally:
        _WATCHES.pop(dsn, None)
        watch.stop()
        server.stop()


@dataclass(frozen=True)
class Health:
    """What ``/healthz`` and ``/readyz`` answer."""

    database: str  # up, restarting, failed, unreachable, or external (not watched here)
    live: bool  # the process serves, or will once its database is back
    ready: bool | None = None  # the database answered a query (None: not asked)


def liveness(runtime: Runtime) -> Health:
    """Whether this process can still serve, without asking the database."""
    watch = runtime.postmaster
    if watch is None:
        return Health("external", live=True)
    return Health(watch.state.value, live=watch.state is not PostmasterState.FAILED)


READINESS_TIMEOUT = 2.0


async def readiness(runtime: Runtime) -> Health:
    """Whether the database answers a query now (within READINESS_TIMEOUT seconds)."""
    health = liveness(runtime)
    try:
        async with runtime.pool.acquire(timeout=READINESS_TIMEOUT) as conn:
            await ping(conn, READINESS_TIMEOUT)
    except Exception:  # any failure means "not ready"; what it was is logged elsewhere
        database = health.database if health.database != "up" else "unreachable"
        if database == "external":
            database = "unreachable"
        return Health(database, live=health.live, ready=False)
    return Health("up", live=True, ready=True)


async def ensure_database(dsn: str) -> None:
    """Create the embedded server's application database on first start."""
    name = urlsplit(dsn).path.lstrip("/")
    admin = await connect(with_database(dsn, "postgres"))
    try:
        await create_database(admin, name)
    finally:
        await admin.close()


async def prepare_database(dsn: str) -> list[str]:
    conn = await connect(dsn)
    try:
        return await migrate(conn)
    finally:
        await conn.close()


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """In a ``serve --workers`` child: stop (gracefully, SIGTERM) when the parent dies.

    A parent killed with SIGKILL cannot stop its workers; left running, they
    would keep the port and the database in use. Linux delivers the signal
    asked for here when the parent exits; a parent that died before the
    request was made is noticed by the change of parent pid.
    """
    parent = multiprocessing.parent_process()
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        _log.warning("cannot ask to die with the parent process (errno %d)", ctypes.get_errno())
    if os.getppid() != parent.pid:
        os.kill(os.getpid(), signal.SIGTERM)


def wait_for_port(host: str, port: int, seconds: float) -> bool:
    """Wait up to ``seconds`` until ``host:port`` can be listened on; whether it can.

    Workers of a killed server may still hold the port for the moment they
    take to stop; binding before they are gone would fail.
    """
    # the socket uvicorn binds: IPv6 for an address with a colon, else IPv4
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
            return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.2)


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


def read_router(settings: Settings, primary: asyncpg.Pool) -> ReadRouter:
    return ReadRouter(
        primary,
        settings.replica_urls,
        max_lag_seconds=settings.replica_max_lag_seconds,
        retry_seconds=settings.replica_retry_seconds,
        pool_max_size=settings.pool_max_size,
    )


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
        reads = read_router(settings, pool)
        reports = ReportRunner(pool, settings.report_workers, reads.run)
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
                _WATCHES.get(dsn),
                reads,
            )
        finally:
            await reports.close()
            await reads.close()
            await committer.stop()
            await audit.close()
            await hub.stop()
    finally:
        await pool.close()
