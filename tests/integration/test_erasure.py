"""eraseUser: a user's usage re-keyed to a tombstone, every total unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from metergraph.demo import load_demo
from services import invoicing
from services.retention import roll_up
from storage import billing
from tests.integration.helpers import BATCH_RECORD_USAGE, RECORD_USAGE, api_request
from tests.integration.test_cost_allocation import ALLOCATE, RECORD_COST
from tests.integration.test_privacy import UNIQUE_USERS, columns_holding, company

ANN, BOB = (
    UUID("0192f0c4-2222-7abc-8def-00000000000a"),
    UUID("0192f0c4-2222-7abc-8def-00000000000b"),
)
AFTER_2024 = datetime(2025, 2, 1, tzinfo=UTC)

ERASE = """
mutation($companyId: UUID!, $userId: UUID!, $reason: String!) {
  eraseUser(companyId: $companyId, userId: $userId, reason: $reason) {
    __typename
    ... on Erasure { companyId records rollupGroups corrections }
    ... on ValidationError { field code message }
  }
}"""

VOID = """
mutation($id: UUID!) { voidUsageRecord(id: $id, reason: "sent twice") { __typename } }"""


def sms(company_id: str, day: int, user: UUID, key: str) -> dict[str, Any]:
    return {
        "companyId": company_id,
        "resourceType": "API_CALLS",
        "metricCode": "sms_delivered",
        "timestamp": datetime(2024, 3, day, 12, tzinfo=UTC).isoformat(),
        "value": str(day * 10),
        "unit": "messages",
        "userId": str(user),
        "idempotencyKey": key,
    }


async def add_users_usage(admin: Any, runtime: Any, customer: str) -> None:
    """Ann's and Bob's March messages, part rolled up, part pending, one voided."""
    first = [sms(customer, d, ANN if d % 2 else BOB, f"u{d}") for d in range(1, 7)]
    done = await admin(BATCH_RECORD_USAGE, {"records": first, "backfill": True})
    assert done["batchRecordUsage"]["accepted"] == 6, done
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
    later = await admin(RECORD_USAGE, {"input": sms(customer, 9, ANN, "u9"), "backfill": True})
    await admin(VOID, {"id": later["recordUsage"]["record"]["id"]})
    await admin(RECORD_USAGE, {"input": sms(customer, 11, ANN, "u11"), "backfill": True})


async def everything_billed(runtime: Any, admin: Any, customer: str) -> dict[str, Any]:
    """Invoices as stored and as usage gives them now, and the usage totals."""
    async with runtime.pool.acquire() as conn:
        stored = await billing.list_invoices(conn, None, None, None, None, 1000)
        contracts = await billing.contracts(conn, None)
        raw = await conn.fetch(
            """SELECT company_id, metric_code, date_trunc('month', ts, 'UTC') AS month,
                      count(*), sum(value) FROM usage_records GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
        )
    previews = {}
    for c in contracts:
        for month in range(1, 13):
            start = datetime(2024, month, 1, tzinfo=UTC)
            draft = await invoicing.preview_period(runtime, c.terms, start)
            previews[(c.terms.company_id, month)] = (draft.total, draft.lines)
    criteria = {
        "companyId": customer,
        "from": "2024-01-01T00:00:00Z",
        "to": "2025-01-01T00:00:00Z",
        "functions": ["UNIQUE_COUNT", "SUM", "COUNT"],
        "uniqueOf": "USER",
        "granularity": "MONTH",
    }
    unique = await admin(UNIQUE_USERS, {"c": criteria})
    march = {"from": "2024-03-01T00:00:00Z", "to": "2024-03-12T00:00:00Z"}
    allocated = await admin(ALLOCATE, {"product": "SMS_001", "g": "DAILY", **march})
    return {
        "allocation": allocated["allocateCost"],
        "invoices": sorted((i.id, i.draft.total, i.draft.lines) for i in stored),
        "previews": previews,
        "raw": [tuple(r) for r in raw],
        "aggregate": unique["aggregateUsage"]["buckets"],
    }


