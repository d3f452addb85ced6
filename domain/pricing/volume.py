"""VOLUME: all billable units at the unit price of the tier the quantity reaches.

The tier's optional flat fee is added. Nothing billable means nothing to
charge, whatever the first tier's flat fee.
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


def rate_volume(price: Price, usage: BillableUsage) -> Charge:
    return charge_in_reached_tier(price, usage, with_unit_price=True)


def charge_in_reached_tier(price: Price, usage: BillableUsage, *, with_unit_price: bool) -> Charge:
    """All billable units in the tier the quantity reaches: its flat fee, and its unit
    price per unit when ``with_unit_price`` (VOLUME) rather than not (FLAT_TIERED)."""
    if usage.billable_quantity == 0:
        return Charge.for_usage(usage, ZERO)
    band = tier_reached(price.tiers, usage.tier_quantity)
    unit_price = (band.tier.unit_price or ZERO) if with_unit_price else ZERO
    flat_fee = band.tier.flat_fee or ZERO
    line = TierCharge(
        tier=band.index,
        from_units=band.from_units,
        up_to=band.tier.up_to,
        units=usage.billable_quantity,
        unit_price=unit_price,
        flat_fee=flat_fee,
        amount=usage.billable_quantity * unit_price + flat_fee,
    )
    return Charge.for_usage(usage, line.amount, (line,))
