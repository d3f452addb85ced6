"""The audit log as read back: auditLog (newest first, a window, exact matches,
a company's own rows only), refusals and bad input, and a table that keeps
every row it was given."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from domain.audit import AuditEntry
from tests.integration.helpers import RECORD_USAGE, api_request, create_company

AUDIT_LOG = """
query($filter: AuditLogFilter, $first: Int = 50, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id at keyId role companyId action outcome details } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
GENERATE_REPORT = """
mutation($criteria: ReportCriteriaInput!, $format: ReportFormat!) {
  generateReport(criteria: $criteria, format: $format) { ... on Report { id } }
}
"""
METERGRAPH = Path(sys.executable).parent / "metergraph"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
# Rows written by these tests lie in [T0, T0 + 1 day); the requests' own rows do not.
DAY = {"from": T0.isoformat(), "to": (T0 + timedelta(days=1)).isoformat()}


def row(minute: int, action: str = "doThing", **kw: Any) -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(minutes=minute),
        api_key_id=kw.get("key"),
        role=kw.get("role", "ADMIN"),
        company_id=kw.get("company"),
        action=action,
        outcome=kw.get("outcome", "ok"),
        details={"n": minute},
    )


async def write(runtime: Any, *entries: AuditEntry) -> None:
    for entry in entries:
        await runtime.audit.write(entry)


def minutes(data: dict[str, Any]) -> list[int]:
    return [e["node"]["details"]["n"] for e in data["auditLog"]["edges"]]


async def test_the_table_refuses_update_delete_and_truncate(runtime: Any) -> None:
    await write(runtime, row(1))
    async with runtime.pool.acquire() as conn:
        for statement in (
            "UPDATE audit_log SET outcome = 'changed'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                await conn.execute(statement)
        rows = await conn.fetch("SELECT outcome, details FROM audit_log")
    assert [(r["outcome"], r["details"]) for r in rows] == [("ok", {"n": 1})]


async def test_admin_reads_every_row_newest_first_page_by_page(admin: Any, runtime: Any) -> None:
    await write(runtime, row(3), row(1), row(4), row(2), row(5))
    seen: list[int] = []
    after = None
    while True:
        data = await admin(AUDIT_LOG, {"filter": DAY, "first": 2, "after": after})
        seen += minutes(data)
        info = data["auditLog"]["pageInfo"]
        if not info["hasNextPage"]:
            break
        after = info["endCursor"]
    assert seen == [5, 4, 3, 2, 1]


async def test_the_window_is_half_open_and_each_filter_matches_exactly(
    admin: Any, runtime: Any
) -> None:
    key, company = uuid4(), uuid4()
    await write(
        runtime,
        row(0),
        row(10, "createCompany", key=key),
        row(20, "createCompany", outcome="error"),
        row(30, "usageRecords", company=company, role="VIEWER"),
    )
    window = {"from": (T0 + timedelta(minutes=10)).isoformat()}
    window["to"] = (T0 + timedelta(minutes=30)).isoformat()
    assert minutes(await admin(AUDIT_LOG, {"filter": window})) == [20, 10]
    for match, expected in (
        ({"action": "createCompany"}, [20, 10]),
        ({"keyId": str(key)}, [10]),
        ({"companyId": str(company)}, [30]),
        ({"outcome": "error"}, [20]),
        ({"action": "createCompany", "outcome": "ok"}, [10]),
    ):
        assert minutes(await admin(AUDIT_LOG, {"filter": {**DAY, **match}})) == expected, match


async def test_a_company_admin_reads_only_its_own_company_rows(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    mine = await create_company(admin, "mine")
    theirs = await create_company(admin, "theirs")
    await write(runtime, row(1, company=UUID(mine)), row(2, company=UUID(theirs)), row(3))
    company_admin = await scoped("COMPANY_ADMIN", mine)
    assert minutes(await company_admin(AUDIT_LOG, {"filter": DAY})) == [1]
    own = {**DAY, "companyId": mine}
    assert minutes(await company_admin(AUDIT_LOG, {"filter": own})) == [1]
    other = await company_admin.post(AUDIT_LOG, {"filter": {**DAY, "companyId": theirs}})
    assert [e["extensions"]["code"] for e in other.json()["errors"]] == ["FORBIDDEN"]
    assert minutes(await admin(AUDIT_LOG, {"filter": DAY})) == [3, 2, 1]


@pytest.mark.parametrize("role", ["VIEWER", "SYSTEM"])
async def test_viewer_and_system_keys_may_not_read_the_log(
    admin: Any, scoped: Any, system: Any, role: str
) -> None:
    company = await create_company(admin, "acme")
    caller = system if role == "SYSTEM" else await scoped("VIEWER", company)
    # refused before its input is looked at: a bad cursor changes nothing
    for variables in ({}, {"after": "not a cursor"}):
        body = (await caller.post(AUDIT_LOG, variables)).json()
        assert body["data"] is None
        assert [e["extensions"] for e in body["errors"]] == [{"code": "FORBIDDEN"}]


@pytest.mark.parametrize(
    ("variables", "field"),
    [
        ({"first": 0}, "first"),
        ({"first": 100_000}, "first"),
        ({"after": "not a cursor"}, "after"),
        ({"after": "MjAyNi0wMS0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk="}, "after"),
        ({"filter": DAY | {"from": DAY["to"]}}, "filter.from"),
        ({"filter": {"from": DAY["to"], "to": DAY["from"]}}, "filter.from"),
        ({"filter": {"to": "2026-01-01T00:00:00"}}, "filter.to"),
    ],
)
async def test_bad_paging_and_windows_are_refused_naming_the_field(
    admin: Any, variables: dict[str, Any], field: str
) -> None:
    response = await admin.post(AUDIT_LOG, variables)
    assert response.status_code == 200
    errors = response.json()["errors"]
    assert [e["extensions"] for e in errors] == [{"code": "BAD_USER_INPUT", "field": field}]


# ------------------------------------------------------------ reads are recorded

USAGE_AND_TOTALS = """
query Usage($filter: UsageRecordFilter, $criteria: AggregationCriteria!) {
  page: usageRecords(filter: $filter, first: 100) { edges { node { id } } }
  ...Totals
}
fragment Totals on Query {
  aggregateUsage(criteria: $criteria) { __typename }
}
"""
THROUGH_A_FRAGMENT = """
query($c: UUID) { ...Q }
fragment Q on Query { ... on Query { invoices(filter: {companyId: $c}) { edges { cursor } } } }
"""


async def read_rows(runtime: Any) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT api_key_id, role, company_id, action, outcome, details,"
                " details::text AS text FROM audit_log"
                " WHERE action NOT IN ('createCompany', 'recordUsage') ORDER BY id"
            )
        )


