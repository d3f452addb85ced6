"""A share of the connection pool, for work that must not take all of it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any


class PoolShare:
    """A pool as one request sees it: at most ``connections`` of it at once."""

    def __init__(self, pool: Any, connections: int) -> None:
        self._pool = pool
        self._share = asyncio.Semaphore(connections)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    @contextlib.asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[Any]:  # noqa: ASYNC109
        async with self._share, self._pool.acquire(timeout=timeout) as conn:
            yield conn
