"""A real ``metergraph serve`` killed (SIGKILL) in the middle of a bulk import:
the chunks it committed stay, the one in flight rolls back whole, and after a
restart the same file sent again gives every record exactly once, folded
into the rollups once."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import make_key
from tests.integration.helpers import create_company
from tests.integration.test_cli_commands import METERGRAPH
from tests.integration.test_server_process import free_port

START_TIMEOUT = 30.0
# How long the test waits for something that must happen (a commit, a dead
# backend noticed by PostgreSQL): far above what it takes.
WAIT = 60.0
ROWS = 60_000
# Rows per import chunk: each commits on its own.
CHUNK = 2_000


def start(database: str, tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_DATA_DIR": str(tmp_path),
        "METERGRAPH_SCHEDULER": "false",
        "METERGRAPH_IMPORT_CHUNK_ROWS": str(CHUNK),
    }
    with (tmp_path / "serve.log").open("ab") as log:  # the server holds its own copy
        proc = subprocess.Popen(
            [str(METERGRAPH), "serve", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail((tmp_path / "serve.log").read_text(errors="replace")[-4000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(30)


async def until(check: Any, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {WAIT:.0f} s for {what}")
        await asyncio.sleep(0.1)


def usage_file(start_at: datetime) -> tuple[bytes, Decimal]:
    """A CSV of ROWS records, each with its event id, and the sum of their quantities."""
    lines = ["event_id,customer_id,product_code,metric_name,timestamp,quantity"]
    total = Decimal(0)
    for n in range(ROWS):
        quantity = Decimal(n % 97) + Decimal("0.25")
        total += quantity
        ts = (start_at + timedelta(seconds=n)).isoformat()
        lines.append(f"k{n},bulk,API,API_REQUESTS,{ts},{quantity}")
    return ("\n".join(lines) + "\n").encode(), total


async def test_a_server_killed_mid_import_keeps_its_chunks_and_a_resend_counts_once(
    database: str, tmp_path: Path, admin: Any, runtime: Any
) -> None:
    from services.retention import fold_committed
    from storage.db import connect

    await create_company(admin, "bulk")
    key = await make_key(runtime, "ADMIN")
    body, total = usage_file(datetime.now(UTC) - timedelta(days=2))
    half = body.index(b"\n", len(body) // 2) + 1
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/usage-records:import"
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv"}
    conn = await connect(database)
    proc = start(database, tmp_path, port)
    try:
        rest = asyncio.Event()

        async def chunks() -> AsyncIterator[bytes]:
            for at in range(0, half, 65_536):
                yield body[at : min(at + 65_536, half)]
            await rest.wait()  # never set: the server dies holding half the file
            yield body[half:]

        async def stored() -> bool:
            return bool(await conn.fetchval("SELECT count(*) FROM usage_records"))

        async with httpx.AsyncClient(timeout=WAIT) as client:
            sending = asyncio.create_task(client.post(url, content=chunks(), headers=headers))
            await until(stored, "the first chunk to commit")
            stop(proc, signal.SIGKILL)
            # the client is still holding the second half: nothing more to send
            sending.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.TransportError):
                await sending

        async def backend_gone() -> bool:
            return not await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND application_name <> 'pg_stat_activity' AND state = 'active'"
            )

        await until(backend_gone, "PostgreSQL to end the killed server's connections")
        committed = await conn.fetchval("SELECT count(*) FROM usage_records")
        keys = await conn.fetchval("SELECT count(*) FROM usage_idempotency_keys")
        # whole chunks of the file's head: a chunk's keys and records commit together
        assert 0 < committed < ROWS and committed % CHUNK == 0 and keys == committed
        proc = start(database, tmp_path, port)

        async with httpx.AsyncClient(timeout=WAIT) as client:
            again = await client.post(url, content=body, headers=headers)
        assert again.status_code == 200, again.text
        report = again.json()
        assert report["rejected"] == 0, report["errors"][:3]
        assert report["accepted"] + report["duplicates"] == ROWS
        assert report["duplicates"] == committed
        count, stored_total = await conn.fetchrow("SELECT count(*), sum(value) FROM usage_records")
        assert (count, stored_total) == (ROWS, total)
        await fold_committed(conn)
        folded = await conn.fetchrow(
            "SELECT sum(records) AS n, sum(total) AS s FROM usage_rollup_hour"
        )
        assert (folded["n"], folded["s"]) == (ROWS, total)
    finally:
        stop(proc)
        await conn.close()
