"""How a number is written wherever Metergraph shows one: the API, reports, documents.

One rule, three kinds of figure, never exponent notation (``1E+4`` is
written ``10000``):

- a quantity (units, usage, percentages) is a plain decimal with trailing
  zeros removed: ``1000.000000`` is ``1000``, ``0.500`` is ``0.5``;
- an amount of money is written in its currency's minor units (ISO 4217:
  2 places for USD and EUR, none for JPY, 3 for KWD), rounded half-up when
  it has finer digits: ``2035`` USD is ``2035.00``;
- a price (a unit price, a tier's exact share of a line) is money that is
  never rounded: at least the currency's minor units, and any finer digits
  it has (``0.0035`` USD stays ``0.0035``; ``2.5`` is ``2.50``).

Every text here parses back (``Decimal(text)``) to the same value: exactly
for quantities and prices, to the currency's minor units for money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import Enum

# ISO 4217 currencies whose minor unit is not the cent; every other has 2 places.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}
DEFAULT_MINOR_UNITS = 2

# Wide enough that quantizing any amount the API accepts never runs out of digits.
_EXACT = Context(prec=200)


class Figure(Enum):
    """What a number is, which decides how it is written."""

    QUANTITY = "QUANTITY"
    MONEY = "MONEY"
    PRICE = "PRICE"


def minor_units(currency: str) -> int:
    """Decimal places of ``currency``'s minor unit (ISO 4217; 2 when not listed)."""
    return MINOR_UNITS.get(currency.upper(), DEFAULT_MINOR_UNITS)


def _finite(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return value


def quantity_text(value: Decimal) -> str:
    """A plain decimal, trailing zeros removed: ``1E+4`` -> ``10000``, ``1.500`` -> ``1.5``."""
    text = format(_finite(value), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def money_text(amount: Decimal, currency: str) -> str:
    """``amount`` in ``currency``'s minor units, rounded half-up: ``2035`` USD -> ``2035.00``."""
    places = minor_units(currency)
    exact = _finite(amount).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP, _EXACT)
    text = format(exact, "f")
    return text[1:] if text.startswith("-") and not exact else text


def price_text(amount: Decimal, currency: str) -> str:
    """``amount`` never rounded, with at least ``currency``'s minor units: ``2.5`` -> ``2.50``."""
    text = quantity_text(amount)
    places = len(text.partition(".")[2])
    return text if places >= minor_units(currency) else money_text(amount, currency)


def number_text(value: Decimal, figure: Figure, currency: str | None = None) -> str:
    """``value`` written as the ``figure`` it is (money and prices need their currency)."""
    if figure is Figure.QUANTITY:
        return quantity_text(value)
    if currency is None:
        raise ValueError(f"a {figure.value.lower()} needs its currency")
    if figure is Figure.MONEY:
        return money_text(value, currency)
    return price_text(value, currency)


@dataclass(frozen=True)
class Money:
    """An amount with its currency: money (minor units) or, ``exact``, a price."""

    amount: Decimal
    currency: str
    exact: bool = False

    @classmethod
    def price(cls, amount: Decimal, currency: str) -> Money:
        return cls(amount, currency, exact=True)

    @property
    def figure(self) -> Figure:
        return Figure.PRICE if self.exact else Figure.MONEY

    def text(self) -> str:
        return number_text(self.amount, self.figure, self.currency)

    def label(self) -> str:
        """For people: digits grouped and the currency named (``2,035.00 USD``)."""
        return f"{grouped(self.text())} {self.currency}"


def grouped(text: str) -> str:
    """A number written here, for people: thousands grouped (``12500.5`` -> ``12,500.5``)."""
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{int(whole):,}{dot}{fraction}"


def quantity_label(value: Decimal) -> str:
    """A quantity for people: plain, no trailing zeros, thousands grouped (``12,500.5``)."""
    return grouped(quantity_text(value))
