"""PACKAGE: billable units bought in packages of a fixed size at a fixed price.

Rounding NONE bills fractions of a package (2,500 messages at 10.00 per
1,000 is 25.00), UP bills every started package, DOWN only full ones.
"""

from __future__ import annotations

from decimal import Decimal

from domain.pricing.model import BillableUsage, Charge, Price, Rounding


def rate_package(price: Price, usage: BillableUsage) -> Charge:
    size, package_price = price.package_size, price.package_price
    assert size is not None and package_price is not None, "validate_price requires both"
    return Charge.for_usage(
        usage, packages(usage.billable_quantity, size, price.rounding) * package_price
    )


def packages(quantity: Decimal, size: Decimal, rounding: Rounding) -> Decimal:
    if rounding is Rounding.NONE:
        return quantity / size
    # // and % are exact on Decimal, where ceil(quantity / size) could be
    # thrown off by a quotient rounded to the context's 28 digits.
    full, rest = divmod(quantity, size)
    if rounding is Rounding.UP and rest:
        return full + 1
    return full
