from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.pricing import (
    InvalidQuantity,
    Price,
    PriceModel,
    PricingErrorCode,
    Tier,
    TierBasis,
    apply_allowance,
    prorate_factor,
    prorated_allowance,
    rate,
)

WHATSAPP_C = Price(
    PriceModel.FLAT_TIERED,
    tiers=(
        Tier(up_to=Decimal(999), flat_fee=Decimal("2.00")),
        Tier(up_to=Decimal(2000), flat_fee=Decimal("1.00")),
        Tier(up_to=None, flat_fee=Decimal("0.50")),
    ),
    free_units=Decimal(100),
    tier_basis=TierBasis.BILLABLE,
)


@pytest.mark.parametrize(
    ("quantity", "free_units", "factor", "basis", "used", "billable", "tier_quantity"),
    [
        ("0", "100", "1", TierBasis.TOTAL, "0", "0", "0"),
        ("50", "100", "1", TierBasis.TOTAL, "50", "0", "50"),
        ("100", "100", "1", TierBasis.TOTAL, "100", "0", "100"),
        ("150", "100", "1", TierBasis.TOTAL, "100", "50", "150"),
        ("150", "100", "1", TierBasis.BILLABLE, "100", "50", "50"),
        ("2500", "100", "1", TierBasis.BILLABLE, "100", "2400", "2400"),
        ("150", "0", "1", TierBasis.TOTAL, "0", "150", "150"),
        ("150", "100", "0.5", TierBasis.BILLABLE, "50", "100", "100"),
        ("150", "100", "0", TierBasis.BILLABLE, "0", "150", "150"),
        ("100", "100", "0.516129", TierBasis.BILLABLE, "51.6129", "48.3871", "48.3871"),
        ("10.25", "2.5", "1", TierBasis.TOTAL, "2.5", "7.75", "10.25"),
    ],
)
def test_the_allowance_is_used_first_and_the_rest_is_billable(
    quantity: str,
    free_units: str,
    factor: str,
    basis: TierBasis,
    used: str,
    billable: str,
    tier_quantity: str,
) -> None:
    usage = apply_allowance(
        Decimal(quantity), Decimal(free_units), factor=Decimal(factor), basis=basis
    )

    assert usage.quantity == Decimal(quantity)
    assert usage.free_units_used == Decimal(used)
    assert usage.billable_quantity == Decimal(billable)
    assert usage.tier_quantity == Decimal(tier_quantity)


@pytest.mark.parametrize(
    ("free_units", "factor", "allowance"),
    [
        ("100", "1", "100"),
        ("100", "0.5", "50"),
        ("100", "0.516129", "51.6129"),
        ("100", "0", "0"),
    ],
)
def test_the_allowance_is_pro_rated_by_the_factor(
    free_units: str, factor: str, allowance: str
) -> None:
    assert prorated_allowance(Decimal(free_units), Decimal(factor)) == Decimal(allowance)


@pytest.mark.parametrize(
    ("monthly_total", "fee"),
    [
        ("0", "0.00"),
        ("51", "0.00"),
        ("52", "2.00"),  # 51.6129 free in a month active from the 16th of 31 days
        ("100", "2.00"),
        ("1051", "1.00"),
    ],
)
def test_a_partial_first_month_gets_a_pro_rated_allowance(monthly_total: str, fee: str) -> None:
    factor = prorate_factor(date(2024, 1, 1), date(2024, 2, 1), active_from=date(2024, 1, 16))

    assert rate(WHATSAPP_C, Decimal(monthly_total), allowance_factor=factor).amount == Decimal(fee)


def test_unused_free_units_do_not_carry_over_to_the_next_month() -> None:
    january = rate(WHATSAPP_C, Decimal(50))
    february = rate(WHATSAPP_C, Decimal(150))

    assert january.amount == Decimal("0.00")
    assert february.free_units_used == Decimal(100)
    assert february.amount == Decimal("2.00")


@pytest.mark.parametrize(
    ("quantity", "factor", "field", "code"),
    [
        ("-1", "1", "quantity", PricingErrorCode.NEGATIVE_QUANTITY),
        ("-0.01", "1", "quantity", PricingErrorCode.NEGATIVE_QUANTITY),
        ("NaN", "1", "quantity", PricingErrorCode.NOT_FINITE),
        ("Infinity", "1", "quantity", PricingErrorCode.NOT_FINITE),
        ("10", "1.5", "allowanceFactor", PricingErrorCode.FACTOR_OUT_OF_RANGE),
        ("10", "-0.1", "allowanceFactor", PricingErrorCode.FACTOR_OUT_OF_RANGE),
        ("10", "NaN", "allowanceFactor", PricingErrorCode.FACTOR_OUT_OF_RANGE),
    ],
)
def test_rating_refuses_a_quantity_or_factor_it_cannot_price(
    quantity: str, factor: str, field: str, code: PricingErrorCode
) -> None:
    with pytest.raises(InvalidQuantity) as raised:
        rate(WHATSAPP_C, Decimal(quantity), allowance_factor=Decimal(factor))

    assert (raised.value.field, raised.value.code) == (field, code)
