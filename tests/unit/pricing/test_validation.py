from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import (
    InvalidPeriod,
    InvalidPrice,
    InvalidQuantity,
    Price,
    PriceModel,
    PricingError,
    PricingErrorCode,
    Rounding,
    Tier,
    TierBasis,
    price_errors,
    rate,
    validate_price,
)

Code = PricingErrorCode


def d(text: str) -> Decimal:
    return Decimal(text)


def tiers(*bounds: str | None, price: str = "1.00") -> tuple[Tier, ...]:
    return tuple(Tier(None if b is None else d(b), unit_price=d(price)) for b in bounds)


def fees(*bounds: str | None) -> tuple[Tier, ...]:
    return tuple(Tier(None if b is None else d(b), flat_fee=d("1.00")) for b in bounds)


VALID_PRICES = [
    Price(PriceModel.PER_UNIT, unit_price=d("0.01")),
    Price(PriceModel.PER_UNIT, unit_price=d("0")),
    Price(PriceModel.PACKAGE, package_size=d("1000"), package_price=d("10.00")),
    Price(PriceModel.PACKAGE, package_size=d("0.5"), package_price=d("0"), rounding=Rounding.UP),
    Price(PriceModel.GRADUATED, tiers=tiers("1000", "2000", None)),
    Price(PriceModel.GRADUATED, tiers=(Tier(d("10"), flat_fee=d("5")), Tier(None, d("0.1")))),
    Price(PriceModel.VOLUME, tiers=tiers(None)),
    Price(PriceModel.VOLUME, tiers=tiers("0.5", None)),
    Price(
        PriceModel.FLAT_TIERED,
        tiers=fees("999", "2000", None),
        free_units=d("100"),
        tier_basis=TierBasis.BILLABLE,
    ),
]


@pytest.mark.parametrize("price", VALID_PRICES)
def test_a_well_formed_price_passes_validation(price: Price) -> None:
    validate_price(price)

    assert price_errors(price) == []


