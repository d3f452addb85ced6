from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.allocation import (
    AllocationGranularity,
    CostPeriod,
    allocate,
    largest_remainder,
)

D = Decimal


def test_seed_hour_of_product_a() -> None:
    usage = {"customer 1": D(10), "customer 2": D(10), "customer 3": D(20)}
    usage |= {"customer 4": D(30), "customer 5": D(30)}
    shares = largest_remainder(D("200.00"), usage)
    assert shares["customer 3"] == D("40.00")
    assert shares["customer 4"] == D("60.00")
    assert sum(shares.values()) == D("200.00")


def test_uneven_split_adds_up_to_the_cent() -> None:
    shares = largest_remainder(D("100.00"), {"a": D(1), "b": D(1), "c": D(1)})
    assert sorted(shares.values()) == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(shares.values()) == D("100.00")


def test_no_usage_leaves_the_cost_unallocated() -> None:
    start = datetime(2024, 2, 8, tzinfo=UTC)
    period = CostPeriod("a", start, start, D("5.00"), "USD", {"x": D(0)})
    (share,) = allocate(period)
    assert share.customer is None and share.amount == D("5.00")


def test_a_credit_is_split_like_a_cost() -> None:
    shares = largest_remainder(D("-1.00"), {"a": D(1), "b": D(2)})
    assert sum(shares.values()) == D("-1.00")
    assert shares == {"a": D("-0.33"), "b": D("-0.67")}


def test_periods_are_utc_hours_and_days() -> None:
    moment = datetime(2024, 2, 8, 13, 45, tzinfo=UTC)
    assert AllocationGranularity.HOURLY.period_of(moment)[0] == datetime(2024, 2, 8, 13, tzinfo=UTC)
    assert AllocationGranularity.DAILY.period_of(moment)[0] == datetime(2024, 2, 8, tzinfo=UTC)


@given(
    st.integers(min_value=-(10**9), max_value=10**9),
    st.dictionaries(
        st.text(min_size=1, max_size=4),
        st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False),
        max_size=12,
    ),
)
def test_shares_always_add_up_and_stay_within_a_cent_of_exact(
    cents: int, usage: dict[str, Decimal]
) -> None:
    cost = D(cents) / 100
    shares = largest_remainder(cost, usage)
    total = sum((u for u in usage.values() if u > 0), D(0))
    if total == 0:
        assert shares == {}
        return
    assert sum(shares.values()) == cost
    for k, amount in shares.items():
        assert abs(amount - cost * usage[k] / total) < D("0.01")