async def test_erasing_a_user_leaves_every_invoice_and_total_unchanged_to_the_cent(
    runtime: Any, admin: Any
) -> None:
    await load_demo(runtime, now=datetime(2024, 1, 1, tzinfo=UTC))  # nothing invoiced yet
    async with runtime.pool.acquire() as conn:
        customer = str(
            await conn.fetchval("SELECT id FROM companies WHERE external_key = 'customer_a'")
        )
    await add_users_usage(admin, runtime, customer)
    for day in (1, 3, 6, 11):
        cost = {"productCode": "SMS_001", "granularity": "DAILY", "amount": "33.33"}
        cost["periodStart"] = f"2024-03-{day:02d}T00:00:00Z"
        assert (await admin(RECORD_COST, {"input": cost}))["recordCost"][
            "__typename"
        ] == "CostRecord"
    await invoicing.generate_invoices(runtime, now=AFTER_2024)
    before = await everything_billed(runtime, admin, customer)
    assert len(before["invoices"]) == 36
    assert before["allocation"]["totalCost"] == "133.32", before["allocation"]
    assert before["allocation"]["shares"]

    erased = await admin(
        ERASE, {"companyId": customer, "userId": str(ANN), "reason": "GDPR art. 17"}
    )
    answer = erased["eraseUser"]
    assert answer["__typename"] == "Erasure", answer
    assert (answer["records"], answer["corrections"]) == (4, 1)
    assert answer["rollupGroups"] > 0

    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        assert await columns_holding(conn, str(ANN)) == []
        assert await columns_holding(conn, ANN.hex) == []
        assert await columns_holding(conn, str(BOB)) != []
        (row,) = await conn.fetch("SELECT * FROM audit_log WHERE action = 'eraseUser'")
    assert row["api_key_id"] is not None and row["at"] is not None
    assert row["details"]["erased"] == {
        "records": 4,
        "rollup_groups": answer["rollupGroups"],
        "corrections": 1,
    }
    assert row["details"]["variables"]["reason"] == "GDPR art. 17"
    assert (await invoicing.generate_invoices(runtime, now=AFTER_2024)).rows == 0
    assert await everything_billed(runtime, admin, customer) == before

    again = await admin(ERASE, {"companyId": customer, "userId": str(ANN), "reason": "again"})
    assert again["eraseUser"] == {
        "__typename": "Erasure",
        "companyId": customer,
        "records": 0,
        "rollupGroups": 0,
        "corrections": 0,
    }


async def test_a_pseudonymized_company_erases_by_the_raw_id(
    admin: Any, system: Any, runtime: Any
) -> None:
    hidden = await company(admin, "hidden", userIdMode="PSEUDONYMIZED")
    for n, user in enumerate((ANN, ANN, BOB)):
        at = (datetime.now(UTC) - timedelta(hours=n + 1)).isoformat()
        sent = api_request(hidden, "1", userId=str(user), idempotencyKey=f"k{n}", timestamp=at)
        assert (await system(RECORD_USAGE, {"input": sent}))["recordUsage"][
            "__typename"
        ] == "RecordedUsage"
    async with runtime.pool.acquire() as conn:
        kept = await conn.fetch("SELECT user_id, count(*) FROM usage_records GROUP BY 1 ORDER BY 2")
    erased = await admin(ERASE, {"companyId": hidden, "userId": str(ANN), "reason": "asked"})
    assert erased["eraseUser"]["records"] == 2
    async with runtime.pool.acquire() as conn:
        after = await conn.fetch(
            "SELECT user_id, count(*) FROM usage_records GROUP BY 1 ORDER BY 2"
        )
    assert [r["count"] for r in after] == [1, 2]
    assert after[0]["user_id"] == kept[0]["user_id"]  # Bob's pseudonym stays
    assert after[1]["user_id"] != kept[1]["user_id"]  # Ann's is gone


async def test_erasure_refuses_unknown_companies_empty_reasons_and_other_keys(
    admin: Any, scoped: Any
) -> None:
    mine = await company(admin, "mine")
    theirs = await company(admin, "theirs")
    unknown = await admin(ERASE, {"companyId": str(UUID(int=5)), "userId": str(ANN), "reason": "x"})
    assert (unknown["eraseUser"]["field"], unknown["eraseUser"]["code"]) == (
        "companyId",
        "UNKNOWN_COMPANY",
    )
    empty = await admin(ERASE, {"companyId": mine, "userId": str(ANN), "reason": "  "})
    assert (empty["eraseUser"]["field"], empty["eraseUser"]["code"]) == ("reason", "REQUIRED")
    own = await scoped("COMPANY_ADMIN", mine)
    allowed = await own(ERASE, {"companyId": mine, "userId": str(ANN), "reason": "asked"})
    assert allowed["eraseUser"]["records"] == 0
    other = await own.post(ERASE, {"companyId": theirs, "userId": str(ANN), "reason": "asked"})
    assert other.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    viewer = await scoped("VIEWER", mine)
    denied = await viewer.post(ERASE, {"companyId": mine, "userId": str(ANN), "reason": "asked"})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
