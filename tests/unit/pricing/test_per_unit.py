from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, rate

SMS_A = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.01"))
SMS_B = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.02"))
AI_SMS_B = Price(PriceModel.PER_UNIT, unit_price=Decimal("2.00"))


@pytest.mark.parametrize(
    ("price", "quantity", "amount"),
    [
        # seed figures
        (SMS_A, "1000", "10.00"),  # customer_a 2024-01
        (SMS_A, "12000", "120.00"),  # customer_a 2024-03
        (SMS_A, "1100", "11.00"),  # customer_c 2024-01
        (SMS_A, "7500", "75.00"),  # customer_c 2024-05
        (SMS_B, "1500", "30.00"),  # customer_b 2024-02
        (SMS_B, "1800", "36.00"),  # customer_b 2024-04
        (AI_SMS_B, "350", "700.00"),  # customer_b 2024-02
        (AI_SMS_B, "60", "120.00"),  # customer_b 2024-04
        # around the boundaries the tiered prices use
        (SMS_A, "999", "9.99"),
        (SMS_A, "1001", "10.01"),
        (SMS_A, "2000", "20.00"),
        (SMS_A, "2001", "20.01"),
        # zero and fractions, rounded half-up once at the end
        (SMS_A, "0", "0.00"),
        (SMS_A, "0.5", "0.01"),
        (SMS_A, "0.4", "0.00"),
        (SMS_A, "2.4", "0.02"),
        (SMS_B, "1234.5", "24.69"),
        (SMS_B, "0.25", "0.01"),
    ],
)
def test_per_unit_charge_is_quantity_times_unit_price_rounded_to_the_cent(
    price: Price, quantity: str, amount: str
) -> None:
    charge = rate(price, Decimal(quantity))

    assert charge.amount == Decimal(amount)
    assert charge.quantity == charge.billable_quantity == Decimal(quantity)
    assert charge.free_units_used == 0
    assert charge.tiers == ()


@pytest.mark.parametrize(
    ("quantity", "billable", "amount"),
    [
        ("0", "0", "0.00"),
        ("60", "0", "0.00"),
        ("100", "0", "0.00"),
        ("150", "50", "0.50"),
        ("1100", "1000", "10.00"),
    ],
)
def test_per_unit_free_units_are_not_charged(quantity: str, billable: str, amount: str) -> None:
    price = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.01"), free_units=Decimal(100))

    charge = rate(price, Decimal(quantity))

    assert charge.billable_quantity == Decimal(billable)
    assert charge.amount == Decimal(amount)


@pytest.mark.parametrize("quantity", ["0", "1", "1000", "0.333", "12000"])
def test_charge_amounts_always_carry_two_decimal_places(quantity: str) -> None:
    assert rate(SMS_A, Decimal(quantity)).amount.as_tuple().exponent == -2
