"""Contract versions without a database: the version in force, amendments, ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain import limits as lim
from domain.contract_versions import ContractChanges, amend, amendment_errors, end_errors, versions
from domain.invoice_plan import PlanInputs, charges_late_fees, plan_invoices
from domain.invoicing import ContractProduct, ContractTerms, build_invoice, in_force
from domain.pricing import Price, PriceModel

LIMITS = lim.Limits()
PRODUCTS = {"API": "API_REQUESTS", "SMS": "sms_delivered"}
FEB, MAR = datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 3, 1, tzinfo=UTC)


def per_unit(price: str) -> Price:
    return Price(PriceModel.PER_UNIT, unit_price=Decimal(price))


TERMS = ContractTerms(
    id=UUID(int=1),
    company_id=UUID(int=2),
    currency="USD",
    start_date=date(2025, 1, 1),
    end_date=None,
    billing_day=1,
    payment_terms_days=30,
    minimum_commitment=None,
    grace=timedelta(hours=24),
    products=(ContractProduct("API", "API_REQUESTS", per_unit("0.10")),),
)


def amended(terms: ContractTerms, effective_from: datetime, **changes: object) -> ContractTerms:
    made = amend(terms, effective_from, ContractChanges(**changes), PRODUCTS)  # type: ignore[arg-type]
    return ContractTerms(**{**terms.__dict__, "amendments": (*terms.amendments, made)})


def test_the_version_in_force_at_a_periods_end_prices_the_whole_period() -> None:
    terms = amended(TERMS, datetime(2025, 2, 15, tzinfo=UTC), prices=(("API", per_unit("0.20")),))
    february = build_invoice(terms, FEB, MAR, {"API": Decimal(100)})
    january = build_invoice(terms, datetime(2025, 1, 1, tzinfo=UTC), FEB, {"API": Decimal(100)})
    assert (february.contract_version, str(february.total)) == (2, "20.00")
    assert (january.contract_version, str(january.total)) == (1, "10.00")


def test_an_amendment_from_a_periods_end_is_not_in_force_in_it() -> None:
    terms = amended(TERMS, MAR, payment_terms_days=45)
    assert in_force(terms, MAR).version == 1
    assert in_force(terms, MAR + timedelta(microseconds=1)).payment_terms_days == 45


def test_an_amendment_keeps_what_it_does_not_change() -> None:
    first = amended(TERMS, FEB, prices=(("SMS", per_unit("0.01")),), minimum_commitment=Decimal(5))
    second = amended(first, MAR, remove_products=("API",), late_fee_percent_per_month=Decimal(1))
    v1, v2, v3 = versions(second, None)
    assert [x.product_code for x in v2.products] == ["API", "SMS"]
    assert [x.product_code for x in v3.products] == ["SMS"]
    assert (v3.number, v3.minimum_commitment, v3.payment_terms_days) == (3, Decimal(5), 30)
    assert (v1.late_fee_percent_per_month, v3.late_fee_percent_per_month) == (0, 1)
    assert charges_late_fees(second) and not charges_late_fees(TERMS)


def test_a_late_fee_added_by_an_amendment_is_charged_from_its_period() -> None:
    terms = amended(TERMS, MAR, late_fee_percent_per_month=Decimal(3))
    now = datetime(2025, 6, 2, tzinfo=UTC)
    usage = {datetime(2025, m, 1, tzinfo=UTC): {"API": Decimal(1000)} for m in range(1, 6)}
    plan = plan_invoices(PlanInputs(terms, now, {}, usage))
    fees = {
        w.draft.period_start.month: [
            str(x.amount) for x in w.draft.lines if x.kind.value == "LATE_FEE"
        ]
        for w in plan.writes
    }
    # January (100.00, due 2025-03-03) is overdue from March 4th: fees from March, at 3 %
    assert fees[1] == fees[2] == [] and fees[3] == ["2.80"]


def test_errors_name_the_field() -> None:
    ended = ContractTerms(**{**TERMS.__dict__, "end_date": date(2025, 6, 30)})
    cases = [
        (MAR, ContractChanges(), FEB + timedelta(days=30), "effectiveFrom", "PERIOD_FINALIZED"),
        (
            datetime(2025, 7, 1, tzinfo=UTC),
            ContractChanges(),
            None,
            "effectiveFrom",
            "CONTRACT_ENDED",
        ),
        (
            MAR,
            ContractChanges(prices=(("NOPE", per_unit("1")),)),
            None,
            "changes.prices[0].productCode",
            "UNKNOWN_PRODUCT",
        ),
    ]
    for effective_from, changes, finalized_until, field, code in cases:
        errors = amendment_errors(
            ended,
            effective_from,
            changes,
            finalized_until=finalized_until,
            products=PRODUCTS,
            limits=LIMITS,
        )
        assert (field, code) in [(e.field, e.code.value) for e in errors], errors
    ends = end_errors(TERMS, date(2025, 1, 15), finalized_until=FEB, limits=LIMITS)
    assert [(e.field, e.code.value) for e in ends] == [("endDate", "PERIOD_FINALIZED")]
    assert end_errors(TERMS, date(2025, 1, 31), finalized_until=FEB, limits=LIMITS) == []


def test_an_end_on_the_last_day_there_is_is_refused_not_overflowed() -> None:
    ends = end_errors(TERMS, date.max, finalized_until=None, limits=LIMITS)
    assert [(e.field, e.code.value) for e in ends] == [("endDate", "OUT_OF_RANGE")]
