"""aggregateUsage, usageGaps, voidUsageRecord and correctUsageRecord over GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from services.retention import roll_up
from tests.integration.helpers import BATCH_RECORD_USAGE, create_company

AGGREGATE = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    __typename
    ... on AggregationResult {
      functions
      buckets { periodStart periodEnd metricCode spaceId sum count avg min max latest }
    }
    ... on ValidationError { field code message }
  }
}"""

GAPS = """
query($c: GapCriteria!) {
  usageGaps(criteria: $c) {
    __typename
    ... on UsageGapList { gaps { metricCode gapStart gapEnd missingIntervals } }
    ... on ValidationError { field code message }
  }
}"""

VOID = """
mutation($id: UUID!, $reason: String!) {
  voidUsageRecord(id: $id, reason: $reason) {
    __typename
    ... on UsageCorrection { voided { id value } replacement { id } }
    ... on ValidationError { field code message }
  }
}"""

CORRECT = """
mutation($id: UUID!, $reason: String!, $value: Decimal) {
  correctUsageRecord(id: $id, reason: $reason, value: $value) {
    __typename
    ... on UsageCorrection { voided { id value } replacement { id value } }
    ... on ValidationError { field code message }
  }
}"""

DAY = (datetime.now(UTC) - timedelta(days=3)).replace(hour=0, minute=0, second=0, microsecond=0)


def record(company: str, hour: int, value: str, key: str, **extra: Any) -> dict[str, Any]:
    return {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": "API_REQUESTS",
        "timestamp": (DAY + timedelta(hours=hour)).isoformat(),
        "value": value,
        "unit": "requests",
        "idempotencyKey": key,
        **extra,
    }


async def seed(admin: Any, system: Any) -> tuple[str, str]:
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    records = [
        record(acme, 1, "10", "a1", spaceId="00000000-0000-0000-0000-000000000001"),
        record(acme, 2, "5", "a2", spaceId="00000000-0000-0000-0000-000000000002"),
        record(acme, 26, "7", "a3"),
        record(other, 1, "1000", "o1"),
    ]
    data = await system(BATCH_RECORD_USAGE, {"records": records})
    assert data["batchRecordUsage"]["accepted"] == 4, data
    return acme, other


def window(**extra: Any) -> dict[str, Any]:
    return {
        "from": DAY.isoformat(),
        "to": (DAY + timedelta(days=2)).isoformat(),
        "metricCodes": ["API_REQUESTS"],
        **extra,
    }


async def test_daily_buckets_with_the_metric_default_function(admin: Any, system: Any) -> None:
    acme, _ = await seed(admin, system)
    data = await admin(AGGREGATE, {"c": window(companyId=acme)})
    result = data["aggregateUsage"]
    assert result["functions"] == ["SUM"]  # API_REQUESTS aggregates by SUM
    assert [(b["periodStart"][:10], b["sum"], b["count"]) for b in result["buckets"]] == [
        (DAY.date().isoformat(), "15", None),
        ((DAY + timedelta(days=1)).date().isoformat(), "7", None),
    ]


async def test_rollups_and_raw_agree_over_the_api(admin: Any, system: Any, runtime: Any) -> None:
    acme, _ = await seed(admin, system)
    criteria = window(companyId=acme, functions=["SUM", "COUNT", "AVG", "MIN", "MAX", "LATEST"])
    before = await admin(AGGREGATE, {"c": criteria})
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
    after = await admin(AGGREGATE, {"c": criteria})
    assert before == after
    first = after["aggregateUsage"]["buckets"][0]
    assert (first["sum"], first["count"], first["avg"], first["min"], first["max"]) == (
        "15",
        2,
        "7.5",
        "5",
        "10",
    )
    assert first["latest"] == "5"


async def test_space_level_breaks_down_by_space(admin: Any, system: Any) -> None:
    acme, _ = await seed(admin, system)
    data = await admin(AGGREGATE, {"c": window(companyId=acme, granularity="TOTAL", level="SPACE")})
    buckets = data["aggregateUsage"]["buckets"]
    assert sorted((b["spaceId"] or "", b["sum"]) for b in buckets) == [
        ("", "7"),
        ("00000000-0000-0000-0000-000000000001", "10"),
        ("00000000-0000-0000-0000-000000000002", "5"),
    ]


async def test_a_scoped_key_aggregates_its_own_company_only(
    admin: Any, system: Any, scoped: Any
) -> None:
    acme, other = await seed(admin, system)
    viewer = await scoped("VIEWER", acme)
    mine = await viewer(AGGREGATE, {"c": window(granularity="TOTAL")})
    assert [b["sum"] for b in mine["aggregateUsage"]["buckets"]] == ["22"]
    response = await viewer.post(AGGREGATE, {"c": window(companyId=other)})
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "1000" not in response.text
    everyone = await admin(AGGREGATE, {"c": window(granularity="TOTAL")})
    assert [b["sum"] for b in everyone["aggregateUsage"]["buckets"]] == ["1022"]


