"""Archiving and changing catalog entries once data depends on them.

An archived company, metric or product keeps its history: its usage, rollups
and invoices stay readable and invoiceable. What it refuses is new writes that
name it (usage, products, thresholds, contracts), and lists leave it out unless
asked. Archiving is refused while something still active depends on it; a
metric's meaning (what it measures and how it is summed) is fixed once usage
has been recorded against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from domain.catalog import Company
from domain.contracts import ContractDraft, Product
from domain.field_errors import ErrorCode, FieldError
from domain.usage import Aggregation, MeasurementType, Metric, ResourceType

# How many dependents a refusal names (the rest are counted).
NAMED_DEPENDENTS = 5


def _listed(things: Sequence[str]) -> str:
    shown = ", ".join(things[:NAMED_DEPENDENTS])
    more = len(things) - NAMED_DEPENDENTS
    return f"{shown} and {more} more" if more > 0 else shown


def company_archive_errors(
    field: str, unpaid_invoices: Sequence[str], active_contracts: Sequence[str]
) -> list[FieldError]:
    """Why a company cannot be archived: an invoice still owed, or a contract
    still in force (end it first; its last periods are still invoiced)."""
    errors = []
    if unpaid_invoices:
        message = f"the company has unpaid invoices: {_listed(unpaid_invoices)}"
        errors.append(FieldError(field, ErrorCode.UNPAID_INVOICES, message))
    if active_contracts:
        message = f"the company has contracts in force: {_listed(active_contracts)}; end them first"
        errors.append(FieldError(field, ErrorCode.IN_USE, message))
    return errors


def metric_archive_errors(
    field: str, products: Sequence[str], thresholds: Sequence[str]
) -> list[FieldError]:
    """Why a metric cannot be archived: a product not archived bills it, or a
    threshold watches it."""
    errors = []
    if products:
        message = f"products bill this metric: {_listed(products)}; archive them first"
        errors.append(FieldError(field, ErrorCode.IN_USE, message))
    if thresholds:
        message = f"thresholds watch this metric: {_listed(thresholds)}; remove them first"
        errors.append(FieldError(field, ErrorCode.IN_USE, message))
    return errors


def product_archive_errors(field: str, active_contracts: Sequence[str]) -> list[FieldError]:
    """Why a product cannot be archived: a contract still in force prices it."""
    if not active_contracts:
        return []
    message = f"contracts in force price this product: {_listed(active_contracts)}"
    return [FieldError(field, ErrorCode.IN_USE, message)]


def archived_error(field: str, kind: str, name: str) -> FieldError:
    """A write that names an archived company, metric or product."""
    return FieldError(field, ErrorCode.ARCHIVED, f"{kind} {name} is archived")


def archived_references(
    draft: ContractDraft, company: Company | None, products: Sequence[Product]
) -> list[FieldError]:
    """The archived company or products a new contract names."""
    errors = []
    if company is not None and company.archived_at is not None:
        errors.append(archived_error("companyId", "company", company.external_key))
    archived = {p.code for p in products if p.archived_at is not None}
    for n, (code, _) in enumerate(draft.products):
        if code in archived:
            errors.append(archived_error(f"products[{n}].productCode", "product", code))
    return errors


def archived_prices(
    prices: Sequence[tuple[str, object]], products: Sequence[Product]
) -> list[FieldError]:
    """The archived products an amendment prices (``changes.prices[n]``)."""
    archived = {p.code for p in products if p.archived_at is not None}
    return [
        archived_error(f"changes.prices[{n}].productCode", "product", code)
        for n, (code, _) in enumerate(prices)
        if code in archived
    ]


@dataclass(frozen=True)
class MetricChange:
    """What ``updateMetric`` is given; None: left as it is."""

    name: str | None = None
    description: str | None = None
    unit: str | None = None
    resource_type: ResourceType | None = None
    measurement_type: MeasurementType | None = None
    aggregation: Aggregation | None = None


# The parts of a metric that say what its stored numbers mean.
_MEANING = (
    ("unit", "unit"),
    ("resource_type", "resourceType"),
    ("measurement_type", "measurementType"),
    ("aggregation", "aggregation"),
)


def metric_change_errors(metric: Metric, change: MetricChange, has_usage: bool) -> list[FieldError]:
    """Why ``change`` cannot be made to ``metric``: once it has usage, what its
    numbers mean (unit, resource type, measurement type, aggregation) is fixed,
    since stored values and rollups would mix two meanings; its name and
    description may always change."""
    errors = []
    if metric.archived_at is not None:
        errors.append(archived_error("code", "metric", metric.code))
    if has_usage:
        for attribute, field in _MEANING:
            wanted = getattr(change, attribute)
            if wanted is not None and wanted != getattr(metric, attribute):
                message = (
                    f"metric {metric.code} has usage; its {field} cannot change"
                    " (define a new metric)"
                )
                errors.append(FieldError(field, ErrorCode.HAS_USAGE, message))
    return errors


def changed_metric(metric: Metric, change: MetricChange) -> Metric:
    """``metric`` with ``change`` made (the caller has checked it)."""
    given = {
        attribute: getattr(change, attribute)
        for attribute in ("name", "description", *(a for a, _ in _MEANING))
        if getattr(change, attribute) is not None
    }
    if "name" in given:
        given["name"] = given["name"].strip()
    return replace(metric, **given)
