"""The rollup folder killed with SIGKILL midway through its folds, as a real
process (``metergraph jobs run rollup-usage``): the fold it was in rolls back
whole, readers stay exact, the rerun folds the rest, a resent batch is all
duplicates, and the rollups equal the raw records."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

from tests.integration.test_aggregation import BASE, draft, new_company
from tests.integration.test_cli_commands import METERGRAPH
from tests.integration.test_rollup_folder import check_every_aggregate, rollups_equal_raw

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


async def test_a_folder_killed_mid_fold_loses_and_doubles_nothing(
    runtime: Any, database: str
) -> None:
    company = await new_company(runtime)
    await runtime.partitions.ensure_ahead(runtime.pool, BASE.date())
    total = TRANSACTIONS * PER_TRANSACTION
    async with runtime.pool.acquire() as conn:
        for n in range(TRANSACTIONS):  # one transaction id each
            first = n * PER_TRANSACTION
            await conn.execute(INSERT, company, BASE, first, first + PER_TRANSACTION)
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_ROLLUP_FOLD_BATCH": str(PER_TRANSACTION),
    }
    command = [str(METERGRAPH), "jobs", "run", "rollup-usage"]
    folder = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    async with runtime.pool.acquire() as conn:
        deadline = time.monotonic() + 60
        while not (await folded_so_far(conn) and await fold_in_flight(conn)):
            assert folder.returncode is None, "the folder finished before it could be killed"
            assert time.monotonic() < deadline, "no fold in flight within a minute"
            await asyncio.sleep(0.01)
        folder.send_signal(signal.SIGKILL)
        await asyncio.wait_for(folder.wait(), 30)
        folded = await folded_so_far(conn)
    # killed midway: some transactions folded, not all of them
    assert 0 < folded < total
    assert folded % PER_TRANSACTION == 0
    await check_every_aggregate(runtime, company)

    # the rerun waits for the dead fold's backend to go, then folds the rest
    again = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await asyncio.wait_for(again.communicate(), 300)
    assert again.returncode == 0, errors.decode()
    async with runtime.pool.acquire() as conn:
        await rollups_equal_raw(conn)

    # the same records sent again are all duplicates: nothing stored, nothing counted twice
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
