from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.pricing import (
    InvalidPeriod,
    InvalidPrice,
    Price,
    PriceModel,
    PricingErrorCode,
    Rounding,
    Tier,
    TierBasis,
    apply_minimum,
    prorate_factor,
    rate,
)


@pytest.mark.parametrize(
    ("subtotal", "minimum", "true_up"),
    [
        ("730.00", "100.00", "0.00"),  # customer_b 2024-02: minimum met
        ("156.00", "100.00", "0.00"),  # customer_b 2024-04
        ("0.00", "100.00", "100.00"),  # customer_b, a month with no usage
        ("99.99", "100.00", "0.01"),
        ("100.00", "100.00", "0.00"),
        ("100.01", "100.00", "0.00"),
        ("40.00", "0", "0.00"),
        ("40.00", None, "0.00"),
    ],
)
def test_the_true_up_lifts_the_subtotal_to_the_minimum_commitment(
    subtotal: str, minimum: str | None, true_up: str
) -> None:
    amount = apply_minimum(Decimal(subtotal), None if minimum is None else Decimal(minimum))

    assert amount == Decimal(true_up)
    assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("minimum", "code"),
    [("-100.00", PricingErrorCode.NEGATIVE_PRICE), ("NaN", PricingErrorCode.NOT_FINITE)],
)
def test_a_minimum_commitment_must_be_a_non_negative_amount(
    minimum: str, code: PricingErrorCode
) -> None:
    with pytest.raises(InvalidPrice) as raised:
        apply_minimum(Decimal("10.00"), Decimal(minimum))

    assert (raised.value.field, raised.value.code) == ("minimumCommitment", code)


@pytest.mark.parametrize(
    ("period_start", "period_end", "active_from", "factor"),
    [
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1), "1.000000"),
        (date(2024, 1, 1), date(2024, 2, 1), date(2023, 6, 1), "1.000000"),
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 2), "0.967742"),  # 30/31
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 16), "0.516129"),  # 16/31
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 31), "0.032258"),  # 1/31
        (date(2024, 2, 1), date(2024, 3, 1), date(2024, 2, 15), "0.517241"),  # 15/29, leap year
        (date(2024, 4, 1), date(2024, 5, 1), date(2024, 4, 16), "0.500000"),  # 15/30
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 2, 1), "0.000000"),
        (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), "0.000000"),
    ],
)
def test_the_prorate_factor_is_the_share_of_days_active_in_the_period(
    period_start: date, period_end: date, active_from: date, factor: str
) -> None:
    assert prorate_factor(period_start, period_end, active_from) == Decimal(factor)


@pytest.mark.parametrize("period_end", [date(2024, 1, 1), date(2023, 12, 31)])
def test_a_period_must_end_after_it_starts(period_end: date) -> None:
    with pytest.raises(InvalidPeriod) as raised:
        prorate_factor(date(2024, 1, 1), period_end, date(2024, 1, 1))

    assert (raised.value.field, raised.value.code) == ("periodEnd", PricingErrorCode.PERIOD_EMPTY)


# The seed customers' prices, as the simulation guide's totals imply them.
SMS_A = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.01"))
WHATSAPP_A = Price(
    PriceModel.PACKAGE,
    package_size=Decimal(1000),
    package_price=Decimal("10.00"),
    rounding=Rounding.NONE,
)
AI_SMS_A = Price(
    PriceModel.GRADUATED,
    tiers=(
        Tier(up_to=Decimal(1000), unit_price=Decimal("2.00")),
        Tier(up_to=Decimal(2000), unit_price=Decimal("1.00")),
        Tier(up_to=None, unit_price=Decimal("0.50")),
    ),
)
SMS_B = Price(PriceModel.PER_UNIT, unit_price=Decimal("0.02"))
AI_SMS_B = Price(PriceModel.PER_UNIT, unit_price=Decimal("2.00"))
MINIMUM_B = Decimal("100.00")
SMS_C = SMS_A
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
    ("lines", "minimum", "total"),
    [
        ([(SMS_A, 1000), (WHATSAPP_A, 2500), (AI_SMS_A, 1000)], None, "2035.00"),  # a 2024-01
        ([(SMS_A, 12000), (WHATSAPP_A, 15000), (AI_SMS_A, 3500)], None, "4020.00"),  # a 2024-03
        ([(SMS_B, 1500), (AI_SMS_B, 350)], MINIMUM_B, "730.00"),  # b 2024-02
        ([(SMS_B, 1800), (AI_SMS_B, 60)], MINIMUM_B, "156.00"),  # b 2024-04
        ([(SMS_B, 0), (AI_SMS_B, 0)], MINIMUM_B, "100.00"),  # b, no usage
        ([(SMS_C, 1100), (WHATSAPP_C, 90)], None, "11.00"),  # c 2024-01
        ([(SMS_C, 7500), (WHATSAPP_C, 1500)], None, "76.00"),  # c 2024-05
        ([(SMS_C, 0), (WHATSAPP_C, 0)], None, "0.00"),  # c, no usage
    ],
)
def test_seed_invoice_totals_are_the_lines_plus_the_true_up(
    lines: list[tuple[Price, int]], minimum: Decimal | None, total: str
) -> None:
    subtotal = sum((rate(price, Decimal(quantity)).amount for price, quantity in lines), Decimal(0))

    assert subtotal + apply_minimum(subtotal, minimum) == Decimal(total)
