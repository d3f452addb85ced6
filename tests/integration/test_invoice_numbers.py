"""Invoice numbers: given at finalization, gapless per issuer and year, never changed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import uuid_utils.compat as uuid7

from domain.pricing import Price, PriceModel
from services import invoicing
from storage import billing
from storage.migrate import discover, migrate
from tests.conftest import scratch_database
from tests.integration.test_invoices import contract_for

PER_CALL = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.10"))
# March 2025 is closed and its grace period over; its invoice is issued 2025-04-01.
AFTER_MARCH = datetime(2025, 4, 3, tzinfo=UTC)


async def _numbers(runtime: Any) -> list[str | None]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT number FROM invoices ORDER BY number")
    return [r["number"] for r in rows]


async def test_twenty_concurrent_finalizations_are_numbered_one_to_twenty(runtime: Any) -> None:
    companies = [
        (await contract_for(runtime, PER_CALL, start_date=date(2025, 3, 1)))[0] for _ in range(20)
    ]

    runs = await asyncio.gather(
        *(
            invoicing.generate_invoices(runtime, now=AFTER_MARCH, company_id=company)
            for company in companies
        )
    )

    assert [(r.finalized, r.failed) for r in runs] == [(1, [])] * 20
    assert await _numbers(runtime) == [f"INV-2025-{n:06d}" for n in range(1, 21)]


async def test_a_draft_has_no_number_and_its_finalization_gives_the_next_one(
    runtime: Any,
) -> None:
    company, _ = await contract_for(runtime, PER_CALL, start_date=date(2025, 3, 1))
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO invoice_number_counters (prefix, year, last_number)"
            " VALUES ('INV', 2025, 41)"
        )

    in_grace = datetime(2025, 4, 1, 2, tzinfo=UTC)
    await invoicing.generate_invoices(runtime, now=in_grace, company_id=company)
    async with runtime.pool.acquire() as conn:
        (draft,) = await billing.list_invoices(conn, company, None, None, None, 10)
    assert (draft.status, draft.number) == ("DRAFT", None)

    await invoicing.generate_invoices(runtime, now=AFTER_MARCH, company_id=company)
    await invoicing.generate_invoices(runtime, now=AFTER_MARCH + timedelta(days=1))
    async with runtime.pool.acquire() as conn:
        (final,) = await billing.list_invoices(conn, company, None, None, None, 10)
    assert (final.id, final.status, final.number) == (draft.id, "FINALIZED", "INV-2025-000042")


async def test_a_finalization_rolled_back_gives_its_number_back(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        with pytest.raises(ZeroDivisionError):
            async with conn.transaction():
                assert await billing.take_invoice_number(conn, "INV", 2025) == 1
                _ = 1 / 0
        async with conn.transaction():
            assert await billing.take_invoice_number(conn, "INV", 2025) == 1
        async with conn.transaction():
            assert await billing.take_invoice_number(conn, "INV", 2025) == 2
            assert await billing.take_invoice_number(conn, "INV", 2026) == 1
            assert await billing.take_invoice_number(conn, "ACME", 2025) == 1


async def test_a_given_number_is_never_changed_removed_or_given_twice(runtime: Any) -> None:
    companies = [
        (await contract_for(runtime, PER_CALL, start_date=date(2025, 3, 1)))[0] for _ in range(2)
    ]
    await invoicing.generate_invoices(runtime, now=AFTER_MARCH)
    first, second = await _numbers(runtime)
    assert (first, second) == ("INV-2025-000001", "INV-2025-000002")
    async with runtime.pool.acquire() as conn:
        for number in (None, "INV-2025-000003", second):
            with pytest.raises(asyncpg.CheckViolationError, match="keeps that number"):
                await conn.execute(
                    "UPDATE invoices SET number = $1 WHERE number = $2", number, first
                )
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("DELETE FROM invoices WHERE number = $1", first)
    # later periods go on from the last number
    await invoicing.generate_invoices(runtime, now=datetime(2025, 5, 3, tzinfo=UTC))
    assert len(companies) == 2
    assert await _numbers(runtime) == [f"INV-2025-{n:06d}" for n in range(1, 5)]


@pytest.fixture
async def before_numbers(server_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A database migrated up to (not including) the invoice numbers' migration."""
    async with scratch_database(server_dsn, "mgnumbers") as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "CREATE TABLE schema_migrations (version text PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for migration in discover():
                if migration.version >= "0027":
                    break
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            yield conn
        finally:
            await conn.close()


async def _old_invoice(
    conn: asyncpg.Connection, contract: Any, company: Any, month: int, finalized_at: Any
) -> None:
    start = datetime(2024, month, 1, tzinfo=UTC)
    await conn.execute(
        """
        INSERT INTO invoices (id, contract_id, company_id, period_start, period_end, status,
                              currency, subtotal, minimum_true_up, adjustments, total,
                              issue_date, due_date, lines, finalized_at)
        VALUES ($1, $2, $3, $4, $5, $6, 'EUR', 1, 0, 0, 1, $7::date, $7::date + 30, '[]', $8)
        """,
        uuid7.uuid7(),
        contract,
        company,
        start,
        start + timedelta(days=28),
        "DRAFT" if finalized_at is None else "FINALIZED",
        (start + timedelta(days=31)).date().replace(day=1),
        finalized_at,
    )


async def test_invoices_finalized_before_numbers_are_numbered_in_order_of_finalization(
    before_numbers: asyncpg.Connection,
) -> None:
    conn = before_numbers
    company, contract = uuid7.uuid7(), uuid7.uuid7()
    await conn.execute(
        "INSERT INTO companies (id, external_key, name) VALUES ($1, 'old', 'Old')", company
    )
    await conn.execute(
        "INSERT INTO contracts (id, company_id, currency, start_date) VALUES ($1, $2, 'EUR', $3)",
        contract,
        company,
        date(2024, 1, 1),
    )
    at = datetime(2024, 6, 1, tzinfo=UTC)
    # finalized out of period order; December's is issued in 2025; June's is a draft
    for month, finalized in (
        (1, at),
        (2, at - timedelta(days=9)),
        (3, at + timedelta(days=1)),
        (12, at),
        (6, None),
    ):
        await _old_invoice(conn, contract, company, month, finalized)

    applied = await migrate(conn)

    assert applied[0].startswith("0027_")
    rows = await conn.fetch(
        "SELECT to_char(period_start AT TIME ZONE 'UTC', 'MM') AS month, number"
        " FROM invoices ORDER BY period_start"
    )
    assert [(r["month"], r["number"]) for r in rows] == [
        ("01", "INV-2024-000002"),
        ("02", "INV-2024-000001"),
        ("03", "INV-2024-000003"),
        ("06", None),
        ("12", "INV-2025-000001"),
    ]
    assert await billing.take_invoice_number(conn, "INV", 2024) == 4
    assert await billing.take_invoice_number(conn, "INV", 2025) == 2
    # the finalized invoices are as immutable after the backfill as before it
    with pytest.raises(asyncpg.CheckViolationError, match="is finalized"):
        await conn.execute("UPDATE invoices SET total = 2 WHERE number = 'INV-2024-000001'")
