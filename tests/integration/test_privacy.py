"""Per-company privacy: pseudonymous user ids and redacted properties, applied
at ingest on every write path (recordUsage, batchRecordUsage, NDJSON import)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from domain.privacy import HASH_PREFIX, pseudonym
from services.retention import roll_up
from tests.conftest import make_key
from tests.integration.helpers import BATCH_RECORD_USAGE, RECORD_USAGE, api_request

DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
USERS = [UUID(f"0192f0c4-1111-7abc-8def-{n:012d}") for n in range(1, 6)]

CREATE = """
mutation($input: CompanyInput!) {
  createCompany(input: $input) {
    __typename
    ... on Company { id userIdMode redactedProperties { key action } }
    ... on ValidationError { field code message }
  }
}"""

UPDATE = """
mutation($id: UUID!, $input: UpdateCompanyInput!) {
  updateCompany(id: $id, input: $input) {
    __typename
    ... on Company { id userIdMode redactedProperties { key action } }
    ... on ValidationError { field code message }
  }
}"""

UNIQUE_USERS = """
query($c: AggregationCriteria!) {
  aggregateUsage(criteria: $c) {
    __typename
    ... on AggregationResult { buckets { uniqueCount count sum } }
    ... on ValidationError { field code message }
  }
}"""


async def company(admin: Any, key: str, **settings: Any) -> str:
    data = await admin(CREATE, {"input": {"externalKey": key, "name": key, **settings}})
    assert data["createCompany"]["__typename"] == "Company", data
    return str(data["createCompany"]["id"])


def at(company_id: str, hour: int, user: UUID, key: str, **fields: Any) -> dict[str, Any]:
    return api_request(
        company_id,
        "2",
        timestamp=(DAY + timedelta(hours=hour)).isoformat(),
        userId=str(user),
        idempotencyKey=key,
        **fields,
    )


async def feed(http: httpx.AsyncClient, system: Any, admin_key: str, company_id: str) -> None:
    """The same usage by the same users, through each write path."""
    single = await system(RECORD_USAGE, {"input": at(company_id, 1, USERS[0], "one")})
    assert single["recordUsage"]["__typename"] == "RecordedUsage", single
    again = await system(RECORD_USAGE, {"input": at(company_id, 1, USERS[0], "one")})
    assert again["recordUsage"]["duplicate"] is True
    batch = [at(company_id, 2 + n, user, f"b{n}") for n, user in enumerate(USERS[:3])]
    done = await system(BATCH_RECORD_USAGE, {"records": batch})
    assert done["batchRecordUsage"]["accepted"] == 3, done
    lines = [json.dumps(at(company_id, 6 + n, u, f"n{n}")) for n, u in enumerate(USERS[2:])]
    imported = await http.post(
        "/v1/usage-records:import",
        content="\n".join(lines).encode(),
        headers={"Authorization": f"Bearer {admin_key}", "Content-Type": "application/x-ndjson"},
    )
    assert imported.json()["accepted"] == 3, imported.text


async def columns_holding(conn: Any, text: str) -> list[str]:
    """Every table column (text, varchar, json, jsonb or uuid, read as text) holding ``text``."""
    columns = await conn.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
           WHERE table_schema = current_schema()
             AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'uuid')
           ORDER BY table_name, column_name"""
    )
    found = []
    for c in columns:
        table, column = c["table_name"], c["column_name"]
        sql = f'SELECT count(*) FROM "{table}" WHERE "{column}"::text ILIKE $1'  # noqa: S608
        if await conn.fetchval(sql, f"%{text}%"):
            found.append(f"{table}.{column}")
    return found


async def test_a_pseudonymized_companys_raw_user_ids_reach_no_table(
    http: httpx.AsyncClient, admin: Any, system: Any, runtime: Any
) -> None:
    hidden = await company(admin, "hidden", userIdMode="PSEUDONYMIZED")
    await feed(http, system, await make_key(runtime, "ADMIN"), hidden)
    async with runtime.pool.acquire() as conn:
        await roll_up(conn)
        secret = await conn.fetchval("SELECT privacy_secret FROM companies WHERE id = $1", hidden)
        stored = await conn.fetch("SELECT DISTINCT user_id FROM usage_records")
        assert await conn.fetchval("SELECT count(*) FROM audit_log") > 0
        assert await conn.fetchval("SELECT count(*) FROM usage_rollup_hour") > 0
        for user in USERS:
            assert await columns_holding(conn, str(user)) == []
            assert await columns_holding(conn, user.hex) == []
    assert {r["user_id"] for r in stored} == {pseudonym(secret, u) for u in USERS}


