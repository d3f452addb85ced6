"""A database that refuses connections is answered DATABASE_UNAVAILABLE.

Real refusals: a TCP port nobody listens on ("[Errno 111] Connection
refused") and a role whose connection limit is reached ("too many
connections", SQLSTATE 53300, the class of "sorry, too many clients
already"). The answer is typed and never carries the driver's or the
operating system's text.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from services.keys import KeyResolver
from storage.db import UNAVAILABLE_MESSAGE, Pool, connect

LEAKS = ("Errno", "refused", "too many", "sorry", "connection limit", "asyncpg", "Traceback")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _with_user(dsn: str, user: str, password: str) -> str:
    parts = urlsplit(dsn)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{host}"))


@pytest.fixture(params=["connection refused", "too many connections"])
async def refusing_pool(request: Any, database: str, server_dsn: str) -> AsyncIterator[Pool]:
    """A pool (connecting lazily) on a database that refuses every connection."""
    role = None
    if request.param == "connection refused":
        dsn = f"postgresql://metergraph@127.0.0.1:{_free_port()}/metergraph"
    else:
        role = f"mg_full_{uuid.uuid4().hex[:12]}"
        admin = await connect(server_dsn)
        try:
            # a role, not the server: the test server is shared
            await admin.execute(f"CREATE ROLE {role} LOGIN PASSWORD 'full' CONNECTION LIMIT 0")
        finally:
            await admin.close()
        dsn = _with_user(database, role, "full")
    pool = await Pool(
        dsn,
        min_size=0,
        max_size=2,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
    )
    try:
        yield pool
    finally:
        await pool.close()
        if role is not None:
            admin = await connect(server_dsn)
            try:
                await admin.execute(f"DROP ROLE {role}")
            finally:
                await admin.close()


def _assert_no_leak(text: str) -> None:
    for word in LEAKS:
        assert word.lower() not in text.lower(), text


async def test_a_query_on_a_refusing_database_is_a_typed_graphql_error(
    app: Any, http: httpx.AsyncClient, admin: Any, runtime: Any, refusing_pool: Pool
) -> None:
    await admin("{ metrics { code } }")  # the key is known (and cached) while the database is up
    app.state.runtime = replace(runtime, pool=refusing_pool)
    response = await admin.post("{ metrics { code } }")
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "DATABASE_UNAVAILABLE"}
    assert error["message"] == UNAVAILABLE_MESSAGE
    _assert_no_leak(response.text)


async def test_a_request_whose_key_cannot_be_checked_is_a_typed_503(
    app: Any, http: httpx.AsyncClient, admin: Any, refusing_pool: Pool
) -> None:
    app.state.keys = KeyResolver(refusing_pool)
    response = await admin.post("{ metrics { code } }")
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
    assert response.headers["retry-after"] == "1"
    _assert_no_leak(response.text)


async def test_readyz_is_503_and_healthz_200_while_the_database_refuses(
    app: Any, http: httpx.AsyncClient, runtime: Any, refusing_pool: Pool
) -> None:
    assert (await http.get("/readyz")).json() == {"status": "ready", "database": "up"}
    app.state.runtime = replace(runtime, pool=refusing_pool)
    ready = await http.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {
        "status": "unavailable",
        "code": "DATABASE_UNAVAILABLE",
        "database": "unreachable",
    }
    # not this process's to restart (DATABASE_URL): alive, and waiting for it
    health = await http.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok", "database": "external"})
