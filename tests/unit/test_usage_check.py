"""validate_usage's quick yes for a valid record says nothing that its worded
check would not: the errors are the same, in the same order, for any draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.limits import Limits
from domain.usage import (
    MAX_IDEMPOTENCY_KEY,
    MAX_TEXT,
    Aggregation,
    IngestPolicy,
    MeasurementType,
    Metric,
    ResourceType,
    UsageDraft,
    usage_check,
    usage_errors,
    validate_usage,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
COMPANY = UUID(int=7)
LIMITS = Limits(max_usage_value=Decimal("1e15"), max_usage_decimals=12, max_properties_bytes=64)
POLICY = IngestPolicy(timedelta(days=35), timedelta(minutes=5), limits=LIMITS)
BACKFILL = IngestPolicy(timedelta(days=35), timedelta(minutes=5), backfill=True, limits=LIMITS)
COUNTER = Metric(
    "CALLS", "Calls", ResourceType.API_CALLS, MeasurementType.COUNTER, "req", Aggregation.SUM
)
GAUGE = Metric(
    "CALLS", "Calls", ResourceType.API_CALLS, MeasurementType.GAUGE, "req", Aggregation.MAX
)
DISK = Metric("DISK", "Disk", ResourceType.STORAGE, MeasurementType.GAUGE, "GB", Aggregation.MAX)
ARCHIVED = Metric(
    "OLD",
    "Old",
    ResourceType.API_CALLS,
    MeasurementType.COUNTER,
    "req",
    Aggregation.SUM,
    archived_at=NOW,
)


class _NoOffset(tzinfo):
    """A time zone that knows no offset: its times are as good as naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def _text_edges(limit: int) -> list[str]:
    """Text at and around ``limit``, blank, and holding what cannot be stored."""
    return [
        "",
        " ",
        "\t\n",
        "a",
        "a\x00b",
        "\ud800",
        "é",
        "\u2028",
        "x" * (limit - 1),
        "x" * limit,
        "x" * (limit + 1),
        "é" * limit,
        "é" * (limit + 1),
    ]


def _texts(limit: int) -> st.SearchStrategy[str]:
    """Mostly the edges, or any short text."""
    edges = st.sampled_from(_text_edges(limit))
    return st.one_of(edges, edges, edges, st.text(max_size=8))


VALUE_EDGE_LIST = [
    Decimal(v)
    for v in (
        "0",
        "-0",
        "42",
        "-1",
        "1e15",
        "-1e15",
        "1000000000000000.1",
        "-1000000000000000.1",
        "1.0000000000001",
        "-0.1234567890123",
        "1e30",
        "1e999999",
        "0.000000000001",
        "0.0000000000001",
        "1.0000000000000000000",
        "1.5000000000000",
        "1E+2",
        "0E-20",
        "1e-7",
        "-0.000000000001",
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
    )
]
VALUE_EDGES = st.sampled_from(VALUE_EDGE_LIST)
VALUES = st.one_of(
    VALUE_EDGES,
    VALUE_EDGES,
    VALUE_EDGES,
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.decimals(min_value=-10, max_value=10, places=12),
    st.decimals(min_value=-10, max_value=10, places=13),
)

TIMESTAMP_EDGES = [
    NOW,
    NOW + timedelta(minutes=5),
    NOW + timedelta(minutes=5, microseconds=1),
    NOW - timedelta(days=35),
    NOW - timedelta(days=35, microseconds=1),
    NOW - timedelta(days=4000),
    NOW.replace(tzinfo=timezone(timedelta(hours=2))),
    NOW.replace(tzinfo=None),
    NOW.replace(tzinfo=_NoOffset()),
]
TIMESTAMPS = st.one_of(
    st.sampled_from(TIMESTAMP_EDGES),
    st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2027, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5))]),
    ),
)

