"""FLAT_TIERED: one flat fee, chosen by the tier the quantity reaches.

The fee does not grow with the units inside the tier; a period with nothing
billable (all usage inside the free allowance, or none) is charged 0.00.
"""

from __future__ import annotations

from domain.pricing.model import BillableUsage, Charge, Price
from domain.pricing.volume import charge_in_reached_tier


def rate_flat_tiered(price: Price, usage: BillableUsage) -> Charge:
    return charge_in_reached_tier(price, usage, with_unit_price=False)
