"""Invoices after retention: re-rated only from data that answers a period
exactly, late usage on an ended contract billed, one contract's failure its own."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.invoicing import LineKind, period_of
from domain.pricing import Price, PriceModel
from services import invoicing, retention
from storage import billing
from storage.queries import q
from tests.integration.test_aggregation import draft, store
from tests.integration.test_invoices import contract_for
from tests.integration.test_retention import NOW, THIS_MONTH, months_back

ONE_EURO = Price(PriceModel.PER_UNIT, unit_price=Decimal("1.00"))


async def invoices(runtime: Any, company: UUID) -> dict[datetime, billing.StoredInvoice]:
    async with runtime.pool.acquire() as conn:
        found = await billing.list_invoices(conn, company, None, None, None, 100)
    return {i.draft.period_start: i for i in found}


async def run(runtime: Any, company: UUID, now: datetime) -> invoicing.GenerationRun:
    return await invoicing.generate_invoices(runtime, now=now, company_id=company)


def adjustments(invoice: billing.StoredInvoice) -> list[tuple[datetime | None, Decimal]]:
    return [
        (x.adjusts_period_start, x.amount)
        for x in invoice.draft.lines
        if x.kind is LineKind.ADJUSTMENT
    ]


@pytest.mark.parametrize("billing_day", [1, 15])
async def test_retention_never_rerates_an_invoice_from_incomplete_data(
    runtime: Any, billing_day: int
) -> None:
    start = months_back(7)
    company, _ = await contract_for(
        runtime, ONE_EURO, start_date=start.date(), billing_day=billing_day
    )
    days = (NOW - start).days
    await store(
        runtime,
        [draft(company, start + timedelta(days=d, hours=12), Decimal(10)) for d in range(days)],
    )
    draft_start, draft_end = period_of(NOW - timedelta(days=40), billing_day)
    await run(runtime, company, draft_end + timedelta(hours=1))
    before = await invoices(runtime, company)
    assert before[draft_start].status == "DRAFT"
    assert before[draft_start].draft.total == 10 * (draft_end - draft_start).days

    async with runtime.pool.acquire() as conn:
        await retention.clean_up(conn)
    await run(runtime, company, draft_end + timedelta(hours=2))
    after = await invoices(runtime, company)
    # the draft is unchanged: no credit for the detail retention removed
    assert {s: (i.status, i.draft.total) for s, i in after.items()} == {
        s: (i.status, i.draft.total) for s, i in before.items()
    }
    assert adjustments(after[draft_start]) == []

    # a record that reaches the first period late: re-rated where whole
    # months answer it exactly; left as billed where the days it needs are gone
    first = min(after)
    await store(runtime, [draft(company, first + timedelta(days=20), Decimal(5))])
    await run(runtime, company, draft_end + timedelta(hours=3))
    settled = adjustments((await invoices(runtime, company))[draft_start])
    expected = {1: [(first, Decimal("5.00"))], 15: []}
    assert settled == expected[billing_day]


async def test_late_usage_on_an_ended_contract_is_billed(runtime: Any) -> None:
    last = months_back(1)
    company, _ = await contract_for(
        runtime,
        ONE_EURO,
        start_date=months_back(3).date(),
        end_date=(last + timedelta(days=9)).date(),
    )
    await store(runtime, [draft(company, last + timedelta(days=2), Decimal(100))])
    await run(runtime, company, THIS_MONTH + timedelta(hours=1))
    # during the grace period: the last period's draft counts a late record
    await store(runtime, [draft(company, last + timedelta(days=3), Decimal(20))])
    await run(runtime, company, THIS_MONTH + timedelta(hours=25))
    found = await invoices(runtime, company)
    assert (found[last].status, found[last].draft.total) == ("FINALIZED", Decimal("120.00"))

    # after finalization: an adjustment invoice for the period after the last
    await store(runtime, [draft(company, last + timedelta(days=4), Decimal(7))])
    for hours in (26, 27):  # a rerun changes nothing
        await run(runtime, company, THIS_MONTH + timedelta(hours=hours))
    found = await invoices(runtime, company)
    settle = found[THIS_MONTH]
    assert settle.status == "DRAFT"
    assert [x.kind for x in settle.draft.lines] == [LineKind.ADJUSTMENT]
    assert adjustments(settle) == [(last, Decimal("7.00"))]
    assert (settle.draft.subtotal, settle.draft.total) == (Decimal("0.00"), Decimal("7.00"))
    assert len(found) == 4  # three periods and the adjustment invoice

    # it is finalized after its own period and grace; later usage gets another
    next_month = settle.draft.period_end
    await run(runtime, company, next_month + timedelta(hours=25))
    await store(runtime, [draft(company, last + timedelta(days=5), Decimal(3))])
    await run(runtime, company, next_month + timedelta(hours=26))
    found = await invoices(runtime, company)
    assert found[THIS_MONTH].status == "FINALIZED"
    assert adjustments(found[THIS_MONTH]) == [(last, Decimal("7.00"))]
    assert adjustments(found[next_month]) == [(last, Decimal("3.00"))]
    # billed in all: 120 + 7 + 3, each unit once
    assert sum(i.draft.total for i in found.values()) == Decimal("130.00")


async def test_one_contracts_failure_is_recorded_and_the_others_are_invoiced(
    runtime: Any,
) -> None:
    month = months_back(1)
    good_first, _ = await contract_for(runtime, ONE_EURO, start_date=month.date())
    huge, _ = await contract_for(runtime, ONE_EURO, start_date=month.date())
    absurd, _ = await contract_for(
        runtime, Price(PriceModel.PER_UNIT, unit_price=Decimal("1e999999")), start_date=month.date()
    )
    _, far = await contract_for(runtime, ONE_EURO, start_date=datetime(9999, 12, 31).date())
    good_last, _ = await contract_for(runtime, ONE_EURO, start_date=month.date())
    for company in (good_first, absurd, good_last):
        await store(runtime, [draft(company, month + timedelta(days=1), Decimal(4))])
    # a usage value no invoice can price (stored as it was before values were bounded)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO usage_rollup_deltas (company_id, metric_code, bucket_start, billable,"
            " records, total, min_value, max_value) VALUES ($1, 'API_REQUESTS', $2, true, 1,"
            " 1e30, 1e30, 1e30)",
            huge,
            month + timedelta(days=1),
        )

    now = THIS_MONTH + timedelta(hours=2)
    async with runtime.pool.acquire() as conn:
        done = await invoicing.generate_invoices(runtime, now=now)
        errors = {r["contract_id"]: r for r in await conn.fetch(q("invoice_run_errors"))}
    for company in (good_first, good_last):
        (invoice,) = (await invoices(runtime, company)).values()
        assert invoice.draft.total == Decimal("4.00")
    assert len(done.failed) == 3
    assert {r["company_id"]: (r["code"], r["attempts"]) for r in errors.values()} == {
        huge: ("OUT_OF_RANGE", 1),
        absurd: ("OUT_OF_RANGE", 1),
        far.company_id: ("INVALID_CONTRACT", 1),
    }
    # retried after a backoff (an hour, then two ...), not on every run
    async with runtime.pool.acquire() as conn:
        again = await invoicing.generate_invoices(runtime, now=now + timedelta(minutes=30))
        assert again.failed == []
        later = await invoicing.generate_invoices(runtime, now=now + timedelta(hours=1))
        attempts = {
            r["company_id"]: r["attempts"] for r in await conn.fetch(q("invoice_run_errors"))
        }
    assert len(later.failed) == 3
    assert set(attempts.values()) == {2}