PERIOD_EDGES = [
    (None, None),
    (NOW, None),
    (None, NOW),
    (NOW - timedelta(days=1), NOW),
    (NOW, NOW - timedelta(days=1)),
    (NOW.replace(tzinfo=None), NOW),
    (datetime(1999, 1, 1, tzinfo=UTC), NOW),
    (NOW, datetime(2200, 1, 1, tzinfo=UTC)),
]
PERIODS = st.sampled_from(PERIOD_EDGES)

PROPERTY_EDGES: list[Any] = [
    None,
    {},
    {"region": "eu"},
    {"k": "\x00"},
    {"k": "x" * 100},
    {"n": float("inf")},
    {"a": [1]},
]
PROPERTIES = st.sampled_from(PROPERTY_EDGES)


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


# What each field of a draft may be changed to: valid and invalid values, at each limit.
CHANGES: dict[str, st.SearchStrategy[Any]] = {
    "resource_type": st.sampled_from(ResourceType),
    "metric_code": st.sampled_from(["CALLS", "DISK"]) | _texts(MAX_TEXT),
    "timestamp": TIMESTAMPS,
    "value": VALUES,
    "unit": st.sampled_from(["req", "GB"]) | _texts(MAX_TEXT),
    "measurement_type": _optional(st.sampled_from(MeasurementType)),
    "interval": _optional(_texts(MAX_TEXT)),
    "source": _optional(_texts(MAX_TEXT)),
    "billing_category": _optional(_texts(MAX_TEXT)),
    "idempotency_key": _optional(_texts(MAX_IDEMPOTENCY_KEY)),
    "product_code": _optional(_texts(MAX_TEXT)),
    "billing_period": PERIODS,
    "properties": PROPERTIES,
}


@st.composite
def drafts(draw: st.DrawFn) -> UsageDraft:
    """A valid draft with a few of its fields changed."""
    names = draw(st.sets(st.sampled_from(sorted(CHANGES)), max_size=4))
    return _changed({name: draw(CHANGES[name]) for name in sorted(names)})


def _changed(changes: dict[str, Any]) -> UsageDraft:
    fields = dict(changes)
    if "billing_period" in fields:
        fields["billing_period_start"], fields["billing_period_end"] = fields.pop("billing_period")
    return _valid(**fields)


@settings(max_examples=3000, deadline=None)
@given(
    draft=drafts(),
    metric=st.sampled_from([COUNTER, COUNTER, GAUGE, GAUGE, DISK, ARCHIVED, None]),
    policy=st.sampled_from([POLICY, BACKFILL]),
)
def test_the_quick_check_gives_exactly_the_worded_checks_errors(
    draft: UsageDraft, metric: Metric | None, policy: IngestPolicy
) -> None:
    expected = usage_errors(draft, metric, policy, NOW)
    assert validate_usage(draft, metric, policy, NOW) == expected
    assert usage_check(policy, NOW).errors(draft, metric) == expected
    if metric is not None and usage_check(policy, NOW).passes(draft, metric):
        assert expected == []


def _valid(**changes: Any) -> UsageDraft:
    fields: dict[str, Any] = {
        "company_id": COMPANY,
        "resource_type": ResourceType.API_CALLS,
        "metric_code": "CALLS",
        "timestamp": NOW - timedelta(hours=1),
        "value": Decimal("12.5"),
        "unit": "req",
        "idempotency_key": "evt-1",
        **changes,
    }
    return UsageDraft(**fields)


def test_an_ordinary_record_is_passed_without_the_worded_check() -> None:
    check = usage_check(POLICY, NOW)
    for draft in (
        _valid(),
        _valid(value=Decimal("0.000000000001"), measurement_type=MeasurementType.COUNTER),
        _valid(source="agent", product_code="API A", properties={"region": "eu"}),
        _valid(timestamp=NOW + timedelta(minutes=5), idempotency_key="k" * MAX_IDEMPOTENCY_KEY),
    ):
        assert check.passes(draft, COUNTER), draft


