from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, Tier, TierBasis, TierCharge, rate

VOLUME_TIERS = (
    Tier(up_to=Decimal(1000), unit_price=Decimal("2.00")),
    Tier(up_to=Decimal(2000), unit_price=Decimal("1.00")),
    Tier(up_to=None, unit_price=Decimal("0.50")),
)
WITH_FEES_TIERS = (
    Tier(up_to=Decimal(1000), unit_price=Decimal("0.10"), flat_fee=Decimal("5.00")),
    Tier(up_to=None, unit_price=Decimal("0.05"), flat_fee=Decimal("20.00")),
)


@pytest.mark.parametrize(
    ("quantity", "tier", "amount"),
    [
        ("1", 0, "2.00"),
        ("999", 0, "1998.00"),
        ("1000", 0, "2000.00"),
        ("1001", 1, "1001.00"),
        ("2000", 1, "2000.00"),
        ("2001", 2, "1000.50"),
        ("3500", 2, "1750.00"),
        ("0.5", 0, "1.00"),
        ("1000.5", 1, "1000.50"),
        ("2000.01", 2, "1000.01"),  # 1000.005 rounds half-up
    ],
)
def test_volume_charge_prices_all_units_at_the_tier_reached(
    quantity: str, tier: int, amount: str
) -> None:
    charge = rate(Price(PriceModel.VOLUME, tiers=VOLUME_TIERS), Decimal(quantity))

    assert charge.amount == Decimal(amount)
    (line,) = charge.tiers
    assert line.tier == tier
    assert line.units == Decimal(quantity)


def test_no_usage_costs_nothing_and_shows_no_tier() -> None:
    charge = rate(Price(PriceModel.VOLUME, tiers=WITH_FEES_TIERS), Decimal(0))

    assert charge.amount == Decimal("0.00")
    assert charge.tiers == ()


@pytest.mark.parametrize(
    ("quantity", "amount"),
    [
        ("1", "5.10"),
        ("999", "104.90"),
        ("1000", "105.00"),
        ("1001", "70.05"),
        ("2000", "120.00"),
        ("2001", "120.05"),
    ],
)
def test_volume_charge_adds_the_flat_fee_of_the_tier_reached(quantity: str, amount: str) -> None:
    price = Price(PriceModel.VOLUME, tiers=WITH_FEES_TIERS)

    assert rate(price, Decimal(quantity)).amount == Decimal(amount)


def test_the_volume_breakdown_names_the_tier_reached_and_its_bounds() -> None:
    charge = rate(Price(PriceModel.VOLUME, tiers=WITH_FEES_TIERS), Decimal(1500))

    assert charge.tiers == (
        TierCharge(
            tier=1,
            from_units=Decimal(1000),
            up_to=None,
            units=Decimal(1500),
            unit_price=Decimal("0.05"),
            flat_fee=Decimal("20.00"),
            amount=Decimal("95.00"),
        ),
    )


@pytest.mark.parametrize(
    ("basis", "quantity", "tier", "amount"),
    [
        (TierBasis.TOTAL, "100", None, "0.00"),
        (TierBasis.TOTAL, "1000", 0, "1800.00"),  # 900 billable at 2.00
        (TierBasis.TOTAL, "1050", 1, "950.00"),  # 1,050 reaches the 1.00 tier
        (TierBasis.TOTAL, "2001", 2, "950.50"),
        (TierBasis.BILLABLE, "100", None, "0.00"),
        (TierBasis.BILLABLE, "1050", 0, "1900.00"),  # 950 billable stay at 2.00
        (TierBasis.BILLABLE, "1100", 0, "2000.00"),
        (TierBasis.BILLABLE, "1101", 1, "1001.00"),
        (TierBasis.BILLABLE, "2101", 2, "1000.50"),
    ],
)
def test_volume_tier_is_chosen_by_the_tier_basis_quantity(
    basis: TierBasis, quantity: str, tier: int | None, amount: str
) -> None:
    price = Price(PriceModel.VOLUME, tiers=VOLUME_TIERS, free_units=Decimal(100), tier_basis=basis)

    charge = rate(price, Decimal(quantity))

    assert charge.amount == Decimal(amount)
    assert [line.tier for line in charge.tiers] == ([] if tier is None else [tier])
