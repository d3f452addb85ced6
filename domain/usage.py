"""Usage records: what a valid record is, and how a replay is judged.

Pure functions over frozen dataclasses; the caller supplies the clock, the
metric definition and the company's policy. Every failure is a ``FieldError``
carrying a machine-readable ``ErrorCode`` and the field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from domain import limits as lim
from domain.field_errors import ErrorCode as ErrorCode
from domain.field_errors import FieldError as FieldError


class ResourceType(Enum):
    USER_COUNT = "USER_COUNT"
    STORAGE = "STORAGE"
    API_CALLS = "API_CALLS"
    DATA_TRANSFER = "DATA_TRANSFER"


class MeasurementType(Enum):
    COUNTER = "COUNTER"
    GAUGE = "GAUGE"
    TIMER = "TIMER"


class Aggregation(Enum):
    SUM = "SUM"
    COUNT = "COUNT"
    MAX = "MAX"
    MIN = "MIN"
    AVG = "AVG"
    UNIQUE_COUNT = "UNIQUE_COUNT"
    LATEST = "LATEST"


class ReportingInterval(Enum):
    HOURLY = "HOURLY"
    DAILY = "DAILY"
    MONTHLY = "MONTHLY"


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    resource_type: ResourceType
    measurement_type: MeasurementType
    unit: str
    aggregation: Aggregation
    interval: ReportingInterval | None = None
    description: str | None = None
    # The numeric property each record is measured by instead of the value
    # sent (``billed_draft``); None: the value sent.
    value_property: str | None = None
    # when it was archived (no new usage, product or threshold); None: in use
    archived_at: datetime | None = None


METRIC_CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_.:-]{0,127}$")
# Keys and product codes may hold single inner spaces ("customer 3", "product A").
COMPANY_KEY = re.compile(r"^(?=.{1,128}$)[A-Za-z0-9](?:[A-Za-z0-9_.:-]| (?=[A-Za-z0-9_.:-]))*$")
PRODUCT_CODE = re.compile(r"^(?=.{1,128}$)[A-Za-z](?:[A-Za-z0-9_.:-]| (?=[A-Za-z0-9_.:-]))*$")
# A usage property's name, as a metric's value property or a price's filter names it.
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$")
PROPERTY_NAME_RULE = (
    "a property name starts with a letter or '_' and holds letters, digits, '_', '.', ':'"
    " or '-' (at most 128)"
)
MAX_TEXT = 256
MAX_IDEMPOTENCY_KEY = 256


def validate_metric(metric: Metric) -> list[FieldError]:
    errors = []
    if not METRIC_CODE.match(metric.code):
        errors.append(
            FieldError(
                "code",
                ErrorCode.INVALID_FORMAT,
                "a metric code starts with a letter and holds letters, digits, '_', '.', ':'"
                " or '-' (at most 128)",
            )
        )
    if not metric.unit.strip():
        errors.append(FieldError("unit", ErrorCode.REQUIRED, "a metric needs a unit"))
    if not metric.name.strip():
        errors.append(FieldError("name", ErrorCode.REQUIRED, "a metric needs a name"))
    if metric.value_property is not None and not PROPERTY_NAME.match(metric.value_property):
        errors.append(FieldError("valueProperty", ErrorCode.INVALID_FORMAT, PROPERTY_NAME_RULE))
    return errors


def value_property_change_errors(
    metric: Metric, value_property: str | None, has_usage: bool
) -> list[FieldError]:
    """Why ``metric`` cannot now be measured by ``value_property``.

    Stored values (and the rollups summed from them) are the old property's
    numbers: once a metric has usage, changing its value property would mix
    two measures in one total.
    """
    if value_property is not None and not PROPERTY_NAME.match(value_property):
        return [FieldError("valueProperty", ErrorCode.INVALID_FORMAT, PROPERTY_NAME_RULE)]
    if has_usage and value_property != metric.value_property:
        return [
            FieldError(
                "valueProperty",
                ErrorCode.VALUE_PROPERTY_LOCKED,
                f"metric {metric.code} has usage measured by"
                f" {metric.value_property or 'the value sent'}; define a new metric to"
                " measure another property",
            )
        ]
    return []


def billed_draft(
    draft: UsageDraft, metric: Metric, limits: lim.Limits
) -> UsageDraft | list[FieldError]:
    """``draft`` with the value its metric counts: the number in its value
    property when the metric has one (a record without it, or with a value
    there that is not a JSON number, is refused naming the property).

    The property's number is stored as the record's value, so every rollup
    sums, counts and compares exactly what raw records hold.
    """
    name = metric.value_property
    if name is None:
        return draft
    field = f"properties.{name}"
    raw = (draft.properties or {}).get(name)
    if raw is None:
        return [
            FieldError(
                field,
                ErrorCode.VALUE_PROPERTY_MISSING,
                f"metric {metric.code} is measured by property {name!r}; this record has none",
            )
        ]
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        return [
            FieldError(
                field,
                ErrorCode.VALUE_PROPERTY_NOT_NUMERIC,
                f"metric {metric.code} is measured by property {name!r}, which must be a"
                f" JSON number, not {type(raw).__name__}",
            )
        ]
    billed = msgspec.structs.replace(draft, value=Decimal(str(raw)))
    errors = [
        FieldError(field, e.code, e.message.replace("value", f"property {name!r}", 1))
        for e in _value_errors(billed, metric, limits)
    ]
    return errors or billed


def validate_company_key(key: str) -> list[FieldError]:
    if COMPANY_KEY.match(key):
        return []
    return [
        FieldError(
            "externalKey",
            ErrorCode.INVALID_FORMAT,
            "an external key holds letters, digits, '_', '.', ':', '-' or single inner"
            " spaces (at most 128)",
        )
    ]


class UsageDraft(msgspec.Struct, frozen=True, gc=False):
    """A usage record as submitted, before validation.

    A frozen msgspec Struct rather than a dataclass: every record of every
    batch builds one, and it builds about five times faster. Built by keyword
    everywhere but where a decoded record becomes one (``UsageRecordWire``):
    twenty keywords cost about twice as much as the same values in order.
    Not tracked by the garbage collector (``gc=False``): it refers to nothing
    that refers back to it, and a batch's thousands of drafts then cost no
    collection's time.
    """

    company_id: UUID
    resource_type: ResourceType
    metric_code: str
    timestamp: datetime
    value: Decimal
    unit: str
    measurement_type: MeasurementType | None = None
    interval: str | None = None
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    subscription_id: UUID | None = None
    billing_period_start: datetime | None = None
    billing_period_end: datetime | None = None
    billable: bool = True
    billing_category: str | None = None
    idempotency_key: str | None = None
    properties: dict[str, Any] | None = None
    product_code: str | None = None


@dataclass(frozen=True)
class IngestPolicy:
    """What a company accepts, at the moment of recording."""

    late_arrival: timedelta
    future_tolerance: timedelta
    backfill: bool = False
    limits: lim.Limits = field(default_factory=lambda: lim.Limits())


def validate_usage(
    draft: UsageDraft, metric: Metric | None, policy: IngestPolicy, now: datetime
) -> list[FieldError]:
    """Every reason ``draft`` cannot be stored; empty when it can."""
    return usage_check(policy, now).errors(draft, metric)


@dataclass(frozen=True, slots=True)
class UsageCheck:
    """``validate_usage`` for one policy at one instant, its bounds worked out once.

    Every record of a batch is checked against the same policy and clock, and
    nearly all of them are valid: ``passes`` answers yes for the usual valid
    record by plain comparisons, building nothing. Anything it is not sure of
    (an error, but also text that is not ASCII, a value in exponent notation,
    a billing period) goes to ``usage_errors``, which words every error.
    """

    policy: IngestPolicy
    now: datetime
    # the latest timestamp accepted, and the earliest (None: any, a back-fill)
    latest: datetime
    earliest: datetime | None
    max_value: Decimal
    min_value: Decimal
    max_decimals: int
    max_properties_bytes: int

    def errors(self, draft: UsageDraft, metric: Metric | None) -> list[FieldError]:
        """Every reason ``draft`` cannot be stored; empty when it can."""
        if metric is not None and self.passes(draft, metric):
            return []
        return usage_errors(draft, metric, self.policy, self.now)

    def passes(self, draft: UsageDraft, metric: Metric) -> bool:
        """True only when ``usage_errors`` finds nothing (False: ask it)."""
        if (
            metric.archived_at is not None
            or draft.resource_type is not metric.resource_type
            or draft.unit != metric.unit
            or (
                draft.measurement_type is not None
                and draft.measurement_type is not metric.measurement_type
            )
            or draft.billing_period_start is not None
            or draft.billing_period_end is not None
        ):
            return False
        value = draft.value
        if (
            not value.is_finite()
            or not self.min_value <= value <= self.max_value
            or (metric.measurement_type is _COUNTER and value < _ZERO)
        ):
            return False
        # -exponent bounds the decimal places from above (trailing zeros count
        # here, not in decimal_places); the digits after the point give it
        # without building a tuple, unless the value reads in E notation.
        text = str(value)
        point = text.find(".")
        if "E" in text or "e" in text:
            exponent = value.as_tuple().exponent
            if not isinstance(exponent, int) or exponent < -self.max_decimals:
                return False
        elif point >= 0 and len(text) - point - 1 > self.max_decimals:
            return False
        ts = draft.timestamp
        tz = ts.tzinfo
        if (
            tz is None
            or (tz is not UTC and ts.utcoffset() is None)
            or ts > self.latest
            or (self.earliest is not None and ts < self.earliest)
        ):
            return False
        return _plain_texts(draft, metric) and (
            draft.properties is None
            or not lim.json_errors("properties", draft.properties, self.max_properties_bytes)
        )


def usage_check(policy: IngestPolicy, now: datetime) -> UsageCheck:
    """The check of records under ``policy`` at ``now``."""
    limits = policy.limits
    return UsageCheck(
        policy,
        now,
        latest=now + policy.future_tolerance,
        earliest=None if policy.backfill else now - policy.late_arrival,
        max_value=limits.max_usage_value,
        min_value=-limits.max_usage_value,
        max_decimals=limits.max_usage_decimals,
        max_properties_bytes=limits.max_properties_bytes,
    )


_ZERO = Decimal(0)
_COUNTER = MeasurementType.COUNTER


def _plain_text(text: str) -> bool:
    """ASCII without NUL, within its length: storable as it is (``text_errors``)."""
    return len(text) <= MAX_TEXT and text.isascii() and "\x00" not in text


# Whether a metric's code and unit are plain text, per (code, unit): a record
# whose metric code and unit are its metric's needs no look at either.
_PLAIN_NAMES: dict[tuple[str, str], bool] = {}


def _plain_texts(draft: UsageDraft, metric: Metric) -> bool:
    """Every text of ``draft`` (whose unit is ``metric``'s) within its length and
    storable, and its key not blank (False: ``usage_errors`` may find something)."""
    key = draft.idempotency_key
    if key is not None and (
        not key
        or key.isspace()
        or len(key) > MAX_IDEMPOTENCY_KEY
        or not key.isascii()
        or "\x00" in key
    ):
        return False
    names = (metric.code, metric.unit)
    plain = _PLAIN_NAMES.get(names)
    if plain is None:
        plain = _PLAIN_NAMES[names] = _plain_text(metric.code) and _plain_text(metric.unit)
    if not plain or draft.metric_code != metric.code:
        return False  # asked about (the usual record's are its metric's)
    product = draft.product_code
    if product is not None and not _plain_text(product):
        return False
    if draft.source is None and draft.billing_category is None and draft.interval is None:
        return True  # the usual record: none of them
    return all(
        optional is None or _plain_text(optional)
        for optional in (draft.source, draft.billing_category, draft.interval)
    )


def usage_errors(
    draft: UsageDraft, metric: Metric | None, policy: IngestPolicy, now: datetime
) -> list[FieldError]:
    """Every reason ``draft`` cannot be stored, each worded; empty when it can."""
    errors: list[FieldError] = []
    if metric is None:
        errors.append(
            FieldError(
                "metricCode",
                ErrorCode.UNKNOWN_METRIC,
                f"no metric is defined as {draft.metric_code!r}",
            )
        )
    elif metric.archived_at is not None:
        errors.append(
            FieldError("metricCode", ErrorCode.ARCHIVED, f"metric {metric.code} is archived")
        )
    else:
        if draft.resource_type is not metric.resource_type:
            errors.append(
                FieldError(
                    "resourceType",
                    ErrorCode.RESOURCE_TYPE_MISMATCH,
                    f"metric {metric.code} measures {metric.resource_type.value},"
                    f" not {draft.resource_type.value}",
                )
            )
        if draft.unit != metric.unit:
            errors.append(
                FieldError(
                    "unit",
                    ErrorCode.UNIT_MISMATCH,
                    f"metric {metric.code} is recorded in {metric.unit!r}, not {draft.unit!r}",
                )
            )
        if (
            draft.measurement_type is not None
            and draft.measurement_type is not metric.measurement_type
        ):
            errors.append(
                FieldError(
                    "measurementType",
                    ErrorCode.MEASUREMENT_TYPE_MISMATCH,
                    f"metric {metric.code} is a {metric.measurement_type.value},"
                    f" not a {draft.measurement_type.value}",
                )
            )
    errors.extend(_value_errors(draft, metric, policy.limits))
    errors.extend(_timestamp_errors(draft.timestamp, policy, now))
    errors.extend(_context_errors(draft, policy.limits))
    return errors


def _value_errors(draft: UsageDraft, metric: Metric | None, limits: lim.Limits) -> list[FieldError]:
    if not draft.value.is_finite():
        return [FieldError("value", ErrorCode.VALUE_NOT_FINITE, "value must be a finite decimal")]
    out_of_bounds = lim.decimal_errors(
        "value", draft.value, limits.max_usage_value, limits.max_usage_decimals
    )
    if out_of_bounds:
        return out_of_bounds
    if (
        metric is not None
        and metric.measurement_type is MeasurementType.COUNTER
        and draft.value < 0
    ):
        return [
            FieldError(
                "value",
                ErrorCode.NEGATIVE_COUNTER_VALUE,
                f"metric {metric.code} is a counter: its values cannot be negative",
            )
        ]
    return []


def _timestamp_errors(ts: datetime, policy: IngestPolicy, now: datetime) -> list[FieldError]:
    if ts.tzinfo is None or ts.utcoffset() is None:
        return [
            FieldError(
                "timestamp",
                ErrorCode.TIMESTAMP_WITHOUT_OFFSET,
                "timestamp must carry a UTC offset, e.g. 2024-01-05T09:00:00Z",
            )
        ]
    if ts > now + policy.future_tolerance:
        return [
            FieldError(
                "timestamp",
                ErrorCode.TIMESTAMP_IN_FUTURE,
                f"timestamp is more than {int(policy.future_tolerance.total_seconds())} s"
                " in the future",
            )
        ]
    if not policy.backfill and ts < now - policy.late_arrival:
        return [
            FieldError(
                "timestamp",
                ErrorCode.TIMESTAMP_TOO_OLD,
                f"timestamp is older than the late-arrival window of {policy.late_arrival.days}"
                " days; an operator back-fill can record it",
            )
        ]
    return []


def _context_errors(draft: UsageDraft, limits: lim.Limits) -> list[FieldError]:
    errors = []
    start, end = draft.billing_period_start, draft.billing_period_end
    if (start is None) != (end is None):
        errors.append(
            FieldError(
                "billingPeriod",
                ErrorCode.INVALID_BILLING_PERIOD,
                "a billing period needs both startDate and endDate",
            )
        )
    elif start is not None and end is not None:
        if start.tzinfo is None or end.tzinfo is None:
            errors.append(
                FieldError(
                    "billingPeriod",
                    ErrorCode.TIMESTAMP_WITHOUT_OFFSET,
                    "billing period dates must carry a UTC offset",
                )
            )
        elif start >= end:
            errors.append(
                FieldError(
                    "billingPeriod",
                    ErrorCode.INVALID_BILLING_PERIOD,
                    "billing period startDate must be before endDate",
                )
            )
        else:
            errors.extend(lim.date_errors("billingPeriod", start, limits))
            errors.extend(lim.date_errors("billingPeriod", end, limits))
    for name, text, limit in (
        ("metricCode", draft.metric_code, MAX_TEXT),
        ("idempotencyKey", draft.idempotency_key, MAX_IDEMPOTENCY_KEY),
        ("source", draft.source, MAX_TEXT),
        ("billingCategory", draft.billing_category, MAX_TEXT),
        ("interval", draft.interval, MAX_TEXT),
        ("unit", draft.unit, MAX_TEXT),
        ("productCode", draft.product_code, MAX_TEXT),
    ):
        if text is not None:
            errors.extend(lim.text_errors(name, text, limit))
    if draft.properties is not None:
        errors.extend(lim.json_errors("properties", draft.properties, limits.max_properties_bytes))
    if draft.idempotency_key is not None and not draft.idempotency_key.strip():
        errors.append(
            FieldError("idempotencyKey", ErrorCode.INVALID_FORMAT, "idempotencyKey cannot be blank")
        )
    return errors


@dataclass(frozen=True)
class StoredKey:
    """What an earlier write under the same idempotency key recorded."""

    record_id: UUID
    metric_code: str
    timestamp: datetime
    value: Decimal


def is_same_event(stored: StoredKey, draft: UsageDraft) -> bool:
    """A replay is a duplicate when metric, instant and value all agree."""
    return (
        stored.metric_code == draft.metric_code
        and stored.timestamp == draft.timestamp
        and stored.value == draft.value
    )


def conflict_error(stored: StoredKey, draft: UsageDraft) -> FieldError:
    differing = [
        name
        for name, same in (
            ("metricCode", stored.metric_code == draft.metric_code),
            ("timestamp", stored.timestamp == draft.timestamp),
            ("value", stored.value == draft.value),
        )
        if not same
    ]
    return FieldError(
        "idempotencyKey",
        ErrorCode.IDEMPOTENCY_CONFLICT,
        f"idempotency key {draft.idempotency_key!r} was already used with a different "
        + ", ".join(differing)
        + "; the first write stands",
    )
