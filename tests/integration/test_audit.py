"""The audit log: one row per mutation, committed with the change it records,
keeping only declared variables, without secrets or addresses in clear."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.integration.helpers import (
    BATCH_RECORD_USAGE,
    CREATE_COMPANY,
    RECORD_USAGE,
    api_request,
    create_company,
)

# Through the executor: a fragment spread is never answered directly.
RECORD_VIA_EXECUTOR = """
mutation Record($input: UsageRecordInput!) { recordUsage(input: $input) { ...A } }
fragment A on RecordUsageResult { __typename }
"""
RECORD_DIRECTLY = """
mutation Record($input: UsageRecordInput!) { recordUsage(input: $input) { __typename } }
"""
SCHEDULE = """
mutation($destination: ReportDestinationInput!) {
  createReportSchedule(name: "daily", cron: "0 6 * * *", criteria: {window: PREVIOUS_DAY},
                       format: CSV, destination: $destination) { __typename }
}
"""
RECIPIENTS = """
mutation($c: UUID!, $channel: NotificationChannel!, $addresses: [String!]!) {
  setNotificationRecipients(companyId: $c, channel: $channel, addresses: $addresses)
}
"""
GENERATE_INVOICES = "mutation { generateInvoices { __typename } }"


async def audit_rows(runtime: Any) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT action, outcome, details, details::text AS text FROM audit_log ORDER BY id"
            )
        )


async def stored_keys(runtime: Any) -> list[str]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT idempotency_key FROM usage_records ORDER BY 1")
    return [r[0] for r in rows]


async def post_raw(admin: Any, body: str) -> Any:
    """A request body written by hand (JSON escapes such as a lone surrogate)."""
    return await admin.http.post(
        "/graphql",
        content=body.encode(),
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/json"},
    )


@pytest.fixture
async def audit_refused(runtime: Any) -> AsyncIterator[None]:
    """Every audit insert fails in PostgreSQL until the test ends."""
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (action = '') NOT VALID"
        )
    yield
    async with runtime.pool.acquire() as conn:
        await conn.execute("ALTER TABLE audit_log DROP CONSTRAINT refuse_all")


@pytest.mark.parametrize("document", [RECORD_DIRECTLY, RECORD_VIA_EXECUTOR])
async def test_an_undeclared_variable_is_not_kept(admin: Any, runtime: Any, document: str) -> None:
    company = await create_company(admin, "acme")
    record = api_request(company, idempotencyKey="u1")
    variables = f'{{"input": {json.dumps(record)}, "junk": "not declared, never read"}}'
    body = f'{{"query": {json.dumps(document)}, "variables": {variables}}}'
    response = await post_raw(admin, body)
    assert response.status_code == 200
    assert response.json() == {"data": {"recordUsage": {"__typename": "RecordedUsage"}}}
    assert await stored_keys(runtime) == ["u1"]
    row = (await audit_rows(runtime))[-1]
    assert (row["action"], row["outcome"]) == ("Record", "recordUsage:RecordedUsage")
    assert set(row["details"]["variables"]) == {"input"}
    assert row["details"]["variables"]["input"]["idempotencyKey"] == "u1"


@pytest.mark.parametrize("document", [RECORD_DIRECTLY, RECORD_VIA_EXECUTOR])
@pytest.mark.parametrize(
    ("junk", "code"),
    [('"\\u0000 x"', "INVALID_CHARACTER"), ('"\\ud800 x"', "INVALID_JSON")],
    ids=["nul", "lone-surrogate"],
)
async def test_a_variable_holding_nul_or_a_lone_surrogate_is_refused_before_any_change(
    admin: Any, runtime: Any, document: str, junk: str, code: str
) -> None:
    company = await create_company(admin, "acme")
    record = api_request(company, idempotencyKey="u1")
    rows_before = len(await audit_rows(runtime))
    variables = f'{{"input": {json.dumps(record)}, "junk": {junk}}}'
    response = await post_raw(
        admin, f'{{"query": {json.dumps(document)}, "variables": {variables}}}'
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    # nothing changed, so there is nothing the audit log could have missed
    assert await stored_keys(runtime) == []
    assert len(await audit_rows(runtime)) == rows_before


async def test_secrets_are_redacted_addresses_masked_and_records_counted(
    admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    await admin.post(
        SCHEDULE,
        {
            "destination": {
                "type": "WEBHOOK",
                "url": "https://hooks.example.com/in",
                "secret": "whsec-very-secret",
            }
        },
    )
    await admin(RECIPIENTS, {"c": company, "channel": "EMAIL", "addresses": ["alice@example.com"]})
    await admin(RECIPIENTS, {"c": company, "channel": "SMS", "addresses": ["+41791234567"]})
    records = [
        api_request(company, "1", idempotencyKey="b1", properties={"email": "c@d.example"}),
        api_request(company, "2", idempotencyKey="b2"),
    ]
    await admin(BATCH_RECORD_USAGE, {"records": records})
    rows = await audit_rows(runtime)
    text = " ".join(r["text"] for r in rows)
    for clear in ("whsec-very-secret", "alice@", "1234567", "c@d.example"):
        assert clear not in text
    by_action = {r["action"]: r["details"]["variables"] for r in rows}
    assert by_action["createReportSchedule"]["destination"]["secret"] == "[REDACTED]"
    addresses = [
        r["details"]["variables"]["addresses"]
        for r in rows
        if r["action"] == "setNotificationRecipients"
    ]
    assert addresses == [["a***@example.com"], ["+***67"]]
    assert by_action["batchRecordUsage"]["records"] == {
        "items": 2,
        "metricCodes": ["API_REQUESTS"],
        "companies": 1,
    }


async def test_a_change_and_its_audit_row_commit_together_or_not_at_all(
    admin: Any, runtime: Any, audit_refused: None
) -> None:
    company = await admin.post(CREATE_COMPANY, {"input": {"externalKey": "acme", "name": "A"}})
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM companies") == 0
    answer = company.json()
    assert answer["errors"][0]["message"] == "Internal error; it has been logged."
    assert "constraint" not in company.text and "audit_log" not in company.text


async def test_a_usage_write_whose_audit_row_fails_is_not_stored(admin: Any, runtime: Any) -> None:
    company = await create_company(admin, "acme")
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "ALTER TABLE audit_log ADD CONSTRAINT refuse_all CHECK (action = '') NOT VALID"
        )
    for document in (RECORD_DIRECTLY, RECORD_VIA_EXECUTOR, BATCH_RECORD_USAGE):
        variables: dict[str, Any] = (
            {"records": [api_request(company, idempotencyKey="r1")]}
            if document is BATCH_RECORD_USAGE
            else {"input": api_request(company, idempotencyKey="r1")}
        )
        response = await admin.post(document, variables)
        assert response.status_code == 200
        assert response.json()["errors"][0]["message"] == "Internal error; it has been logged."
        assert "constraint" not in response.text
    assert await stored_keys(runtime) == []


async def test_a_committed_write_is_answered_as_a_success_whatever_follows_it(
    admin: Any, runtime: Any, audit_refused: None
) -> None:
    # generateInvoices commits run by run, so its row is written after it:
    # that row failing must not turn the committed run into an error
    run = await admin.post(GENERATE_INVOICES)
    assert run.status_code == 200
    assert run.json() == {"data": {"generateInvoices": {"__typename": "InvoiceRun"}}}
    # a refusal changed nothing: it is answered, its row failing or not
    refused = await admin.post(CREATE_COMPANY, {"input": {"externalKey": "", "name": ""}})
    assert refused.json()["data"]["createCompany"]["__typename"] == "ValidationError"


async def test_every_write_of_a_request_has_its_own_row_and_nothing_twice(
    admin: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    record = api_request(company, idempotencyKey="k1")
    await admin(RECORD_USAGE, {"input": record})
    await admin(RECORD_USAGE, {"input": record})  # a replay
    await admin.post(RECORD_USAGE, {"input": api_request(company, "-1", idempotencyKey="k2")})
    rows = [(r["action"], r["outcome"]) for r in await audit_rows(runtime)]
    assert rows == [
        ("createCompany", "createCompany:Company"),
        ("recordUsage", "recordUsage:RecordedUsage"),
        ("recordUsage", "recordUsage:RecordedUsage"),
        ("recordUsage", "recordUsage:ValidationError"),
    ]


async def test_a_refused_request_is_audited_by_its_error_codes_never_its_messages(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    viewer = await scoped("VIEWER", company)
    refused = await viewer.post(CREATE_COMPANY, {"input": {"externalKey": "b", "name": "B"}})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # a value the schema refuses is quoted in the error's message
    invalid = await admin.post(
        SCHEDULE, {"destination": {"type": "CARRIER_PIGEON", "secret": "pigeon-secret"}}
    )
    assert invalid.json()["errors"][0]["message"].startswith("Variable '$destination'")
    rows = await audit_rows(runtime)
    assert [(r["outcome"], r["details"]["errors"]) for r in rows[-2:]] == [
        ("error", ["FORBIDDEN"]),
        ("error", ["INVALID_REQUEST"]),
    ]
    assert "pigeon-secret" not in rows[-1]["text"]
