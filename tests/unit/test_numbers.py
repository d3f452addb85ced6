"""Every number the API returns: never an exponent, money in minor units, quantities plain.

The schema walk lists each output field whose type is ``Decimal`` (a
quantity) or ``Money`` (money or a price): a new field must be added to one
of the lists below, so none is written by a rule nobody chose.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from graphql import GraphQLInputObjectType, GraphQLObjectType, GraphQLScalarType, get_named_type
from hypothesis import given, settings
from hypothesis import strategies as st

from api.schema import schema
from domain.numbers import (
    MINOR_UNITS,
    Figure,
    Money,
    minor_units,
    money_text,
    number_text,
    price_text,
    quantity_text,
)

QUANTITIES = {
    "AggregationBucket.sum",
    "AggregationBucket.avg",
    "AggregationBucket.min",
    "AggregationBucket.max",
    "AggregationBucket.latest",
    "AggregationBucket.timeWeightedAvg",
    "Alert.levelValue",
    "Alert.usage",
    "Alert.limit",
    "Contract.lateFeePercentPerMonth",
    "ContractVersion.lateFeePercentPerMonth",
    "CostShare.usage",
    "CostShare.totalUsage",
    "CostShare.sharePercent",
    "InvoiceLine.quantity",
    "InvoiceLine.freeUnitsUsed",
    "InvoiceLine.billableQuantity",
    "Price.packageSize",
    "Price.freeUnits",
    "ProfitabilityRow.marginPercent",
    "Threshold.limit",
    "ThresholdLevel.value",
    "ThresholdLevel.amount",
    "Tier.upTo",
    "TierBreakdown.fromUnits",
    "TierBreakdown.upTo",
    "TierBreakdown.units",
    "UsageRecord.value",
}
MONEY = {
    "ContractVersion.minimumCommitment",
    "Invoice.amountDue",
    "Invoice.creditedAmount",
    "CreditBalance.amount",
    "CreditEntry.amount",
    "CreditNote.amount",
    "Contract.minimumCommitment",
    "CostAllocation.totalCost",
    "CostAllocation.unallocated",
    "CostRecord.amount",
    "CostShare.amount",
    "CostTotal.amount",
    "CostTotal.unallocated",
    "CustomerCost.amount",
    "Invoice.subtotal",
    "Invoice.minimumTrueUp",
    "Invoice.adjustments",
    "Invoice.total",
    "Invoice.paidAmount",
    "InvoiceLine.amount",
    "ProfitabilityRow.revenue",
    "ProfitabilityRow.cost",
    "ProfitabilityRow.profit",
}
# Money never rounded: a rate per unit, a tier's exact share before the line is rounded.
PRICES = {
    "Price.unitPrice",
    "Price.packagePrice",
    "Tier.unitPrice",
    "Tier.flatFee",
    "TierBreakdown.unitPrice",
    "TierBreakdown.flatFee",
    "TierBreakdown.amount",
}


def _output_fields(scalar: str) -> set[str]:
    found = set()
    for name, kind in schema._schema.type_map.items():
        if name.startswith("__") or not isinstance(kind, GraphQLObjectType):
            continue
        for field_name, field in kind.fields.items():
            if getattr(get_named_type(field.type), "name", None) == scalar:
                found.add(f"{name}.{field_name}")
    return found


def _scalar(name: str) -> GraphQLScalarType:
    found = schema._schema.type_map[name]
    assert isinstance(found, GraphQLScalarType)
    return found


def test_every_decimal_field_of_the_schema_is_a_listed_quantity() -> None:
    assert _output_fields("Decimal") == QUANTITIES


def test_every_money_field_of_the_schema_is_listed_as_money_or_a_price() -> None:
    assert _output_fields("Money") == MONEY | PRICES
    assert not MONEY & PRICES


def test_money_is_never_an_input() -> None:
    for kind in schema._schema.type_map.values():
        if isinstance(kind, GraphQLInputObjectType):
            assert all(get_named_type(f.type).name != "Money" for f in kind.fields.values())
    for root in (schema._schema.query_type, schema._schema.mutation_type):
        assert root is not None
        for field in root.fields.values():
            assert all(get_named_type(a.type).name != "Money" for a in field.args.values())


# Random decimals from 1e-6 to 1e12, at every scale and exponent the API could hold.
magnitudes = st.decimals(
    min_value=Decimal("0.000001"), max_value=Decimal("1E12"), allow_nan=False, places=None
)
exponents = st.integers(min_value=-6, max_value=12)
scaled = st.builds(
    lambda digits, exp: Decimal(digits).scaleb(exp),
    st.integers(min_value=1, max_value=10**6),
    st.integers(min_value=-12, max_value=6),
).filter(lambda d: Decimal("0.000001") <= d <= Decimal("1E12"))
numbers = st.one_of(
    magnitudes,
    scaled,
    st.builds(
        lambda d, e: d.quantize(Decimal(1).scaleb(-e)) if e < 10 else d, magnitudes, exponents
    ),
    st.builds(lambda d: d.normalize(), magnitudes),
)
signed = st.builds(lambda d, neg: -d if neg else d, numbers, st.booleans())
currencies = st.sampled_from(["USD", "EUR", "GBP", *sorted(MINOR_UNITS)])


def _plain(text: str) -> None:
    assert "E" not in text.upper(), text
    assert text == text.strip() and text not in ("", "-0")


@settings(max_examples=300, deadline=None)
@given(value=signed, currency=currencies)
def test_every_field_of_the_schema_round_trips_and_never_shows_an_exponent(
    value: Decimal, currency: str
) -> None:
    quantity, money = _scalar("Decimal"), _scalar("Money")
    for field in sorted(QUANTITIES):
        text = quantity.serialize(value)
        _plain(text)
        assert Decimal(text) == value, field
        assert "." not in text or not text.endswith("0"), (field, text)
    scale = Decimal(1).scaleb(-minor_units(currency))
    for field in sorted(MONEY):
        text = money.serialize(Money(value, currency))
        _plain(text)
        assert Decimal(text) == value.quantize(scale, ROUND_HALF_UP), (field, text)
        assert len(text.partition(".")[2]) == minor_units(currency), (field, text)
    for field in sorted(PRICES):
        text = money.serialize(Money.price(value, currency))
        _plain(text)
        assert Decimal(text) == value, (field, text)
        assert len(text.partition(".")[2]) >= minor_units(currency), (field, text)


def test_quantities_are_plain_without_trailing_zeros() -> None:
    assert quantity_text(Decimal("1E+4")) == "10000"
    assert quantity_text(Decimal("8E+4")) == "80000"
    assert quantity_text(Decimal("1000.000000")) == "1000"
    assert quantity_text(Decimal("39800")) == "39800"
    assert quantity_text(Decimal("0.500")) == "0.5"
    assert quantity_text(Decimal("1E-6")) == "0.000001"
    assert quantity_text(Decimal("-0.000")) == "0"


def test_money_is_written_in_its_currencys_minor_units() -> None:
    assert money_text(Decimal("2035"), "USD") == "2035.00"
    assert money_text(Decimal("2E+3"), "EUR") == "2000.00"
    assert money_text(Decimal("1200"), "JPY") == "1200"
    assert money_text(Decimal("1.2345"), "KWD") == "1.235"
    assert money_text(Decimal("0.005"), "USD") == "0.01"
    assert money_text(Decimal("-0.001"), "USD") == "0.00"
    assert minor_units("usd") == 2 and minor_units("XYZ") == 2


def test_a_price_keeps_its_finer_digits_and_at_least_the_minor_units() -> None:
    assert price_text(Decimal("0.0035"), "USD") == "0.0035"
    assert price_text(Decimal("2.5"), "USD") == "2.50"
    assert price_text(Decimal("1E+1"), "JPY") == "10"
    assert Money.price(Decimal("2.5"), "EUR").text() == "2.50"


def test_money_for_people_names_its_currency() -> None:
    assert Money(Decimal("2035"), "USD").label() == "2,035.00 USD"
    assert Money(Decimal("-1234567.5"), "EUR").label() == "-1,234,567.50 EUR"
    assert Money(Decimal("1200"), "JPY").label() == "1,200 JPY"


def test_money_without_a_currency_and_infinite_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="currency"):
        number_text(Decimal(1), Figure.MONEY)
    with pytest.raises(ValueError, match="finite"):
        quantity_text(Decimal("Infinity"))
    with pytest.raises(TypeError, match="currency"):
        _scalar("Money").serialize(Decimal("1.00"))
