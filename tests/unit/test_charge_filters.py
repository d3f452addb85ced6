"""Charge filters and value properties: the pure rules."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain import limits as lim
from domain.charge_filters import (
    ChargeFilter,
    filter_errors,
    matches,
    property_text,
    raw_days_needed,
    raw_retention_errors,
)
from domain.usage import (
    Aggregation,
    ErrorCode,
    MeasurementType,
    Metric,
    ResourceType,
    UsageDraft,
    billed_draft,
    value_property_change_errors,
)

DELIVERED = ChargeFilter("delivery_status", ("delivered",))
GERMAN = ChargeFilter("country", ("DE", "AT"))


@pytest.mark.parametrize(
    ("properties", "counted"),
    [
        ({"delivery_status": "delivered", "country": "DE"}, True),
        ({"delivery_status": "delivered", "country": "AT"}, True),
        ({"delivery_status": "delivered", "country": "FR"}, False),
        ({"delivery_status": "failed", "country": "DE"}, False),
        ({"country": "DE"}, False),
        ({"delivery_status": None, "country": "DE"}, False),
        (None, False),
    ],
)
def test_a_record_counts_when_every_filter_holds_one_of_its_values(
    properties: dict[str, Any] | None, counted: bool
) -> None:
    assert matches([DELIVERED, GERMAN], properties) is counted


def test_no_filters_count_every_record() -> None:
    assert matches([], None) and matches([], {"anything": 1})


@pytest.mark.parametrize(
    ("value", "text"), [("x", "x"), (5, "5"), (2.5, "2.5"), (True, "true"), (None, None)]
)
def test_a_property_is_compared_by_its_text(value: Any, text: str | None) -> None:
    assert property_text(value) == text


def test_filter_errors_name_each_field() -> None:
    filters = [
        ChargeFilter("ok", ()),
        ChargeFilter("9 bad", ("x",)),
        ChargeFilter("ok", ("y",)),
    ]

    assert [(e.field, e.code) for e in filter_errors(filters, "products[2]")] == [
        ("products[2].filters[0].values", ErrorCode.REQUIRED),
        ("products[2].filters[1].property", ErrorCode.INVALID_FORMAT),
        ("products[2].filters[2].property", ErrorCode.ALREADY_EXISTS),
    ]


METRIC = Metric(
    "ai_ms",
    "AI ms",
    ResourceType.API_CALLS,
    MeasurementType.COUNTER,
    "ms",
    Aggregation.SUM,
    value_property="processing_time",
)


def usage(properties: dict[str, Any] | None) -> UsageDraft:
    return UsageDraft(
        company_id=UUID(int=1),
        resource_type=ResourceType.API_CALLS,
        metric_code="ai_ms",
        timestamp=datetime(2024, 1, 2, tzinfo=UTC),
        value=Decimal(1),
        unit="ms",
        properties=properties,
    )


def test_a_value_property_becomes_the_value_billed() -> None:
    billed = billed_draft(usage({"processing_time": 120.5}), METRIC, lim.Limits())

    assert isinstance(billed, UsageDraft) and billed.value == Decimal("120.5")
    assert billed.properties == {"processing_time": 120.5}


def test_a_metric_without_a_value_property_bills_the_value_sent() -> None:
    plain = Metric("m", "m", ResourceType.API_CALLS, MeasurementType.COUNTER, "ms", Aggregation.SUM)
    draft = usage({"processing_time": 120})

    assert billed_draft(draft, plain, lim.Limits()) is draft


@pytest.mark.parametrize(
    ("properties", "code"),
    [
        (None, ErrorCode.VALUE_PROPERTY_MISSING),
        ({"processing_time": None}, ErrorCode.VALUE_PROPERTY_MISSING),
        ({"processing_time": "12"}, ErrorCode.VALUE_PROPERTY_NOT_NUMERIC),
        ({"processing_time": [1]}, ErrorCode.VALUE_PROPERTY_NOT_NUMERIC),
        ({"processing_time": False}, ErrorCode.VALUE_PROPERTY_NOT_NUMERIC),
        ({"processing_time": float("inf")}, ErrorCode.VALUE_NOT_FINITE),
        ({"processing_time": -1}, ErrorCode.NEGATIVE_COUNTER_VALUE),
    ],
)
def test_a_record_the_value_property_cannot_measure_is_refused_naming_it(
    properties: dict[str, Any] | None, code: ErrorCode
) -> None:
    errors = billed_draft(usage(properties), METRIC, lim.Limits())

    assert isinstance(errors, list)
    assert [(e.field, e.code) for e in errors] == [("properties.processing_time", code)]


def test_a_value_property_is_locked_once_the_metric_has_usage() -> None:
    assert value_property_change_errors(METRIC, "other", has_usage=False) == []
    assert value_property_change_errors(METRIC, "processing_time", has_usage=True) == []
    (locked,) = value_property_change_errors(METRIC, None, has_usage=True)
    assert (locked.field, locked.code) == ("valueProperty", ErrorCode.VALUE_PROPERTY_LOCKED)
    (bad,) = value_property_change_errors(METRIC, "a b", has_usage=False)
    assert (bad.field, bad.code) == ("valueProperty", ErrorCode.INVALID_FORMAT)


@pytest.mark.parametrize(("grace_hours", "days"), [(0, 32), (1, 33), (24, 33), (25, 34)])
def test_raw_records_are_needed_for_a_period_its_grace_and_a_day(
    grace_hours: int, days: int
) -> None:
    assert raw_days_needed(grace_hours) == days


def test_a_metric_keeping_raw_records_too_briefly_is_named_on_its_product() -> None:
    errors = raw_retention_errors([(0, "a"), (2, "b")], {"a": 33, "b": 32}, grace_hours=24)

    assert [(e.field, e.code) for e in errors] == [
        ("products[2].filters", ErrorCode.RETENTION_TOO_SHORT)
    ]
