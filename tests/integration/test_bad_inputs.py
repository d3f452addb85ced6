"""Inputs that once made the server fail are answered with a typed error.

Each case was an HTTP 500 or a masked "Internal error": a body that is no
GraphQL request, text PostgreSQL cannot store, numbers and dates beyond what
the service computes with, an unknown time zone, mixed offsets, cursors out
of range. Now a malformed body is a 400 with a JSON error and everything else
a ValidationError (or an error with ``extensions.code``) naming the field.
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.helpers import (
    BATCH_RECORD_USAGE,
    RECORD_USAGE,
    USAGE_RECORDS,
    api_request,
    create_company,
)

NEVER = "00000000-0000-7000-8000-000000000000"


@pytest.fixture
async def acme(admin: Any) -> str:
    return await create_company(admin, "acme")


def _deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def _body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


COMPANIES = "query($after: String) { companies(after: $after) { edges { cursor } } }"
CREATE_COMPANY = """
mutation($input: CompanyInput!) {
  createCompany(input: $input) { __typename ... on ValidationError { field code } }
}"""

MALFORMED = [
    ("null", b"null", "INVALID_JSON", None),
    ("a-number", b"1", "INVALID_JSON", None),
    ("a-string", b'"{ metrics { code } }"', "INVALID_JSON", None),
    ("not-json", b"{query", "INVALID_JSON", None),
    ("not-utf-8", b"\xff\xfe\xfa", "INVALID_JSON", None),
    ("not-utf-8-in-a-string", b'{"query": "\xff"}', "INVALID_JSON", None),
    (
        "not-utf-8-in-a-variable",
        b'{"query": "query($x: String) { metrics { code } }", "variables": {"x": "\xff"}}',
        "INVALID_JSON",
        None,
    ),
    ("query-not-a-string", b'{"query": 42}', "INVALID_JSON", None),
    ("a-list-of-requests", b'[{"query": "{ metrics { code } }"}]', "BATCH_NOT_SUPPORTED", None),
    ("1000-deep-list", _deep(1000), "BATCH_NOT_SUPPORTED", None),
    (
        "1000-deep-variable",
        b'{"query": "query($x: String) { metrics { code } }", "variables": {"x": '
        + _deep(1000)
        + b"}}",
        "TOO_DEEP",
        None,
    ),
    (
        "100-deep-variable",
        b'{"query": "query($x: JSON) { metrics { code } }", "variables": {"x": '
        + _deep(100)
        + b"}}",
        "TOO_DEEP",
        None,
    ),
    (
        "nul-in-a-variable",
        _body(CREATE_COMPANY, {"input": {"externalKey": "k", "name": "a\u0000b"}}),
        "INVALID_CHARACTER",
        "variables.input.name",
    ),
    (
        "lone-surrogate-in-a-variable",
        b'{"query": "mutation($input: CompanyInput!) { createCompany(input: $input)'
        b' { __typename } }", "variables": {"input": {"externalKey": "k", "name": "a\\ud800"}}}',
        "INVALID_JSON",
        None,
    ),
    (
        "nul-in-a-record",
        _body(RECORD_USAGE, {"input": {"idempotencyKey": "a\u0000"}}),
        "INVALID_CHARACTER",
        "variables.input.idempotencyKey",
    ),
    (
        "nul-in-a-query-literal",
        _body('{ company(id: "x\\u0000") { id } }'),
        "INVALID_CHARACTER",
        "query",
    ),
    ("nul-in-a-cursor-variable", _body(COMPANIES, {"after": "\u0000"}), "INVALID_CHARACTER", None),
]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
async def test_a_malformed_body_is_a_400_with_a_json_error(
    http: httpx.AsyncClient, admin: Any, body: bytes, code: str, field: str | None
) -> None:
    response = await http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == code
    if field is not None:
        assert error["field"] == field


AGGREGATE = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) { __typename ... on ValidationError { field code message } }
}"""
GAPS = """
query($c: GapCriteria!) {
  usageGaps(criteria: $c) { __typename ... on ValidationError { field code message } }
}"""
CONTRACT = """
mutation($input: ContractInput!) {
  createContract(input: $input) { __typename ... on ValidationError { field code message } }
}"""
PAY = """
mutation($id: UUID!, $amount: Decimal!, $at: DateTime!) {
  recordPayment(invoiceId: $id, amount: $amount, paidAt: $at) {
    __typename ... on ValidationError { field code message }
  }
}"""
COST = """
mutation($input: CostInput!) {
  recordCost(input: $input) { __typename ... on ValidationError { field code message } }
}"""
PREVIEW = """
query($contract: UUID!, $start: DateTime!) {
  previewInvoice(contractId: $contract, periodStart: $start) {
    __typename ... on ValidationError { field code message }
  }
}"""
PROFITABILITY = """
query($f: DateTime!, $t: DateTime!) {
  profitability(from: $f, to: $t) { __typename ... on ValidationError { field code message } }
}"""
ALLOCATION = """
query($f: DateTime!, $t: DateTime!) {
  allocateCost(granularity: DAILY, from: $f, to: $t) {
    __typename ... on ValidationError { field code message }
  }
}"""
# A fragment spread takes the executor's path rather than the direct one.
RECORD_THROUGH_EXECUTOR = """
mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { ...answer }
}
fragment answer on RecordUsageResult {
  __typename ... on ValidationError { field code message }
}"""


