"""Job triggers and outcomes, report kinds and statuses, deliveries and destinations:
each closed set is the same in the domain, in the database's CHECK and in the schema."""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

import asyncpg
import pytest

from domain.jobs import JobOutcome, JobTrigger
from domain.reports.document import ReportKind
from domain.reports.records import DeliveryStatus, DestinationType, ReportStatus

# (table, what the CHECK constrains, domain enum, GraphQL enum or None)
CLOSED_SETS: list[tuple[str, str, type[Enum], str | None]] = [
    ("job_runs", "trigger", JobTrigger, "JobTrigger"),
    ("job_runs", "outcome", JobOutcome, "JobOutcome"),
    ("reports", "kind", ReportKind, "ReportKind"),
    ("reports", "status", ReportStatus, "ReportStatus"),
    ("report_schedule_runs", "status", DeliveryStatus, "ReportDeliveryStatus"),
    ("report_schedules", "destination ->> 'type'::text", DestinationType, "DestinationType"),
]


@pytest.fixture
async def conn(database: str) -> Any:
    from storage.db import connect

    connection = await connect(database)
    try:
        yield connection
    finally:
        await connection.close()


async def checked_values(conn: Any, table: str, column: str) -> set[str]:
    """The values a CHECK of ``table`` allows ``column`` (read back from PostgreSQL)."""
    definitions = await conn.fetch(
        "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint"
        " WHERE conrelid = $1::regclass AND contype = 'c'",
        table,
    )
    for row in definitions:
        text = row["def"]
        if re.search(rf"\(?{re.escape(column)}\)?\s*=\s*ANY", text):
            return set(re.findall(r"'([A-Z_]+)'::text", text))
    raise AssertionError(f"no CHECK on {table}.{column}: {[r['def'] for r in definitions]}")


@pytest.mark.parametrize(("table", "column", "enum", "graphql"), CLOSED_SETS)
async def test_the_database_the_domain_and_the_schema_agree_on_each_closed_set(
    conn: Any, table: str, column: str, enum: type[Enum], graphql: str | None
) -> None:
    from api.schema import schema

    values = {member.value for member in enum}
    assert await checked_values(conn, table, column) == values
    if graphql is not None:
        sdl_type = schema.get_type_by_name(graphql)
        assert sdl_type is not None, graphql
        assert {v.name for v in sdl_type.values} == values  # type: ignore[union-attr]


async def test_a_report_of_an_unknown_kind_is_refused_by_the_database(conn: Any) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="reports_kind_check"):
        await conn.execute(
            "INSERT INTO reports (id, kind, format, criteria) VALUES"
            " (gen_random_uuid(), 'GOSSIP', 'CSV', '{}')"
        )


async def test_a_schedule_sending_nowhere_known_is_refused_by_the_database(conn: Any) -> None:
    with pytest.raises(asyncpg.CheckViolationError, match="destination_type_check"):
        await conn.execute(
            "INSERT INTO report_schedules (id, name, cron, time_zone, criteria, format,"
            " destination) VALUES (gen_random_uuid(), 'x', '* * * * *', 'UTC', '{}', 'CSV',"
            ' \'{"type": "PIGEON"}\')'
        )
