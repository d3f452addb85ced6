"""The rollup folder killed with SIGKILL midway through its folds, as a real
process (``metergraph jobs run rollup-usage``, and the server whose
scheduler folds): the fold it was in rolls back whole, readers stay exact,
the rerun folds the rest, a resent batch is all duplicates, and the rollups
equal the raw records."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from tests.integration.test_aggregation import BASE, draft, new_company
from tests.integration.test_cli_commands import METERGRAPH
from tests.integration.test_rollup_folder import (
    UNFOLDED,
    check_every_aggregate,
    rollups_equal_raw,
)
from tests.integration.test_server_process import free_port

TRANSACTIONS = 12
PER_TRANSACTION = 15_000

INSERT = """
WITH rows AS (
    SELECT gen_random_uuid() AS id, $1::uuid AS company_id,
           $2::timestamptz + g * interval '1 second' AS ts, (g % 97 + 1)::numeric AS value,
           'k-' || g AS key
    FROM generate_series($3::int, $4::int - 1) AS g
), keys AS (
    INSERT INTO usage_idempotency_keys (company_id, idempotency_key, record_id, metric_code, ts,
                                        value)
    SELECT company_id, key, id, 'API_REQUESTS', ts, value FROM rows
)
INSERT INTO usage_records (id, company_id, metric_code, resource_type, ts, value, unit,
                           measurement_type, billable, idempotency_key)
SELECT id, company_id, 'API_REQUESTS', 'API_CALLS', ts, value, 'requests', 'COUNTER', true, key
FROM rows
"""


async def folded_so_far(conn: Any) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM usage_records"
            " WHERE xid < (SELECT folded_below FROM usage_rollup_watermark)"
        )
    )


async def fold_in_flight(conn: Any) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE state = 'active' AND query LIKE 'WITH folded AS%'"
        )
    )


async def seed_unfolded(runtime: Any) -> UUID:
    """TRANSACTIONS x PER_TRANSACTION records of a new company, none folded."""
    company = await new_company(runtime)
    await runtime.partitions.ensure_ahead(runtime.pool, BASE.date())
    async with runtime.pool.acquire() as conn:
        for n in range(TRANSACTIONS):  # one transaction id each
            first = n * PER_TRANSACTION
            await conn.execute(INSERT, company, BASE, first, first + PER_TRANSACTION)
    return company


def folder_env(database: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_ROLLUP_FOLD_BATCH": str(PER_TRANSACTION),
        **extra,
    }


async def kill_mid_fold(runtime: Any, process: asyncio.subprocess.Process) -> None:
    """SIGKILL ``process`` once a fold has committed and the next is in flight; the
    kill must land midway: some transactions folded, not all of them."""
    async with runtime.pool.acquire() as conn:
        deadline = time.monotonic() + 120
        while not (await folded_so_far(conn) and await fold_in_flight(conn)):
            assert process.returncode is None, "the folder finished before it could be killed"
            assert time.monotonic() < deadline, "no fold in flight within two minutes"
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 30)
        folded = await folded_so_far(conn)
    assert 0 < folded < TRANSACTIONS * PER_TRANSACTION
    assert folded % PER_TRANSACTION == 0


async def resent_are_duplicates_and_rollups_equal_raw(runtime: Any, company: UUID) -> None:
    """The same records sent again are all duplicates: nothing stored, nothing
    counted twice; the rollups hold every record once."""
    total = TRANSACTIONS * PER_TRANSACTION
    resent = [
        draft(company, BASE + timedelta(seconds=g), Decimal(g % 97 + 1), idempotency_key=f"k-{g}")
        for g in range(0, total, 97)
    ]
    result = await runtime.ingestor.ingest(resent, backfill=True)
    assert (result.duplicates, result.accepted, result.rejected) == (len(resent), 0, 0)
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM usage_records") == total
        hour_total = await conn.fetchval("SELECT sum(records) FROM usage_rollup_hour")
        assert hour_total == total
        await rollups_equal_raw(conn)
    await check_every_aggregate(runtime, company)


async def test_a_folder_killed_mid_fold_loses_and_doubles_nothing(
    runtime: Any, database: str
) -> None:
    company = await seed_unfolded(runtime)
    env = folder_env(database)
    command = [str(METERGRAPH), "jobs", "run", "rollup-usage"]
    folder = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    await kill_mid_fold(runtime, folder)
    await check_every_aggregate(runtime, company)

    # the rerun waits for the dead fold's backend to go, then folds the rest
    again = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await asyncio.wait_for(again.communicate(), 300)
    assert again.returncode == 0, errors.decode()
    async with runtime.pool.acquire() as conn:
        await rollups_equal_raw(conn)
    await resent_are_duplicates_and_rollups_equal_raw(runtime, company)


async def serve(database: str, port: int) -> asyncio.subprocess.Process:
    """A `metergraph serve` process whose scheduler folds every 50 ms."""
    env = folder_env(database, METERGRAPH_ROLLUP_FOLD_INTERVAL="0.05")
    return await asyncio.create_subprocess_exec(
        str(METERGRAPH),
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_server_killed_mid_fold_folds_the_rest_when_it_comes_back(
    runtime: Any, database: str
) -> None:
    company = await seed_unfolded(runtime)
    port = free_port()
    server = await serve(database, port)
    try:
        await kill_mid_fold(runtime, server)
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()
    await check_every_aggregate(runtime, company)

    # back on the same data: its folder takes over once the dead fold's backend is gone
    server = await serve(database, port)
    try:
        async with runtime.pool.acquire() as conn:
            deadline = time.monotonic() + 120
            while await conn.fetchval(UNFOLDED):
                assert server.returncode is None, "the server stopped"
                assert time.monotonic() < deadline, "the server's folder did not catch up"
                await asyncio.sleep(0.1)
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 60)
    await resent_are_duplicates_and_rollups_equal_raw(runtime, company)