def _window(**change: Any) -> dict[str, Any]:
    return {
        "metricCodes": ["API_REQUESTS"],
        "from": "2026-11-01T00:00:00Z",
        "to": "2026-12-01T00:00:00Z",
        "granularity": "DAY",
        **change,
    }


def _cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode()


async def _contract_of(admin: Any, company: str) -> str:
    await admin(
        'mutation { createProduct(code: "API", name: "API", metricCode: "API_REQUESTS")'
        " { __typename } }"
    )
    made = await admin(
        "mutation($input: ContractInput!) { createContract(input: $input)"
        " { ... on Contract { id } ... on ValidationError { field code } } }",
        {
            "input": {
                "companyId": company,
                "currency": "EUR",
                "startDate": (datetime.now(UTC) - timedelta(days=120)).date().isoformat(),
                "products": [
                    {"productCode": "API", "price": {"model": "PER_UNIT", "unitPrice": "0.1"}}
                ],
            }
        },
    )
    return str(made["createContract"]["id"])


def _contract(company: str, **change: Any) -> dict[str, Any]:
    return {
        "companyId": company,
        "currency": "EUR",
        "startDate": "2026-01-01",
        "products": [{"productCode": "API", "price": {"model": "PER_UNIT", "unitPrice": "0.1"}}],
        **change,
    }


def _record(**change: Any) -> Any:
    return lambda acme: {"input": api_request(acme, **change)}


def _criteria(**change: Any) -> Any:
    return lambda acme: {"c": {"companyId": acme, **_window(**change)}}


def _priced(unit_price: str, **change: Any) -> Any:
    def variables(acme: str) -> dict[str, Any]:
        contract = _contract(acme, **change)
        contract["products"][0]["price"]["unitPrice"] = unit_price
        return {"input": contract}

    return variables


def _fixed(variables: dict[str, Any]) -> Any:
    return lambda acme: variables


