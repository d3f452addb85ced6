"""FLAT_TIERED: one flat fee, chosen by the tier the quantity reaches.

The fee does not grow with the units inside the tier; a period with nothing
billable (all usage inside the free allowance, or none) is charged 0.00.
"""

from __future__ import annotations

from domain.pricing.model import (
    ZERO,
    BillableUsage,
    Charge,
    Price,
    TierCharge,
    tier_reached,
)


def rate_flat_tiered(price: Price, usage: BillableUsage) -> Charge:
    if usage.billable_quantity == 0:
        return Charge.for_usage(usage, ZERO)
    band = tier_reached(price.tiers, usage.tier_quantity)
    flat_fee = band.tier.flat_fee or ZERO
    line = TierCharge(
        tier=band.index,
        from_units=band.from_units,
        up_to=band.tier.up_to,
        units=usage.billable_quantity,
        unit_price=ZERO,
        flat_fee=flat_fee,
        amount=flat_fee,
    )
    return Charge.for_usage(usage, flat_fee, (line,))
