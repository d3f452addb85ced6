"""Products and contracts: what a new one may be, and the prices a contract may set.

Pure. ``contract_errors`` lists every problem with a proposed contract (a
``ContractDraft``) given what is known of its company and products;
``contract_terms`` turns a draft without problems into the terms invoices
are computed from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from uuid import UUID

from domain import limits as lim
from domain import pricing as p
from domain.charge_filters import ChargeFilter, filter_errors
from domain.invoicing import ContractProduct, ContractTerms
from domain.numbers import minor_units
from domain.usage import PRODUCT_CODE, ErrorCode, FieldError

CURRENCY = re.compile(r"^[A-Z]{3}$")
CENT_PLACES = 2
# A monthly late fee above this is a typo, not a term anyone signs.
MAX_LATE_FEE_PERCENT = Decimal(100)
# An external id is someone else's key (``contract_customer_c_001``), not prose.
MAX_EXTERNAL_ID_LENGTH = 255
# (field, lowest, highest) of the whole-number terms.
TERM_RANGES = (
    ("billingDay", 1, 28),
    ("paymentTermsDays", 0, 3650),
    ("graceHours", 0, 24 * 90),
)


@dataclass(frozen=True)
class Product:
    code: str
    name: str
    metric_code: str
    # when it was archived (no new contract may price it); None: in use
    archived_at: datetime | None = None


def product_errors(
    code: str, name: str, metric_code: str, metrics: Mapping[str, object], max_name_length: int
) -> list[FieldError]:
    """Every problem with a new product; ``metrics`` holds the known metric codes."""
    errors = []
    if not PRODUCT_CODE.match(code):
        errors.append(
            FieldError(
                "code",
                ErrorCode.INVALID_FORMAT,
                "a product code starts with a letter and holds letters, digits, '_', '.', ':',"
                " '-' or single inner spaces (at most 128)",
            )
        )
    if not name.strip():
        errors.append(FieldError("name", ErrorCode.REQUIRED, "a product needs a name"))
    errors.extend(lim.name_errors("name", name, max_name_length))
    if metric_code not in metrics:
        errors.append(
            FieldError("metricCode", ErrorCode.UNKNOWN_METRIC, f"no metric {metric_code!r}")
        )
    return errors


@dataclass(frozen=True)
class ContractDraft:
    """A contract as proposed: not checked yet, not stored."""

    company_id: UUID
    currency: str
    start_date: date
    end_date: date | None
    billing_day: int
    payment_terms_days: int
    late_fee_percent_per_month: Decimal
    minimum_commitment: Decimal | None
    grace_hours: int
    # (product code, price) in the order given
    products: tuple[tuple[str, p.Price], ...]
    # the contract's id in the customer's own systems, unique per company
    external_id: str | None = None
    # each product's charge filters, by product code (a product not here has none)
    filters: Mapping[str, tuple[ChargeFilter, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )


@dataclass(frozen=True)
class StoredContract:
    terms: ContractTerms
    late_fee_percent_per_month: Decimal
    created_at: datetime
    external_id: str | None = None


def price_bounds(limits: lim.Limits) -> p.PriceBounds:
    return p.PriceBounds(
        max_amount=limits.max_price,
        max_quantity=limits.max_usage_value,
        max_decimals=limits.max_price_decimals,
    )


def price_errors(price: p.Price, prefix: str, limits: lim.Limits) -> list[FieldError]:
    """``price``'s problems, each on its field under ``prefix``."""
    out = []
    for error in p.price_errors(price, price_bounds(limits)):
        code = (
            ErrorCode.VALUE_NOT_FINITE
            if error.code is p.PricingErrorCode.NOT_FINITE
            else ErrorCode[error.code.name]
        )
        out.append(FieldError(f"{prefix}.{error.field}", code, error.message))
    return out


def period_start_errors(period_start: datetime, limits: lim.Limits) -> list[FieldError]:
    """A moment naming a billing period: with an offset, inside the years accepted."""
    if period_start.tzinfo is None:
        return [
            FieldError(
                "periodStart", ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "periodStart needs an offset"
            )
        ]
    return lim.date_errors("periodStart", period_start, limits)


def contract_errors(
    draft: ContractDraft,
    limits: lim.Limits,
    *,
    company_exists: bool,
    products: Mapping[str, str],
) -> list[FieldError]:
    """Every problem with ``draft``; ``products`` maps each known product to its metric."""
    errors = _term_errors(draft, limits)
    if not draft.products:
        errors.append(
            FieldError("products", ErrorCode.REQUIRED, "a contract prices one product or more")
        )
    if not company_exists:
        errors.append(
            FieldError("companyId", ErrorCode.UNKNOWN_COMPANY, f"no company {draft.company_id}")
        )
    errors.extend(external_id_errors(draft.external_id))
    return errors + _product_errors(draft.products, products, limits) + _filters_errors(draft)


def _filters_errors(draft: ContractDraft) -> list[FieldError]:
    errors: list[FieldError] = []
    for n, (code, _) in enumerate(draft.products):
        errors.extend(filter_errors(draft.filters.get(code, ()), f"products[{n}]"))
    return errors


