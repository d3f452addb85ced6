from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, Rounding, rate


def whatsapp(rounding: Rounding, free_units: str = "0") -> Price:
    """customer_a's WhatsApp price: 10.00 per 1,000 messages."""
    return Price(
        PriceModel.PACKAGE,
        package_size=Decimal(1000),
        package_price=Decimal("10.00"),
        rounding=rounding,
        free_units=Decimal(free_units),
    )


@pytest.mark.parametrize(
    ("rounding", "quantity", "amount"),
    [
        # NONE: fractional packages (the seed reading)
        (Rounding.NONE, "2500", "25.00"),  # customer_a 2024-01
        (Rounding.NONE, "15000", "150.00"),  # customer_a 2024-03
        (Rounding.NONE, "0", "0.00"),
        (Rounding.NONE, "1", "0.01"),
        (Rounding.NONE, "999", "9.99"),
        (Rounding.NONE, "1000", "10.00"),
        (Rounding.NONE, "1001", "10.01"),
        (Rounding.NONE, "2000", "20.00"),
        (Rounding.NONE, "2001", "20.01"),
        (Rounding.NONE, "0.5", "0.01"),  # 0.005 rounds half-up
        (Rounding.NONE, "0.4", "0.00"),
        (Rounding.NONE, "1500.5", "15.01"),
        # UP: every started package is billed
        (Rounding.UP, "0", "0.00"),
        (Rounding.UP, "0.5", "10.00"),
        (Rounding.UP, "999", "10.00"),
        (Rounding.UP, "1000", "10.00"),
        (Rounding.UP, "1001", "20.00"),
        (Rounding.UP, "2000", "20.00"),
        (Rounding.UP, "2001", "30.00"),
        (Rounding.UP, "2500", "30.00"),
        (Rounding.UP, "15000", "150.00"),
        # DOWN: only full packages are billed
        (Rounding.DOWN, "0", "0.00"),
        (Rounding.DOWN, "0.5", "0.00"),
        (Rounding.DOWN, "999", "0.00"),
        (Rounding.DOWN, "1000", "10.00"),
        (Rounding.DOWN, "1001", "10.00"),
        (Rounding.DOWN, "2000", "20.00"),
        (Rounding.DOWN, "2001", "20.00"),
        (Rounding.DOWN, "2500", "20.00"),
        (Rounding.DOWN, "15000", "150.00"),
    ],
)
def test_package_charge_counts_packages_by_the_rounding_rule(
    rounding: Rounding, quantity: str, amount: str
) -> None:
    charge = rate(whatsapp(rounding), Decimal(quantity))

    assert charge.amount == Decimal(amount)
    assert charge.billable_quantity == Decimal(quantity)


@pytest.mark.parametrize(
    ("rounding", "quantity", "amount"),
    [
        (Rounding.UP, "6", "3.00"),
        (Rounding.UP, "5.1", "3.00"),
        (Rounding.UP, "5", "2.00"),
        (Rounding.DOWN, "7.4", "2.00"),
        (Rounding.NONE, "6", "2.40"),
    ],
)
def test_a_package_may_hold_a_fractional_quantity(
    rounding: Rounding, quantity: str, amount: str
) -> None:
    storage = Price(
        PriceModel.PACKAGE,
        package_size=Decimal("2.5"),
        package_price=Decimal("1.00"),
        rounding=rounding,
    )

    assert rate(storage, Decimal(quantity)).amount == Decimal(amount)


@pytest.mark.parametrize(
    ("rounding", "quantity", "billable", "amount"),
    [
        (Rounding.NONE, "2500", "2000", "20.00"),
        (Rounding.NONE, "400", "0", "0.00"),
        (Rounding.UP, "501", "1", "10.00"),
        (Rounding.DOWN, "1499", "999", "0.00"),
    ],
)
def test_package_charge_counts_only_units_beyond_the_allowance(
    rounding: Rounding, quantity: str, billable: str, amount: str
) -> None:
    charge = rate(whatsapp(rounding, free_units="500"), Decimal(quantity))

    assert charge.billable_quantity == Decimal(billable)
    assert charge.amount == Decimal(amount)
