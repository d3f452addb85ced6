"""Contract versions: what an amendment or an end may be, and the version it makes.

Pure. Version 1 of a contract is what was signed; ``amend`` makes the next
version from the latest one and the changes asked for (prices set or
added, products removed, minimum commitment, payment terms, late fee), in
force from an instant. A period is priced by the version in force at its
end (``domain.invoicing.in_force``), so an amendment may not take effect
before the end of the last finalized period: that period is billed for good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from domain import limits as lim
from domain import pricing as p
from domain.contracts import MAX_LATE_FEE_PERCENT, TERM_RANGES, price_errors
from domain.invoicing import Amendment, ContractProduct, ContractTerms
from domain.usage import ErrorCode, FieldError


@dataclass(frozen=True)
class ContractChanges:
    """What an amendment changes; None (and an empty tuple) leaves a term as it was."""

    # (product code, price): a new price for a product, or a product added
    prices: tuple[tuple[str, p.Price], ...] = ()
    remove_products: tuple[str, ...] = ()
    minimum_commitment: Decimal | None = None
    # drop the minimum commitment altogether
    clear_minimum_commitment: bool = False
    payment_terms_days: int | None = None
    late_fee_percent_per_month: Decimal | None = None


# One version of a contract as the API lists it: version 1 (as signed) has the
# shape of an amendment, effective from the contract's start.
Version = Amendment


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def contract_end(terms: ContractTerms) -> datetime | None:
    """The instant the contract stops (the end of its end date), if it ends."""
    if terms.end_date is None or terms.end_date == date.max:
        return None
    return _midnight(terms.end_date + timedelta(days=1))


def versions(terms: ContractTerms, created_at: datetime | None) -> list[Version]:
    """Every version of the contract, version 1 (as signed, created ``created_at``) first."""
    first = Version(
        1,
        _midnight(terms.start_date),
        terms.products,
        terms.minimum_commitment,
        terms.payment_terms_days,
        terms.late_fee_percent_per_month,
        created_at,
    )
    return [first] + [
        Version(
            a.number,
            a.effective_from,
            a.products,
            a.minimum_commitment,
            a.payment_terms_days,
            a.late_fee_percent_per_month,
            a.created_at,
        )
        for a in terms.amendments
    ]


def amendment_errors(
    terms: ContractTerms,
    effective_from: datetime,
    changes: ContractChanges,
    *,
    finalized_until: datetime | None,
    products: Mapping[str, str],
    limits: lim.Limits,
) -> list[FieldError]:
    """Every problem with amending ``terms`` from ``effective_from``.

    ``finalized_until``: the end of the contract's last finalized period;
    ``products`` maps each known product to its metric.
    """
    errors = _effective_errors(terms, effective_from, finalized_until, limits)
    errors += _change_term_errors(changes, limits)
    latest = versions(terms, None)[-1]
    priced = {x.product_code for x in latest.products}
    for n, (code, price) in enumerate(changes.prices):
        field = f"changes.prices[{n}]"
        if code not in products:
            errors.append(
                FieldError(
                    f"{field}.productCode", ErrorCode.UNKNOWN_PRODUCT, f"no product {code!r}"
                )
            )
        elif code in {c for c, _ in changes.prices[:n]}:
            errors.append(
                FieldError(
                    f"{field}.productCode", ErrorCode.ALREADY_EXISTS, f"{code} is priced twice"
                )
            )
        else:
            errors.extend(price_errors(price, f"{field}.price", limits))
    for n, code in enumerate(changes.remove_products):
        if code not in priced:
            errors.append(
                FieldError(
                    f"changes.removeProducts[{n}]",
                    ErrorCode.UNKNOWN_PRODUCT,
                    f"the contract does not price {code!r}",
                )
            )
    kept = (priced | {c for c, _ in changes.prices}) - set(changes.remove_products)
    if not kept:
        errors.append(
            FieldError(
                "changes.removeProducts",
                ErrorCode.REQUIRED,
                "a contract prices one product or more",
            )
        )
    return errors


def _effective_errors(
    terms: ContractTerms,
    effective_from: datetime,
    finalized_until: datetime | None,
    limits: lim.Limits,
) -> list[FieldError]:
    field = "effectiveFrom"
    if effective_from.tzinfo is None:
        return [
            FieldError(field, ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "effectiveFrom needs an offset")
        ]
    errors = lim.date_errors(field, effective_from, limits)
    end = contract_end(terms)
    latest = versions(terms, None)[-1]
    if end is not None and effective_from >= end:
        errors.append(
            FieldError(
                field,
                ErrorCode.CONTRACT_ENDED,
                f"the contract ended on {terms.end_date}: nothing takes effect after its end",
            )
        )
    if finalized_until is not None and effective_from < finalized_until:
        errors.append(
            FieldError(
                field,
                ErrorCode.PERIOD_FINALIZED,
                f"the periods before {finalized_until.isoformat()} are finalized:"
                " an amendment takes effect at that instant or later",
            )
        )
    elif effective_from <= latest.effective_from:
        errors.append(
            FieldError(
                field,
                ErrorCode.OUT_OF_RANGE,
                f"version {latest.number} is in force from {latest.effective_from.isoformat()}:"
                " an amendment takes effect after it",
            )
        )
    return errors


def _change_term_errors(changes: ContractChanges, limits: lim.Limits) -> list[FieldError]:
    errors: list[FieldError] = []
    days = changes.payment_terms_days
    name, low, high = next(r for r in TERM_RANGES if r[0] == "paymentTermsDays")
    if days is not None and not low <= days <= high:
        errors.append(
            FieldError(f"changes.{name}", ErrorCode.OUT_OF_RANGE, f"{name} must be {low} to {high}")
        )
    for name, amount, maximum in (
        ("lateFeePercentPerMonth", changes.late_fee_percent_per_month, MAX_LATE_FEE_PERCENT),
        ("minimumCommitment", changes.minimum_commitment, limits.max_amount),
    ):
        field = f"changes.{name}"
        if amount is not None and (not amount.is_finite() or amount < 0):
            errors.append(FieldError(field, ErrorCode.NEGATIVE_PRICE, f"{name} must be 0 or more"))
        else:
            errors.extend(lim.decimal_errors(field, amount, maximum, limits.max_price_decimals))
    if changes.clear_minimum_commitment and changes.minimum_commitment is not None:
        errors.append(
            FieldError(
                "changes.clearMinimumCommitment",
                ErrorCode.FIELD_NOT_APPLICABLE,
                "either set minimumCommitment or clear it, not both",
            )
        )
    return errors


def amend(
    terms: ContractTerms,
    effective_from: datetime,
    changes: ContractChanges,
    products: Mapping[str, str],
) -> Amendment:
    """The next version: the latest one with ``changes`` applied (checked beforehand)."""
    latest = versions(terms, None)[-1]
    prices = {x.product_code: x.price for x in latest.products}
    # a product kept keeps its charge filters; one the amendment adds has none
    filters = {x.product_code: x.filters for x in latest.products}
    prices.update(dict(changes.prices))
    for code in changes.remove_products:
        prices.pop(code, None)
    minimum = latest.minimum_commitment
    if changes.clear_minimum_commitment:
        minimum = None
    elif changes.minimum_commitment is not None:
        minimum = changes.minimum_commitment
    return Amendment(
        number=latest.number + 1,
        effective_from=effective_from,
        products=tuple(
            ContractProduct(code, products[code], price, filters.get(code, ()))
            for code, price in sorted(prices.items())
        ),
        minimum_commitment=minimum,
        payment_terms_days=(
            latest.payment_terms_days
            if changes.payment_terms_days is None
            else changes.payment_terms_days
        ),
        late_fee_percent_per_month=(
            latest.late_fee_percent_per_month
            if changes.late_fee_percent_per_month is None
            else changes.late_fee_percent_per_month
        ),
    )


def end_errors(
    terms: ContractTerms,
    end_date: date,
    *,
    finalized_until: datetime | None,
    limits: lim.Limits,
) -> list[FieldError]:
    """Every problem with ending ``terms`` on ``end_date`` (its last day)."""
    field = "endDate"
    errors = lim.date_errors(field, _midnight(end_date), limits)
    if errors:
        return errors  # the day after it may be no date at all (9999-12-31)
    if end_date < terms.start_date:
        errors.append(FieldError(field, ErrorCode.INVALID_WINDOW, "endDate is before startDate"))
    stops = _midnight(end_date + timedelta(days=1))
    if finalized_until is not None and stops < finalized_until:
        errors.append(
            FieldError(
                field,
                ErrorCode.PERIOD_FINALIZED,
                f"the periods before {finalized_until.isoformat()} are finalized:"
                " the contract ends on their last day or later",
            )
        )
    later: Sequence[Amendment] = [a for a in terms.amendments if a.effective_from >= stops]
    if later:
        errors.append(
            FieldError(
                field,
                ErrorCode.OUT_OF_RANGE,
                f"version {later[0].number} takes effect on"
                f" {later[0].effective_from.isoformat()}, after that end",
            )
        )
    return errors
