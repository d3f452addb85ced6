"""Records decoded straight from GraphQL variables give what GraphQL coercion gives."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import uuid_utils.compat as uuid7
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.typed_inputs import FastField, MalformedBody, decode_body, fast_field
from tests.integration.helpers import BATCH_RECORD_USAGE, RECORD_USAGE, api_request, create_company

REPORT = "{ accepted duplicates rejected errors { index field code } }"


def inline(records: list[dict[str, Any]]) -> str:
    """The same batch written into the document: GraphQL coerces it the ordinary way."""

    def literal(value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {literal(v)}" for k, v in value.items()) + "}"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str) and value in ("API_CALLS", "STORAGE", "GAUGE", "COUNTER"):
            return value
        return json.dumps(value)

    body = ", ".join(literal(r) for r in records)
    return (
        f"mutation {{ batchRecordUsage(records: [{body}]) {{ ... on BatchUsageReport {REPORT} }} }}"
    )


async def stored(runtime: Any) -> list[tuple[Any, ...]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT idempotency_key, value::text, ts, space_id, properties, billable"
            " FROM usage_records ORDER BY idempotency_key"
        )
    return [tuple(r) for r in rows]


async def test_a_batch_gives_the_same_report_and_rows_either_way(
    admin: Any, system: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    batch = [
        api_request(company, "1.10", idempotencyKey="k1", properties={"plan": "pro", "n": 2.5}),
        api_request(company, "-1", idempotencyKey="k2"),
        api_request(
            company, "3", idempotencyKey="k3", spaceId="00000000-0000-0000-0000-000000000009"
        ),
        api_request(company, "4", idempotencyKey="k4", billable=False),
    ]
    fast = (await system(BATCH_RECORD_USAGE, {"records": batch}))["batchRecordUsage"]
    fast_rows = await stored(runtime)
    async with runtime.pool.acquire() as conn:
        await conn.execute("TRUNCATE usage_records, usage_idempotency_keys")
    slow = (await system(inline(batch)))["batchRecordUsage"]
    fast["errors"] = [{k: e[k] for k in ("index", "field", "code")} for e in fast["errors"]]
    assert {k: fast[k] for k in slow} == slow
    assert (slow["accepted"], slow["rejected"]) == (3, 1)
    assert await stored(runtime) == fast_rows
    assert fast_rows[0][1] == "1.10" and fast_rows[0][4] == {"plan": "pro", "n": 2.5}


async def test_json_numbers_are_exact_decimals_on_both_paths(
    admin: Any, system: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    number = {**api_request(company, idempotencyKey="f1"), "value": 1.1}
    await system(BATCH_RECORD_USAGE, {"records": [number]})
    two_fields = (
        "mutation($a: UsageRecordInput!, $b: UsageRecordInput!) {"
        " a: recordUsage(input: $a) { __typename } b: recordUsage(input: $b) { __typename } }"
    )
    other = {**api_request(company, idempotencyKey="f2"), "value": 2.2}
    third = {**api_request(company, idempotencyKey="f3"), "value": 0.3}
    data = await system(two_fields, {"a": other, "b": third})
    assert data == {"a": {"__typename": "RecordedUsage"}, "b": {"__typename": "RecordedUsage"}}
    values = [r[1] for r in await stored(runtime)]
    assert values == ["1.1", "2.2", "0.3"]


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"value": {"no": 1}}, "value"),
        ({"timestamp": 5}, "timestamp"),
        ({"surprise": True}, "surprise"),
        ({"resourceType": "SMS"}, "SMS"),
        ({"companyId": None}, "companyId"),
    ],
    ids=["object-value", "number-timestamp", "unknown-field", "bad-enum", "null-required"],
)
async def test_a_malformed_variable_gets_graphqls_own_error(
    admin: Any, system: Any, runtime: Any, change: dict[str, Any], fragment: str
) -> None:
    company = await create_company(admin, "acme")
    bad = {**api_request(company, idempotencyKey="m1"), **change}
    for query, variables in (
        (BATCH_RECORD_USAGE, {"records": [api_request(company, idempotencyKey="m0"), bad]}),
        (RECORD_USAGE, {"input": bad}),
    ):
        response = await system.post(query, variables)
        assert response.status_code == 200
        message = response.json()["errors"][0]["message"]
        assert message.startswith("Variable '$") and fragment in message, message
    assert await stored(runtime) == []


async def test_the_audit_log_sees_the_records_not_the_stand_in(
    admin: Any, system: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    await system(RECORD_USAGE, {"input": api_request(company, "7", idempotencyKey="a7")})
    async with runtime.pool.acquire() as conn:
        details = await conn.fetchval("SELECT details FROM audit_log ORDER BY id DESC LIMIT 1")
    assert details["variables"]["input"]["idempotencyKey"] == "a7"


def test_only_single_usage_fields_bound_to_one_typed_variable_are_decoded() -> None:
    batch = "mutation($r: [UsageRecordInput!]!) { batchRecordUsage(records: $r) { __typename } }"
    assert fast_field(batch, None) == FastField("batchRecordUsage", "r")
    single = "mutation M($i: UsageRecordInput!) { x: recordUsage(input: $i) { __typename } }"
    assert fast_field(single, "M") == FastField("recordUsage", "i")
    for query, name in [
        (single, "Other"),
        (batch.replace("[UsageRecordInput!]!", "[UsageRecordInput!]"), None),
        (batch.replace("mutation", "query"), None),
        (batch + " mutation Two { __typename }", None),
        (
            "mutation($r: [UsageRecordInput!]!) { batchRecordUsage(records: $r, atomic: true)"
            " @include(if: true) { __typename } }",
            None,
        ),
        ("mutation { batchRecordUsage(records: []) { __typename } }", None),
        ("mutation {", None),
    ]:
        assert fast_field(query, name) is None, query


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[1, 2]", "BATCH_NOT_SUPPORTED"),
        (b'{"query": 42}', "INVALID_JSON"),
        (b"{nope", "INVALID_JSON"),
        (b"null", "INVALID_JSON"),
    ],
)
def test_a_body_that_is_not_one_request_object_is_refused_as_malformed(
    body: bytes, code: str
) -> None:
    with pytest.raises(MalformedBody) as refused:
        decode_body(body)
    assert refused.value.code == code


def test_a_request_object_decodes_with_exact_decimals() -> None:
    decoded = decode_body(b'{"query": "{ metrics { code } }", "variables": {"x": 1.5}}')
    assert decoded is not None and decoded.variables == {"x": Decimal("1.5")}
    assert decoded.drafts is None


def mostly(valid: Any, *invalid: Any) -> Any:
    """``valid`` five times in six; one of ``invalid`` otherwise."""
    return st.sampled_from([valid] * 5 * len(invalid) + list(invalid))


record_fields = st.fixed_dictionaries(
    {
        "metricCode": mostly("API_REQUESTS", "NOPE"),
        "resourceType": mostly("API_CALLS", "STORAGE"),
        "unit": mostly("requests", "bytes"),
        "value": st.one_of(
            st.sampled_from(["1", "2", "2.50"]),
            st.sampled_from(["1", "2", "2.50"]),
            st.sampled_from(["1", "2", "2.50"]),
            st.decimals(min_value=-5, max_value=10**6, places=3, allow_nan=False).map(str),
            st.integers(min_value=-3, max_value=10**9),
            st.sampled_from(["NaN", "Infinity", "1e3", "0.000001"]),
        ),
        "hoursAgo": mostly(1, 2, 30 * 24, 24 * 400, -1),
        "key": st.sampled_from(["a", "b", "c", None]),
        "naive": mostly(False, True),
    }
)


def as_record(company: str, fields: dict[str, Any]) -> dict[str, Any]:
    from datetime import UTC, datetime, timedelta

    ts = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=fields["hoursAgo"])
    record = {
        "companyId": company,
        "resourceType": fields["resourceType"],
        "metricCode": fields["metricCode"],
        "timestamp": ts.replace(tzinfo=None).isoformat() if fields["naive"] else ts.isoformat(),
        "value": fields["value"],
        "unit": fields["unit"],
    }
    if fields["key"] is not None:
        record["idempotencyKey"] = fields["key"]
    return record


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=st.lists(record_fields, min_size=1, max_size=8))
async def test_the_typed_pass_and_graphql_coercion_agree(
    admin: Any, system: Any, batch: list[dict[str, Any]]
) -> None:
    fast_company = await create_company(admin, f"f{uuid7.uuid7().hex[-12:]}")
    slow_company = await create_company(admin, f"s{uuid7.uuid7().hex[-12:]}")
    fast = await system.post(
        BATCH_RECORD_USAGE.replace("rolledBack", ""),
        {"records": [as_record(fast_company, f) for f in batch]},
    )
    slow = await system.post(inline([as_record(slow_company, f) for f in batch]))

    def outcome(response: Any) -> Any:
        body = response.json()
        if body.get("errors"):
            return ("errors", body["errors"][0]["message"].split(":")[0])
        report = body["data"]["batchRecordUsage"]
        return (
            report["accepted"],
            report["duplicates"],
            report["rejected"],
            sorted((e["index"], e["field"], e["code"]) for e in report["errors"]),
        )

    assert outcome(fast) == outcome(slow)
