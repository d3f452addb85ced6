"""Alerts as they are raised, pushed to this process's subscribers.

An alert's transaction also runs ``pg_notify('metergraph_alerts', ...)``;
PostgreSQL delivers it at commit to every server process listening, so a
subscriber hears of alerts raised by any process, and only of committed
ones. Each subscriber has its own bounded queue; a slow one loses the
oldest news rather than holding others up.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

import asyncpg

from storage.alerts import ALERT_CHANNEL as CHANNEL
from storage.db import connect

_log = logging.getLogger(__name__)

QUEUE_SIZE = 100


class AlertHub:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._subscribers: dict[asyncio.Queue[UUID], UUID | None] = {}

    async def start(self) -> None:
        self._conn = await connect(self._dsn)
        await self._conn.add_listener(CHANNEL, self._heard)

    async def stop(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.remove_listener(CHANNEL, self._heard)
            await self._conn.close()
            self._conn = None

    def _heard(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            message = json.loads(payload)
            alert_id, company_id = UUID(message["alert"]), UUID(message["company"])
        except (ValueError, KeyError, TypeError):
            _log.warning("ignored a malformed alert notification: %r", payload)
            return
        for queue, company in self._subscribers.items():
            if company is None or company == company_id:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(alert_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, company_id: UUID | None) -> AsyncIterator[asyncio.Queue[UUID]]:
        """Alert ids as they commit: of one company, or (None) of all."""
        queue: asyncio.Queue[UUID] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers[queue] = company_id
        try:
            yield queue
        finally:
            self._subscribers.pop(queue, None)
