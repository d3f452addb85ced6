"""Minimum commitments and partial first periods.

A period is half-open, ``[period_start, period_end)``, like every usage
window in Metergraph: the January period of a contract billed on the 1st is
2024-01-01 to 2024-02-01.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from domain.pricing.model import ZERO, InvalidPeriod, InvalidPrice, PricingErrorCode
from domain.pricing.money import round_cents

# Six places because day fractions such as 16/31 have no finite decimal form;
# the rounding error is then at most 5e-7 of the allowance (5e-5 units of a
# 100-unit allowance), far below anything that reaches a cent.
FACTOR_PLACES = Decimal("0.000001")


def apply_minimum(subtotal: Decimal, minimum: Decimal | None) -> Decimal:
    """The true-up line lifting a period's subtotal to the minimum commitment.

    0.00 when there is no minimum or the subtotal meets it.
    """
    if minimum is None:
        return round_cents(ZERO)
    if not minimum.is_finite():
        raise InvalidPrice(
            "minimumCommitment", PricingErrorCode.NOT_FINITE, "a minimum commitment is a number"
        )
    if minimum < 0:
        raise InvalidPrice(
            "minimumCommitment",
            PricingErrorCode.NEGATIVE_PRICE,
            "a minimum commitment cannot be negative",
        )
    return round_cents(max(minimum - subtotal, ZERO))


def prorate_factor(period_start: date, period_end: date, active_from: date) -> Decimal:
    """The share of the period the contract was active: days active / days in period.

    ``period_end`` is exclusive and ``active_from`` is the first active day.
    A contract active before the period gives 1; one starting at or after its
    end gives 0. Only the start is pro-rated: the contract terms ask for no
    pro-ration of a partial last period.
    """
    if period_end <= period_start:
        raise InvalidPeriod(
            "periodEnd", PricingErrorCode.PERIOD_EMPTY, "a period must end after it starts"
        )
    days_in_period = (period_end - period_start).days
    days_active = max((period_end - max(active_from, period_start)).days, 0)
    return (Decimal(days_active) / Decimal(days_in_period)).quantize(
        FACTOR_PLACES, rounding=ROUND_HALF_UP
    )