# (id, document, variables of the company's id, the field named, the code)
TYPED = [
    ("value-1e999999", RECORD_USAGE, _record(value="1e999999"), "value", "VALUE_OUT_OF_RANGE"),
    ("value-1e30", RECORD_USAGE, _record(value="1e30"), "value", "VALUE_OUT_OF_RANGE"),
    ("value-13-places", RECORD_USAGE, _record(value="0.0000000000001"), "value",
     "TOO_MANY_DECIMALS"),
    ("value-1e30-executor", RECORD_THROUGH_EXECUTOR, _record(value="1e30"), "value",
     "VALUE_OUT_OF_RANGE"),
    ("properties-number-1e300", RECORD_THROUGH_EXECUTOR, _record(properties={"n": 1e300}),
     "properties", "VALUE_OUT_OF_RANGE"),
    ("time-zone-america", AGGREGATE, _criteria(timeZone="America"), "timeZone", "INVALID_FORMAT"),
    ("from-without-offset", AGGREGATE, _criteria(**{"from": "2026-11-01T00:00:00"}), "from",
     "TIMESTAMP_WITHOUT_OFFSET"),
    ("window-year-9999", AGGREGATE,
     _criteria(**{"from": "9999-11-01T00:00:00Z", "to": "9999-12-31T23:00:00Z"}), "from",
     "OUT_OF_RANGE"),
    ("window-year-1", AGGREGATE,
     _criteria(**{"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"},
               timeZone="Pacific/Kiritimati"), "from", "OUT_OF_RANGE"),
    ("gaps-year-9999", GAPS,
     _fixed({"c": {"from": "2026-11-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"}}), "to",
     "OUT_OF_RANGE"),
    ("contract-starts-9999-12-31", CONTRACT, _priced("0.1", startDate="9999-12-31"),
     "startDate", "OUT_OF_RANGE"),
    ("price-1e999999", CONTRACT, _priced("1e999999"), "products[0].price.unitPrice",
     "OUT_OF_RANGE"),
    ("price-13-places", CONTRACT, _priced("0.0000000000001"), "products[0].price.unitPrice",
     "TOO_MANY_DECIMALS"),
    ("payment-1e999999", PAY,
     _fixed({"id": NEVER, "amount": "1e999999", "at": "2026-01-01T00:00:00Z"}), "amount",
     "VALUE_OUT_OF_RANGE"),
    ("paid-in-9999", PAY, _fixed({"id": NEVER, "amount": "1", "at": "9999-01-01T00:00:00Z"}),
     "paidAt", "OUT_OF_RANGE"),
    ("cost-1e999999", COST,
     _fixed({"input": {"productCode": "API", "granularity": "DAILY",
                       "periodStart": "2026-01-01T00:00:00Z", "amount": "1e999999"}}),
     "amount", "VALUE_OUT_OF_RANGE"),
    ("profitability-year-9999", PROFITABILITY,
     _fixed({"f": "9999-12-31T23:59:59+00:00", "t": "9999-12-31T23:59:59-14:00"}), "from",
     "OUT_OF_RANGE"),
    ("allocation-year-9999", ALLOCATION,
     _fixed({"f": "9999-12-31T23:59:59+00:00", "t": "9999-12-31T23:59:59-14:00"}), "from",
     "OUT_OF_RANGE"),
    ("company-name-too-long", CREATE_COMPANY,
     _fixed({"input": {"externalKey": "k", "name": "n" * 201}}), "name", "TOO_LONG"),
    ("company-name-line-break", CREATE_COMPANY,
     _fixed({"input": {"externalKey": "k", "name": "a\r\nBcc: x"}}), "name",
     "INVALID_CHARACTER"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "variables", "field", "code"),
    [case[1:] for case in TYPED],
    ids=[case[0] for case in TYPED],
)
async def test_a_bad_value_is_a_validation_error_naming_the_field(
    admin: Any, acme: str, document: str, variables: Any, field: str, code: str
) -> None:
    await admin(
        'mutation { createProduct(code: "API", name: "API", metricCode: "API_REQUESTS")'
        " { __typename } }"
    )
    data = await admin(document, variables(acme))
    (result,) = data.values()
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    ), result


