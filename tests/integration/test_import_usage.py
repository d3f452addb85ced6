"""Bulk import of the seed's event CSV (and NDJSON) over HTTP."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import FIXTURES, make_key
from tests.integration.helpers import create_company, define_seed_metrics

DAY = (datetime.now(UTC) - timedelta(days=12)).replace(hour=0, minute=0, second=0, microsecond=0)
RECENT = (DAY + timedelta(hours=10)).isoformat()
EVENTS = FIXTURES / "smsworld_usage_events.csv"
IMPORT = "/v1/usage-records:import"

# usage-data-simulation-guide.md, the expected invoice table (SPEC.md
# "expected invoice totals"): quantity per customer, month and metric.
SEED_TOTALS = {
    ("customer_a", "2024-01", "sms_delivered"): Decimal(1000),
    ("customer_a", "2024-01", "whatsapp_messages_sent"): Decimal(2500),
    ("customer_a", "2024-01", "ai_sms_processed"): Decimal(1000),
    ("customer_a", "2024-03", "sms_delivered"): Decimal(12000),
    ("customer_a", "2024-03", "whatsapp_messages_sent"): Decimal(15000),
    ("customer_a", "2024-03", "ai_sms_processed"): Decimal(3500),
    ("customer_b", "2024-02", "sms_delivered"): Decimal(1500),
    ("customer_b", "2024-02", "ai_sms_processed"): Decimal(350),
    ("customer_b", "2024-04", "sms_delivered"): Decimal(1800),
    ("customer_b", "2024-04", "ai_sms_processed"): Decimal(60),
    ("customer_c", "2024-01", "sms_delivered"): Decimal(1100),
    ("customer_c", "2024-01", "whatsapp_messages_sent"): Decimal(90),
    ("customer_c", "2024-05", "sms_delivered"): Decimal(7500),
    ("customer_c", "2024-05", "whatsapp_messages_sent"): Decimal(1500),
}


async def post(
    http: httpx.AsyncClient, key: str, body: bytes, content_type: str, query: str = ""
) -> httpx.Response:
    return await http.post(
        IMPORT + query,
        content=body,
        headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
    )


@pytest.fixture
async def admin_key(runtime: Any, admin: Any) -> str:
    await define_seed_metrics(admin)
    return await make_key(runtime, "ADMIN")


async def test_the_seed_file_twice_stores_each_event_once_with_the_seed_totals(
    http: httpx.AsyncClient, admin_key: str, runtime: Any
) -> None:
    body = EVENTS.read_bytes()
    query = "?backfill=true&createCompanies=true"
    first = await post(http, admin_key, body, "text/csv", query)
    assert first.status_code == 200, first.text
    assert (first.json()["accepted"], first.json()["duplicates"]) == (61, 3)
    assert first.json()["rejected"] == 0
    second = await post(http, admin_key, body, "text/csv", query)
    assert (second.json()["accepted"], second.json()["duplicates"]) == (0, 64)

    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT c.external_key, to_char(u.ts AT TIME ZONE 'UTC', 'YYYY-MM') AS month,"
            " u.metric_code, sum(u.value) AS total, count(*) AS records"
            " FROM usage_records u JOIN companies c ON c.id = u.company_id"
            " GROUP BY 1, 2, 3"
        )
    totals = {(r["external_key"], r["month"], r["metric_code"]): r["total"] for r in rows}
    assert totals == SEED_TOTALS
    assert sum(r["records"] for r in rows) == 61


async def test_unknown_customers_are_line_errors_unless_companies_may_be_created(
    http: httpx.AsyncClient, admin: Any, admin_key: str, runtime: Any
) -> None:
    body = EVENTS.read_bytes()
    refused = await post(http, admin_key, body, "text/csv", "?backfill=true")
    report = refused.json()
    assert refused.status_code == 200
    assert report["accepted"] == 0 and report["rejected"] == 64
    first = report["errors"][0]
    assert (first["line"], first["field"], first["code"]) == (2, "customer_id", "UNKNOWN_COMPANY")

    company_admin_key = await make_key(runtime, "COMPANY_ADMIN", await create_company(admin, "x"))
    denied = await post(http, company_admin_key, body, "text/csv", "?createCompanies=true")
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "FORBIDDEN"


async def test_a_scoped_key_cannot_import_another_companys_rows(
    http: httpx.AsyncClient, admin: Any, admin_key: str, runtime: Any
) -> None:
    mine = await create_company(admin, "customer_a")
    await create_company(admin, "customer_b")
    key = await make_key(runtime, "COMPANY_ADMIN", mine)
    body = (
        "event_id,customer_id,product_code,metric_name,timestamp,quantity\n"
        f"e1,customer_a,SMS_001,sms_delivered,{RECENT},5\n"
        f"e2,customer_b,SMS_001,sms_delivered,{RECENT},7\n"
    ).encode()
    response = await post(http, key, body, "text/csv")
    report = response.json()
    assert (report["accepted"], report["rejected"]) == (1, 1)
    assert report["errors"][0]["line"] == 3
    assert report["errors"][0]["code"] == "FORBIDDEN"
    async with runtime.pool.acquire() as conn:
        stored = await conn.fetch("SELECT idempotency_key FROM usage_records")
    assert [r["idempotency_key"] for r in stored] == ["e1"]


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"event_id,customer_id,metric_name\nx,y,z\n", "text/csv", 400, "INVALID_FILE"),
        (b"", "text/csv", 400, "INVALID_FILE"),
        (b"\xff\xfe\x00bad", "text/csv", 400, "INVALID_FILE"),
        (b"{}", "application/json", 415, None),
    ],
    ids=["missing-columns", "empty", "not-utf8", "wrong-type"],
)
async def test_a_malformed_file_is_a_clear_error_not_a_500(
    http: httpx.AsyncClient,
    admin_key: str,
    body: bytes,
    content_type: str,
    status: int,
    code: str | None,
) -> None:
    response = await post(http, admin_key, body, content_type)
    assert response.status_code != 500
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["message"]
    if code:
        assert error["code"] == code


async def test_bad_lines_are_reported_by_number_and_good_lines_kept(
    http: httpx.AsyncClient, admin: Any, admin_key: str, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    good = {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": RECENT,
        "value": "3",
        "unit": "requests",
        "idempotencyKey": "n1",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "idempotencyKey": "n2", "value": "-1"}),
        "",
        json.dumps({**good, "idempotencyKey": "n3", "timestamp": "yesterday"}),
        json.dumps({**good, "idempotencyKey": "n4", "value": 4}),
    ]
    response = await post(http, admin_key, "\n".join(lines).encode(), "application/x-ndjson")
    report = response.json()
    assert (report["accepted"], report["rejected"]) == (2, 3), report
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (2, "line"),
        (3, "value"),
        (5, "timestamp"),
    ]
    async with runtime.pool.acquire() as conn:
        total = await conn.fetchval("SELECT sum(value) FROM usage_records")
    assert total == Decimal(7)


async def test_a_large_file_streams_in_chunks_and_counts_exactly(
    http: httpx.AsyncClient, admin: Any, admin_key: str, runtime: Any
) -> None:
    await create_company(admin, "bulk")
    header = "event_id,customer_id,product_code,metric_name,timestamp,quantity\n"
    rows = [
        f"b{n},bulk,SMS_001,sms_delivered,{(DAY + timedelta(minutes=n)).isoformat()},{n % 7}\n"
        for n in range(12_000)
    ]
    body = (header + "".join(rows)).encode()
    response = await post(http, admin_key, body, "text/csv")
    assert response.json()["accepted"] == 12_000
    async with runtime.pool.acquire() as conn:
        count, total = await conn.fetchrow("SELECT count(*), sum(value) FROM usage_records")
    assert (count, total) == (12_000, sum(Decimal(n % 7) for n in range(12_000)))
