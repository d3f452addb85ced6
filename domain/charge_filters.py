"""Charge filters: which usage records count toward a contract's price.

A contract's product may carry filters, each a property name and the values
it may hold: a record counts when, for every filter, its property's text is
one of the filter's values (AND across filters, OR within one). A record
without the property does not match. No filters: every record counts.

A property's text is what PostgreSQL's ``properties ->> name`` gives: a JSON
string as it is, a number or boolean as its JSON text (``5``, ``true``), so
a filter on ``{"tier": 5}`` lists ``"5"``. ``matches`` is the same rule in
Python, for checking and testing; the invoice run applies it in SQL.

Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain import limits as lim
from domain.field_errors import ErrorCode, FieldError
from domain.usage import MAX_TEXT, PROPERTY_NAME, PROPERTY_NAME_RULE

# A product's filters, and one filter's values: enough for any contract
# seen, small enough to stay one cheap WHERE clause.
MAX_FILTERS = 10
MAX_FILTER_VALUES = 100


@dataclass(frozen=True)
class ChargeFilter:
    property: str
    values: tuple[str, ...]


def filter_errors(filters: Sequence[ChargeFilter], prefix: str) -> list[FieldError]:
    """Every problem with a product's ``filters``, each on its field under ``prefix``."""
    if len(filters) > MAX_FILTERS:
        return [
            FieldError(
                f"{prefix}.filters",
                ErrorCode.OUT_OF_RANGE,
                f"a product has at most {MAX_FILTERS} filters, not {len(filters)}",
            )
        ]
    errors: list[FieldError] = []
    seen: set[str] = set()
    for n, f in enumerate(filters):
        field = f"{prefix}.filters[{n}]"
        if not PROPERTY_NAME.match(f.property):
            errors.append(
                FieldError(f"{field}.property", ErrorCode.INVALID_FORMAT, PROPERTY_NAME_RULE)
            )
        elif f.property in seen:
            errors.append(
                FieldError(
                    f"{field}.property",
                    ErrorCode.ALREADY_EXISTS,
                    f"{f.property!r} is filtered twice; list every value it may hold in one filter",
                )
            )
        seen.add(f.property)
        errors.extend(_value_errors(f.values, f"{field}.values"))
    return errors


def _value_errors(values: Sequence[str], field: str) -> list[FieldError]:
    if not values:
        return [
            FieldError(
                field,
                ErrorCode.REQUIRED,
                "a filter lists one value or more: with none, no record would count",
            )
        ]
    if len(values) > MAX_FILTER_VALUES:
        return [
            FieldError(
                field,
                ErrorCode.OUT_OF_RANGE,
                f"a filter lists at most {MAX_FILTER_VALUES} values, not {len(values)}",
            )
        ]
    errors: list[FieldError] = []
    for n, value in enumerate(values):
        errors.extend(lim.text_errors(f"{field}[{n}]", value, MAX_TEXT))
    return errors


def property_text(value: Any) -> str | None:
    """A property value as ``properties ->> name`` reads it; None for JSON null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(", ", ": "))


def matches(filters: Sequence[ChargeFilter], properties: Mapping[str, Any] | None) -> bool:
    """True when a record with ``properties`` counts toward a price with ``filters``."""
    held = properties or {}
    return all(property_text(held.get(f.property)) in f.values for f in filters)


def as_sql(filters: Sequence[ChargeFilter]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The filters as (property, values) pairs, the form usage queries take."""
    return tuple((f.property, f.values) for f in filters)


def raw_days_needed(grace_hours: int) -> int:
    """The days raw records must be kept for a filtered product to be invoiced:
    a period of up to 31 days, its grace (drafts are recomputed until it is
    over), and a day for the hourly invoice run and retention's whole-day cutoff."""
    return 31 + -(-grace_hours // 24) + 1


def raw_retention_errors(
    filtered: Sequence[tuple[int, str]], raw_days: Mapping[str, int], grace_hours: int
) -> list[FieldError]:
    """Filtered products, as (position, metric), whose metric's raw records
    retention deletes before their period is invoiced: such a period could only
    be refused (WINDOW_NOT_ANSWERABLE), so the contract is refused instead."""
    need = raw_days_needed(grace_hours)
    return [
        FieldError(
            f"products[{n}].filters",
            ErrorCode.RETENTION_TOO_SHORT,
            f"filtered usage is counted from raw records: metric {metric} keeps them"
            f" {raw_days[metric]} days, a period and its grace need {need}; set a retention"
            f" rule for {metric} with rawDays {need} or more",
        )
        for n, metric in filtered
        if raw_days[metric] < need
    ]
