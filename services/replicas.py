"""Reads that may be answered by a streaming replica (``DATABASE_REPLICA_URLS``).

A read-only use case runs its reading through ``ReadRouter.run``. It goes to
a replica whose replay lag, checked at most once a second on the connection
it is about to use, is under ``METERGRAPH_REPLICA_MAX_LAG``; otherwise, and
when no replica is configured, to the primary. Replicas are taken in turns.

- A replica that cannot be reached (or whose connection breaks under the
  read) is dropped for ``METERGRAPH_REPLICA_RETRY_SECONDS`` and the read runs
  again on the primary: reads change nothing, so running one twice is safe,
  and the request never sees the failure.
- Writes never come here. Inside a mutation (``on_primary``) every read goes
  to the primary too, so a mutation reads what it wrote; a query request
  writes nothing (its audit row goes through the primary's writer), so it
  cannot miss its own writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import TypeVar

import asyncpg

from storage.db import create_pool, is_unavailable
from storage.replicas import replay_lag

_log = logging.getLogger(__name__)

T = TypeVar("T")
Read = Callable[[asyncpg.Connection], Awaitable[T]]
Observer = Callable[[asyncpg.Connection], Awaitable[None]]

# How often a replica's lag is measured (on the connection about to be used).
LAG_CHECK_SECONDS = 1.0
# How long connecting to a replica may take before it counts as gone.
CONNECT_TIMEOUT_SECONDS = 2.0

_PRIMARY_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "metergraph_primary_only", default=False
)


@contextlib.contextmanager
def on_primary() -> Iterator[None]:
    """Every read in this block (and the tasks it starts) goes to the primary."""
    token = _PRIMARY_ONLY.set(True)
    try:
        yield
    finally:
        _PRIMARY_ONLY.reset(token)


@dataclass
class Replica:
    dsn: str
    pool: asyncpg.Pool | None = None
    down_until: float = 0.0
    lag: float = 0.0
    checked_at: float = -1.0
    opening: asyncio.Lock = field(default_factory=asyncio.Lock)


class ReadRouter:
    def __init__(
        self,
        primary: asyncpg.Pool,
        replica_dsns: tuple[str, ...],
        *,
        max_lag_seconds: float,
        retry_seconds: float,
        pool_max_size: int,
    ) -> None:
        self.primary = primary
        self.replicas = [Replica(dsn) for dsn in replica_dsns]
        self.max_lag = max_lag_seconds
        self.retry = retry_seconds
        self.pool_max_size = pool_max_size
        self._turns = itertools.count()
        # called with each connection that answers a read (tests look at it)
        self.observers: list[Observer] = []

    async def run(self, read: Read[T]) -> T:
        """``read`` on a fresh-enough replica's connection, else on the primary's."""
        if self.replicas and not _PRIMARY_ONLY.get():
            for replica in self._in_turn():
                answered, value = await self._try(replica, read)
                if answered:
                    return value
        async with self.primary.acquire() as conn:
            await self._observe(conn)
            return await read(conn)

    def _in_turn(self) -> list[Replica]:
        now = time.monotonic()
        live = [r for r in self.replicas if r.down_until <= now]
        if not live:
            return []
        start = next(self._turns) % len(live)
        return live[start:] + live[:start]

    async def _try(self, replica: Replica, read: Read[T]) -> tuple[bool, T]:
        """(True, value) when ``replica`` answered; (False, ...) to try elsewhere."""
        try:
            pool = await self._pool(replica)
            async with pool.acquire(timeout=CONNECT_TIMEOUT_SECONDS) as conn:
                if not await self._fresh(replica, conn):
                    return False, None  # type: ignore[return-value]
                await self._observe(conn)
                return True, await read(conn)
        except Exception as exc:
            if not (is_unavailable(exc) or isinstance(exc, (OSError, TimeoutError))):
                raise  # the read's own error: the primary would answer the same
            self._drop(replica, exc)
            return False, None  # type: ignore[return-value]

    async def _pool(self, replica: Replica) -> asyncpg.Pool:
        async with replica.opening:
            if replica.pool is None:
                replica.pool = await asyncio.wait_for(
                    create_pool(replica.dsn, min_size=0, max_size=self.pool_max_size),
                    CONNECT_TIMEOUT_SECONDS,
                )
            return replica.pool

    async def _fresh(self, replica: Replica, conn: asyncpg.Connection) -> bool:
        now = time.monotonic()
        if now - replica.checked_at >= LAG_CHECK_SECONDS:
            replica.lag = await replay_lag(conn)
            replica.checked_at = now
        return replica.lag <= self.max_lag

    def _drop(self, replica: Replica, exc: BaseException) -> None:
        _log.warning(
            "replica %d unreachable (%s); reads go elsewhere for %ss",
            self.replicas.index(replica),
            type(exc).__name__,
            self.retry,
        )
        replica.down_until = time.monotonic() + self.retry
        replica.checked_at = -1.0
        pool, replica.pool = replica.pool, None
        if pool is not None:
            pool.terminate()

    async def _observe(self, conn: asyncpg.Connection) -> None:
        for observer in self.observers:
            await observer(conn)

    async def close(self) -> None:
        for replica in self.replicas:
            if replica.pool is not None:
                await replica.pool.close()
                replica.pool = None