async def test_a_read_of_company_data_is_one_row_per_request_without_user_ids(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    user = str(uuid4())
    for n in range(3):
        record = {**api_request(company, idempotencyKey=f"r{n}"), "userId": user}
        await admin(RECORD_USAGE, {"input": record})
    viewer = await scoped("VIEWER", company)
    window = {"from": "2020-01-01T00:00:00Z", "to": "2030-01-01T00:00:00Z"}
    data = await viewer(
        USAGE_AND_TOTALS,
        {"filter": {"userId": user}, "criteria": {**window, "userId": user}},
    )
    assert len(data["page"]["edges"]) == 3
    await viewer("{ metrics { code } }")  # not a company's data: not recorded
    [read] = await read_rows(runtime)
    assert (read["role"], str(read["company_id"]), read["action"], read["outcome"]) == (
        "VIEWER",
        company,
        "Usage",
        "ok",
    )
    assert read["details"]["fields"] == ["page", "aggregateUsage"]
    assert read["details"]["variables"]["filter"] == {"userId": "[REDACTED]"}
    assert user not in read["text"] and viewer.key not in read["text"]


async def test_a_read_through_fragments_and_a_refused_read_are_recorded(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    mine = await create_company(admin, "mine")
    theirs = await create_company(admin, "theirs")
    viewer = await scoped("VIEWER", mine)
    assert (await viewer(THROUGH_A_FRAGMENT, {"c": mine}))["invoices"]["edges"] == []
    refused = await viewer.post(THROUGH_A_FRAGMENT, {"c": theirs})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    rows = await read_rows(runtime)
    assert [(r["action"], r["outcome"], r["details"]["errors"]) for r in rows] == [
        ("invoices", "ok", []),
        ("invoices", "error", ["FORBIDDEN"]),
    ]
    assert [r["details"]["variables"]["c"] for r in rows] == [mine, theirs]


async def test_concurrent_reads_each_leave_their_row(admin: Any, runtime: Any) -> None:
    company = await create_company(admin, "acme")
    reads = [admin.post(THROUGH_A_FRAGMENT, {"c": company}) for _ in range(25)]
    assert all(r.status_code == 200 for r in await asyncio.gather(*reads))
    rows = await read_rows(runtime)
    assert len(rows) == 25 and {r["role"] for r in rows} == {"ADMIN"}


async def test_a_report_download_is_recorded_whatever_its_answer(
    admin: Any, scoped: Any, http: httpx.AsyncClient, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    viewer = await scoped("VIEWER", company)
    created = (
        await admin(
            GENERATE_REPORT,
            {"criteria": {"companyId": company, "window": "PREVIOUS_DAY"}, "format": "CSV"},
        )
    )["generateReport"]
    await runtime.reports.run_pending()
    url = f"/v1/reports/{created['id']}"
    answers = []
    for path in (url, "/v1/reports/not-a-report"):
        response = await http.get(path, headers={"Authorization": f"Bearer {viewer.key}"})
        answers.append(response.status_code)
    assert answers == [200, 404]
    rows = [r for r in await read_rows(runtime) if r["action"] == "downloadReport"]
    assert [(r["role"], r["outcome"], r["details"]) for r in rows] == [
        ("VIEWER", "ok", {"reportId": created["id"], "status": 200}),
        ("VIEWER", "error", {"reportId": "00000000-0000-0000-0000-000000000000", "status": 404}),
    ]


# ------------------------------------------------------------ the export


def cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database}
    return subprocess.run(
        [str(METERGRAPH), *args], env=env, capture_output=True, text=True, timeout=120
    )


async def test_export_writes_the_window_as_ndjson_in_time_order(
    database: str, runtime: Any, tmp_path: Path
) -> None:
    key = uuid4()
    await write(runtime, row(30), row(10, key=key), row(20), row(24 * 60))  # the last: outside
    target = tmp_path / "audit.ndjson"
    done = cli(
        database, "audit", "export", "--from", DAY["from"], "--to", DAY["to"], "-o", str(target)
    )
    assert done.returncode == 0, done.stderr
    assert "3/3" in done.stderr  # the progress bar's last state
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["details"]["n"] for line in lines] == [10, 20, 30]
    assert lines[0]["keyId"] == str(key) and lines[0]["at"] == "2026-01-01T00:10:00+00:00"
    assert set(lines[0]) == {
        "id",
        "at",
        "keyId",
        "role",
        "companyId",
        "action",
        "outcome",
        "details",
    }
    # to standard output, the summary on standard error
    again = cli(
        database, "audit", "export", "--from", DAY["from"], "--to", DAY["to"], "--no-progress"
    )
    assert again.returncode == 0, again.stderr
    assert [json.loads(line)["details"]["n"] for line in again.stdout.splitlines()] == [10, 20, 30]
    async with runtime.pool.acquire() as conn:
        exports = await conn.fetch(
            "SELECT role, details FROM audit_log WHERE action = 'exportAuditLog' ORDER BY id"
        )
    assert [(r["role"], r["details"]["rows"]) for r in exports] == [("CLI", 3), ("CLI", 3)]


@pytest.mark.parametrize(
    ("window", "named"),
    [
        ((DAY["to"], DAY["from"]), "--from"),
        ((DAY["from"], DAY["from"]), "--from"),
        (("2026-01-01T00:00:00", DAY["to"]), "--from"),
        ((DAY["from"], "yesterday"), "--to"),
    ],
)
def test_export_refuses_a_window_that_is_not_one(
    database: str, window: tuple[str, str], named: str
) -> None:
    done = cli(database, "audit", "export", "--from", window[0], "--to", window[1])
    assert done.returncode != 0 and named in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


async def test_the_export_reads_a_large_window_chunk_by_chunk(runtime: Any) -> None:
    from services.audit_log import export_window

    await write(runtime, *(row(m) for m in range(7)))
    chunks = [c async for c in export_window(runtime, T0, T0 + timedelta(days=1), chunk=3)]
    assert [[s.entry.details["n"] for s in c.entries] for c in chunks] == [
        [0, 1, 2],
        [3, 4, 5],
        [6],
    ]
    assert {c.total for c in chunks} == {7}