async def test_bad_criteria_are_typed_errors(admin: Any, system: Any) -> None:
    await seed(admin, system)
    cases = [
        (window(**{"from": (DAY + timedelta(days=2)).isoformat()}), "from", "INVALID_WINDOW"),
        (window(timeZone="Mars/Olympus"), "timeZone", "INVALID_FORMAT"),
        (window(metricCodes=["nope"]), "metricCodes", "UNKNOWN_METRIC"),
        (window(functions=["UNIQUE_COUNT"]), "uniqueOf", "REQUIRED"),
        (
            window(granularity="HOUR", to=(DAY + timedelta(days=3000)).isoformat()),
            "granularity",
            "INVALID_WINDOW",
        ),
        (window(**{"from": DAY.replace(tzinfo=None).isoformat()}), "from", None),
    ]
    for criteria, field, code in cases:
        response = await admin.post(AGGREGATE, {"c": criteria})
        assert response.status_code != 500
        body = response.json()
        if code is None:  # a naive timestamp: either a typed error or a GraphQL error
            result = (body.get("data") or {}).get("aggregateUsage")
            assert result is None or result["code"] == "TIMESTAMP_WITHOUT_OFFSET", body
            continue
        result = body["data"]["aggregateUsage"]
        assert (result["field"], result["code"]) == (field, code), result


async def test_void_and_correct_move_the_totals_and_keep_an_audit_trail(
    admin: Any, system: Any, runtime: Any, scoped: Any
) -> None:
    acme, _ = await seed(admin, system)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        ten = await conn.fetchval("SELECT id FROM usage_records WHERE value = 10")
        seven = await conn.fetchval("SELECT id FROM usage_records WHERE value = 7")
    total = window(companyId=acme, granularity="TOTAL", functions=["SUM", "COUNT", "MAX"])

    company_admin = await scoped("COMPANY_ADMIN", acme)
    denied = await company_admin.post(VOID, {"id": str(ten), "reason": "mine"})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    voided = await admin(VOID, {"id": str(ten), "reason": "test traffic"})
    assert voided["voidUsageRecord"]["voided"]["value"] == "10"
    again = await admin(VOID, {"id": str(ten), "reason": "twice"})
    assert again["voidUsageRecord"]["code"] == "NOT_FOUND"
    (bucket,) = (await admin(AGGREGATE, {"c": total}))["aggregateUsage"]["buckets"]
    assert (bucket["sum"], bucket["count"], bucket["max"]) == ("12", 2, "7")

    corrected = await admin(CORRECT, {"id": str(seven), "reason": "meter fix", "value": "70"})
    assert corrected["correctUsageRecord"]["replacement"]["value"] == "70"
    bad = await admin(CORRECT, {"id": str(seven), "reason": "x", "value": "-1"})
    assert bad["correctUsageRecord"]["__typename"] == "ValidationError"
    (bucket,) = (await admin(AGGREGATE, {"c": total}))["aggregateUsage"]["buckets"]
    assert (bucket["sum"], bucket["count"], bucket["max"]) == ("75", 2, "70")
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        trail = await conn.fetch("SELECT action, reason FROM usage_corrections ORDER BY id")
    assert [(r["action"], r["reason"]) for r in trail] == [
        ("VOID", "test traffic"),
        ("CORRECT", "meter fix"),
    ]
    (bucket,) = (await admin(AGGREGATE, {"c": total}))["aggregateUsage"]["buckets"]
    assert (bucket["sum"], bucket["count"], bucket["max"]) == ("75", 2, "70")


async def test_gaps_in_an_hourly_metric(admin: Any, system: Any) -> None:
    acme, _ = await seed(admin, system)
    data = await admin(
        GAPS,
        {
            "c": {
                "companyId": acme,
                "metricCodes": ["API_REQUESTS"],
                "from": DAY.isoformat(),
                "to": (DAY + timedelta(hours=6)).isoformat(),
            }
        },
    )
    gaps = data["usageGaps"]["gaps"]
    # records at 01:00 and 02:00: hour 0 is missing, and 03:00-06:00
    assert [(g["gapStart"][11:16], g["gapEnd"][11:16], g["missingIntervals"]) for g in gaps] == [
        ("00:00", "01:00", 1),
        ("03:00", "06:00", 3),
    ]


async def test_extremes_with_a_context_filter(admin: Any, system: Any, runtime: Any) -> None:
    acme, _ = await seed(admin, system)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
    criteria = window(
        companyId=acme,
        functions=["MIN", "MAX"],
        spaceId="00000000-0000-0000-0000-000000000001",
        billable=True,
        granularity="TOTAL",
    )
    data = await admin(AGGREGATE, {"c": criteria})
    (bucket,) = data["aggregateUsage"]["buckets"]
    assert (bucket["min"], bucket["max"]) == ("10", "10")
