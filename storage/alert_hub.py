"""Alerts as they are raised, pushed to this process's subscribers.

An alert's transaction also runs ``pg_notify('metergraph_alerts', ...)``;
PostgreSQL delivers it at commit to every server process listening, so a
subscriber hears of alerts raised by any process, and only of committed
ones. Each subscriber has its own bounded queue; a slow one loses the
oldest news rather than holding others up.

The same connection hears of revoked API keys (``KEY_REVOKED``, announced
by a trigger on api_keys) and tells whoever asked (api.keys.KeyResolver).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import AsyncIterator
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from storage.alerts import ALERT_CHANNEL as CHANNEL
from storage.db import connect

_log = logging.getLogger(__name__)

QUEUE_SIZE = 100


class KeyWatcher(Protocol):
    def revoked(self, key_id: UUID | None) -> None:
        """``key_id`` was revoked (None: revocations may have gone unheard)."""


KEY_REVOKED = "metergraph_key_revoked"


class AlertHub:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._subscribers: dict[asyncio.Queue[UUID], UUID | None] = {}
        self._relisten: asyncio.Task[None] | None = None
        # told of revoked keys; held weakly: a watcher lives as long as its owner
        self.key_watchers: weakref.WeakSet[KeyWatcher] = weakref.WeakSet()

    async def start(self) -> None:
        self._conn = await connect(self._dsn)
        await self._conn.add_listener(CHANNEL, self._heard)
        await self._conn.add_listener(KEY_REVOKED, self._key_revoked)
        self._conn.add_termination_listener(self._lost)

    @property
    def listening(self) -> bool:
        """True while notifications can arrive (what is not heard must be asked for)."""
        return self._conn is not None and not self._conn.is_closed()

    def _lost(self, conn: Any) -> None:
        # Revocations may now go unheard: nobody may trust what they cached.
        self._tell_revoked(None)
        # The server went away (restarted): listen again once it is back.
        if self._conn is conn and self._relisten is None:
            self._relisten = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        delay = 0.2
        try:
            while True:
                await asyncio.sleep(delay)
                try:
                    await self.start()
                    _log.info("listening for alerts again")
                    return
                except Exception:
                    delay = min(delay * 2, 5.0)
        finally:
            self._relisten = None

    async def stop(self) -> None:
        if self._relisten is not None:
            self._relisten.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relisten
        conn, self._conn = self._conn, None  # closing it is no loss to recover from
        if conn is not None:
            conn.remove_termination_listener(self._lost)
            with contextlib.suppress(Exception):
                await conn.remove_listener(CHANNEL, self._heard)
                await conn.remove_listener(KEY_REVOKED, self._key_revoked)
            with contextlib.suppress(Exception):
                await conn.close()

    def _key_revoked(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            key_id = UUID(payload)
        except ValueError:
            _log.warning("ignored a malformed key revocation: %r", payload)
            return
        self._tell_revoked(key_id)

    def _tell_revoked(self, key_id: UUID | None) -> None:
        for watcher in list(self.key_watchers):
            try:
                watcher.revoked(key_id)
            except Exception:
                _log.exception("a key revocation listener failed")

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