async def test_a_usage_value_of_1e30_is_refused_on_every_write_path(
    http: httpx.AsyncClient, admin: Any, acme: str
) -> None:
    batch = await admin(
        BATCH_RECORD_USAGE,
        {"records": [api_request(acme, "1e30"), api_request(acme, "1")]},
    )
    report = batch["batchRecordUsage"]
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert (report["errors"][0]["index"], report["errors"][0]["code"]) == (0, "VALUE_OUT_OF_RANGE")

    now = datetime.now(UTC).isoformat()
    files = {
        "text/csv": (
            "event_id,customer_id,product_code,metric_name,timestamp,quantity,"
            f"additional_properties\ne1,acme,API,API_REQUESTS,{now},1e30,\n"
            f"e2,acme,API,API_REQUESTS,{now},1e999999,\n"
        ),
        "application/x-ndjson": "\n".join(
            json.dumps(api_request(acme, value)) for value in ("1e30", "1e999999")
        )
        + "\n"
        + json.dumps(api_request(acme)).replace('"10"', "9" * 5000)  # more than int() reads
        + "\n"
        + '{"value": '
        + "[" * 5000
        + "]" * 5000
        + "}\n",
    }
    for content_type, text in files.items():
        response = await http.post(
            "/v1/usage-records:import",
            content=text.encode(),
            headers={"Authorization": f"Bearer {admin.key}", "Content-Type": content_type},
        )
        assert response.status_code == 200, response.text
        summary = response.json()
        assert summary["accepted"] == 0, summary
        codes = [e["code"] for e in summary["errors"]]
        assert codes[:2] == ["VALUE_OUT_OF_RANGE", "VALUE_OUT_OF_RANGE"], summary
        assert all(code in ("VALUE_OUT_OF_RANGE", "INVALID_FORMAT") for code in codes)

    await admin(
        'mutation { createProduct(code: "API", name: "API", metricCode: "API_REQUESTS")'
        " { __typename } }"
    )
    response = await http.post(
        "/v1/costs:import",
        content=b"product_code,granularity,period_start,amount,currency\n"
        b"API,DAILY,2026-01-01T00:00:00Z,1e999999,USD\n"
        b"API,DAILY,9999-12-31T00:00:00Z,1,USD\n",
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert [(e["line"], e["field"], e["code"]) for e in errors] == [
        (2, "amount", "VALUE_OUT_OF_RANGE"),
        (3, "periodStart", "OUT_OF_RANGE"),
    ]


async def test_the_limits_follow_the_settings(
    admin: Any, acme: str, runtime: Any, settings: Any
) -> None:
    from dataclasses import replace
    from decimal import Decimal

    runtime.settings = replace(settings, max_name_length=5, max_price=Decimal(1))
    named = await admin(CREATE_COMPANY, {"input": {"externalKey": "k", "name": "sixsix"}})
    assert named["createCompany"] == {"__typename": "ValidationError", "field": "name",
                                      "code": "TOO_LONG"}  # fmt: skip
    await admin(
        'mutation { createProduct(code: "API", name: "API", metricCode: "API_REQUESTS")'
        " { __typename } }"
    )
    contract = _contract(acme)
    contract["products"][0]["price"]["unitPrice"] = "2"
    priced = (await admin(CONTRACT, {"input": contract}))["createContract"]
    assert (priced["field"], priced["code"]) == ("products[0].price.unitPrice", "OUT_OF_RANGE")


OUT_OF_RANGE_CURSORS = [
    ("year-9999-behind-utc", "USAGE", _cursor("9999-12-31T23:59:59-14:00", NEVER)),
    ("year-1-ahead-of-utc", "USAGE", _cursor("0001-01-01T00:00:00+14:00", NEVER)),
    ("naive", "USAGE", _cursor("2026-01-01T00:00:00", NEVER)),
    ("not-a-uuid", "USAGE", _cursor("2026-01-01T00:00:00+00:00", "1")),
    ("far-too-long", "USAGE", "x" * 5000),
    ("nul-in-a-key", "COMPANIES", _cursor("a\u0000b")),
    ("not-utf-8", "COMPANIES", base64.urlsafe_b64encode(b"\xff\xfe").decode()),
]


@pytest.mark.parametrize(
    ("query", "cursor"),
    [case[1:] for case in OUT_OF_RANGE_CURSORS],
    ids=[case[0] for case in OUT_OF_RANGE_CURSORS],
)
async def test_a_cursor_out_of_range_is_a_bad_user_input_on_after(
    admin: Any, query: str, cursor: str
) -> None:
    document = USAGE_RECORDS if query == "USAGE" else COMPANIES
    response = await admin.post(document, {"after": cursor})
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "after"}


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"from": "2026-11-01T00:00:00", "to": "2026-12-01T00:00:00Z"}, "filter.from"),
        ({"from": "2026-11-01T00:00:00Z", "to": "2026-12-01T00:00:00"}, "filter.to"),
        ({"from": "2026-11-01T00:00:00Z", "to": "9999-12-31T00:00:00Z"}, "filter.to"),
    ],
    ids=["naive-from", "naive-to", "year-9999"],
)
async def test_a_usage_filter_with_mixed_offsets_or_far_dates_names_the_field(
    admin: Any, window: dict[str, str], field: str
) -> None:
    response = await admin.post(USAGE_RECORDS, {"filter": window})
    (error,) = response.json()["errors"]
    assert error["extensions"]["field"] == field


