from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing import round_cents


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [
        ("0", "0.00"),
        ("10", "10.00"),
        ("0.004", "0.00"),
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("2.675", "2.68"),  # a float would hold 2.67499... and give 2.67
        ("3000.005", "3000.01"),
        ("0.0049999", "0.00"),
        ("-0.005", "-0.01"),  # ties go away from zero: a credit mirrors its charge
        ("-0.004", "0.00"),
        ("1E+3", "1000.00"),
    ],
)
def test_amounts_round_half_up_to_the_cent(amount: str, rounded: str) -> None:
    result = round_cents(Decimal(amount))

    assert result == Decimal(rounded)
    assert result.as_tuple().exponent == -2