async def test_unique_users_count_the_same_for_a_raw_and_a_pseudonymized_company(
    http: httpx.AsyncClient, admin: Any, system: Any, runtime: Any
) -> None:
    admin_key = await make_key(runtime, "ADMIN")
    raw = await company(admin, "raw")
    hidden = await company(admin, "hidden", userIdMode="PSEUDONYMIZED")
    for one in (raw, hidden):
        await feed(http, system, admin_key, one)
    criteria = {
        "from": DAY.isoformat(),
        "to": (DAY + timedelta(days=1)).isoformat(),
        "metricCodes": ["API_REQUESTS"],
        "functions": ["UNIQUE_COUNT", "COUNT", "SUM"],
        "uniqueOf": "USER",
        "granularity": "TOTAL",
    }
    answers = []
    for one in (raw, hidden):
        data = await admin(UNIQUE_USERS, {"c": {**criteria, "companyId": one}})
        answers.append(data["aggregateUsage"]["buckets"])
    assert answers[0] == answers[1] == [{"uniqueCount": 5, "count": 7, "sum": "14"}]


async def test_redacted_properties_are_dropped_or_hashed_before_storage(
    admin: Any, system: Any, runtime: Any
) -> None:
    redactions = [{"key": "email", "action": "DROP"}, {"key": "account", "action": "HASH"}]
    acme = await company(admin, "acme", redactedProperties=redactions)
    properties = {"email": "ann@example.com", "account": "acct-42", "region": "eu"}
    first = await system(
        RECORD_USAGE, {"input": at(acme, 1, USERS[0], "p1", properties=properties)}
    )
    kept = first["recordUsage"]["record"]["properties"]
    assert set(kept) == {"account", "region"}
    assert kept["region"] == "eu"
    assert kept["account"].startswith(HASH_PREFIX)
    batch = [at(acme, 2, USERS[1], "p2", properties={**properties, "region": "us"})]
    assert (await system(BATCH_RECORD_USAGE, {"records": batch}))["batchRecordUsage"]["accepted"]
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT properties FROM usage_records ORDER BY ts")
        assert await columns_holding(conn, "acct-42") == []
        assert await columns_holding(conn, "ann@example.com") == []
    assert [r["properties"]["region"] for r in rows] == ["eu", "us"]
    assert rows[0]["properties"]["account"] == rows[1]["properties"]["account"] == kept["account"]


async def test_the_user_id_mode_is_fixed_once_the_company_has_records(
    admin: Any, system: Any, scoped: Any
) -> None:
    acme = await company(admin, "acme")
    switched = await admin(UPDATE, {"id": acme, "input": {"userIdMode": "PSEUDONYMIZED"}})
    assert switched["updateCompany"]["userIdMode"] == "PSEUDONYMIZED"
    assert (await system(RECORD_USAGE, {"input": at(acme, 1, USERS[0], "k")}))["recordUsage"]
    back = await admin(UPDATE, {"id": acme, "input": {"userIdMode": "RAW"}})
    assert back["updateCompany"] == {
        "__typename": "ValidationError",
        "field": "userIdMode",
        "code": "USER_ID_MODE_LOCKED",
        "message": "the user id mode cannot change once the company has usage records",
    }
    redactions = {"redactedProperties": [{"key": "email", "action": "DROP"}]}
    changed = await admin(
        UPDATE, {"id": acme, "input": {**redactions, "userIdMode": "PSEUDONYMIZED"}}
    )
    assert changed["updateCompany"]["redactedProperties"] == [{"key": "email", "action": "DROP"}]
    unknown = await admin(UPDATE, {"id": str(UUID(int=7)), "input": {"userIdMode": "RAW"}})
    assert (unknown["updateCompany"]["field"], unknown["updateCompany"]["code"]) == (
        "id",
        "UNKNOWN_COMPANY",
    )
    twice = {"redactedProperties": [{"key": "a", "action": "DROP"}, {"key": "a", "action": "HASH"}]}
    refused = await admin(UPDATE, {"id": acme, "input": twice})
    assert refused["updateCompany"]["field"] == "redactedProperties[1].key"
    company_admin = await scoped("COMPANY_ADMIN", acme)
    denied = await company_admin.post(UPDATE, {"id": acme, "input": {"userIdMode": "RAW"}})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_correction_keeps_the_stored_pseudonym(
    admin: Any, system: Any, runtime: Any
) -> None:
    hidden = await company(admin, "hidden", userIdMode="PSEUDONYMIZED")
    recorded = await system(RECORD_USAGE, {"input": at(hidden, 1, USERS[0], "c1")})
    record_id = recorded["recordUsage"]["record"]["id"]
    corrected = await admin(
        """mutation($id: UUID!) { correctUsageRecord(id: $id, reason: "fix", value: "3") {
             __typename ... on UsageCorrection { replacement { id } } } }""",
        {"id": record_id},
    )
    assert corrected["correctUsageRecord"]["__typename"] == "UsageCorrection", corrected
    async with runtime.pool.acquire() as conn:
        users = await conn.fetch("SELECT DISTINCT user_id FROM usage_records")
        secret = await conn.fetchval("SELECT privacy_secret FROM companies WHERE id = $1", hidden)
    assert [r["user_id"] for r in users] == [pseudonym(secret, USERS[0])]
