"""GRADUATED: each tier's units at that tier's unit price.

A tier's optional flat fee is charged once the tier is reached, that is once
it holds billable units. With a TOTAL tier basis the allowance fills the
lowest tiers first, so a tier holding only free units is not charged its fee.
"""

from __future__ import annotations

from domain.pricing.model import (
    ZERO,
    BillableUsage,
    Charge,
    Price,
    TierCharge,
    tier_bands,
)


def rate_graduated(price: Price, usage: BillableUsage) -> Charge:
    start = usage.tier_quantity - usage.billable_quantity
    end = usage.tier_quantity
    lines: list[TierCharge] = []
    for band in tier_bands(price.tiers):
        units = band.units_within(start, end)
        if units == 0:
            continue
        unit_price = band.tier.unit_price or ZERO
        flat_fee = band.tier.flat_fee or ZERO
        lines.append(
            TierCharge(
                tier=band.index,
                from_units=band.from_units,
                up_to=band.tier.up_to,
                units=units,
                unit_price=unit_price,
                flat_fee=flat_fee,
                amount=units * unit_price + flat_fee,
            )
        )
    return Charge.for_usage(usage, sum((line.amount for line in lines), ZERO), tuple(lines))
