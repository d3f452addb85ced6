"""Request limits: body size, import size and line length, query depth, aliases,
cost, batch size before decoding, and each key's rate."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query

from api.app import create_app
from services.config import Settings
from tests.conftest import Api, make_key
from tests.integration.helpers import BATCH_RECORD_USAGE, api_request, create_company

IMPORT = "/v1/usage-records:import"
NOW = datetime.now(UTC).replace(microsecond=0)

AGGREGATE = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    __typename
    ... on AggregationResult { buckets { periodStart sum } }
    ... on ValidationError { field code message }
  }
}"""


@pytest.fixture
def settings(database: str) -> Settings:
    return replace(
        Settings(),
        database_url=database,
        scheduler_enabled=False,
        max_body_bytes=64 * 1024,
        max_import_bytes=256 * 1024,
        max_import_line_bytes=1024,
        max_batch_size=100,
        max_query_tokens=5_000,
    )


def ten_years(granularity: str = "DAY") -> dict[str, Any]:
    return {
        "from": (NOW - timedelta(days=3650)).isoformat(),
        "to": NOW.isoformat(),
        "granularity": granularity,
    }


def aliased_aggregates(count: int) -> str:
    fields = "\n".join(f"a{i}: aggregateUsage(criteria: $c) {{ __typename }}" for i in range(count))
    return f"query($c: AggregationCriteria!) {{\n{fields}\n}}"


