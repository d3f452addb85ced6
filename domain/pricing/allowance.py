"""The free allowance: units of each period that cost nothing.

The allowance resets every period with no carry-over, so it is a per-period
number; a partial first period gets ``free_units × factor`` (see
``commitment.prorate_factor``). The pro-rated allowance is not rounded to
whole units: quantities may be fractional (GB, hours), and rounding it would
give or take units the contract does not mention.

The tier basis says which quantity picks the tier. With TOTAL the free units
count towards reaching a tier and fill the lowest tiers first; with BILLABLE
tiers are counted from the first unit after the allowance.
"""

from __future__ import annotations

from decimal import Decimal

from domain.pricing.model import (
    ZERO,
    BillableUsage,
    InvalidQuantity,
    PricingErrorCode,
    TierBasis,
)

FULL_PERIOD = Decimal(1)


def prorated_allowance(free_units: Decimal, factor: Decimal = FULL_PERIOD) -> Decimal:
    if not factor.is_finite() or not ZERO <= factor <= FULL_PERIOD:
        raise InvalidQuantity(
            "allowanceFactor",
            PricingErrorCode.FACTOR_OUT_OF_RANGE,
            "an allowance factor is the share of the period the contract was active: 0 to 1",
        )
    return free_units * factor


def apply_allowance(
    quantity: Decimal,
    free_units: Decimal,
    *,
    factor: Decimal = FULL_PERIOD,
    basis: TierBasis = TierBasis.TOTAL,
) -> BillableUsage:
    if not quantity.is_finite():
        raise InvalidQuantity("quantity", PricingErrorCode.NOT_FINITE, "a quantity is a number")
    if quantity < 0:
        raise InvalidQuantity(
            "quantity", PricingErrorCode.NEGATIVE_QUANTITY, "a quantity cannot be negative"
        )
    free_units_used = min(quantity, prorated_allowance(free_units, factor))
    billable_quantity = quantity - free_units_used
    return BillableUsage(
        quantity=quantity,
        free_units_used=free_units_used,
        billable_quantity=billable_quantity,
        tier_quantity=quantity if basis is TierBasis.TOTAL else billable_quantity,
    )