# ---------------------------------------------------------------- replays

VOID = """
mutation($id: UUID!, $reason: String!) {
  voidUsageRecord(id: $id, reason: $reason) { __typename }
}"""
CORRECT = """
mutation($id: UUID!, $reason: String!, $value: Decimal) {
  correctUsageRecord(id: $id, reason: $reason, value: $value) { __typename }
}"""


@pytest.mark.parametrize("change", ["void", "correct"])
@pytest.mark.parametrize("document", [RECORD_USAGE, RECORD_THROUGH_EXECUTOR.replace(
    "__typename ...", "__typename ... on RecordedUsage { duplicate record { id value } } ..."
)], ids=["direct", "executor"])  # fmt: skip
async def test_resending_a_voided_or_corrected_records_original_is_a_duplicate(
    admin: Any, system: Any, acme: str, change: str, document: str
) -> None:
    record = api_request(acme, "10", idempotencyKey="order-1")
    first = (await system(RECORD_USAGE, {"input": record}))["recordUsage"]
    original = first["record"]["id"]
    if change == "void":
        done = await admin(VOID, {"id": original, "reason": "test traffic"})
    else:
        done = await admin(CORRECT, {"id": original, "reason": "meter fix", "value": "7"})
    assert done[f"{change}UsageRecord"]["__typename"] == "UsageCorrection"

    for _ in range(2):
        again = (await system(document, {"input": record}))["recordUsage"]
        assert again["__typename"] == "RecordedUsage"
        assert again["duplicate"] is True
        assert (again["record"]["id"], again["record"]["value"]) == (original, "10")
    changed = (await system(RECORD_USAGE, {"input": {**record, "value": "11"}}))["recordUsage"]
    assert (changed["field"], changed["code"]) == ("idempotencyKey", "IDEMPOTENCY_CONFLICT")
    listed = await admin(USAGE_RECORDS, {"filter": {"companyId": acme}})
    values = [e["node"]["value"] for e in listed["usageRecords"]["edges"]]
    assert values == ([] if change == "void" else ["7"])


async def test_a_system_key_replaying_a_record_learns_only_what_it_sent(
    admin: Any, system: Any, acme: str
) -> None:
    stored = api_request(
        acme, "10", idempotencyKey="order-2", source="billing-agent", properties={"secret": "s3"}
    )
    first = (await admin(RECORD_USAGE, {"input": stored}))["recordUsage"]
    assert first["record"]["properties"] == {"secret": "s3"}
    # the same event (metric, instant, value) sent again without the details
    bare = {k: v for k, v in stored.items() if k not in ("source", "properties")}
    replay = (await system(RECORD_USAGE, {"input": bare}))["recordUsage"]
    assert replay["duplicate"] is True
    record = replay["record"]
    assert record["id"] == first["record"]["id"]
    assert record["properties"] is None
    assert "s3" not in json.dumps(replay) and "billing-agent" not in json.dumps(replay)
    assert record["value"] == "10" and record["idempotencyKey"] == "order-2"


