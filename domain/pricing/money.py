"""Money: Decimal amounts, rounded to the cent once per invoice line."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to the cent.

    Decimal's ROUND_HALF_UP rounds ties away from zero, so a credit of
    -0.005 becomes -0.01: the same size as the charge it reverses.
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)
