"""COPY's binary format, as storage.copy_rows writes it, stores a record exactly
as the careful statement stores it from typed arrays: every field, every
awkward character, every time zone, every number's scale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import msgspec
import pytest
import uuid_utils.compat as uuid7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.usage import Aggregation, MeasurementType, Metric, ResourceType, UsageDraft
from services.pipeline import new_record_id
from storage import repos
from storage.copy_rows import copy_rows, numeric
from storage.partitions import month_of
from storage.usage import PendingRecord, store_usage
from tests.integration.helpers import create_company

NOW = datetime.now(UTC).replace(microsecond=0)
AWKWARD = 'tab\there, new\nline, cr\r, back\\slash, \\N, quote " and é ✓ \x0b'
COMPARED = (
    "company_id, metric_code, resource_type, ts, value, scale(value) AS scale, unit,"
    " measurement_type, reporting_interval, space_id, application_id, user_id, source,"
    " subscription_id, billing_period_start, billing_period_end, billable,"
    " billing_category, idempotency_key, product_code, properties"
)


def full_draft(company: UUID, key: str, text: str, properties: Any) -> UsageDraft:
    """A draft with every field set, its texts ``text``, its time in another zone."""
    zone = timezone(timedelta(hours=5, minutes=30))
    return UsageDraft(
        company_id=company,
        resource_type=ResourceType.API_CALLS,
        metric_code="API_REQUESTS",
        timestamp=(NOW - timedelta(hours=2)).astimezone(zone).replace(microsecond=123456),
        value=Decimal("1234.500"),
        unit="requests",
        measurement_type=MeasurementType.COUNTER,
        interval="HOURLY",
        space_id=uuid7.uuid7(),
        application_id=uuid7.uuid7(),
        user_id=uuid7.uuid7(),
        source=text,
        subscription_id=uuid7.uuid7(),
        billing_period_start=datetime(2026, 11, 1, tzinfo=UTC),
        billing_period_end=datetime(2026, 12, 1, tzinfo=zone),
        billable=False,
        billing_category=text,
        idempotency_key=key,
        properties=properties,
        product_code=text,
    )


async def stored_both_ways(runtime: Any, drafts: list[UsageDraft]) -> list[tuple[Any, Any]]:
    """Each draft stored by COPY and (under another key) by the careful
    statement; the two stored rows of each, side by side."""
    async with runtime.pool.acquire() as conn:
        metric = (await repos.all_metrics(conn))["API_REQUESTS"]
        copied = [PendingRecord(n, new_record_id(), d, metric) for n, d in enumerate(drafts)]
        careful = [
            PendingRecord(
                n,
                new_record_id(),
                msgspec.structs.replace(d, idempotency_key=f"{d.idempotency_key}-careful"),
                metric,
            )
            for n, d in enumerate(drafts)
        ]
        async with conn.transaction():
            assert (await store_usage(conn, copied)).stored == len(drafts)
        async with conn.transaction():
            assert (await store_usage(conn, careful, staged=False)).stored == len(drafts)
        pairs = []
        for a, b in zip(copied, careful, strict=True):
            rows = [
                await conn.fetchrow(f"SELECT {COMPARED} FROM usage_records WHERE id = $1", p.id)
                for p in (a, b)
            ]
            keys = [
                await conn.fetchrow(
                    "SELECT metric_code, ts, value, record_id = $3 AS own"
                    " FROM usage_idempotency_keys WHERE company_id = $1 AND idempotency_key = $2",
                    p.draft.company_id,
                    p.draft.idempotency_key,
                    p.id,
                )
                for p in (a, b)
            ]
            pairs.append(
                (dict(rows[0]), {**dict(rows[1]), "idempotency_key": a.draft.idempotency_key})
            )
            pairs.append((dict(keys[0]), dict(keys[1])))
        return pairs


async def test_every_field_and_character_is_stored_as_the_careful_statement_stores_it(
    runtime: Any, admin: Any
) -> None:
    company = UUID(await create_company(admin, "copytext"))
    await runtime.partitions.ensure(runtime.pool, {month_of(NOW - timedelta(hours=2))})
    drafts = [
        full_draft(company, f"k{AWKWARD}1", AWKWARD, {"note": AWKWARD, "n": [1, 2.5, None]}),
        full_draft(company, "plain-2", "plain", None),
        # a zone an hour, a minute and a second behind UTC
        msgspec.structs.replace(
            full_draft(company, "odd-zone-3", "odd", None),
            timestamp=(NOW - timedelta(hours=2)).astimezone(timezone(timedelta(seconds=-3661))),
        ),
    ]
    for copied, careful in await stored_both_ways(runtime, drafts):
        assert copied == careful


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    text=st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40),
    value=st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False),
)
async def test_any_text_and_value_goes_through_copy_unchanged(
    runtime: Any, admin: Any, text: str, value: Decimal
) -> None:
    company = UUID(await create_company(admin, f"c{uuid7.uuid7().hex[-12:]}"))
    await runtime.partitions.ensure(runtime.pool, {month_of(NOW - timedelta(hours=2))})
    draft = msgspec.structs.replace(
        full_draft(company, f"k-{text}", text, {text: text}), value=value
    )
    for copied, careful in await stored_both_ways(runtime, [draft]):
        assert copied == careful


# numbers whose form is awkward: exponents, zeros with a scale, a sign on zero,
# digits either side of a base-10000 boundary
AWKWARD_NUMBERS = [
    Decimal(text)
    for text in (
        "0",
        "-0",
        "0.00",
        "-0.000",
        "0E-7",
        "0E+3",
        "1",
        "-1",
        "1.50",
        "1E+5",
        "-2.5E+7",
        "1E-20",
        "0.0001",
        "0.00001",
        "9999",
        "10000",
        "10000.0000",
        "12345678.9",
        "1234.500",
        "-99999999.99999999",
        "0.10000",
        "100000000000000000000.000000001",
    )
]


def parsed(data: bytes) -> list[list[bytes | None]]:
    """The rows of a binary COPY, each as its fields' bytes (None: NULL)."""
    assert data[:11] == b"PGCOPY\n\xff\r\n\x00" and data[-2:] == b"\xff\xff"
    rows, at = [], 19
    while at < len(data) - 2:
        count = int.from_bytes(data[at : at + 2], "big")
        at += 2
        fields: list[bytes | None] = []
        for _ in range(count):
            length = int.from_bytes(data[at : at + 4], "big", signed=True)
            at += 4
            fields.append(None if length < 0 else data[at : at + length])
            at += max(length, 0)
        rows.append(fields)
    return rows


