"""PER_UNIT: every billable unit at one price."""

from __future__ import annotations

from domain.pricing.model import BillableUsage, Charge, Price


def rate_per_unit(price: Price, usage: BillableUsage) -> Charge:
    assert price.unit_price is not None, "validate_price requires a PER_UNIT unit price"
    return Charge.for_usage(usage, usage.billable_quantity * price.unit_price)
