"""Test fixtures: one PostgreSQL per session, a fresh database per test.

The server is the embedded one (in a temporary directory) unless
DATABASE_URL is set. The schema is migrated once into a template database;
each test gets its own copy, so tests that use several connections (group
commit, concurrency) are isolated as well as the ones that use one.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.config import Settings

# The seed's event file ships with the package (the demo loads it too).
FIXTURES = Path(__file__).resolve().parents[1] / "metergraph" / "demo_data"
REPO = Path(__file__).resolve().parents[1]

TEMPLATE = "metergraph_template"
_counter = itertools.count()


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """DSN of the maintenance database of the session's PostgreSQL server."""
    if os.environ.get("DATABASE_URL"):
        yield os.environ["DATABASE_URL"]
        return
    from storage.embedded import EmbeddedPostgres

    with tempfile.TemporaryDirectory(prefix="metergraph-test-") as tmp:
        server = EmbeddedPostgres(Path(tmp))
        server.start()
        try:
            yield server.dsn("postgres")
        finally:
            server.stop()


@pytest.fixture(scope="session")
async def template_db(server_dsn: str) -> str:
    from services.runtime import prepare_database, with_database
    from storage.db import connect

    admin = await connect(server_dsn)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TEMPLATE}")
    finally:
        await admin.close()
    await prepare_database(with_database(server_dsn, TEMPLATE))
    return TEMPLATE


@contextlib.asynccontextmanager
async def scratch_database(
    server_dsn: str, prefix: str, template: str | None = None
) -> AsyncIterator[str]:
    """A database of its own (a copy of ``template``, or empty), dropped afterwards; its DSN."""
    from services.runtime import with_database
    from storage.db import connect

    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    admin = await connect(server_dsn)
    try:
        await admin.execute(
            f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else "")
        )
    finally:
        await admin.close()
    try:
        yield with_database(server_dsn, name)
    finally:
        admin = await connect(server_dsn)
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


@pytest.fixture
async def database(server_dsn: str, template_db: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test; its DSN."""
    async with scratch_database(server_dsn, "mgtest", template_db) as dsn:
        yield dsn


@pytest.fixture
def settings(database: str) -> Settings:
    return replace(Settings(), database_url=database, scheduler_enabled=False, pool_max_size=20)


@pytest.fixture
async def runtime(settings: Settings, database: str) -> AsyncIterator[Any]:
    from services.runtime import open_runtime

    async with open_runtime(settings, database, run_migrations=False) as rt:
        yield rt


@pytest.fixture
async def app(settings: Settings, runtime: Any) -> Any:
    from api.app import create_app

    return create_app(settings, runtime=runtime)


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as client:
        yield client


class Api:
    """A GraphQL client bound to one API key."""

    def __init__(self, http: httpx.AsyncClient, key: str | None) -> None:
        self.http = http
        self.key = key

    async def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run an operation that must succeed; its ``data``."""
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data


async def make_key(runtime: Any, role: str, company_id: Any = None) -> str:
    from domain.access import Role
    from services.keys import create_api_key

    async with runtime.pool.acquire() as conn:
        _, key = await create_api_key(conn, Role(role), company_id, f"test-{role.lower()}")
    return key


@pytest.fixture
async def admin(http: httpx.AsyncClient, runtime: Any) -> Api:
    return Api(http, await make_key(runtime, "ADMIN"))


@pytest.fixture
async def system(http: httpx.AsyncClient, runtime: Any) -> Api:
    return Api(http, await make_key(runtime, "SYSTEM"))


@pytest.fixture
def scoped(http: httpx.AsyncClient, runtime: Any) -> Any:
    async def factory(role: str, company_id: Any) -> Api:
        return Api(http, await make_key(runtime, role, company_id))

    return factory
