"""Keys and tenants, the audit log, batches, and bad requests that must not be 500s."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import httpx
import pytest

from tests.conftest import make_key
from tests.integration.helpers import (
    BATCH_RECORD_USAGE,
    RECORD_USAGE,
    USAGE_RECORDS,
    api_request,
    create_company,
)

COMPANY = "query($id: UUID!) { company(id: $id) { id externalKey } }"
COMPANIES = "{ companies { edges { node { id externalKey } } } }"


@pytest.fixture
async def tenants(admin: Any, system: Any) -> tuple[str, str]:
    mine = await create_company(admin, "mine")
    theirs = await create_company(admin, "theirs")
    data = await system(
        BATCH_RECORD_USAGE,
        {
            "records": [
                api_request(mine, "11", idempotencyKey="m1"),
                api_request(theirs, "987654", idempotencyKey="t1"),
            ]
        },
    )
    assert data["batchRecordUsage"]["accepted"] == 2
    return mine, theirs


async def stored_keys(runtime: Any) -> list[str]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT idempotency_key FROM usage_records ORDER BY 1")
    return [r["idempotency_key"] for r in rows]


# ---------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "header",
    [None, "Bearer mgk_not-a-key", "Basic dXNlcjpwYXNz", "Bearer", "mgk_without_scheme"],
    ids=["none", "unknown", "basic", "empty", "no-scheme"],
)
async def test_requests_without_a_valid_key_are_401(
    http: httpx.AsyncClient, header: str | None
) -> None:
    headers = {"Authorization": header} if header else {}
    for path, body in (
        ("/graphql", {"query": "{ metrics { code } }"}),
        ("/v1/usage-records:import", None),
    ):
        response = await http.post(path, json=body, headers=headers)
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_health_checks_need_no_key(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok", "database": "external"}
    assert (await http.get("/readyz")).json() == {"status": "ready", "database": "up"}


async def test_a_scoped_reader_sees_its_own_company_and_nothing_else(
    scoped: Any, tenants: tuple[str, str]
) -> None:
    mine, theirs = tenants
    viewer = await scoped("VIEWER", mine)

    listed = await viewer(COMPANIES)
    assert [e["node"]["id"] for e in listed["companies"]["edges"]] == [mine]
    records = await viewer(USAGE_RECORDS, {"filter": {}})
    assert [e["node"]["value"] for e in records["usageRecords"]["edges"]] == ["11"]

    # another company is, for this key, a company that does not exist
    for company in (theirs, str(uuid.uuid4())):
        response = await viewer.post(COMPANY, {"id": company})
        assert response.json() == {"data": {"company": None}}
    response = await viewer.post(USAGE_RECORDS, {"filter": {"companyId": theirs}})
    assert response.status_code == 200
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "987654" not in response.text and "theirs" not in response.text


async def test_a_scoped_writer_cannot_record_for_another_company(
    scoped: Any, tenants: tuple[str, str], runtime: Any
) -> None:
    mine, theirs = tenants
    company_admin = await scoped("COMPANY_ADMIN", mine)
    single = await company_admin(RECORD_USAGE, {"input": api_request(theirs, idempotencyKey="x1")})
    assert (single["recordUsage"]["__typename"], single["recordUsage"]["code"]) == (
        "ValidationError",
        "FORBIDDEN",
    )
    batch = await company_admin(
        BATCH_RECORD_USAGE,
        {
            "records": [
                api_request(mine, idempotencyKey="x2"),
                api_request(theirs, idempotencyKey="x3"),
            ]
        },
    )
    report = batch["batchRecordUsage"]
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["errors"][0]["index"] == 1 and report["errors"][0]["code"] == "FORBIDDEN"
    assert await stored_keys(runtime) == ["m1", "t1", "x2"]


async def test_viewers_and_system_keys_have_their_limits(
    scoped: Any, system: Any, tenants: tuple[str, str], runtime: Any
) -> None:
    mine, _ = tenants
    viewer = await scoped("VIEWER", mine)
    response = await viewer.post(RECORD_USAGE, {"input": api_request(mine)})
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    response = await system.post(COMPANIES)
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await stored_keys(runtime) == ["m1", "t1"]


async def test_a_key_that_may_not_list_companies_is_refused_before_its_arguments_are_read(
    admin: Any, system: Any
) -> None:
    query = "query($first: Int!) { companies(first: $first) { edges { cursor } } }"
    refused = (await system.post(query, {"first": 0})).json()["errors"]
    assert [e["extensions"] for e in refused] == [{"code": "FORBIDDEN"}]
    bad = (await admin.post(query, {"first": 0})).json()["errors"]
    assert [e["extensions"] for e in bad] == [{"code": "BAD_USER_INPUT", "field": "first"}]
    assert bad[0]["path"] == ["companies"]


PAGE = (
    "query($first: Int!, $after: String) { %s(first: $first, after: $after) { edges { cursor } } }"
)


@pytest.mark.parametrize("query", [PAGE % "reports", PAGE % "jobRuns"])
async def test_a_page_refused_to_the_key_is_refused_before_its_size_and_cursor_are_read(
    admin: Any, system: Any, query: str
) -> None:
    variables = {"first": 0, "after": "not a cursor"}
    refused = (await system.post(query, variables)).json()["errors"]
    assert [e["extensions"] for e in refused] == [{"code": "FORBIDDEN"}]
    bad = (await admin.post(query, variables)).json()["errors"]
    assert [e["extensions"] for e in bad] == [{"code": "BAD_USER_INPUT", "field": "first"}]
    cursor = (await admin.post(query, {"first": 1, "after": "not a cursor"})).json()["errors"]
    assert [e["extensions"] for e in cursor] == [{"code": "BAD_USER_INPUT", "field": "after"}]


async def test_every_mutation_is_in_the_audit_log(
    admin: Any, system: Any, runtime: Any, tenants: tuple[str, str]
) -> None:
    mine, _ = tenants
    await system(RECORD_USAGE, {"input": api_request(mine, idempotencyKey="a1")})
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT role, action, outcome, details FROM audit_log ORDER BY id")
    actions = [(r["role"], r["action"]) for r in rows]
    assert actions == [
        ("ADMIN", "createCompany"),
        ("ADMIN", "createCompany"),
        ("SYSTEM", "batchRecordUsage"),
        ("SYSTEM", "recordUsage"),
    ]
    assert rows[-1]["outcome"] == "recordUsage:RecordedUsage"
    assert rows[-1]["details"]["variables"]["input"]["idempotencyKey"] == "a1"


# ---------------------------------------------------------------- batches


async def test_a_batch_is_partial_by_default_and_all_or_nothing_when_atomic(
    system: Any, runtime: Any, tenants: tuple[str, str]
) -> None:
    mine, _ = tenants
    records = [
        api_request(mine, "1", idempotencyKey="b1"),
        api_request(mine, "-5", idempotencyKey="b2"),
        api_request(mine, "2", idempotencyKey="b3"),
    ]
    atomic = await system(BATCH_RECORD_USAGE, {"records": records, "atomic": True})
    report = atomic["batchRecordUsage"]
    assert report["rolledBack"] is True and report["accepted"] == 0
    assert [(e["index"], e["field"], e["code"]) for e in report["errors"]] == [
        (1, "value", "NEGATIVE_COUNTER_VALUE")
    ]
    assert await stored_keys(runtime) == ["m1", "t1"]

    partial = (await system(BATCH_RECORD_USAGE, {"records": records}))["batchRecordUsage"]
    assert (partial["accepted"], partial["duplicates"], partial["rejected"]) == (2, 0, 1)
    assert await stored_keys(runtime) == ["b1", "b3", "m1", "t1"]

    again = (await system(BATCH_RECORD_USAGE, {"records": records}))["batchRecordUsage"]
    assert (again["accepted"], again["duplicates"], again["rejected"]) == (0, 2, 1)
    assert await stored_keys(runtime) == ["b1", "b3", "m1", "t1"]


async def test_a_key_twice_in_one_batch_is_a_duplicate_or_a_conflict(
    system: Any, runtime: Any, tenants: tuple[str, str]
) -> None:
    mine, _ = tenants
    first = api_request(mine, "4", idempotencyKey="d1")
    records = [first, dict(first), {**first, "value": "5"}]
    report = (await system(BATCH_RECORD_USAGE, {"records": records}))["batchRecordUsage"]
    assert (report["accepted"], report["duplicates"], report["rejected"]) == (1, 1, 1)
    assert report["errors"][0]["index"] == 2
    assert report["errors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert (await stored_keys(runtime)).count("d1") == 1


async def test_an_oversized_batch_is_refused_whole_with_a_clear_error(
    system: Any, runtime: Any, tenants: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, _ = tenants
    monkeypatch.setattr(runtime, "settings", replace(runtime.settings, max_batch_size=3))
    records = [api_request(mine, idempotencyKey=f"o{n}") for n in range(4)]
    result = (await system(BATCH_RECORD_USAGE, {"records": records}))["batchRecordUsage"]
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        "records",
        "BATCH_TOO_LARGE",
    )
    assert "at most 3" in result["message"]
    assert await stored_keys(runtime) == ["m1", "t1"]
    empty = (await system(BATCH_RECORD_USAGE, {"records": []}))["batchRecordUsage"]
    assert (empty["accepted"], empty["rejected"]) == (0, 0)


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"variables": {}}', "application/json"),
        (b'{"query": "{ metrics { code "}', "application/json"),
        (b'{"query": "{ nothing }"}', "application/json"),
        (b'{"query": 42}', "application/json"),
        (b"[1, 2]", "application/json"),
        (b"query=x", "text/plain"),
    ],
    ids=["bad-json", "no-query", "syntax", "unknown-field", "query-not-string", "array", "text"],
)
async def test_malformed_graphql_requests_are_client_errors(
    http: httpx.AsyncClient, runtime: Any, body: bytes, content_type: str
) -> None:
    key = await make_key(runtime, "ADMIN")
    response = await http.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
    )
    assert response.status_code != 500
    assert response.status_code in (200, 400, 415), response.text
    if response.status_code == 200:
        assert response.json()["errors"][0]["message"]


@pytest.mark.parametrize(
    ("variables", "fragment"),
    [
        ({"filter": {}, "first": 0}, "first"),
        ({"filter": {}, "first": 10**6}, "first"),
        ({"filter": {}, "after": "garbage"}, "cursor"),
        ({"filter": {"from": "2026-01-01T00:00:00"}}, "offset"),
        ({"filter": {"from": "not a date"}}, "from"),
        ({"filter": {"companyId": "not-a-uuid"}}, "companyId"),
        ({"filter": {"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}}, "before"),
    ],
    ids=["first-0", "first-huge", "cursor", "naive", "not-date", "not-uuid", "reversed"],
)
async def test_bad_query_arguments_name_the_problem(
    admin: Any, variables: dict[str, Any], fragment: str
) -> None:
    query = USAGE_RECORDS.replace("($filter: UsageRecordFilter)", "($filter: UsageRecordFilter)")
    response = await admin.post(query, variables)
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert fragment.lower() in errors[0]["message"].lower(), errors


async def test_wrong_variable_types_in_a_mutation_are_graphql_errors(admin: Any) -> None:
    response = await admin.post(
        RECORD_USAGE, {"input": {**api_request("x"), "value": {"no": 1}, "timestamp": 5}}
    )
    assert response.status_code == 200
    assert "Variable '$input'" in response.json()["errors"][0]["message"]
