"""A decoded record becomes the draft it names, and an NDJSON line reads the same
whatever whitespace surrounds it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bulk import BillingPeriodWire, ParsedRow, UsageRecordWire, _parse_stripped, parse_ndjson
from domain.usage import MeasurementType, ResourceType, UsageDraft

RECORD = {
    "companyId": str(UUID(int=1)),
    "resourceType": "API_CALLS",
    "metricCode": "API_REQUESTS",
    "timestamp": "2026-06-01T12:00:00Z",
    "value": "12.5",
    "unit": "requests",
    "idempotencyKey": "evt-1",
}


def test_a_decoded_record_gives_each_field_to_the_drafts_field_of_that_name() -> None:
    start, end = datetime(2026, 5, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    wire = UsageRecordWire(
        companyId=UUID(int=1),
        resourceType=ResourceType.STORAGE,
        metricCode="code",
        timestamp=datetime(2026, 6, 1, 12, tzinfo=UTC),
        value=Decimal("1.5"),
        unit="GB",
        measurementType=MeasurementType.GAUGE,
        interval="interval",
        spaceId=UUID(int=2),
        applicationId=UUID(int=3),
        userId=UUID(int=4),
        source="source",
        subscriptionId=UUID(int=5),
        billingPeriod=BillingPeriodWire(startDate=start, endDate=end),
        billable=False,
        billingCategory="category",
        idempotencyKey="key",
        properties={"region": "eu"},
        productCode="product",
    )
    assert wire.draft() == UsageDraft(
        company_id=UUID(int=1),
        resource_type=ResourceType.STORAGE,
        metric_code="code",
        timestamp=datetime(2026, 6, 1, 12, tzinfo=UTC),
        value=Decimal("1.5"),
        unit="GB",
        measurement_type=MeasurementType.GAUGE,
        interval="interval",
        space_id=UUID(int=2),
        application_id=UUID(int=3),
        user_id=UUID(int=4),
        source="source",
        subscription_id=UUID(int=5),
        billing_period_start=start,
        billing_period_end=end,
        billable=False,
        billing_category="category",
        idempotency_key="key",
        properties={"region": "eu"},
        product_code="product",
    )
    bare = UsageRecordWire(
        companyId=UUID(int=1),
        resourceType=ResourceType.API_CALLS,
        metricCode="m",
        timestamp=datetime(2026, 6, 1, 12, tzinfo=UTC),
        value=Decimal(1),
        unit="u",
        properties=7,
    ).draft()
    assert bare.billing_period_start is None and bare.billing_period_end is None
    assert bare.billable and bare.properties == {"value": 7}


def test_a_complete_line_is_read_into_its_draft() -> None:
    row = parse_ndjson(3, json.dumps(RECORD) + "\n")
    assert isinstance(row, ParsedRow) and row.draft is not None
    assert (row.line, row.metric_code, row.value, row.company_id) == (
        3,
        "API_REQUESTS",
        Decimal("12.5"),
        UUID(int=1),
    )
    assert row.draft.idempotency_key == "evt-1" and row.extra is None


PADDING = st.text(alphabet=st.sampled_from(" \t\r\n\u00a0\u2028\x0b"), max_size=3)
LINES = st.one_of(
    st.just(json.dumps(RECORD)),
    st.builds(
        lambda drop, extra: json.dumps({**{k: v for k, v in RECORD.items() if k != drop}, **extra}),
        st.sampled_from([*RECORD, None]),
        st.dictionaries(
            st.sampled_from(["source", "billable", "properties", "unknown", "value", "unit"]),
            st.none() | st.booleans() | st.integers() | st.text(max_size=3),
            max_size=2,
        ),
    ),
    st.text(max_size=12),
)


@settings(max_examples=500, deadline=None)
@given(before=PADDING, line=LINES, after=PADDING)
def test_a_line_reads_as_its_stripped_text_reads(before: str, line: str, after: str) -> None:
    text = before + line + after
    assert parse_ndjson(9, text) == _parse_stripped(9, text.strip())


@pytest.mark.parametrize(
    ("fields", "extra"),
    [
        ({"idempotency_key": "evt-9", "product_code": "API", "properties": {"a": 1}}, {}),
        ({"idempotency_key": None, "product_code": None, "properties": None}, {}),
        ({}, {"source": "s", "billable": False}),  # an NDJSON line read field by field
        ({}, {"idempotency_key": "evt-9", "user_id": UUID(int=3)}),
    ],
)
def test_a_rows_draft_is_the_one_keywords_build(
    fields: dict[str, object], extra: dict[str, object]
) -> None:
    """A CSV row's draft is built by position: it must be the keyword-built one."""
    first = {
        "metric_code": "API_REQUESTS",
        "timestamp": datetime(2026, 6, 1, 12, tzinfo=UTC),
        "value": Decimal("3.25"),
    }
    row = ParsedRow(line=2, company_key="acme", extra=extra or None, **first, **fields)
    expected = UsageDraft(
        company_id=UUID(int=7),
        resource_type=ResourceType.API_CALLS,
        unit="requests",
        **first,
        **fields,
        **extra,
    )
    assert row.as_draft(UUID(int=7), ResourceType.API_CALLS, "requests") == expected
