"""The API's number scalars: every figure written by ``domain.numbers``.

``Decimal`` fields are quantities (plain, trailing zeros removed, never an
exponent); ``Money`` fields are amounts in their currency's minor units, or
exact prices, and carry the currency they are written in. Inputs stay
``Decimal`` (a client sends an amount; the contract or cost names its
currency).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.schema.types.base_scalars import DecimalDefinition

from domain.numbers import Money, quantity_text


def _quantity(value: Any) -> str:
    return quantity_text(value if isinstance(value, Decimal) else Decimal(str(value)))


def _money(value: Any) -> str:
    if not isinstance(value, Money):
        raise TypeError(f"a Money field needs an amount with its currency, not {value!r}")
    return value.text()


def _no_money_input(value: Any) -> Any:
    raise ValueError("Money is written by the server; send amounts as Decimal")


QUANTITY = dataclasses.replace(
    DecimalDefinition,
    description="A quantity as a plain decimal string, trailing zeros removed, never an"
    " exponent (10000, 0.5).",
    serialize=_quantity,
)

MONEY = strawberry.scalar(
    name="Money",
    description="An amount of money as a decimal string in its currency's minor units"
    " (2035.00 USD, 1200 JPY); a unit price or a tier's exact share keeps any finer"
    " digits (0.0035). Never an exponent; the currency is the object's currency field.",
    serialize=_money,
    parse_value=_no_money_input,
)

SCALARS = {Decimal: QUANTITY, Money: MONEY}