def test_each_limit_is_refused_by_the_quick_check_and_worded_as_before() -> None:
    check = usage_check(POLICY, NOW)
    cases = [
        ("VALUE_OUT_OF_RANGE", _valid(value=Decimal("1000000000000000.1")), COUNTER),
        ("VALUE_OUT_OF_RANGE", _valid(value=Decimal("-1000000000000000.1")), GAUGE),
        ("TOO_MANY_DECIMALS", _valid(value=Decimal("0.0000000000001")), COUNTER),
        ("TOO_MANY_DECIMALS", _valid(value=Decimal("1.0000000000001")), COUNTER),
        ("VALUE_NOT_FINITE", _valid(value=Decimal("NaN")), COUNTER),
        ("NEGATIVE_COUNTER_VALUE", _valid(value=Decimal("-1")), COUNTER),
        (
            "TIMESTAMP_IN_FUTURE",
            _valid(timestamp=NOW + timedelta(minutes=5, microseconds=1)),
            GAUGE,
        ),
        ("TIMESTAMP_TOO_OLD", _valid(timestamp=NOW - timedelta(days=35, microseconds=1)), GAUGE),
        ("TIMESTAMP_WITHOUT_OFFSET", _valid(timestamp=NOW.replace(tzinfo=None)), GAUGE),
        ("TOO_LONG", _valid(source="s" * (MAX_TEXT + 1)), COUNTER),
        ("TOO_LONG", _valid(idempotency_key="k" * (MAX_IDEMPOTENCY_KEY + 1)), COUNTER),
        ("INVALID_CHARACTER", _valid(idempotency_key="a\x00"), COUNTER),
        ("INVALID_CHARACTER", _valid(product_code="\ud800"), COUNTER),
        ("INVALID_FORMAT", _valid(idempotency_key="   "), COUNTER),
        ("UNIT_MISMATCH", _valid(unit="GB"), COUNTER),
        ("RESOURCE_TYPE_MISMATCH", _valid(resource_type=ResourceType.STORAGE), COUNTER),
        ("MEASUREMENT_TYPE_MISMATCH", _valid(measurement_type=MeasurementType.GAUGE), COUNTER),
        ("INVALID_BILLING_PERIOD", _valid(billing_period_start=NOW), COUNTER),
        ("TOO_LONG", _valid(properties={"k": "x" * 100}), COUNTER),
        ("ARCHIVED", _valid(), ARCHIVED),
    ]
    for code, draft, metric in cases:
        assert not check.passes(draft, metric), code
        errors = validate_usage(draft, metric, POLICY, NOW)
        assert [e.code.value for e in errors] == [code]
        assert errors == usage_errors(draft, metric, POLICY, NOW)


# Each field's edges, one field changed at a time.
EDGES: dict[str, list[Any]] = {
    "resource_type": list(ResourceType),
    "metric_code": ["CALLS", "DISK", *_text_edges(MAX_TEXT)],
    "timestamp": TIMESTAMP_EDGES,
    "value": VALUE_EDGE_LIST,
    "unit": ["req", "GB", *_text_edges(MAX_TEXT)],
    "measurement_type": [None, *MeasurementType],
    "interval": [None, *_text_edges(MAX_TEXT)],
    "source": [None, *_text_edges(MAX_TEXT)],
    "billing_category": [None, *_text_edges(MAX_TEXT)],
    "idempotency_key": [None, *_text_edges(MAX_IDEMPOTENCY_KEY)],
    "product_code": [None, *_text_edges(MAX_TEXT)],
    "billing_period": PERIOD_EDGES,
    "properties": PROPERTY_EDGES,
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_each_edge_of_each_field_gets_the_worded_checks_errors(name: str) -> None:
    for value in EDGES[name]:
        draft = _changed({name: value})
        for metric in (COUNTER, GAUGE, DISK, ARCHIVED, None):
            for policy in (POLICY, BACKFILL):
                expected = usage_errors(draft, metric, policy, NOW)
                assert validate_usage(draft, metric, policy, NOW) == expected, (value, metric)
