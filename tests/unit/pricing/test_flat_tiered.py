from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, Tier, TierBasis, TierCharge, rate

# customer_c WhatsApp: 100 free a month, then one fee chosen by the billable
# messages: under 1,000 -> 2.00, 1,000 to 2,000 -> 1.00, over 2,000 -> 0.50.
WHATSAPP_C_TIERS = (
    Tier(up_to=Decimal(999), flat_fee=Decimal("2.00")),
    Tier(up_to=Decimal(2000), flat_fee=Decimal("1.00")),
    Tier(up_to=None, flat_fee=Decimal("0.50")),
)
WHATSAPP_C = Price(
    PriceModel.FLAT_TIERED,
    tiers=WHATSAPP_C_TIERS,
    free_units=Decimal(100),
    tier_basis=TierBasis.BILLABLE,
)


@pytest.mark.parametrize(
    ("monthly_total", "billable", "fee"),
    [
        # the contract's examples and edge cases, by monthly total
        ("0", "0", "0.00"),
        ("50", "0", "0.00"),
        ("80", "0", "0.00"),
        ("90", "0", "0.00"),  # customer_c 2024-01
        ("100", "0", "0.00"),
        ("150", "50", "2.00"),
        ("500", "400", "2.00"),
        ("600", "500", "2.00"),
        ("800", "700", "2.00"),
        ("1000", "900", "2.00"),
        ("1200", "1100", "1.00"),
        ("1500", "1400", "1.00"),  # customer_c 2024-05
        ("2000", "1900", "1.00"),
        ("2500", "2400", "0.50"),
        ("3000", "2900", "0.50"),
        # tier boundaries, on the billable quantity
        ("101", "1", "2.00"),
        ("1099", "999", "2.00"),
        ("1100", "1000", "1.00"),
        ("1101", "1001", "1.00"),
        ("2100", "2000", "1.00"),
        ("2101", "2001", "0.50"),
        # fractions: a bound is crossed as soon as it is exceeded
        ("100.5", "0.5", "2.00"),
        ("1099.5", "999.5", "1.00"),
        ("2100.5", "2000.5", "0.50"),
    ],
)
def test_customer_c_whatsapp_fee_follows_the_billable_messages(
    monthly_total: str, billable: str, fee: str
) -> None:
    charge = rate(WHATSAPP_C, Decimal(monthly_total))

    assert charge.billable_quantity == Decimal(billable)
    assert charge.amount == Decimal(fee)


@pytest.mark.parametrize(
    ("quantity", "fee"),
    [
        ("0", "0.00"),
        ("1", "2.00"),
        ("999", "2.00"),
        ("1000", "1.00"),
        ("1001", "1.00"),
        ("2000", "1.00"),
        ("2001", "0.50"),
        ("999.01", "1.00"),
    ],
)
def test_without_allowance_the_fee_is_chosen_by_the_whole_quantity(quantity: str, fee: str) -> None:
    price = Price(PriceModel.FLAT_TIERED, tiers=WHATSAPP_C_TIERS)

    assert rate(price, Decimal(quantity)).amount == Decimal(fee)


@pytest.mark.parametrize(
    ("monthly_total", "fee"),
    [
        ("100", "0.00"),
        ("999", "2.00"),
        ("1000", "1.00"),  # the total reaches the second tier though only 900 are billable
        ("1050", "1.00"),
        ("2001", "0.50"),
    ],
)
def test_with_a_total_basis_free_units_count_towards_the_tier(monthly_total: str, fee: str) -> None:
    price = Price(
        PriceModel.FLAT_TIERED,
        tiers=WHATSAPP_C_TIERS,
        free_units=Decimal(100),
        tier_basis=TierBasis.TOTAL,
    )

    assert rate(price, Decimal(monthly_total)).amount == Decimal(fee)


def test_exactly_one_thousand_messages_bill_the_low_tier_fee() -> None:
    charge = rate(WHATSAPP_C, Decimal(1000))

    assert charge == rate(WHATSAPP_C, Decimal(1000))
    assert charge.free_units_used == Decimal(100)
    assert charge.tiers == (
        TierCharge(
            tier=0,
            from_units=Decimal(0),
            up_to=Decimal(999),
            units=Decimal(900),
            unit_price=Decimal(0),
            flat_fee=Decimal("2.00"),
            amount=Decimal("2.00"),
        ),
    )
    assert charge.amount == Decimal("2.00")


def test_a_month_inside_the_allowance_shows_no_tier() -> None:
    assert rate(WHATSAPP_C, Decimal(100)).tiers == ()
