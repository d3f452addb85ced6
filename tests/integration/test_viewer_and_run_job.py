"""GraphQL `viewer` (who is asking) and `runJob` (a job run now, by an ADMIN)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, make_key
from tests.integration.helpers import create_company

VIEWER = "{ viewer { keyId role companyId company { id name } sessionExpiresAt } }"
RUN_JOB = """
mutation($name: String!) {
  runJob(name: $name) {
    __typename
    ... on JobRun { id job trigger outcome rows error startedAt finishedAt }
    ... on ValidationError { field code message }
  }
}
"""


async def key_id(runtime: Any, name: str) -> str:
    async with runtime.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT id FROM api_keys WHERE name = $1", name))


@pytest.mark.parametrize("role", ["ADMIN", "SYSTEM"])
async def test_an_operator_key_is_its_own_viewer_without_a_company(
    http: Any, runtime: Any, role: str
) -> None:
    api = Api(http, await make_key(runtime, role))
    viewer = (await api(VIEWER))["viewer"]
    assert viewer == {
        "keyId": await key_id(runtime, f"test-{role.lower()}"),
        "role": role,
        "companyId": None,
        "company": None,
        "sessionExpiresAt": None,
    }


@pytest.mark.parametrize("role", ["COMPANY_ADMIN", "VIEWER"])
async def test_a_scoped_key_sees_its_company_as_the_viewer(
    admin: Any, scoped: Any, runtime: Any, role: str
) -> None:
    acme = await create_company(admin, "acme", "Acme Ltd")
    viewer = (await (await scoped(role, acme))(VIEWER))["viewer"]
    assert viewer["role"] == role
    assert viewer["keyId"] == await key_id(runtime, f"test-{role.lower()}")
    assert viewer["companyId"] == acme
    assert viewer["company"] == {"id": acme, "name": "Acme Ltd"}
    assert viewer["sessionExpiresAt"] is None


async def test_an_admin_runs_a_job_now_and_gets_its_recorded_run(admin: Any) -> None:
    result = (await admin(RUN_JOB, {"name": "mark-overdue"}))["runJob"]
    assert result["__typename"] == "JobRun"
    assert (result["job"], result["trigger"], result["outcome"]) == (
        "mark-overdue",
        "MANUAL",
        "SUCCEEDED",
    )
    assert result["finishedAt"] is not None and result["error"] is None
    runs = await admin('{ jobRuns(job: "mark-overdue") { edges { node { id trigger } } } }')
    assert [e["node"] for e in runs["jobRuns"]["edges"]] == [
        {"id": result["id"], "trigger": "MANUAL"}
    ]


async def test_an_unknown_job_is_a_validation_error_on_its_name(admin: Any) -> None:
    result = (await admin(RUN_JOB, {"name": "make-coffee"}))["runJob"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["code"]) == ("name", "NOT_FOUND")
    assert "mark-overdue" in result["message"]  # it lists the jobs there are


@pytest.mark.parametrize("role", ["VIEWER", "COMPANY_ADMIN"])
async def test_only_an_admin_may_run_a_job(
    admin: Any, scoped: Any, runtime: Any, role: str
) -> None:
    acme = await create_company(admin, "acme")
    response = await (await scoped(role, acme)).post(RUN_JOB, {"name": "mark-overdue"})
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"]
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM job_runs") == 0


async def test_a_system_key_may_not_run_a_job(system: Any) -> None:
    response = await system.post(RUN_JOB, {"name": "mark-overdue"})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["FORBIDDEN"]
