"""What a price is, what rating it produces, and which prices are admissible.

A ``Price`` is one product's price in a contract; rating a period's quantity
against it gives a ``Charge``, one invoice line, with the allowance used and
the per-tier breakdown. Tier bounds are inclusive upper bounds: the tier with
``up_to=1000`` covers quantities above the previous bound up to and including
1,000; ``up_to=None`` means no bound and is only allowed on the last tier. The
first tier may end at 0 ("free tier" as contracts write it): it holds no
units, needs no price and may carry none.

Errors of this package::

    PricingError (ValueError)   field, code, message: one base to catch
     ├── InvalidPrice           a price breaks a rule (validate_price, apply_minimum)
     ├── InvalidQuantity        a quantity or allowance factor rating cannot use
     └── InvalidPeriod          a billing period that ends before it starts

``field`` names the offending input the way the API spells it
(``unitPrice``, ``tiers[1].upTo``), ``code`` is a ``PricingErrorCode``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from domain.limits import decimal_places
from domain.pricing.money import round_cents

ZERO = Decimal(0)


class PriceModel(Enum):
    PER_UNIT = "PER_UNIT"
    PACKAGE = "PACKAGE"
    GRADUATED = "GRADUATED"
    VOLUME = "VOLUME"
    FLAT_TIERED = "FLAT_TIERED"

    @property
    def tiered(self) -> bool:
        return self in (PriceModel.GRADUATED, PriceModel.VOLUME, PriceModel.FLAT_TIERED)


class Rounding(Enum):
    """How a PACKAGE price counts a partly used package."""

    NONE = "NONE"
    UP = "UP"
    DOWN = "DOWN"


class TierBasis(Enum):
    """Which quantity picks the tier when a price has a free allowance.

    TOTAL: the whole period's quantity, free units included. BILLABLE: what is
    left once the allowance is used up.
    """

    TOTAL = "TOTAL"
    BILLABLE = "BILLABLE"


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    unit_price: Decimal | None = None
    flat_fee: Decimal | None = None


@dataclass(frozen=True)
class Price:
    model: PriceModel
    unit_price: Decimal | None = None
    package_size: Decimal | None = None
    package_price: Decimal | None = None
    rounding: Rounding = Rounding.NONE
    tiers: tuple[Tier, ...] = ()
    free_units: Decimal = ZERO
    tier_basis: TierBasis = TierBasis.TOTAL


@dataclass(frozen=True)
class TierCharge:
    """One tier's share of a charge.

    The tier covers quantities above ``from_units`` up to and including
    ``up_to``. ``amount`` is exact, not rounded: the breakdown adds up to the
    charge before its single rounding to the cent.
    """

    tier: int
    from_units: Decimal
    up_to: Decimal | None
    units: Decimal
    unit_price: Decimal
    flat_fee: Decimal
    amount: Decimal


@dataclass(frozen=True)
class BillableUsage:
    """A period's quantity split by the free allowance.

    ``tier_quantity`` is the quantity that picks tiers (the total or the
    billable part, by the price's tier basis). Billable units always sit at
    the top of it: they are the units in
    ``(tier_quantity - billable_quantity, tier_quantity]``.
    """

    quantity: Decimal
    free_units_used: Decimal
    billable_quantity: Decimal
    tier_quantity: Decimal


@dataclass(frozen=True)
class Charge:
    quantity: Decimal
    free_units_used: Decimal
    billable_quantity: Decimal
    tiers: tuple[TierCharge, ...]
    amount: Decimal

    @classmethod
    def for_usage(
        cls, usage: BillableUsage, exact_amount: Decimal, tiers: tuple[TierCharge, ...] = ()
    ) -> Charge:
        # The only place an amount is rounded: once per line, at the end.
        return cls(
            quantity=usage.quantity,
            free_units_used=usage.free_units_used,
            billable_quantity=usage.billable_quantity,
            tiers=tiers,
            amount=round_cents(exact_amount),
        )


@dataclass(frozen=True)
class TierBand:
    index: int
    from_units: Decimal
    tier: Tier

    def contains(self, quantity: Decimal) -> bool:
        return self.tier.up_to is None or quantity <= self.tier.up_to

    def units_within(self, start: Decimal, end: Decimal) -> Decimal:
        """How many of the units in ``(start, end]`` fall in this tier."""
        top = end if self.tier.up_to is None else min(end, self.tier.up_to)
        return max(top - max(start, self.from_units), ZERO)


def tier_bands(tiers: tuple[Tier, ...]) -> Iterator[TierBand]:
    from_units = ZERO
    for index, tier in enumerate(tiers):
        yield TierBand(index, from_units, tier)
        if tier.up_to is not None:
            from_units = tier.up_to


def tier_reached(tiers: tuple[Tier, ...], quantity: Decimal) -> TierBand:
    for band in tier_bands(tiers):
        if band.contains(quantity):
            return band
    # validate_price makes the last tier unbounded, so only an unchecked price gets here.
    raise InvalidPrice(
        f"tiers[{len(tiers) - 1}].upTo",
        PricingErrorCode.LAST_TIER_BOUNDED,
        f"no tier covers a quantity of {quantity}",
    )


class PricingErrorCode(Enum):
    REQUIRED = "REQUIRED"
    NOT_FINITE = "NOT_FINITE"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    TOO_MANY_DECIMALS = "TOO_MANY_DECIMALS"
    NEGATIVE_PRICE = "NEGATIVE_PRICE"
    PACKAGE_SIZE_NOT_POSITIVE = "PACKAGE_SIZE_NOT_POSITIVE"
    FIELD_NOT_APPLICABLE = "FIELD_NOT_APPLICABLE"
    TIERS_REQUIRED = "TIERS_REQUIRED"
    TIERS_UNORDERED = "TIERS_UNORDERED"
    UNBOUNDED_TIER_NOT_LAST = "UNBOUNDED_TIER_NOT_LAST"
    LAST_TIER_BOUNDED = "LAST_TIER_BOUNDED"
    NEGATIVE_QUANTITY = "NEGATIVE_QUANTITY"
    FACTOR_OUT_OF_RANGE = "FACTOR_OUT_OF_RANGE"
    PERIOD_EMPTY = "PERIOD_EMPTY"
    ZERO_WIDTH_TIER_PRICED = "ZERO_WIDTH_TIER_PRICED"


class PricingError(ValueError):
    def __init__(self, field: str, code: PricingErrorCode, message: str) -> None:
        super().__init__(field, code, message)
        self.field = field
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message} ({self.code.value})"


class InvalidPrice(PricingError):
    pass


class InvalidQuantity(PricingError):
    pass


class InvalidPeriod(PricingError):
    pass


def validate_price(price: Price) -> None:
    """Raise the first rule the price breaks; ``price_errors`` lists them all."""
    errors = price_errors(price)
    if errors:
        raise errors[0]


@dataclass(frozen=True)
class PriceBounds:
    """How large and how fine a price may be: amounts of money (unit prices,
    package prices, flat fees) and quantities (free units, package sizes, tier
    bounds) each up to their maximum, both with at most ``max_decimals`` places."""

    max_amount: Decimal
    max_quantity: Decimal
    max_decimals: int


def price_errors(price: Price, bounds: PriceBounds | None = None) -> list[InvalidPrice]:
    """Every rule ``price`` breaks; with ``bounds``, also every number outside them."""
    errors = _rule_errors(price)
    if bounds is not None:
        errors.extend(_bound_errors(price, bounds))
    return errors


def _bound_errors(price: Price, bounds: PriceBounds) -> list[InvalidPrice]:
    numbers: list[tuple[str, Decimal | None, Decimal]] = [
        ("freeUnits", price.free_units, bounds.max_quantity),
        ("unitPrice", price.unit_price, bounds.max_amount),
        ("packageSize", price.package_size, bounds.max_quantity),
        ("packagePrice", price.package_price, bounds.max_amount),
    ]
    for index, tier in enumerate(price.tiers):
        numbers += [
            (f"tiers[{index}].upTo", tier.up_to, bounds.max_quantity),
            (f"tiers[{index}].unitPrice", tier.unit_price, bounds.max_amount),
            (f"tiers[{index}].flatFee", tier.flat_fee, bounds.max_amount),
        ]
    errors = []
    for field, value, maximum in numbers:
        if value is None or not value.is_finite():
            continue  # absent, or reported by the rules already
        if abs(value) > maximum:
            errors.append(
                InvalidPrice(
                    field, PricingErrorCode.OUT_OF_RANGE, f"{field} must be at most {maximum:,f}"
                )
            )
        elif decimal_places(value) > bounds.max_decimals:
            errors.append(
                InvalidPrice(
                    field,
                    PricingErrorCode.TOO_MANY_DECIMALS,
                    f"{field} has more than {bounds.max_decimals} decimal places",
                )
            )
    return errors


def _rule_errors(price: Price) -> list[InvalidPrice]:
    errors: list[InvalidPrice] = []
    _check_amount(errors, "freeUnits", price.free_units, "free units")
    if price.model is PriceModel.PER_UNIT:
        _check_required_amount(errors, "unitPrice", price.unit_price, "a per-unit price")
        _check_absent(errors, price, "packageSize", "packagePrice", "tiers")
    elif price.model is PriceModel.PACKAGE:
        _check_package_size(errors, price.package_size)
        _check_required_amount(errors, "packagePrice", price.package_price, "a package price")
        _check_absent(errors, price, "unitPrice", "tiers")
    else:
        _check_absent(errors, price, "unitPrice", "packageSize", "packagePrice")
        _check_tiers(errors, price.model, price.tiers)
    return errors


def _check_amount(errors: list[InvalidPrice], field: str, value: Decimal, what: str) -> None:
    if not value.is_finite():
        errors.append(InvalidPrice(field, PricingErrorCode.NOT_FINITE, f"{what} must be a number"))
    elif value < 0:
        errors.append(
            InvalidPrice(field, PricingErrorCode.NEGATIVE_PRICE, f"{what} cannot be negative")
        )


def _check_required_amount(
    errors: list[InvalidPrice], field: str, value: Decimal | None, what: str
) -> None:
    if value is None:
        errors.append(InvalidPrice(field, PricingErrorCode.REQUIRED, f"{what} is required"))
    else:
        _check_amount(errors, field, value, what)


def _check_package_size(errors: list[InvalidPrice], size: Decimal | None) -> None:
    if size is None:
        errors.append(
            InvalidPrice("packageSize", PricingErrorCode.REQUIRED, "a package size is required")
        )
    elif not size.is_finite():
        errors.append(
            InvalidPrice(
                "packageSize", PricingErrorCode.NOT_FINITE, "a package size must be a number"
            )
        )
    elif size <= 0:
        errors.append(
            InvalidPrice(
                "packageSize",
                PricingErrorCode.PACKAGE_SIZE_NOT_POSITIVE,
                "a package must hold more than zero units",
            )
        )


def _check_absent(errors: list[InvalidPrice], price: Price, *fields: str) -> None:
    # A field another model uses is rejected rather than ignored: it usually
    # means the price was meant to be of that other model.
    present = {
        "unitPrice": price.unit_price is not None,
        "packageSize": price.package_size is not None,
        "packagePrice": price.package_price is not None,
        "tiers": bool(price.tiers),
    }
    for field in fields:
        if present[field]:
            errors.append(
                InvalidPrice(
                    field,
                    PricingErrorCode.FIELD_NOT_APPLICABLE,
                    f"a {price.model.value} price has no {field}",
                )
            )


def _check_tiers(errors: list[InvalidPrice], model: PriceModel, tiers: tuple[Tier, ...]) -> None:
    if not tiers:
        errors.append(
            InvalidPrice(
                "tiers", PricingErrorCode.TIERS_REQUIRED, f"a {model.value} price needs tiers"
            )
        )
        return
    last = len(tiers) - 1
    previous_bound = ZERO
    for index, tier in enumerate(tiers):
        field = f"tiers[{index}]"
        if tier.up_to is None:
            if index != last:
                errors.append(
                    InvalidPrice(
                        f"{field}.upTo",
                        PricingErrorCode.UNBOUNDED_TIER_NOT_LAST,
                        "only the last tier may have no upper bound",
                    )
                )
        elif not tier.up_to.is_finite():
            errors.append(
                InvalidPrice(
                    f"{field}.upTo", PricingErrorCode.NOT_FINITE, "a tier bound must be a number"
                )
            )
        else:
            unordered = _unordered_bound(index, tier.up_to, previous_bound)
            if unordered is not None:
                errors.append(
                    InvalidPrice(f"{field}.upTo", PricingErrorCode.TIERS_UNORDERED, unordered)
                )
            else:
                previous_bound = tier.up_to
            if index == last:
                errors.append(
                    InvalidPrice(
                        f"{field}.upTo",
                        PricingErrorCode.LAST_TIER_BOUNDED,
                        "the last tier must have no upper bound so every quantity has a price",
                    )
                )
        if index == 0 and tier.up_to == 0:
            errors.extend(_zero_width_tier_errors(field, tier))
        else:
            _check_tier_prices(errors, model, field, tier)


def _unordered_bound(index: int, up_to: Decimal, previous_bound: Decimal) -> str | None:
    """Why ``up_to`` cannot end tier ``index``, or None when it can.

    Tiers start at 0. The first tier may end at 0: a zero-width tier holds no
    units, so it means "0 costs 0" (contracts write a free tier that way);
    every later tier must end above the one before it.
    """
    if index == 0:
        if up_to < 0:
            return "tiers start at 0, so the first tier must end at 0 or above"
        return None
    if up_to <= previous_bound:
        return f"a tier must end above {previous_bound}, where tier {index - 1} ends"
    return None


def _zero_width_tier_errors(field: str, tier: Tier) -> list[InvalidPrice]:
    """A first tier ending at 0 holds no units and is never charged: a price on
    it would be a charge the contract seems to make and the invoice never shows."""
    return [
        InvalidPrice(
            f"{field}.{name}",
            PricingErrorCode.ZERO_WIDTH_TIER_PRICED,
            f"the first tier ends at 0, so it holds no units and costs nothing: its {name}"
            " must be 0 or left out",
        )
        for name, amount in (("unitPrice", tier.unit_price), ("flatFee", tier.flat_fee))
        if amount is not None and not (amount.is_finite() and amount == 0)
    ]


def _check_tier_prices(
    errors: list[InvalidPrice], model: PriceModel, field: str, tier: Tier
) -> None:
    if model is PriceModel.FLAT_TIERED:
        _check_required_amount(errors, f"{field}.flatFee", tier.flat_fee, "a tier's flat fee")
        if tier.unit_price is not None:
            errors.append(
                InvalidPrice(
                    f"{field}.unitPrice",
                    PricingErrorCode.FIELD_NOT_APPLICABLE,
                    "a FLAT_TIERED tier charges a flat fee, not a unit price",
                )
            )
        return
    if tier.unit_price is None and tier.flat_fee is None:
        errors.append(
            InvalidPrice(
                f"{field}.unitPrice",
                PricingErrorCode.REQUIRED,
                "a tier needs a unit price, a flat fee or both",
            )
        )
    if tier.unit_price is not None:
        _check_amount(errors, f"{field}.unitPrice", tier.unit_price, "a tier's unit price")
    if tier.flat_fee is not None:
        _check_amount(errors, f"{field}.flatFee", tier.flat_fee, "a tier's flat fee")