# ---------------------------------------------------------------- other tenants' ids

THRESHOLD = """
mutation($input: ThresholdInput!) {
  createThreshold(input: $input) { ... on Threshold { id } }
}"""
UPDATE_THRESHOLD = """
mutation($id: UUID!, $input: ThresholdInput!) {
  updateThreshold(id: $id, input: $input) { __typename ... on ValidationError { field code } }
}"""


async def test_another_companys_ids_read_as_ids_that_do_not_exist(
    admin: Any, scoped: Any, acme: str
) -> None:
    other = await create_company(admin, "other")
    contract = await _contract_of(admin, other)
    start = (datetime.now(UTC) - timedelta(days=62)).replace(day=1, hour=0, minute=0)
    await admin(
        "mutation($p: DateTime) { generateInvoices(periodStart: $p) { created } }",
        {"p": start.isoformat()},
    )
    invoices = await admin(
        "query($f: InvoiceFilter) { invoices(filter: $f) { edges { node { id } } } }",
        {"f": {"companyId": other}},
    )
    (invoice,) = [e["node"]["id"] for e in invoices["invoices"]["edges"]]
    levels = [{"name": "W", "kind": "PERCENTAGE", "value": "80", "channels": ["PLATFORM"]}]
    threshold_input = {"metricCode": "API_REQUESTS", "limit": "100", "levels": levels}
    made = await admin(THRESHOLD, {"input": {**threshold_input, "companyId": other}})
    threshold = made["createThreshold"]["id"]
    report = await admin(
        "mutation($c: ReportCriteriaInput!) { generateReport(criteria: $c, format: CSV)"
        " { ... on Report { id } } }",
        {"c": {"companyId": other, "window": "PREVIOUS_DAY"}},
    )
    report_id = report["generateReport"]["id"]

    reader = await scoped("COMPANY_ADMIN", acme)
    by_id = [
        ("query($id: UUID!) { company(id: $id) { id } }", {}, "company"),
        ("query($id: UUID!) { contract(id: $id) { id } }", {}, "contract"),
        ("query($id: UUID!) { invoice(id: $id) { id } }", {}, "invoice"),
        ("query($id: UUID!) { report(id: $id) { id } }", {}, "report"),
        ("mutation($id: UUID!) { acknowledgeAlert(id: $id) { id } }", {}, "alert"),
        ("mutation($id: UUID!) { deleteThreshold(id: $id) }", {}, "threshold"),
        (UPDATE_THRESHOLD, {"input": {**threshold_input, "companyId": acme}}, "threshold"),
        (
            "query($id: UUID!, $s: DateTime!) { previewInvoice(contractId: $id, periodStart: $s)"
            " { __typename ... on ValidationError { field code } } }",
            {"s": start.isoformat()},
            "contract",
        ),
    ]
    theirs = {
        "company": other,
        "contract": contract,
        "invoice": invoice,
        "report": report_id,
        "threshold": threshold,
        "alert": threshold,  # no alert was raised: an id of theirs stands in
    }
    for document, extra, kind in by_id:
        answers = []
        for target in (theirs[kind], str(uuid.uuid4())):
            response = await reader.post(document, {"id": target, **extra})
            assert response.status_code == 200
            answers.append(response.json())
        assert answers[0] == answers[1], (kind, answers)
        assert "errors" not in answers[0], answers[0]


async def test_recipients_for_a_company_that_does_not_exist_are_not_found(admin: Any) -> None:
    response = await admin.post(
        "mutation($c: UUID!) { setNotificationRecipients(companyId: $c, channel: EMAIL,"
        ' addresses: ["ops@example.com"]) }',
        {"c": NEVER},
    )
    (error,) = response.json()["errors"]
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "companyId"}
