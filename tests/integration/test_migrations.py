"""Migrations, the migrated schema and the monthly partitions of usage_records."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from storage.migrate import discover, migrate
from storage.partitions import PartitionCatalog, month_of, partition_name
from tests.conftest import scratch_database
from tests.integration.helpers import RECORD_USAGE, api_request, create_company

_counter = itertools.count()


@pytest.fixture
async def empty_database(server_dsn: str) -> AsyncIterator[str]:
    """A fresh database with nothing in it (not even migrations); its DSN."""
    async with scratch_database(server_dsn, "mgempty") as dsn:
        yield dsn


@pytest.fixture
async def connections(empty_database: str) -> AsyncIterator[list[Any]]:
    """Two separate connections to the empty database."""
    from storage.db import connect

    conns = [await connect(empty_database), await connect(empty_database)]
    try:
        yield conns
    finally:
        for conn in conns:
            await conn.close()


@pytest.fixture
async def conn(database: str) -> AsyncIterator[Any]:
    """A connection to a fresh, migrated database."""
    from storage.db import connect

    connection = await connect(database)
    try:
        yield connection
    finally:
        await connection.close()


ALL_MIGRATIONS = [m.name for m in discover()]


async def test_migrating_twice_applies_nothing_the_second_time(connections: list[Any]) -> None:
    conn = connections[0]
    assert ALL_MIGRATIONS, "no migration files found"
    assert await migrate(conn) == ALL_MIGRATIONS
    assert await migrate(conn) == []
    rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
    assert [r["name"] for r in rows] == ALL_MIGRATIONS


async def test_two_concurrent_migrators_both_succeed_and_apply_each_migration_once(
    connections: list[Any],
) -> None:
    first, second = await asyncio.gather(*(migrate(c) for c in connections))
    assert sorted(first + second) == sorted(ALL_MIGRATIONS)
    # One waited on the lock, then found nothing to do.
    assert [] in (first, second)
    rows = await connections[0].fetch(
        "SELECT version, count(*) AS n FROM schema_migrations GROUP BY version ORDER BY version"
    )
    assert [(r["version"], r["n"]) for r in rows] == [(m.version, 1) for m in discover()]
    # The default metrics were inserted once, not twice.
    assert await connections[1].fetchval("SELECT count(*) FROM metrics") == 3


# What the repositories in storage/ read and write, table by table.
EXPECTED_COLUMNS = {
    "companies": "id external_key name late_arrival_days created_at",
    "metrics": "code name resource_type measurement_type unit aggregation reporting_interval"
    " description created_at",
    "api_keys": "id name role company_id key_hash key_prefix created_at revoked_at expires_at"
    " last_used_at rotated_at previous_key_hash previous_valid_until",
    "audit_log": "id at api_key_id role company_id action outcome details",
    "usage_records": "id company_id metric_code resource_type ts value unit measurement_type"
    " reporting_interval space_id application_id user_id source subscription_id"
    " billing_period_start billing_period_end billable billing_category idempotency_key"
    " product_code properties recorded_at",
    "usage_idempotency_keys": "company_id idempotency_key record_id metric_code ts value",
    "schema_migrations": "version name applied_at",
}


async def test_the_migrated_schema_has_the_tables_and_columns_the_code_expects(conn: Any) -> None:
    rows = await conn.fetch(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public'"
    )
    columns: dict[str, set[str]] = {}
    for row in rows:
        columns.setdefault(row["table_name"], set()).add(row["column_name"])
    for table, names in EXPECTED_COLUMNS.items():
        expected = set(names.split())
        assert table in columns, f"table {table} is missing"
        assert expected <= columns[table], f"{table} lacks {sorted(expected - columns[table])}"


async def test_the_three_default_metrics_ship_with_the_schema(conn: Any) -> None:
    rows = await conn.fetch(
        "SELECT code, resource_type, measurement_type, unit, aggregation, reporting_interval"
        " FROM metrics ORDER BY code"
    )
    assert [tuple(r) for r in rows] == [
        ("ACTIVE_USERS", "USER_COUNT", "GAUGE", "users", "MAX", "DAILY"),
        ("API_REQUESTS", "API_CALLS", "COUNTER", "requests", "SUM", "HOURLY"),
        ("DATA_STORAGE", "STORAGE", "GAUGE", "GB", "AVG", None),
    ]


async def test_usage_records_is_partitioned_by_range_on_ts_with_its_read_index(conn: Any) -> None:
    assert (
        await conn.fetchval("SELECT pg_get_partkeydef('usage_records'::regclass)") == "RANGE (ts)"
    )
    indexdef = await conn.fetchval(
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'usage_records'"
        " AND indexname = 'usage_records_company_metric_ts'"
    )
    assert indexdef is not None, "index usage_records_company_metric_ts is missing"
    assert "(company_id, metric_code, ts)" in indexdef


async def test_idempotency_keys_have_a_primary_key_on_company_and_key(conn: Any) -> None:
    columns = await conn.fetchval(
        """
        SELECT array_agg(a.attname ORDER BY k.ord)
        FROM pg_constraint c
        CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
        WHERE c.conrelid = 'usage_idempotency_keys'::regclass AND c.contype = 'p'
        """
    )
    assert columns == ["company_id", "idempotency_key"]


async def partitions_of_usage_records(conn: Any) -> list[str]:
    rows = await conn.fetch(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'usage_records'::regclass ORDER BY c.relname"
    )
    return [r["relname"] for r in rows]


async def test_ensure_creates_a_months_partition_once(conn: Any) -> None:
    january = date(2024, 1, 1)
    catalog = PartitionCatalog()
    assert await catalog.ensure(conn, [january]) == 1
    assert await catalog.ensure(conn, [january]) == 0
    # Another process (a fresh catalog) finds it in the database.
    assert await PartitionCatalog().ensure(conn, [january, january]) == 0
    assert await partitions_of_usage_records(conn) == ["usage_records_p2024_01"]
    bounds = await conn.fetchval(
        "SELECT pg_get_expr(relpartbound, oid) FROM pg_class"
        " WHERE relname = 'usage_records_p2024_01'"
    )
    assert bounds == "FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2024-02-01 00:00:00+00')"


async def test_two_connections_ensuring_the_same_months_at_once_create_each_once(
    database: str,
) -> None:
    from storage.db import connect

    months = [date(2024, 3, 1), date(2024, 4, 1), date(2024, 12, 1), date(2025, 1, 1)]
    conns = [await connect(database), await connect(database)]
    try:
        created = await asyncio.gather(*(PartitionCatalog().ensure(c, months) for c in conns))
        assert sum(created) == len(months)
        assert await partitions_of_usage_records(conns[0]) == [
            "usage_records_p2024_03",
            "usage_records_p2024_04",
            "usage_records_p2024_12",
            "usage_records_p2025_01",
        ]
    finally:
        for c in conns:
            await c.close()


@pytest.mark.parametrize(
    ("ts", "month"),
    [
        (datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), date(2024, 1, 1)),
        (datetime(2024, 2, 1, tzinfo=UTC), date(2024, 2, 1)),
        (datetime.fromisoformat("2024-02-01T00:30:00+01:00"), date(2024, 1, 1)),
        (datetime.fromisoformat("2023-12-31T23:30:00-01:00"), date(2024, 1, 1)),
    ],
)
def test_a_timestamps_month_is_its_utc_month(ts: datetime, month: date) -> None:
    assert month_of(ts) == month


def test_partition_names_carry_year_and_month() -> None:
    assert partition_name(date(2024, 1, 1)) == "usage_records_p2024_01"
    assert partition_name(date(2024, 12, 1)) == "usage_records_p2024_12"


BOUNDARY_CASES = [
    ("2024-01-15T12:00:00Z", "usage_records_p2024_01"),
    ("2024-01-31T23:59:59.999999Z", "usage_records_p2024_01"),
    ("2024-02-01T00:00:00Z", "usage_records_p2024_02"),
    ("2024-02-01T00:30:00+01:00", "usage_records_p2024_01"),
]


@pytest.mark.parametrize(
    ("timestamp", "partition"), BOUNDARY_CASES, ids=[c[0] for c in BOUNDARY_CASES]
)
async def test_a_backfilled_record_lands_in_the_partition_of_its_utc_month(
    admin: Any, runtime: Any, timestamp: str, partition: str
) -> None:
    company = await create_company(admin, "backfilled")
    data = await admin(
        RECORD_USAGE,
        {"input": {**api_request(company, "7"), "timestamp": timestamp}, "backfill": True},
    )
    result = data["recordUsage"]
    assert result["__typename"] == "RecordedUsage", result
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetchrow(
            "SELECT tableoid::regclass::text AS part, ts FROM usage_records WHERE id = $1::uuid",
            result["record"]["id"],
        )
    assert stored["part"] == partition
    assert stored["ts"] == datetime.fromisoformat(timestamp)