def top_level_code(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body.get("data") is None, body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


def refusal(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_a_body_over_the_limit_is_refused_by_its_content_length(admin: Api) -> None:
    padding = "x" * (64 * 1024)
    response = await admin.post("query($p: String) { __typename }", {"p": padding})
    error = refusal(response, 413)
    assert error["code"] == "BODY_TOO_LARGE"
    assert error["field"] == "METERGRAPH_MAX_BODY_BYTES"


async def test_a_chunked_body_over_the_limit_is_refused_while_it_streams(
    http: httpx.AsyncClient, admin: Api
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "{ __typename }", "variables": {"p": "'
        for _ in range(1_000):
            sent += 1
            yield b"x" * 1024
        yield b'"}}'

    response = await http.post(
        "/graphql",
        content=chunks(),
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/json"},
    )
    assert refusal(response, 413)["code"] == "BODY_TOO_LARGE"
    assert sent < 1_000  # refused before the rest was read


async def test_the_standard_introspection_query_passes_the_limits(admin: Api) -> None:
    data = await admin(get_introspection_query(descriptions=True))
    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_a_document_nested_too_deep_is_refused_before_it_runs(admin: Api) -> None:
    nested = "name"
    for _ in range(20):
        nested = f"ofType {{ {nested} }}"
    response = await admin.post(f'{{ __type(name: "Query") {{ {nested} }} }}')
    assert top_level_code(response) == "QUERY_TOO_DEEP"
    assert "METERGRAPH_MAX_QUERY_DEPTH" in response.json()["errors"][0]["message"]


async def test_a_document_with_too_many_aliases_is_refused_before_it_runs(admin: Api) -> None:
    response = await admin.post(aliased_aggregates(31), {"c": ten_years("TOTAL")})
    assert top_level_code(response) == "TOO_MANY_ALIASES"
    allowed = await admin(aliased_aggregates(30), {"c": ten_years("TOTAL")})
    assert len(allowed) == 30


async def test_aggregates_over_the_cost_limit_are_refused_before_they_run(admin: Api) -> None:
    # Ten years of days: 3,651 buckets each; twenty of them are over 50,000.
    response = await admin.post(aliased_aggregates(20), {"c": ten_years("DAY")})
    assert top_level_code(response) == "QUERY_TOO_COSTLY"
    assert "METERGRAPH_MAX_QUERY_COST" in response.json()["errors"][0]["message"]
    one = await admin(AGGREGATE, {"c": ten_years("DAY")})
    assert one["aggregateUsage"]["__typename"] == "AggregationResult"


async def test_pages_count_towards_the_cost(admin: Api) -> None:
    nested = "usageRecords(first: 1000) { edges { node { id } } }"
    fields = "\n".join(f"p{i}: {nested}" for i in range(30))
    response = await admin.post(f"{{ {fields} }}")
    assert top_level_code(response) == "QUERY_TOO_COSTLY"


async def test_a_document_with_too_many_tokens_is_refused_before_it_is_parsed(
    admin: Api,
) -> None:
    record = '{ companyId: "x", resourceType: API_CALLS, metricCode: "m", unit: "u" }'
    document = (
        f"mutation {{ batchRecordUsage(records: [{', '.join([record] * 400)}]) {{ __typename }} }}"
    )
    response = await admin.post(document)
    assert top_level_code(response) == "QUERY_TOO_LARGE"


async def test_a_viewers_batch_is_forbidden_before_its_records_are_decoded(
    admin: Api, scoped: Any
) -> None:
    company = await create_company(admin, "acme")
    viewer = await scoped("VIEWER", company)
    # Records no decoder accepts: had they been read, GraphQL would name their
    # missing fields; the key's role is the answer instead.
    for declared in ("[UsageRecordInput!]!", "[UsageRecordInput!]! = []"):
        query = BATCH_RECORD_USAGE.replace("[UsageRecordInput!]!", declared, 1)
        response = await viewer.post(query, {"records": [{}] * 5_000})
        body = response.json()
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body


async def test_an_oversize_batch_is_refused_before_its_records_are_decoded(
    admin: Api, system: Api
) -> None:
    for declared in ("[UsageRecordInput!]!", "[UsageRecordInput!]! = []"):
        query = BATCH_RECORD_USAGE.replace("[UsageRecordInput!]!", declared, 1)
        data = await system(query, {"records": [{}] * 101})
        result = data["batchRecordUsage"]
        assert (result["__typename"], result["code"]) == ("ValidationError", "BATCH_TOO_LARGE")
        assert "101" in result["message"]


async def test_a_batch_within_the_limit_is_still_recorded(admin: Api, system: Api) -> None:
    company = await create_company(admin, "acme")
    records = [api_request(company, i, idempotencyKey=f"k{i}") for i in range(100)]
    data = await system(BATCH_RECORD_USAGE, {"records": records})
    assert data["batchRecordUsage"]["accepted"] == 100


async def test_an_import_over_the_limit_is_refused_by_its_content_length(
    http: httpx.AsyncClient, admin: Api
) -> None:
    body = b'{"x": 1}\n' * 40_000
    response = await http.post(
        IMPORT,
        content=body,
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/x-ndjson"},
    )
    error = refusal(response, 413)
    assert (error["code"], error["field"]) == ("BODY_TOO_LARGE", "METERGRAPH_MAX_IMPORT_BYTES")


async def test_an_import_line_over_the_limit_is_refused_naming_the_line(
    http: httpx.AsyncClient, admin: Api
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"a": 1}\n{"b": 2}\n{"c": "'
        for _ in range(10):
            yield b"y" * 300  # line 3 never ends

    response = await http.post(
        IMPORT,
        content=chunks(),
        headers={"Authorization": f"Bearer {admin.key}", "Content-Type": "application/x-ndjson"},
    )
    error = refusal(response, 400)
    assert (error["code"], error["line"]) == ("LINE_TOO_LONG", 3)
    assert error["field"] == "METERGRAPH_MAX_IMPORT_LINE_BYTES"


async def test_lines_within_the_limit_import_as_before(
    http: httpx.AsyncClient, admin: Api, system: Api
) -> None:
    company = await create_company(admin, "acme")
    lines = [json.dumps(api_request(company, 1, idempotencyKey=f"l{i}")) for i in range(50)]
    response = await http.post(
        IMPORT,
        content="\n".join(lines).encode(),
        headers={"Authorization": f"Bearer {system.key}", "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 50


async def test_a_key_over_its_rate_is_answered_429_with_retry_after(
    settings: Settings, runtime: Any
) -> None:
    app = create_app(
        replace(settings, rate_limit_per_second=1, rate_limit_burst=2), runtime=runtime
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as http:
        busy = Api(http, await make_key(runtime, "ADMIN"))
        quiet = Api(http, await make_key(runtime, "ADMIN"))
        answers = [await busy.post("{ __typename }") for _ in range(12)]
        limited = [r for r in answers if r.status_code == 429]
        assert limited, [r.status_code for r in answers]
        assert int(limited[0].headers["retry-after"]) >= 1
        error = limited[0].json()["error"]
        assert (error["code"], error["field"]) == (
            "RATE_LIMITED",
            "METERGRAPH_RATE_LIMIT_PER_SECOND",
        )
        # Another key has its own bucket.
        assert (await quiet.post("{ __typename }")).status_code == 200
        imports = [
            await http.post(
                IMPORT,
                content=b"",
                headers={
                    "Authorization": f"Bearer {busy.key}",
                    "Content-Type": "application/x-ndjson",
                },
            )
            for _ in range(3)
        ]
        assert 429 in [r.status_code for r in imports]


async def test_a_rate_of_zero_turns_the_limit_off(settings: Settings, runtime: Any) -> None:
    app = create_app(
        replace(settings, rate_limit_per_second=0, rate_limit_burst=1), runtime=runtime
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as http:
        api = Api(http, await make_key(runtime, "ADMIN"))
        statuses = {(await api.post("{ __typename }")).status_code for _ in range(10)}
        assert statuses == {200}


async def test_a_window_of_too_many_buckets_stays_a_typed_error_of_the_field(
    admin: Api,
) -> None:
    hours = {**ten_years("HOUR"), "from": (NOW - timedelta(days=1000)).isoformat()}
    decades = {**ten_years("DAY"), "from": "2000-01-01T00:00:00+00:00"}
    for criteria in (hours, decades):
        result = (await admin(AGGREGATE, {"c": criteria}))["aggregateUsage"]
        assert (result["__typename"], result["code"]) == ("ValidationError", "INVALID_WINDOW")


async def test_a_costly_document_waits_for_a_slot_while_small_ones_are_answered(
    admin: Api, settings: Settings
) -> None:
    import asyncio

    from api.limits import costly_slots

    slots = costly_slots(settings.costly_query_slots)
    for _ in range(settings.costly_query_slots):
        await slots.acquire()  # every slot busy
    costly = asyncio.create_task(admin.post(AGGREGATE, {"c": ten_years("DAY")}))
    try:
        for _ in range(1_000):  # until the costly document waits for the slot
            if slots._waiters:
                break
            await asyncio.sleep(0.01)
        assert slots._waiters and not costly.done()
        small = await admin(AGGREGATE, {"c": ten_years("TOTAL")})
        assert small["aggregateUsage"]["__typename"] == "AggregationResult"
        assert not costly.done()
    finally:
        for _ in range(settings.costly_query_slots):
            slots.release()
    response = await costly
    assert response.json()["data"]["aggregateUsage"]["__typename"] == "AggregationResult"