@pytest.mark.parametrize(
    ("price", "field", "code"),
    [
        # PER_UNIT
        (Price(PriceModel.PER_UNIT), "unitPrice", Code.REQUIRED),
        (Price(PriceModel.PER_UNIT, unit_price=d("-0.01")), "unitPrice", Code.NEGATIVE_PRICE),
        (Price(PriceModel.PER_UNIT, unit_price=d("NaN")), "unitPrice", Code.NOT_FINITE),
        (Price(PriceModel.PER_UNIT, unit_price=d("Infinity")), "unitPrice", Code.NOT_FINITE),
        (
            Price(PriceModel.PER_UNIT, unit_price=d("0.01"), tiers=tiers(None)),
            "tiers",
            Code.FIELD_NOT_APPLICABLE,
        ),
        (
            Price(PriceModel.PER_UNIT, unit_price=d("0.01"), package_size=d("1000")),
            "packageSize",
            Code.FIELD_NOT_APPLICABLE,
        ),
        (
            Price(PriceModel.PER_UNIT, unit_price=d("0.01"), free_units=d("-1")),
            "freeUnits",
            Code.NEGATIVE_PRICE,
        ),
        # PACKAGE
        (Price(PriceModel.PACKAGE, package_price=d("10")), "packageSize", Code.REQUIRED),
        (
            Price(PriceModel.PACKAGE, package_size=d("0"), package_price=d("10")),
            "packageSize",
            Code.PACKAGE_SIZE_NOT_POSITIVE,
        ),
        (
            Price(PriceModel.PACKAGE, package_size=d("-1000"), package_price=d("10")),
            "packageSize",
            Code.PACKAGE_SIZE_NOT_POSITIVE,
        ),
        (
            Price(PriceModel.PACKAGE, package_size=d("sNaN"), package_price=d("10")),
            "packageSize",
            Code.NOT_FINITE,
        ),
        (Price(PriceModel.PACKAGE, package_size=d("1000")), "packagePrice", Code.REQUIRED),
        (
            Price(PriceModel.PACKAGE, package_size=d("1000"), package_price=d("-10")),
            "packagePrice",
            Code.NEGATIVE_PRICE,
        ),
        (
            Price(
                PriceModel.PACKAGE,
                package_size=d("1000"),
                package_price=d("10"),
                unit_price=d("0.01"),
            ),
            "unitPrice",
            Code.FIELD_NOT_APPLICABLE,
        ),
        # tier models need tiers
        (Price(PriceModel.GRADUATED), "tiers", Code.TIERS_REQUIRED),
        (Price(PriceModel.VOLUME), "tiers", Code.TIERS_REQUIRED),
        (Price(PriceModel.FLAT_TIERED), "tiers", Code.TIERS_REQUIRED),
        (
            Price(PriceModel.GRADUATED, tiers=tiers(None), unit_price=d("1")),
            "unitPrice",
            Code.FIELD_NOT_APPLICABLE,
        ),
        (
            Price(PriceModel.VOLUME, tiers=tiers(None), package_price=d("1")),
            "packagePrice",
            Code.FIELD_NOT_APPLICABLE,
        ),
        # tier bounds: increasing, above zero, only the last one open
        (
            Price(PriceModel.GRADUATED, tiers=tiers("2000", "1000", None)),
            "tiers[1].upTo",
            Code.TIERS_UNORDERED,
        ),
        (
            Price(PriceModel.VOLUME, tiers=tiers("1000", "1000", None)),
            "tiers[1].upTo",
            Code.TIERS_UNORDERED,
        ),
        (
            Price(PriceModel.GRADUATED, tiers=tiers("0", "0", None, price="0")),
            "tiers[1].upTo",
            Code.TIERS_UNORDERED,
        ),
        (
            Price(PriceModel.FLAT_TIERED, tiers=fees("-5", None)),
            "tiers[0].upTo",
            Code.TIERS_UNORDERED,
        ),
        (
            Price(PriceModel.GRADUATED, tiers=tiers("1000", "3000", "2000", None)),
            "tiers[2].upTo",
            Code.TIERS_UNORDERED,
        ),
        (
            Price(PriceModel.GRADUATED, tiers=tiers("1000", None, None)),
            "tiers[1].upTo",
            Code.UNBOUNDED_TIER_NOT_LAST,
        ),
        (
            Price(PriceModel.VOLUME, tiers=tiers(None, "2000")),
            "tiers[0].upTo",
            Code.UNBOUNDED_TIER_NOT_LAST,
        ),
        (
            Price(PriceModel.FLAT_TIERED, tiers=fees("999", "2000")),
            "tiers[1].upTo",
            Code.LAST_TIER_BOUNDED,
        ),
        (
            Price(PriceModel.GRADUATED, tiers=tiers("NaN", None)),
            "tiers[0].upTo",
            Code.NOT_FINITE,
        ),
        # tier prices
        (
            Price(PriceModel.GRADUATED, tiers=(Tier(d("1000"), d("2")), Tier(None, d("-0.5")))),
            "tiers[1].unitPrice",
            Code.NEGATIVE_PRICE,
        ),
        (
            Price(PriceModel.VOLUME, tiers=(Tier(None, d("1"), flat_fee=d("-5")),)),
            "tiers[0].flatFee",
            Code.NEGATIVE_PRICE,
        ),
        (
            Price(PriceModel.GRADUATED, tiers=(Tier(d("1000"), d("2")), Tier(None))),
            "tiers[1].unitPrice",
            Code.REQUIRED,
        ),
        (
            Price(PriceModel.FLAT_TIERED, tiers=fees("999", "2000") + (Tier(None),)),
            "tiers[2].flatFee",
            Code.REQUIRED,
        ),
        (
            Price(
                PriceModel.FLAT_TIERED, tiers=fees("999", "2000") + (Tier(None, flat_fee=d("-1")),)
            ),
            "tiers[2].flatFee",
            Code.NEGATIVE_PRICE,
        ),
        (
            Price(PriceModel.FLAT_TIERED, tiers=(Tier(None, unit_price=d("1"), flat_fee=d("1")),)),
            "tiers[0].unitPrice",
            Code.FIELD_NOT_APPLICABLE,
        ),
        (
            Price(PriceModel.FLAT_TIERED, tiers=fees(None), free_units=d("-100")),
            "freeUnits",
            Code.NEGATIVE_PRICE,
        ),
    ],
)
def test_a_malformed_price_is_refused_naming_the_field_and_the_rule(
    price: Price, field: str, code: PricingErrorCode
) -> None:
    with pytest.raises(InvalidPrice) as raised:
        validate_price(price)

    assert (raised.value.field, raised.value.code) == (field, code)


def test_every_rule_a_price_breaks_is_listed() -> None:
    price = Price(
        PriceModel.GRADUATED,
        unit_price=d("1"),
        tiers=(Tier(d("2000"), d("1")), Tier(d("1000"), d("-1"))),
        free_units=d("-1"),
    )

    assert [(e.field, e.code) for e in price_errors(price)] == [
        ("freeUnits", Code.NEGATIVE_PRICE),
        ("unitPrice", Code.FIELD_NOT_APPLICABLE),
        ("tiers[1].upTo", Code.TIERS_UNORDERED),
        ("tiers[1].upTo", Code.LAST_TIER_BOUNDED),
        ("tiers[1].unitPrice", Code.NEGATIVE_PRICE),
    ]


def test_rating_with_a_malformed_price_raises_instead_of_charging() -> None:
    with pytest.raises(InvalidPrice) as raised:
        rate(Price(PriceModel.VOLUME, tiers=tiers("1000")), Decimal(5000))

    assert raised.value.code is Code.LAST_TIER_BOUNDED


def test_a_pricing_error_reads_as_field_message_and_code() -> None:
    error = InvalidPrice("tiers[1].upTo", Code.TIERS_UNORDERED, "a tier must end above 2000")

    assert str(error) == "tiers[1].upTo: a tier must end above 2000 (TIERS_UNORDERED)"
    assert error.message == "a tier must end above 2000"


@pytest.mark.parametrize("error_type", [InvalidPrice, InvalidQuantity, InvalidPeriod])
def test_every_pricing_error_is_caught_by_the_one_base(error_type: type[PricingError]) -> None:
    with pytest.raises(PricingError):
        raise error_type("field", Code.REQUIRED, "message")

    assert issubclass(error_type, ValueError)
