from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, Tier, TierBasis, TierCharge, rate

# customer_a AI SMS: 1-1,000 at 2.00, 1,001-2,000 at 1.00, above at 0.50
AI_SMS_TIERS = (
    Tier(up_to=Decimal(1000), unit_price=Decimal("2.00")),
    Tier(up_to=Decimal(2000), unit_price=Decimal("1.00")),
    Tier(up_to=None, unit_price=Decimal("0.50")),
)
AI_SMS = Price(PriceModel.GRADUATED, tiers=AI_SMS_TIERS)

# a per-unit price plus a fee charged once the tier is reached
WITH_FEES_TIERS = (
    Tier(up_to=Decimal(1000), unit_price=Decimal("0.10"), flat_fee=Decimal("5.00")),
    Tier(up_to=None, unit_price=Decimal("0.05"), flat_fee=Decimal("20.00")),
)


@pytest.mark.parametrize(
    ("quantity", "units_per_tier", "amount"),
    [
        ("0", (), "0.00"),
        ("1", ("1",), "2.00"),
        ("999", ("999",), "1998.00"),
        ("1000", ("1000",), "2000.00"),  # customer_a 2024-01
        ("1001", ("1000", "1"), "2001.00"),
        ("2000", ("1000", "1000"), "3000.00"),
        ("2001", ("1000", "1000", "1"), "3000.50"),
        ("3500", ("1000", "1000", "1500"), "3750.00"),  # customer_a 2024-03
        ("0.25", ("0.25",), "0.50"),
        ("1000.5", ("1000", "0.5"), "2000.50"),
        ("2000.01", ("1000", "1000", "0.01"), "3000.01"),  # 3000.005 rounds half-up
    ],
)
def test_graduated_charge_prices_each_band_at_its_own_unit_price(
    quantity: str, units_per_tier: tuple[str, ...], amount: str
) -> None:
    charge = rate(AI_SMS, Decimal(quantity))

    assert charge.amount == Decimal(amount)
    assert tuple(line.units for line in charge.tiers) == tuple(Decimal(u) for u in units_per_tier)


def test_the_breakdown_of_3500_ai_messages_shows_three_bands_with_their_bounds() -> None:
    charge = rate(AI_SMS, Decimal(3500))

    assert charge.tiers == (
        TierCharge(0, Decimal(0), Decimal(1000), Decimal(1000), Decimal("2.00"), Decimal(0),
                   Decimal("2000.00")),
        TierCharge(1, Decimal(1000), Decimal(2000), Decimal(1000), Decimal("1.00"), Decimal(0),
                   Decimal("1000.00")),
        TierCharge(2, Decimal(2000), None, Decimal(1500), Decimal("0.50"), Decimal(0),
                   Decimal("750.00")),
    )  # fmt: skip
    assert sum(line.amount for line in charge.tiers) == charge.amount


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        ("0", "0.00"),
        ("1", "5.10"),
        ("999", "104.90"),
        ("1000", "105.00"),
        ("1001", "125.05"),  # the second band is reached: its fee is due
        ("2000", "175.00"),
        ("2001", "175.05"),
    ],
)
def test_graduated_band_flat_fee_is_charged_once_the_band_is_reached(
    quantity: str, amount: str
) -> None:
    price = Price(PriceModel.GRADUATED, tiers=WITH_FEES_TIERS)

    assert rate(price, Decimal(quantity)).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("basis", "quantity", "billable", "amount"),
    [
        # TOTAL: the 100 free units fill the bottom of the first band
        (TierBasis.TOTAL, "100", "0", "0.00"),
        (TierBasis.TOTAL, "1000", "900", "1800.00"),
        (TierBasis.TOTAL, "1001", "901", "1801.00"),
        (TierBasis.TOTAL, "1100", "1000", "1900.00"),
        (TierBasis.TOTAL, "2001", "1901", "2800.50"),
        # BILLABLE: bands start counting after the allowance
        (TierBasis.BILLABLE, "100", "0", "0.00"),
        (TierBasis.BILLABLE, "1000", "900", "1800.00"),
        (TierBasis.BILLABLE, "1100", "1000", "2000.00"),
        (TierBasis.BILLABLE, "1101", "1001", "2001.00"),
        (TierBasis.BILLABLE, "2101", "2001", "3000.50"),
    ],
)
def test_graduated_allowance_is_placed_by_the_tier_basis(
    basis: TierBasis, quantity: str, billable: str, amount: str
) -> None:
    price = Price(
        PriceModel.GRADUATED, tiers=AI_SMS_TIERS, free_units=Decimal(100), tier_basis=basis
    )

    charge = rate(price, Decimal(quantity))

    assert charge.billable_quantity == Decimal(billable)
    assert charge.amount == Decimal(amount)


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        ("50", "0.00"),  # inside the allowance: the first band's fee is not due
        ("1000", "0.00"),
        ("1001", "20.05"),  # only the second band holds billable units
        ("1100", "25.00"),
    ],
)
def test_a_band_holding_only_free_units_is_not_charged_its_flat_fee(
    quantity: str, amount: str
) -> None:
    price = Price(
        PriceModel.GRADUATED,
        tiers=WITH_FEES_TIERS,
        free_units=Decimal(1000),
        tier_basis=TierBasis.TOTAL,
    )

    assert rate(price, Decimal(quantity)).amount == Decimal(amount)
