"""Invoices from the seed events, through import, rollups and the invoice run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
import uuid_utils.compat as uuid7

from domain.invoicing import ContractProduct, ContractTerms, LineKind
from domain.pricing import Price, PriceModel
from metergraph.demo import load_demo
from services import invoice_drafts, invoicing
from services.retention import roll_up
from storage import billing
from tests.integration.test_aggregation import draft, new_company, store

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
        again = await invoicing.generate_invoices(runtime, now=AFTER_2024)
        await roll_up(conn)
        third = await invoicing.generate_invoices(runtime, now=AFTER_2024 + timedelta(days=1))
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


async def test_late_usage_changes_a_draft_then_becomes_an_adjustment(runtime: Any) -> None:
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO products (code, name, metric_code) VALUES ('API', 'API', 'API_REQUESTS')"
        )
        terms = ContractTerms(
            id=uuid7.uuid7(),
            company_id=company,
            currency="EUR",
            start_date=datetime(2025, 3, 1).date(),
            end_date=None,
            billing_day=1,
            payment_terms_days=14,
            minimum_commitment=None,
            grace=timedelta(hours=24),
            products=(
                ContractProduct(
                    "API", "API_REQUESTS", Price(PriceModel.PER_UNIT, unit_price=Decimal("0.10"))
                ),
            ),
        )
        await billing.insert_contract(conn, terms, Decimal(0))
    march_end = datetime(2025, 4, 1, tzinfo=UTC)
    april_end = datetime(2025, 5, 1, tzinfo=UTC)

    async def run(now: datetime) -> dict[str, billing.StoredInvoice]:
        async with runtime.pool.acquire() as conn:
            await invoicing.generate_invoices(runtime, now=now, company_id=company)
            found = await billing.list_invoices(conn, company, None, None, None, 100)
        return {i.draft.period_start.strftime("%Y-%m"): i for i in found}

    await store(runtime, [draft(company, datetime(2025, 3, 10, tzinfo=UTC), Decimal(100))])
    first = await run(march_end + timedelta(hours=1))
    assert (first["2025-03"].status, str(first["2025-03"].draft.total)) == ("DRAFT", "10.00")

    # inside the grace period: the draft counts it
    await store(runtime, [draft(company, datetime(2025, 3, 31, 23, tzinfo=UTC), Decimal(50))])
    second = await run(march_end + timedelta(hours=2))
    assert (second["2025-03"].status, str(second["2025-03"].draft.total)) == ("DRAFT", "15.00")
    assert second["2025-03"].id == first["2025-03"].id

    final = await run(march_end + timedelta(hours=25))
    assert (final["2025-03"].status, str(final["2025-03"].draft.total)) == ("FINALIZED", "15.00")

    # after finalization: the finalized invoice stays, the next one adjusts
    await store(runtime, [draft(company, datetime(2025, 3, 20, tzinfo=UTC), Decimal(30))])
    await store(runtime, [draft(company, datetime(2025, 4, 2, tzinfo=UTC), Decimal(10))])
    later = await run(april_end + timedelta(hours=1))
    assert str(later["2025-03"].draft.total) == "15.00"
    april = later["2025-04"].draft
    adjustments = [line for line in april.lines if line.kind is LineKind.ADJUSTMENT]
    assert [(a.adjusts_period_start, str(a.amount)) for a in adjustments] == [
        (datetime(2025, 3, 1, tzinfo=UTC), "3.00")
    ]
    assert (str(april.subtotal), str(april.adjustments), str(april.total)) == (
        "1.00",
        "3.00",
        "4.00",
    )

    # finalized with its adjustment; the month after does not adjust March again
    done = await run(datetime(2025, 6, 1, 1, tzinfo=UTC) + timedelta(days=2))
    assert done["2025-04"].status == "FINALIZED"
    assert str(done["2025-04"].draft.total) == "4.00"
    assert str(done["2025-05"].draft.adjustments) == "0.00"


async def contract_for(runtime: Any, price: Price, **terms: Any) -> tuple[Any, ContractTerms]:
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO products (code, name, metric_code) VALUES ('API', 'API', 'API_REQUESTS')"
            " ON CONFLICT DO NOTHING"
        )
        contract = ContractTerms(
            id=uuid7.uuid7(),
            company_id=company,
            currency="EUR",
            start_date=terms.pop("start_date", datetime(2025, 1, 1).date()),
            end_date=terms.pop("end_date", None),
            billing_day=terms.pop("billing_day", 1),
            payment_terms_days=terms.pop("payment_terms_days", 10),
            minimum_commitment=terms.pop("minimum", None),
            grace=timedelta(hours=24),
            products=(ContractProduct("API", "API_REQUESTS", price),),
        )
        await billing.insert_contract(conn, contract, terms.pop("late_fee", Decimal(0)))
    return company, contract


@pytest.mark.parametrize(
    ("monthly_total", "fee"),
    [
        ("50", "0.00"),
        ("100", "0.00"),
        ("150", "2.00"),
        ("500", "2.00"),
        ("800", "2.00"),
        ("1000", "2.00"),
        ("1200", "1.00"),
        ("1500", "1.00"),
        ("2000", "1.00"),
        ("2500", "0.50"),
        ("3000", "0.50"),
    ],
)
async def test_customer_c_whatsapp_values_through_the_pipeline(
    runtime: Any, monthly_total: str, fee: str
) -> None:
    from metergraph.demo import PRICES

    company, _ = await contract_for(runtime, PRICES["customer_c"]["WHATSAPP_001"])
    # the month's total arrives as three events
    total = Decimal(monthly_total)
    parts = [total - 2 * (total // 3), total // 3, total // 3]
    await store(
        runtime,
        [
            draft(company, datetime(2025, 2, 3 + n, tzinfo=UTC), part)
            for n, part in enumerate(parts)
        ],
    )
    async with runtime.pool.acquire() as conn:
        await invoicing.generate_invoices(
            runtime, now=datetime(2025, 3, 5, tzinfo=UTC), company_id=company
        )
        found = await billing.list_invoices(conn, company, None, None, None, 10)
    february = next(i for i in found if i.draft.period_start.month == 2)
    assert str(february.draft.total) == fee


async def test_an_invoice_run_killed_midway_reruns_to_one_invoice_each(
    runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_demo(runtime, now=datetime(2024, 1, 1, tzinfo=UTC))  # nothing closed yet
    calls = {"n": 0}
    real = invoice_drafts.quantities

    async def dies(*args: Any, **kw: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 20:
            raise asyncio.CancelledError("killed")  # the process stops: no contract's fault
        return await real(*args, **kw)

    monkeypatch.setattr(invoice_drafts, "quantities", dies)
    async with runtime.pool.acquire() as conn:
        with pytest.raises(asyncio.CancelledError):
            await invoicing.generate_invoices(runtime, now=AFTER_2024)
        monkeypatch.setattr(invoice_drafts, "quantities", real)
        partial = len(await billing.list_invoices(conn, None, None, None, None, 1000))
        await invoicing.generate_invoices(runtime, now=AFTER_2024)
        await invoicing.generate_invoices(runtime, now=AFTER_2024)
    assert 0 < partial < 36
    invoices = await all_invoices(runtime)
    assert len(invoices) == 36
    for key, (_, total) in EXPECTED.items():
        # no payment was recorded in this run: customer C's late fees (1 % a month)
        # come on top of what its usage costs, which is the seed's total
        assert str(invoices[key].draft.charged) == total


async def test_overdue_invoices_accrue_late_fees_until_paid(runtime: Any) -> None:
    company, contract = await contract_for(
        runtime,
        Price(PriceModel.PER_UNIT, unit_price=Decimal("1.00")),
        late_fee=Decimal("3"),
        payment_terms_days=10,
    )
    await store(runtime, [draft(company, datetime(2025, 1, 15, tzinfo=UTC), Decimal(300))])

    async def run(now: datetime) -> dict[int, billing.StoredInvoice]:
        async with runtime.pool.acquire() as conn:
            await invoicing.generate_invoices(runtime, now=now, company_id=company)
            await billing.mark_overdue(conn, now)
            found = await billing.list_invoices(conn, company, None, None, None, 10)
        return {i.draft.period_start.month: i for i in found}

    january = (await run(datetime(2025, 2, 5, tzinfo=UTC)))[1]
    assert (january.status, january.payment_status, str(january.draft.total)) == (
        "FINALIZED",
        "UNPAID",
        "300.00",
    )
    assert january.draft.due_date.isoformat() == "2025-02-11"
    february = await run(datetime(2025, 3, 2, tzinfo=UTC))
    assert february[1].payment_status == "OVERDUE"
    # overdue from 12 February: 17 days of February at 3 % a month on 300.00
    fee = [x for x in february[2].draft.lines if x.kind is LineKind.LATE_FEE]
    assert [(x.adjusts_period_start.month, str(x.amount)) for x in fee] == [(1, "5.10")]
    assert str(february[2].draft.total) == "5.10"

    async with runtime.pool.acquire() as conn:
        state = await billing.record_payment(
            conn, january.id, Decimal("300.00"), datetime(2025, 3, 10, tzinfo=UTC)
        )
    assert state == ("PAID", Decimal("300.00"))
    march = await run(datetime(2025, 4, 2, tzinfo=UTC))
    # January was paid within March: no fee for it; February's 5.10 is overdue from 12 March
    fees = [
        (x.adjusts_period_start.month, str(x.amount))
        for x in march[3].draft.lines
        if x.kind is LineKind.LATE_FEE
    ]
    assert fees == [(2, "0.10")]
    assert str(march[2].draft.total) == "5.10"  # finalized before the payment; unchanged


async def test_usage_below_the_minimum_is_trued_up(runtime: Any) -> None:
    company, _ = await contract_for(
        runtime, Price(PriceModel.PER_UNIT, unit_price=Decimal("0.02")), minimum=Decimal("100.00")
    )
    await store(runtime, [draft(company, datetime(2025, 1, 9, tzinfo=UTC), Decimal(2000))])
    async with runtime.pool.acquire() as conn:
        await invoicing.generate_invoices(
            runtime, now=datetime(2025, 3, 5, tzinfo=UTC), company_id=company
        )
        found = await billing.list_invoices(conn, company, None, None, None, 10)
    january, february = sorted(found, key=lambda i: i.draft.period_start)
    assert (str(january.draft.subtotal), str(january.draft.minimum_true_up)) == ("40.00", "60.00")
    assert str(january.draft.total) == "100.00"
    assert [x.kind for x in january.draft.lines] == [LineKind.USAGE, LineKind.MINIMUM_TRUE_UP]
    assert (str(february.draft.subtotal), str(february.draft.total)) == ("0.00", "100.00")
