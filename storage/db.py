"""Connection pools and the codecs every connection shares."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from storage.errors import DatabaseUnavailable
from storage.queries import q

_log = logging.getLogger(__name__)


def _json_default(value: Any) -> Any:
    """Values JSON has no type for, in their usual JSON spelling."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, UUID | datetime | date):
        return value.isoformat() if isinstance(value, date) else str(value)
    raise TypeError(f"{type(value).__name__} cannot be stored as JSON")


def encode_json(value: Any) -> str:
    """``value`` as the JSON text stored for it."""
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def _encode_jsonb(value: Any) -> bytes:
    # Binary jsonb is a version byte (1) followed by the JSON text; binary is
    # what COPY into usage_records needs.
    return b"\x01" + encode_json(value).encode()


def _decode_jsonb(data: bytes) -> Any:
    return json.loads(data[1:])


async def _set_codecs(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec(
        "jsonb", encoder=_encode_jsonb, decoder=_decode_jsonb, schema="pg_catalog", format="binary"
    )
    await conn.set_type_codec(
        "json", encoder=json.dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


# Driver errors that mean PostgreSQL cannot be reached, refuses connections
# (too many clients, starting up, shutting down) or dropped the connection
# under a query (a server restart). Callers see DatabaseUnavailable instead:
# its message never carries the driver's or the operating system's text.
UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.TooManyConnectionsError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)

UNAVAILABLE_MESSAGE = "the database is unavailable; try again shortly"


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database cannot be reached."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (DatabaseUnavailable, *UNAVAILABLE)):
            return True
        seen = seen.__cause__
    return False


class Pool(asyncpg.Pool):
    """An asyncpg pool whose failures to hand out a connection are DatabaseUnavailable.

    A connection broken by a server restart is found closed at its next
    acquire and replaced by a new one, so the pool recovers by itself once
    PostgreSQL is back.
    """

    async def _acquire(self, timeout: float | None) -> Any:  # noqa: ASYNC109 (asyncpg's signature)
        try:
            return await super()._acquire(timeout)  # type: ignore[misc]
        except UNAVAILABLE as exc:
            raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from exc

    async def release(self, connection: Any, *, timeout: float | None = None) -> None:  # noqa: ASYNC109
        # A connection the server dropped in the middle of an operation fails its
        # reset with asyncpg's InternalClientError ("cannot switch to state ...");
        # the pool has terminated it by then. Said as what it is: the database
        # went away, not a fault of the request.
        try:
            await super().release(connection, timeout=timeout)
        except (asyncpg.InternalClientError, *UNAVAILABLE) as exc:
            raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from exc


async def create_pool(
    dsn: str, *, min_size: int = 2, max_size: int = 10, **kw: Any
) -> asyncpg.Pool:
    """A pool on ``dsn`` (a primary's or a standby's), its connections with the
    project's json and jsonb codecs."""
    settings = {"timezone": "UTC", "application_name": "metergraph"}
    try:
        probe = await asyncpg.connect(dsn)
        try:
            if probe.get_server_version().major >= 16:
                # An ordered aggregate (a group's latest reading: array_agg
                # ... ORDER BY ts, id) presorted sorts its whole input on every
                # grouping key and then its own; without it each group sorts its
                # own rows.
                # A session default (not SET), so the pool's RESET ALL keeps it.
                settings["enable_presorted_aggregate"] = "off"
        finally:
            await probe.close()
        # asyncpg.create_pool with this module's Pool class
        pool = await Pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            max_queries=50_000,
            max_inactive_connection_lifetime=300.0,
            loop=None,
            connection_class=asyncpg.Connection,
            record_class=asyncpg.Record,
            init=_set_codecs,
            server_settings=settings,
            **kw,
        )
    except (OSError, asyncpg.PostgresError) as exc:
        _log.warning("cannot connect to PostgreSQL: %s", exc)
        raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from exc
    assert pool is not None
    return pool


async def connect(dsn: str) -> asyncpg.Connection:
    try:
        conn = await asyncpg.connect(dsn, server_settings={"timezone": "UTC"})
    except (OSError, asyncpg.PostgresError) as exc:
        _log.warning("cannot connect to PostgreSQL: %s", exc)
        raise DatabaseUnavailable(UNAVAILABLE_MESSAGE) from exc
    await _set_codecs(conn)
    return conn


async def ping(conn: asyncpg.Connection, timeout: float) -> None:  # noqa: ASYNC109
    """Ask the database for an answer within ``timeout`` seconds."""
    await conn.fetchval(q("ping"), timeout=timeout)


async def create_database(admin: asyncpg.Connection, name: str) -> None:
    """Create database ``name`` unless it exists (``admin``: a connection to another one)."""
    if await admin.fetchval(q("database_exists"), name):
        return
    try:
        quoted = await admin.fetchval(q("quoted_identifier"), name)
        await admin.execute(f"CREATE DATABASE {quoted}")
    except asyncpg.DuplicateDatabaseError:
        pass
