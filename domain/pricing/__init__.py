"""Pricing: rate a period's quantity of one product against its contract price.

``rate`` is the one entry point: it checks the price, applies the free
allowance and hands the rest to the module of the price's model
(``per_unit``, ``package``, ``graduated``, ``volume``, ``flat_tiered``).
Pure functions over Decimal; no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

from domain.pricing.allowance import apply_allowance, prorated_allowance
from domain.pricing.commitment import apply_minimum, prorate_factor
from domain.pricing.flat_tiered import rate_flat_tiered
from domain.pricing.graduated import rate_graduated
from domain.pricing.model import (
    BillableUsage,
    Charge,
    InvalidPeriod,
    InvalidPrice,
    InvalidQuantity,
    Price,
    PriceBounds,
    PriceModel,
    PricingError,
    PricingErrorCode,
    Rounding,
    Tier,
    TierBasis,
    TierCharge,
    price_errors,
    validate_price,
)
from domain.pricing.money import round_cents
from domain.pricing.package import rate_package
from domain.pricing.per_unit import rate_per_unit
from domain.pricing.volume import rate_volume

__all__ = [
    "BillableUsage",
    "Charge",
    "InvalidPeriod",
    "InvalidPrice",
    "InvalidQuantity",
    "Price",
    "PriceModel",
    "PricingError",
    "PricingErrorCode",
    "Rounding",
    "Tier",
    "TierBasis",
    "TierCharge",
    "apply_allowance",
    "apply_minimum",
    "PriceBounds",
    "price_errors",
    "prorate_factor",
    "prorated_allowance",
    "rate",
    "round_cents",
    "validate_price",
]

RATE_BY_MODEL: Mapping[PriceModel, Callable[[Price, BillableUsage], Charge]] = MappingProxyType(
    {
        PriceModel.PER_UNIT: rate_per_unit,
        PriceModel.PACKAGE: rate_package,
        PriceModel.GRADUATED: rate_graduated,
        PriceModel.VOLUME: rate_volume,
        PriceModel.FLAT_TIERED: rate_flat_tiered,
    }
)


def rate(price: Price, quantity: Decimal, *, allowance_factor: Decimal = Decimal(1)) -> Charge:
    """Charge for ``quantity`` units used in one period.

    ``allowance_factor`` pro-rates the free allowance for a partial first
    period (``prorate_factor``). Raises ``InvalidPrice`` for a price that
    breaks a rule and ``InvalidQuantity`` for a negative quantity or a factor
    outside 0..1.
    """
    validate_price(price)
    usage = apply_allowance(
        quantity, price.free_units, factor=allowance_factor, basis=price.tier_basis
    )
    return RATE_BY_MODEL[price.model](price, usage)
