"""Invoices from the seed events, through import, rollups and the invoice run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from metergraph.demo import load_demo
from storage import billing
from storage.rollups import roll_up

AFTER_2024 = datetime(2025, 2, 1, tzinfo=UTC)

# SPEC.md, "Expected invoice totals": the lines and total of each seed month.
EXPECTED = {
    ("customer_a", "2024-01"): (
        {
            "SMS_001": ("1000", "10.00"),
            "WHATSAPP_001": ("2500", "25.00"),
            "AI_SMS_001": ("1000", "2000.00"),
        },
        "2035.00",
    ),
    ("customer_a", "2024-03"): (
        {
            "SMS_001": ("12000", "120.00"),
            "WHATSAPP_001": ("15000", "150.00"),
            "AI_SMS_001": ("3500", "3750.00"),
        },
        "4020.00",
    ),
    ("customer_b", "2024-02"): (
        {"SMS_001": ("1500", "30.00"), "AI_SMS_001": ("350", "700.00")},
        "730.00",
    ),
    ("customer_b", "2024-04"): (
        {"SMS_001": ("1800", "36.00"), "AI_SMS_001": ("60", "120.00")},
        "156.00",
    ),
    ("customer_c", "2024-01"): (
        {"SMS_001": ("1100", "11.00"), "WHATSAPP_001": ("90", "0.00")},
        "11.00",
    ),
    ("customer_c", "2024-05"): (
        {"SMS_001": ("7500", "75.00"), "WHATSAPP_001": ("1500", "1.00")},
        "76.00",
    ),
}


async def all_invoices(runtime: Any) -> dict[tuple[str, str], billing.StoredInvoice]:
    async with runtime.pool.acquire() as conn:
        keys = {
            r["id"]: r["external_key"]
            for r in await conn.fetch("SELECT id, external_key FROM companies")
        }
        found = await billing.list_invoices(conn, None, None, None, None, 1000)
    return {(keys[i.company_id], i.draft.period_start.strftime("%Y-%m")): i for i in found}


@pytest.fixture
async def demo(runtime: Any) -> Any:
    return await load_demo(runtime, now=AFTER_2024)


async def test_every_seed_total_comes_out_line_by_line(runtime: Any, demo: Any) -> None:
    assert (demo.imported.accepted, demo.imported.duplicates) == (61, 3)
    invoices = await all_invoices(runtime)
    assert len(invoices) == 36  # three contracts, twelve months each
    for key, (lines, total) in EXPECTED.items():
        invoice = invoices[key]
        assert invoice.status == "FINALIZED"
        usage = {
            line.product_code: (str(line.quantity), str(line.amount))
            for line in invoice.draft.lines
            if line.kind.value == "USAGE" and line.quantity
        }
        assert usage == lines, key
        assert str(invoice.draft.total) == total, key


async def test_minimum_commitment_and_empty_months(runtime: Any, demo: Any) -> None:
    invoices = await all_invoices(runtime)
    empty_b = invoices[("customer_b", "2024-06")]
    assert str(empty_b.draft.total) == "100.00"
    assert [line.kind.value for line in empty_b.draft.lines if line.amount] == ["MINIMUM_TRUE_UP"]
    assert str(invoices[("customer_b", "2024-04")].draft.minimum_true_up) == "0.00"
    for key in (("customer_a", "2024-06"), ("customer_c", "2024-12")):
        assert str(invoices[key].draft.total) == "0.00"
    due = invoices[("customer_a", "2024-01")].draft
    assert (due.issue_date.isoformat(), due.due_date.isoformat()) == ("2024-02-01", "2024-03-02")


async def test_rerunning_the_invoice_run_changes_nothing(runtime: Any, demo: Any) -> None:
    before = {k: (i.id, i.draft.total) for k, i in (await all_invoices(runtime)).items()}
    async with runtime.pool.acquire() as conn:
        again = await billing.generate_invoices(conn, now=AFTER_2024)
        await roll_up(conn)
        third = await billing.generate_invoices(conn, now=AFTER_2024 + timedelta(days=1))
    assert again.rows == 0 and third.rows == 0
    after = {k: (i.id, i.draft.total) for k, i in (await all_invoices(runtime)).items()}
    assert after == before


async def test_a_finalized_invoice_cannot_be_changed(runtime: Any, demo: Any) -> None:
    invoice = (await all_invoices(runtime))[("customer_a", "2024-01")]
    async with runtime.pool.acquire() as conn:
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE invoices SET total = 0 WHERE id = $1", invoice.id)
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("DELETE FROM invoices WHERE id = $1", invoice.id)
