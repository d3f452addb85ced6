"""The invoice plan, without a database: the seed totals, drafts, adjustments, late fees.

The seed's usage comes from the demo's event file (metergraph/demo_data), the
way the import counts it: one event per event_id (the first), summed per
customer, product and UTC month. The prices and minimums are the demo's
contracts (SPEC.md, "The three seed customers").
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from domain.invoice_plan import (
    InvoicePlan,
    Payment,
    PlanInputs,
    plan_invoices,
    windows_to_rate,
)
from domain.invoicing import (
    ContractProduct,
    ContractTerms,
    InvoiceDraft,
    InvoiceStatus,
    LineKind,
    StoredInvoice,
)
from domain.pricing import Price, PriceModel
from metergraph.demo import EVENTS, MINIMUMS, PRICES, PRODUCTS, YEAR_END, YEAR_START

D = Decimal
AFTER_2024 = datetime(2025, 2, 1, tzinfo=UTC)
COMPANY = UUID("00000000-0000-0000-0000-00000000c0de")

# SPEC.md, "Expected invoice totals": each seed month's usage lines and total.
EXPECTED = {
    ("customer_a", "2024-01"): (
        {"SMS_001": ("1000", "10.00"), "WHATSAPP_001": ("2500", "25.00")}
        | {"AI_SMS_001": ("1000", "2000.00")},
        "2035.00",
    ),
    ("customer_a", "2024-03"): (
        {"SMS_001": ("12000", "120.00"), "WHATSAPP_001": ("15000", "150.00")}
        | {"AI_SMS_001": ("3500", "3750.00")},
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


def seed_usage() -> dict[str, dict[str, dict[str, Decimal]]]:
    """customer -> "YYYY-MM" -> product -> quantity, from the demo's event file."""
    usage: dict[str, dict[str, dict[str, Decimal]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(Decimal))
    )
    seen: set[str] = set()
    with EVENTS.open(newline="") as events:
        for row in csv.DictReader(events):
            if row["event_id"] in seen:
                continue  # a repeated event is counted once
            seen.add(row["event_id"])
            month = datetime.fromisoformat(row["timestamp"]).strftime("%Y-%m")
            usage[row["customer_id"]][month][row["product_code"]] += D(row["quantity"])
    return usage


def seed_terms(customer: str) -> ContractTerms:
    metric_of = {code: metric for code, _, metric in PRODUCTS}
    return ContractTerms(
        id=UUID(int=sorted(PRICES).index(customer) + 1),
        company_id=COMPANY,
        currency="USD",
        start_date=YEAR_START,
        end_date=YEAR_END,
        billing_day=1,
        payment_terms_days=30,
        minimum_commitment=MINIMUMS.get(customer),
        grace=timedelta(hours=24),
        products=tuple(
            ContractProduct(code, metric_of[code], price)
            for code, price in PRICES[customer].items()
        ),
    )


def seed_plan(customer: str) -> dict[str, InvoiceDraft]:
    """The seed year's invoices of ``customer``, planned at the start of 2025."""
    terms = seed_terms(customer)
    months = seed_usage()[customer]
    windows = windows_to_rate(terms, {}, AFTER_2024)
    usage = {start: dict(months[start.strftime("%Y-%m")]) for start, _ in windows}
    plan = plan_invoices(PlanInputs(terms, AFTER_2024, {}, usage))
    assert plan.unanswerable == []
    assert all(w.invoice_id is None and w.status is InvoiceStatus.FINALIZED for w in plan.writes)
    return {w.draft.period_start.strftime("%Y-%m"): w.draft for w in plan.writes}


@pytest.mark.parametrize(("customer", "month"), sorted(EXPECTED))
def test_each_seed_total_comes_out_to_the_cent(customer: str, month: str) -> None:
    lines, total = EXPECTED[(customer, month)]
    draft = seed_plan(customer)[month]
    usage = {
        line.product_code: (str(line.quantity), str(line.amount))
        for line in draft.lines
        if line.kind is LineKind.USAGE and line.quantity
    }
    assert usage == lines
    assert str(draft.total) == total


def test_the_seed_year_is_twelve_invoices_with_the_minimum_trued_up() -> None:
    plans = {customer: seed_plan(customer) for customer in PRICES}
    assert {customer: len(p) for customer, p in plans.items()} == dict.fromkeys(PRICES, 12)
    empty_b = plans["customer_b"]["2024-06"]
    assert str(empty_b.total) == "100.00"
    assert [x.kind for x in empty_b.lines if x.amount] == [LineKind.MINIMUM_TRUE_UP]
    assert str(plans["customer_b"]["2024-04"].minimum_true_up) == "0.00"
    assert str(plans["customer_c"]["2024-12"].total) == "0.00"
    due = plans["customer_a"]["2024-01"]
    assert (due.issue_date, due.due_date) == (date(2024, 2, 1), date(2024, 3, 2))