async def numbers_stored_both_ways_agree(runtime: Any, admin: Any, values: list[Decimal]) -> None:
    """A record per value, stored by COPY and by the careful statement: each
    stored value (and its scale) the same both ways."""
    company = UUID(await create_company(admin, f"c{uuid7.uuid7().hex[-12:]}"))
    await runtime.partitions.ensure(runtime.pool, {month_of(NOW - timedelta(hours=2))})
    drafts = [
        msgspec.structs.replace(full_draft(company, f"v{n}", "v", None), value=value)
        for n, value in enumerate(values)
    ]
    for copied, careful in await stored_both_ways(runtime, drafts):
        assert copied == careful


async def test_every_awkward_number_keeps_its_value_and_scale(runtime: Any, admin: Any) -> None:
    await numbers_stored_both_ways_agree(runtime, admin, AWKWARD_NUMBERS)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.lists(
        st.decimals(min_value=-(10**30), max_value=10**30, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=20,
    )
)
async def test_any_finite_number_keeps_its_value_and_scale(
    runtime: Any, admin: Any, values: list[Decimal]
) -> None:
    await numbers_stored_both_ways_agree(runtime, admin, values)


def test_a_number_not_finite_is_refused_not_written() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")):
        with pytest.raises(ValueError, match="not a finite number"):
            numeric(value)


def test_keys_come_in_claim_order_and_records_in_their_own() -> None:
    metric = Metric(
        code="API_REQUESTS",
        name="API requests",
        resource_type=ResourceType.API_CALLS,
        measurement_type=MeasurementType.COUNTER,
        unit="requests",
        aggregation=Aggregation.SUM,
    )
    drafts = [
        UsageDraft(
            company_id=UUID(int=company),
            resource_type=ResourceType.API_CALLS,
            metric_code="API_REQUESTS",
            timestamp=NOW,
            value=Decimal(1),
            unit="requests",
            idempotency_key=key,
        )
        for company, key in ((9, "b"), (5, "z"), (9, "a"), (5, "Z"), (5, None))
    ]
    records = [PendingRecord(n, UUID(int=100 + n), d, metric) for n, d in enumerate(drafts)]
    rows, keys = copy_rows(records)
    assert [row[0] for row in parsed(rows)] == [UUID(int=100 + n).bytes for n in range(5)]
    assert [tuple(row[:2]) for row in parsed(keys)] == [
        (UUID(int=5).bytes, b"Z"),
        (UUID(int=5).bytes, b"z"),
        (UUID(int=9).bytes, b"a"),
        (UUID(int=9).bytes, b"b"),
    ]


def test_no_records_is_no_copy_at_all() -> None:
    assert copy_rows([]) == (b"", b"")
