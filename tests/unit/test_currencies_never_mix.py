"""Money in different currencies is never added, compared or set against each other."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.allocation import (
    AllocatedShare,
    Allocation,
    AllocationGranularity,
    CostPeriod,
    CurrencyTotal,
    allocate,
)
from domain.costs import Revenue, profit_rows

D = Decimal
START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
ACME = UUID("00000000-0000-7000-8000-000000000001")
BETA = UUID("00000000-0000-7000-8000-000000000002")


def _period(cost: str, currency: str, usage: dict[str, Decimal]) -> CostPeriod:
    return CostPeriod("sms", START, END, D(cost), currency, usage)


def test_usd_and_eur_costs_of_one_company_make_two_totals() -> None:
    usage = {str(ACME): D(3)}
    shares = [
        AllocatedShare(s, ACME, "acme")
        for p in (_period("300.00", "USD", usage), _period("50.00", "EUR", usage))
        for s in allocate(p)
    ]
    found = Allocation(AllocationGranularity.DAILY, START, END, shares)
    assert found.totals() == [
        CurrencyTotal("EUR", D("50.00"), D(0)),
        CurrencyTotal("USD", D("300.00"), D(0)),
    ]
    assert found.per_customer() == {(ACME, "EUR"): D("50.00"), (ACME, "USD"): D("300.00")}


def test_a_yen_cost_is_split_in_whole_yen() -> None:
    shares = allocate(_period("1000", "JPY", {"a": D(1), "b": D(1), "c": D(1)}))
    assert sorted(s.amount for s in shares) == [D(333), D(333), D(334)]


def test_a_cost_in_another_currency_than_the_invoice_is_its_own_profit_row() -> None:
    revenues = [
        Revenue(ACME, START, END, "USD", D("2035.00"), True),
        Revenue(BETA, START, END, "EUR", D("100.00"), True),
        Revenue(BETA, START, END, "USD", D("10.00"), True),
    ]
    costs = {
        (START, END): {
            (ACME, "USD"): D("15.00"),
            (ACME, "EUR"): D("20.00"),
            (BETA, "EUR"): D("5.00"),
        }
    }
    rows = profit_rows(revenues, costs, {ACME: "acme", BETA: "beta"})
    got = [(r.company_key, r.currency, r.revenue, r.cost, r.profit) for r in rows]
    assert got == [
        ("acme", "USD", D("2035.00"), D("15.00"), D("2020.00")),
        ("acme", "EUR", D(0), D("20.00"), D("-20.00")),
        ("beta", "EUR", D("100.00"), D("5.00"), D("95.00")),
        ("beta", "USD", D("10.00"), D("0.00"), D("10.00")),
    ]
    assert rows[1].margin_percent is None and rows[1].finalized
