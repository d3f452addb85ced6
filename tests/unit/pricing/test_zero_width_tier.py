"""A first tier ending at 0, as contracts write a free tier: accepted, and it costs 0."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import Price, PriceModel, PricingErrorCode, Tier, price_errors, rate

ZERO_FIRST = (
    Tier(up_to=Decimal(0)),
    Tier(up_to=Decimal(100), unit_price=Decimal(0)),
    Tier(up_to=None, unit_price=Decimal("0.10")),
)


@pytest.mark.parametrize("model", [PriceModel.GRADUATED, PriceModel.VOLUME])
def test_a_first_tier_ending_at_zero_is_accepted(model: PriceModel) -> None:
    tiers = (Tier(up_to=Decimal(0), unit_price=Decimal(0)), *ZERO_FIRST[1:])

    assert price_errors(Price(model, tiers=tiers)) == []


def test_a_flat_tiered_first_tier_ending_at_zero_with_no_fee_is_accepted() -> None:
    tiers = (
        Tier(up_to=Decimal(0), flat_fee=Decimal(0)),
        Tier(up_to=None, flat_fee=Decimal("2.00")),
    )

    assert price_errors(Price(PriceModel.FLAT_TIERED, tiers=tiers)) == []


@pytest.mark.parametrize(
    ("quantity", "amount", "tiers_charged"),
    [("0", "0.00", []), ("100", "0.00", [1]), ("150", "5.00", [1, 2])],
)
def test_a_zero_width_first_tier_holds_no_units_and_costs_nothing(
    quantity: str, amount: str, tiers_charged: list[int]
) -> None:
    tiers = (Tier(up_to=Decimal(0), unit_price=Decimal(0)), *ZERO_FIRST[1:])

    charge = rate(Price(PriceModel.GRADUATED, tiers=tiers), Decimal(quantity))

    assert charge.amount == Decimal(amount)
    assert [t.tier for t in charge.tiers] == tiers_charged


def test_a_price_on_a_zero_width_first_tier_is_refused_with_the_real_rule() -> None:
    tiers = (
        Tier(up_to=Decimal(0), unit_price=Decimal("1.00"), flat_fee=Decimal("5.00")),
        Tier(up_to=None, unit_price=Decimal("0.10")),
    )

    errors = price_errors(Price(PriceModel.GRADUATED, tiers=tiers))

    assert [(e.field, e.code) for e in errors] == [
        ("tiers[0].unitPrice", PricingErrorCode.ZERO_WIDTH_TIER_PRICED),
        ("tiers[0].flatFee", PricingErrorCode.ZERO_WIDTH_TIER_PRICED),
    ]
    assert errors[0].message == (
        "the first tier ends at 0, so it holds no units and costs nothing:"
        " its unitPrice must be 0 or left out"
    )


def test_a_negative_first_bound_names_where_tiers_start_not_a_tier_before_it() -> None:
    tiers = (
        Tier(up_to=Decimal(-5), unit_price=Decimal(1)),
        Tier(up_to=None, unit_price=Decimal(1)),
    )

    (error,) = price_errors(Price(PriceModel.GRADUATED, tiers=tiers))

    assert (error.field, error.code) == ("tiers[0].upTo", PricingErrorCode.TIERS_UNORDERED)
    assert error.message == "tiers start at 0, so the first tier must end at 0 or above"
    assert "before" not in error.message


def test_a_later_tier_ending_where_the_one_before_ends_names_that_tier() -> None:
    tiers = (
        Tier(up_to=Decimal(0)),
        Tier(up_to=Decimal(0), unit_price=Decimal(1)),
        Tier(up_to=None, unit_price=Decimal(1)),
    )

    (error,) = price_errors(Price(PriceModel.GRADUATED, tiers=tiers))

    assert (error.field, error.code) == ("tiers[1].upTo", PricingErrorCode.TIERS_UNORDERED)
    assert error.message == "a tier must end above 0, where tier 0 ends"
