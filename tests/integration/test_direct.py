"""A plain single recordUsage is answered without the executor: the same answer either way."""

from __future__ import annotations

from typing import Any

import pytest

import api.app
from tests.integration.helpers import api_request, create_company

FULL = """
mutation Record($input: UsageRecordInput!) {
  recordUsage(input: $input) {
    __typename
    ... on RecordedUsage {
      duplicate
      record {
        id companyId resourceType metricCode timestamp value unit measurementType interval
        spaceId applicationId userId source subscriptionId
        billingPeriod { startDate endDate }
        billable billingCategory idempotencyKey productCode properties recordedAt
      }
    }
    ... on ValidationError { field code message errors { field code message } }
  }
}
"""
ALIASED = """
mutation($input: UsageRecordInput!) {
  r: recordUsage(input: $input) {
    kind: __typename
    ... on RecordUsageResult { ... on RecordedUsage { again: duplicate record { v: value } } }
    ... on ValidationError { why: code }
  }
}
"""
SPREAD = """
mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { ...Answer }
}
fragment Answer on RecordUsageResult { __typename ... on RecordedUsage { duplicate } }
"""
SKIPPED = """
mutation($input: UsageRecordInput!, $no: Boolean!) {
  recordUsage(input: $input) {
    __typename ... on RecordedUsage { duplicate record { id @skip(if: $no) value } }
  }
}
"""


async def audit_rows(runtime: Any) -> list[tuple[str, str, str]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, outcome, details::text FROM audit_log"
            " WHERE action IN ('Record', 'recordUsage', 'r') ORDER BY id"
        )
    return [(r["action"], r["outcome"], r["details"]) for r in rows]


@pytest.mark.parametrize("query", [FULL, ALIASED, SPREAD, SKIPPED])
@pytest.mark.parametrize(
    "fields",
    [
        {"idempotencyKey": "evt-1", "properties": {"region": "eu", "n": 1.5}, "source": "gw"},
        {
            "billingPeriod": {
                "startDate": "2026-01-01T00:00:00+00:00",
                "endDate": "2026-02-01T00:00:00+00:00",
            }
        },
        {"metricCode": "NO_SUCH_METRIC"},
        {"value": "-3"},
    ],
    ids=["properties", "billing-period", "unknown-metric", "negative"],
)
async def test_the_direct_answer_is_the_executors(
    admin: Any,
    runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    fields: dict[str, Any],
) -> None:
    company = await create_company(admin, "acme")
    record = {**api_request(company, "7"), "idempotencyKey": "same-key", **fields}
    variables: dict[str, Any] = {"input": record}
    if "$no" in query:
        variables["no"] = True
    first = await admin.post(query, variables)  # stores it (or rejects it)
    assert first.status_code == 200
    answered: list[bool] = []
    original = api.app.record_directly

    async def spy(*args: Any) -> Any:
        result = await original(*args)
        answered.append(result is not None)
        return result

    monkeypatch.setattr(api.app, "record_directly", spy)
    direct_response = await admin.post(query, variables)
    direct = direct_response.json()
    if query in (FULL, ALIASED):
        assert answered == [True]
    else:  # fragment spreads and directives go through the executor
        assert True not in answered
    audited_direct = await audit_rows(runtime)

    async def never(*args: Any) -> None:
        return None

    monkeypatch.setattr(api.app, "record_directly", never)
    executed_response = await admin.post(query, variables)
    executed = executed_response.json()
    assert direct == executed
    assert direct_response.status_code == executed_response.status_code == 200
    assert direct_response.headers["content-type"] == executed_response.headers["content-type"]
    assert "errors" not in direct
    audited = await audit_rows(runtime)
    assert audited[-1] == audited_direct[-1]


async def test_keys_that_may_not_record_get_the_executors_error(admin: Any, scoped: Any) -> None:
    company = await create_company(admin, "acme")
    viewer = await scoped("VIEWER", company)
    body = (await viewer.post(FULL, {"input": api_request(company)})).json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["recordUsage"]


async def test_a_failure_behind_the_direct_answer_is_masked_not_a_500(
    admin: Any, runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = await create_company(admin, "acme")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(runtime.group_commit, "submit", broken)
    response = await admin.post(FULL, {"input": api_request(company)})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Internal error; it has been logged."
    assert "database" not in response.text
    direct = (await audit_rows(runtime))[-1]

    async def never(*args: Any) -> None:
        return None

    monkeypatch.setattr(api.app, "record_directly", never)
    executed = await admin.post(FULL, {"input": api_request(company)})
    assert executed.json()["errors"][0]["message"] == body["errors"][0]["message"]
    assert (await audit_rows(runtime))[-1][:2] == direct[:2] == ("Record", "error")
