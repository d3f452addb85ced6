"""Reports: generated in the background, downloaded over HTTP, scoped to their company."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import httpx
import pypdfium2
import pytest

from metergraph.demo import load_demo
from storage import repos

D = Decimal

GENERATE = """
mutation($criteria: ReportCriteriaInput!, $format: ReportFormat!) {
  generateReport(criteria: $criteria, format: $format) {
    __typename
    ... on Report { id status format kind downloadUrl }
    ... on ValidationError { field code message }
  }
}
"""
REPORT = """
query($id: UUID!) { report(id: $id) { id status error downloadUrl sizeBytes criteria companyId } }
"""
REPORTS = "{ reports(first: 100) { edges { node { id companyId } } } }"
YEAR = {"from": "2024-01-01T00:00:00Z", "to": "2024-07-01T00:00:00Z"}


async def generate(api: Any, criteria: dict[str, Any], fmt: str) -> dict[str, Any]:
    data = await api(GENERATE, {"criteria": criteria, "format": fmt})
    result: dict[str, Any] = data["generateReport"]
    return result


async def finished(api: Any, report_id: str) -> dict[str, Any]:
    for _ in range(400):
        data = await api(REPORT, {"id": report_id})
        report: dict[str, Any] = data["report"]
        if report["status"] in ("SUCCEEDED", "FAILED"):
            return report
        await asyncio.sleep(0.05)
    raise AssertionError(f"report {report_id} did not finish")


async def download(http: httpx.AsyncClient, key: str, url: str) -> httpx.Response:
    return await http.get(url, headers={"Authorization": f"Bearer {key}"})


async def report_file(
    api: Any, http: httpx.AsyncClient, criteria: dict[str, Any], fmt: str
) -> bytes:
    created = await generate(api, criteria, fmt)
    assert created["__typename"] == "Report", created
    assert created["status"] == "PENDING" and created["downloadUrl"] is None
    done = await finished(api, created["id"])
    assert done["status"] == "SUCCEEDED", done
    response = await download(http, api.key, done["downloadUrl"])
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture
async def demo(runtime: Any) -> dict[str, str]:
    await load_demo(runtime)
    async with runtime.pool.acquire() as conn:
        found = await repos.companies_by_external_keys(
            conn, ["customer_a", "customer_b", "customer_c"]
        )
    return {k: str(c.id) for k, c in found.items()}


async def test_json_csv_and_pdf_of_the_seed_scenario_agree(
    admin: Any, http: httpx.AsyncClient, demo: dict[str, str], runtime: Any
) -> None:
    criteria = {"companyId": demo["customer_a"], "granularity": "MONTH", **YEAR}
    body = json.loads(await report_file(admin, http, criteria, "JSON"))
    totals = {m["metricCode"]: D(m["total"]) for m in body["metrics"]}
    assert totals == {
        "sms_delivered": D(13000),
        "whatsapp_messages_sent": D(17500),
        "ai_sms_processed": D(4500),
    }
    sms = next(m for m in body["metrics"] if m["metricCode"] == "sms_delivered")
    by_month = {s["periodStart"][:7]: s["value"] for s in sms["series"]}
    assert by_month["2024-01"] == "1000" and by_month["2024-03"] == "12000"
    assert by_month["2024-02"] is None  # no usage that month
    assert sms["previous"]["total"] is None and sms["forecast"]["basis"] == "COMPLETE"
    assert sms["trend"]["direction"] in ("UP", "DOWN", "FLAT")
    # Billing: the January lines add up to January's invoice subtotal.
    async with runtime.pool.acquire() as conn:
        subtotal = await conn.fetchval(
            "SELECT subtotal FROM invoices WHERE company_id = $1 AND period_start = '2024-01-01'",
            repos_uuid(demo["customer_a"]),
        )
    january = [
        D(b["amount"])
        for m in body["metrics"]
        for b in m["billing"]
        if b["periodStart"].startswith("2024-01")
    ]
    assert sum(january) == subtotal
    ai = next(m for m in body["metrics"] if m["metricCode"] == "ai_sms_processed")
    march = next(b for b in ai["billing"] if b["periodStart"].startswith("2024-03"))
    assert march["tierReached"]["tier"] == 3  # 3,500 units: past the 2,000 bound

    table = list(
        csv.reader(io.StringIO((await report_file(admin, http, criteria, "CSV")).decode()))
    )
    header, rows = table[0], table[1:]
    assert header[:4] == ["period_start", "period_end", "company", "metric_code"]
    csv_totals: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        record = dict(zip(header, row, strict=True))
        assert record["company"] == "customer_a"
        csv_totals[record["metric_code"]] += D(record["value"])
    assert csv_totals == totals

    pdf = await report_file(admin, http, criteria, "PDF")
    assert pdf.startswith(b"%PDF")
    document = pypdfium2.PdfDocument(pdf)
    try:
        text = ""
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text += textpage.get_text_range()
            textpage.close()
            page.close()
        first = document[0]
        image = first.render(scale=1).to_pil().convert("RGB")
        first.close()
    finally:
        document.close()
    for value in totals.values():  # every total of the JSON report, as the PDF prints it
        assert f"{value:,f}" in text, value
    assert "customer_a" in text
    pixels = image.tobytes()
    coloured = sum(
        1 for k in range(0, len(pixels), 3) if max(pixels[k : k + 3]) - min(pixels[k : k + 3]) > 60
    )
    assert coloured > 500, "the first page has no chart"
    png = io.BytesIO()
    image.save(png, format="PNG")
    assert png.getvalue().startswith(b"\x89PNG")


def repos_uuid(value: str) -> Any:
    from uuid import UUID

    return UUID(value)


async def test_free_allowance_use_is_reported(
    admin: Any, http: httpx.AsyncClient, demo: dict[str, str]
) -> None:
    criteria = {
        "companyId": demo["customer_c"],
        "metricCodes": ["whatsapp_messages_sent"],
        "granularity": "DAY",
        "from": "2024-01-01T00:00:00Z",
        "to": "2024-02-01T00:00:00Z",
    }
    body = json.loads(await report_file(admin, http, criteria, "JSON"))
    (metric,) = body["metrics"]
    (line,) = metric["billing"]
    assert (D(line["freeUnits"]), D(line["freeUnitsUsed"])) == (D(100), D(90))
    assert D(line["freeUnitsUsedPercent"]) == D(90)
    assert line["tierReached"] is None  # all 90 messages were free


async def test_a_company_admin_sees_only_their_own_reports(
    admin: Any, scoped: Any, http: httpx.AsyncClient, demo: dict[str, str]
) -> None:
    theirs = await scoped("COMPANY_ADMIN", demo["customer_b"])
    mine = await generate(admin, {"companyId": demo["customer_a"], **YEAR}, "CSV")
    done = await finished(admin, mine["id"])
    # They cannot ask for another company's report...
    refused = await theirs.post(
        GENERATE, {"criteria": {"companyId": demo["customer_a"], **YEAR}, "format": "CSV"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # ...nor see, list or download one.
    assert (await theirs(REPORT, {"id": mine["id"]}))["report"] is None
    response = await download(http, theirs.key, done["downloadUrl"])
    assert response.status_code == 404
    # Their own report, without naming the company, is about their company.
    own = await generate(theirs, YEAR, "JSON")
    own_done = await finished(theirs, own["id"])
    assert own_done["companyId"] == demo["customer_b"]
    listed = [e["node"]["id"] for e in (await theirs(REPORTS))["reports"]["edges"]]
    assert listed == [own["id"]]
    body = json.loads((await download(http, theirs.key, own_done["downloadUrl"])).content)
    assert body["companyKey"] == "customer_b"
    # A viewer reads reports but does not make them; no key gets 401.
    viewer = await scoped("VIEWER", demo["customer_b"])
    denied = await viewer.post(GENERATE, {"criteria": YEAR, "format": "CSV"})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await download(http, viewer.key, own_done["downloadUrl"])).status_code == 200
    assert (await http.get(own_done["downloadUrl"])).status_code == 401
    # Cost reports speak of the platform's costs: ADMIN only.
    cost = await theirs.post(
        GENERATE, {"criteria": {"kind": "COST_ALLOCATION", **YEAR}, "format": "CSV"}
    )
    assert cost.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("criteria", "field", "code"),
    [
        ({"metricCodes": ["nope"], **YEAR}, "criteria.metricCodes", "UNKNOWN_METRIC"),
        ({"from": YEAR["to"], "to": YEAR["from"]}, "criteria.from", "INVALID_WINDOW"),
        ({"from": YEAR["from"]}, "criteria.to", "REQUIRED"),
        ({"window": "PREVIOUS_DAY", **YEAR}, "criteria.window", "INVALID_WINDOW"),
        ({"timeZone": "Mars/Olympus", **YEAR}, "criteria.timeZone", "INVALID_FORMAT"),
        (
            {"granularity": "HOUR", "from": "2021-01-01T00:00:00Z", "to": YEAR["to"]},
            "criteria.granularity",
            "INVALID_WINDOW",
        ),
        ({"top": 0, **YEAR}, "criteria.top", "OUT_OF_RANGE"),
        (
            {"productCodes": ["nope"], "kind": "COST_ALLOCATION", **YEAR},
            "criteria.productCodes",
            "UNKNOWN_PRODUCT",
        ),
    ],
)
async def test_bad_criteria_get_typed_errors(
    admin: Any, criteria: dict[str, Any], field: str, code: str
) -> None:
    result = await generate(admin, criteria, "JSON")
    assert (result["__typename"], result["field"], result["code"]) == (
        "ValidationError",
        field,
        code,
    ), result


async def test_a_report_not_ready_or_unknown_is_not_a_500(
    admin: Any, http: httpx.AsyncClient, runtime: Any
) -> None:
    assert (await download(http, admin.key, "/v1/reports/not-a-uuid")).status_code == 404
    missing = "/v1/reports/00000000-0000-7000-8000-000000000000"
    assert (await download(http, admin.key, missing)).status_code == 404
    from datetime import UTC, datetime

    from domain.reports.criteria import RelativeWindow, ReportCriteria
    from domain.reports.document import ReportFormat
    from storage.reports import create_report

    async with runtime.pool.acquire() as conn:
        pending = await create_report(
            conn,
            ReportCriteria(window=RelativeWindow.PREVIOUS_DAY),
            ReportFormat.CSV,
            datetime.now(UTC),
            created_by=None,
        )
    response = await download(http, admin.key, f"/v1/reports/{pending.id}")
    assert response.status_code == 409 and response.json()["error"]["code"] == "NOT_READY"
    # The job builds what no process started (a server that stopped first).
    assert await runtime.reports.run_pending() == 1
    assert (await download(http, admin.key, f"/v1/reports/{pending.id}")).status_code == 200


PROFITABILITY = """
query($from: DateTime!, $to: DateTime!) {
  profitability(from: $from, to: $to) {
    ... on Profitability {
      rows { companyKey periodStart revenue cost profit marginPercent finalized }
    }
  }
}
"""


async def test_profitability_sets_revenue_against_allocated_cost(
    admin: Any, http: httpx.AsyncClient, demo: dict[str, str]
) -> None:
    # 2024-01-05: customer_a sent 150 SMS, customer_c 200: 35.00 splits 15.00 / 20.00.
    recorded = await admin(
        """mutation { recordCost(input: {productCode: "SMS_001", granularity: DAILY,
             periodStart: "2024-01-05T00:00:00Z", amount: "35.00"}) { __typename } }"""
    )
    assert recorded["recordCost"]["__typename"] == "CostRecord"
    window = {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}
    data = await admin(PROFITABILITY, window)
    rows = {r["companyKey"]: r for r in data["profitability"]["rows"]}
    a, c = rows["customer_a"], rows["customer_c"]
    assert D(a["cost"]) == D("15.00") and D(c["cost"]) == D("20.00")
    assert D(a["revenue"]) == D("2035.00")
    assert D(a["profit"]) == D("2020.00")
    assert D(a["marginPercent"]) == (D("2020.00") * 100 / D("2035.00")).quantize(D("0.01"))
    assert D(rows["customer_b"]["cost"]) == 0 and a["finalized"] is True
    report = await report_file(admin, http, {"kind": "PROFITABILITY", **window}, "CSV")
    lines = list(csv.DictReader(io.StringIO(report.decode())))
    by_company = {r["company"]: r for r in lines}
    assert by_company["customer_a"]["cost"] == "15.00"
    assert by_company["customer_a"]["revenue"] == "2035.00"
    allocation = await report_file(admin, http, {"kind": "COST_ALLOCATION", **window}, "JSON")
    body = json.loads(allocation)
    assert {c["companyKey"]: c["allocated"] for c in body["customers"]} == {
        "customer_a": "15.00",
        "customer_c": "20.00",
    }


async def test_a_platform_report_breaks_usage_down_by_company(
    admin: Any, http: httpx.AsyncClient, demo: dict[str, str]
) -> None:
    criteria = {"metricCodes": ["sms_delivered"], "granularity": "MONTH", "top": 2, **YEAR}
    body = json.loads(await report_file(admin, http, criteria, "JSON"))
    assert body["companyId"] is None
    (sms,) = body["metrics"]
    assert D(sms["total"]) == D(13000 + 3300 + 8600)
    top = sms["top"]["company"]
    assert [t["name"] for t in top] == ["customer_a", "customer_c"]
    assert D(top[0]["sharePercent"]) == (D(13000) * 100 / D(24900)).quantize(D("0.01"))
    per_company: dict[str, Decimal] = defaultdict(Decimal)
    for row in body["rows"]:
        per_company[row["company"]] += D(row["value"])
    assert per_company == {"customer_a": 13000, "customer_b": 3300, "customer_c": 8600}


async def test_usage_filters_narrow_a_report(
    admin: Any, http: httpx.AsyncClient, demo: dict[str, str]
) -> None:
    base = {"companyId": demo["customer_a"], "granularity": "MONTH", **YEAR}
    billable = json.loads(await report_file(admin, http, {**base, "billable": True}, "JSON"))
    assert {m["metricCode"] for m in billable["metrics"]} == {
        "sms_delivered",
        "whatsapp_messages_sent",
        "ai_sms_processed",
    }
    free = json.loads(await report_file(admin, http, {**base, "billable": False}, "JSON"))
    assert free["metrics"] == [] and free["rows"] == []
    other = json.loads(await report_file(admin, http, {**base, "source": "nowhere"}, "JSON"))
    assert other["rows"] == []


async def test_a_report_that_fails_unexpectedly_tells_its_readers_no_internals(
    runtime: Any,
) -> None:
    import uuid_utils.compat as uuid7

    report_id = uuid7.uuid7()
    async with runtime.pool.acquire() as conn:  # criteria no builder can read
        await conn.execute(
            "INSERT INTO reports (id, company_id, kind, format, criteria, status)"
            " VALUES ($1, NULL, 'USAGE', 'CSV', '{\"kind\": 42}', 'PENDING')",
            report_id,
        )
    for _ in range(3):  # tried again, then given up
        await runtime.reports.run(report_id)
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT status, error FROM reports WHERE id = $1", report_id)
    assert (row["status"], row["error"]) == (
        "FAILED",
        "the report could not be built; the error has been logged",
    )