def external_id_errors(external_id: str | None) -> list[FieldError]:
    """An external id, when given: not blank, no control characters, not too long."""
    if external_id is None:
        return []
    if not external_id.strip():
        return [FieldError("externalId", ErrorCode.REQUIRED, "an external id cannot be blank")]
    return lim.name_errors("externalId", external_id, MAX_EXTERNAL_ID_LENGTH)


def _term_errors(draft: ContractDraft, limits: lim.Limits) -> list[FieldError]:
    errors: list[FieldError] = []
    if not CURRENCY.match(draft.currency):
        errors.append(
            FieldError("currency", ErrorCode.INVALID_FORMAT, "an ISO 4217 code such as EUR")
        )
    elif minor_units(draft.currency) < CENT_PLACES:
        # Invoices are rated to the cent; written in yen they would no longer add up.
        message = (
            f"{draft.currency} has {minor_units(draft.currency)} decimal places and invoices"
            f" are priced to the cent ({CENT_PLACES} places): it cannot be invoiced"
        )
        errors.append(FieldError("currency", ErrorCode.OUT_OF_RANGE, message))
    for name, day in (("startDate", draft.start_date), ("endDate", draft.end_date)):
        if day is not None:
            errors.extend(lim.date_errors(name, datetime.combine(day, time(0)), limits))
    if draft.end_date is not None and draft.end_date < draft.start_date:
        errors.append(
            FieldError("endDate", ErrorCode.INVALID_WINDOW, "endDate is before startDate")
        )
    values = {
        "billingDay": draft.billing_day,
        "paymentTermsDays": draft.payment_terms_days,
        "graceHours": draft.grace_hours,
    }
    for name, low, high in TERM_RANGES:
        if not low <= values[name] <= high:
            errors.append(
                FieldError(name, ErrorCode.OUT_OF_RANGE, f"{name} must be {low} to {high}")
            )
    for name, amount, maximum in (
        ("lateFeePercentPerMonth", draft.late_fee_percent_per_month, MAX_LATE_FEE_PERCENT),
        ("minimumCommitment", draft.minimum_commitment, limits.max_amount),
    ):
        if amount is not None and (not amount.is_finite() or amount < 0):
            errors.append(FieldError(name, ErrorCode.NEGATIVE_PRICE, f"{name} must be 0 or more"))
        else:
            errors.extend(lim.decimal_errors(name, amount, maximum, limits.max_price_decimals))
    return errors


def _product_errors(
    priced: Sequence[tuple[str, p.Price]], products: Mapping[str, str], limits: lim.Limits
) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for n, (code, price) in enumerate(priced):
        prefix = f"products[{n}]"
        if code not in products:
            errors.append(
                FieldError(
                    f"{prefix}.productCode", ErrorCode.UNKNOWN_PRODUCT, f"no product {code!r}"
                )
            )
        elif code in seen:
            errors.append(
                FieldError(
                    f"{prefix}.productCode", ErrorCode.ALREADY_EXISTS, f"{code} is priced twice"
                )
            )
        else:
            seen.add(code)
            errors.extend(price_errors(price, f"{prefix}.price", limits))
    return errors


def contract_terms(draft: ContractDraft, id: UUID, products: Mapping[str, str]) -> ContractTerms:
    """The terms of a draft ``contract_errors`` found nothing wrong with."""
    return ContractTerms(
        id=id,
        company_id=draft.company_id,
        currency=draft.currency,
        start_date=draft.start_date,
        end_date=draft.end_date,
        billing_day=draft.billing_day,
        payment_terms_days=draft.payment_terms_days,
        minimum_commitment=draft.minimum_commitment,
        grace=timedelta(hours=draft.grace_hours),
        products=tuple(
            ContractProduct(code, products[code], price, tuple(draft.filters.get(code, ())))
            for code, price in draft.products
        ),
        late_fee_percent_per_month=draft.late_fee_percent_per_month,
    )


def price_override_errors(
    terms: ContractTerms, prices: Sequence[tuple[str, p.Price]], limits: lim.Limits
) -> list[FieldError]:
    """Prices to try on a contract's products instead of its own (a preview's)."""
    codes = {x.product_code for x in terms.products}
    errors: list[FieldError] = []
    for n, (code, price) in enumerate(prices):
        if code not in codes:
            errors.append(
                FieldError(
                    f"prices[{n}].productCode",
                    ErrorCode.UNKNOWN_PRODUCT,
                    f"the contract does not price {code!r}",
                )
            )
        else:
            errors.extend(price_errors(price, f"prices[{n}].price", limits))
    return errors


def filter_override_errors(
    prices: Sequence[tuple[str, p.Price]], filters: Mapping[str, tuple[ChargeFilter, ...]]
) -> list[FieldError]:
    """Charge filters to try on a preview's products, each under its ``prices[n]``."""
    errors: list[FieldError] = []
    for n, (code, _) in enumerate(prices):
        errors.extend(filter_errors(filters.get(code, ()), f"prices[{n}]"))
    return errors


def with_filters(
    terms: ContractTerms, filters: Mapping[str, tuple[ChargeFilter, ...]]
) -> ContractTerms:
    """``terms`` with the products named in ``filters`` counting by those instead."""
    return replace(
        terms,
        products=tuple(
            replace(x, filters=filters[x.product_code]) if x.product_code in filters else x
            for x in terms.products
        ),
    )
