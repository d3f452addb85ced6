"""Alerts and key revocations as PostgreSQL announces them, heard by this process.

An alert's transaction also runs ``pg_notify('metergraph_alerts', ...)``;
PostgreSQL delivers it at commit to every server process listening, so a
listener hears of alerts raised by any process, and only of committed
ones. ``AlertListener`` keeps the listening connection (and listens again
when the server comes back) and hands each alert heard to ``alert_heard``,
which says who is told (``services.alert_watch.AlertHub``).

The same connection hears of revoked and rotated API keys (``KEY_REVOKED``,
``KEY_ROTATED``, announced by triggers on api_keys) and tells whoever asked
(services.keys.KeyResolver).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from storage.alerts import ALERT_CHANNEL as CHANNEL
from storage.db import connect

_log = logging.getLogger(__name__)


class KeyWatcher(Protocol):
    def revoked(self, key_id: UUID | None) -> None:
        """``key_id`` was revoked (None: revocations may have gone unheard)."""

    def rotated(self, key_id: UUID) -> None:
        """``key_id`` was given a new secret."""


KEY_REVOKED = "metergraph_key_revoked"
KEY_ROTATED = "metergraph_key_rotated"


class AlertListener:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._conn: asyncpg.Connection | None = None
        self._relisten: asyncio.Task[None] | None = None
        # told of revoked keys; held weakly: a watcher lives as long as its owner
        self.key_watchers: weakref.WeakSet[KeyWatcher] = weakref.WeakSet()

    async def start(self) -> None:
        self._conn = await connect(self._dsn)
        await self._conn.add_listener(CHANNEL, self._heard)
        await self._conn.add_listener(KEY_REVOKED, self._key_revoked)
        await self._conn.add_listener(KEY_ROTATED, self._key_rotated)
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
                await conn.remove_listener(KEY_ROTATED, self._key_rotated)
            with contextlib.suppress(Exception):
                await conn.close()

    def _key_revoked(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            key_id = UUID(payload)
        except ValueError:
            _log.warning("ignored a malformed key revocation: %r", payload)
            return
        self._tell_revoked(key_id)

    def _key_rotated(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            key_id = UUID(payload)
        except ValueError:
            _log.warning("ignored a malformed key rotation: %r", payload)
            return
        for watcher in list(self.key_watchers):
            try:
                watcher.rotated(key_id)
            except Exception:
                _log.exception("a key rotation listener failed")

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
        self.alert_heard(alert_id, company_id)

    def alert_heard(self, alert_id: UUID, company_id: UUID) -> None:
        """Alert ``alert_id`` of ``company_id`` was committed (by any process)."""