# ---------------------------------------------------------------- the rules of a run

MARCH = datetime(2025, 3, 1, tzinfo=UTC)
APRIL = datetime(2025, 4, 1, tzinfo=UTC)


def one_product(**changes: Decimal) -> ContractTerms:
    terms = ContractTerms(
        id=UUID(int=7),
        company_id=COMPANY,
        currency="EUR",
        start_date=date(2025, 2, 1),
        end_date=None,
        billing_day=1,
        payment_terms_days=10,
        minimum_commitment=None,
        grace=timedelta(hours=24),
        products=(
            ContractProduct("API", "api_requests", Price(PriceModel.PER_UNIT, unit_price=D(1))),
        ),
    )
    return replace(terms, **changes)


def stored(plan: InvoicePlan, n: int = 0) -> StoredInvoice:
    write = plan.writes[n]
    return StoredInvoice(
        id=UUID(int=100 + n),
        contract_id=UUID(int=7),
        company_id=COMPANY,
        status=write.status,
        draft=write.draft,
        finalized_at=None,
        updated_at=MARCH,
    )


def test_a_period_stays_a_draft_until_its_grace_is_over() -> None:
    terms = one_product()
    during = plan_invoices(
        PlanInputs(terms, MARCH + timedelta(hours=2), {}, {MARCH.replace(month=2): {"API": D(5)}})
    )
    assert [(w.status, str(w.draft.total)) for w in during.writes] == [
        (InvoiceStatus.DRAFT, "5.00")
    ]
    draft = stored(during)
    after = plan_invoices(
        PlanInputs(
            terms,
            MARCH + timedelta(days=2),
            {draft.draft.period_start: draft},
            {draft.draft.period_start: {"API": D(7)}},
        )
    )
    (write,) = after.writes
    assert (write.invoice_id, write.status, str(write.draft.total)) == (
        draft.id,
        InvoiceStatus.FINALIZED,
        "7.00",
    )


def test_late_usage_of_a_finalized_period_is_settled_on_the_next_invoice() -> None:
    terms = one_product()
    february = MARCH.replace(month=2)
    billed = stored(
        plan_invoices(PlanInputs(terms, MARCH + timedelta(days=2), {}, {february: {"API": D(5)}}))
    )
    existing = {february: billed}
    assert windows_to_rate(terms, existing, APRIL + timedelta(days=2)) == [
        (MARCH, APRIL),
        (february, MARCH),
    ]
    plan = plan_invoices(
        PlanInputs(
            terms,
            APRIL + timedelta(days=2),
            existing,
            {MARCH: {"API": D(1)}, february: {"API": D(8)}},
        )
    )
    (march,) = plan.writes
    adjustments = [
        (x.adjusts_period_start, str(x.amount))
        for x in march.draft.lines
        if x.kind is LineKind.ADJUSTMENT
    ]
    assert adjustments == [(february, "3.00")]
    assert (str(march.draft.adjustments), str(march.draft.total)) == ("3.00", "4.00")


def test_a_period_no_data_answers_waits_without_an_invoice() -> None:
    terms = one_product()
    plan = plan_invoices(
        PlanInputs(
            terms,
            APRIL + timedelta(days=2),
            {},
            {MARCH.replace(month=2): None, MARCH: {"API": D(2)}},
        )
    )
    assert plan.unanswerable == [MARCH.replace(month=2)]
    assert [w.draft.period_start for w in plan.writes] == [MARCH]


def test_an_unpaid_invoice_accrues_a_late_fee_for_the_overdue_days_of_the_next_period() -> None:
    terms = one_product(late_fee_percent_per_month=D(3))
    february = MARCH.replace(month=2)
    february_bill = stored(
        plan_invoices(PlanInputs(terms, MARCH + timedelta(days=2), {}, {february: {"API": D(300)}}))
    )
    existing = {february: february_bill}
    # due 11 March, overdue from 12 March: 20 days of March at 3 % a month on 300.00
    usage = {february: {"API": D(300)}, MARCH: {}}
    unpaid = plan_invoices(PlanInputs(terms, APRIL + timedelta(days=2), existing, usage))
    fees = [str(x.amount) for x in unpaid.writes[0].draft.lines if x.kind is LineKind.LATE_FEE]
    assert fees == ["6.00"]
    paid_in_time = Payment(february_bill.id, D(300), datetime(2025, 3, 10, tzinfo=UTC))
    paid = plan_invoices(
        PlanInputs(terms, APRIL + timedelta(days=2), existing, usage, [paid_in_time])
    )
    assert [x.kind for x in paid.writes[0].draft.lines if x.kind is LineKind.LATE_FEE] == []
