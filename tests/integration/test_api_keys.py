"""API keys through GraphQL: listed without secrets, made with the secret shown
once, revoked, rotated with a grace period, last use recorded in batches; a
COMPANY_ADMIN manages its own company's VIEWER keys only."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from services.keys import hash_key
from tests.conftest import Api
from tests.integration.helpers import create_company

KEY_FIELDS = (
    "id name role companyId createdAt expiresAt revokedAt lastUsedAt rotatedAt"
    " previousSecretValidUntil"
)
API_KEYS = f"query($companyId: UUID) {{ apiKeys(companyId: $companyId) {{ {KEY_FIELDS} }} }}"
ISSUED = f"""
  __typename
  ... on IssuedApiKey {{ secret key {{ {KEY_FIELDS} }} }}
  ... on ValidationError {{ field code message }}
"""
CREATE = f"""
mutation($role: Role!, $companyId: UUID, $name: String, $expiresAt: DateTime) {{
  createApiKey(role: $role, companyId: $companyId, name: $name, expiresAt: $expiresAt) {{
    {ISSUED}
  }}
}}"""
ROTATE = f"mutation($id: UUID!) {{ rotateApiKey(id: $id) {{ {ISSUED} }} }}"
REVOKE = f"""
mutation($id: UUID!) {{
  revokeApiKey(id: $id) {{
    __typename
    ... on ApiKey {{ {KEY_FIELDS} }}
    ... on ValidationError {{ field code message }}
  }}
}}"""
METRICS = "{ metrics { code } }"


async def status(http: httpx.AsyncClient, secret: str) -> int:
    response = await Api(http, secret).post(METRICS)
    return response.status_code


async def create(api: Api, role: str, **variables: Any) -> dict[str, Any]:
    data = await api(CREATE, {"role": role, **variables})
    result: dict[str, Any] = data["createApiKey"]
    return result


async def test_a_created_key_works_and_its_secret_is_shown_only_once(
    admin: Api, http: httpx.AsyncClient, runtime: Any
) -> None:
    company = await create_company(admin, "acme")
    made = await create(admin, "VIEWER", companyId=company, name="dashboards")
    assert made["__typename"] == "IssuedApiKey"
    secret = made["secret"]
    assert secret.startswith("mgk_")
    assert made["key"]["role"] == "VIEWER" and made["key"]["companyId"] == company
    assert await status(http, secret) == 200
    listed = (await admin(API_KEYS, {"companyId": company}))["apiKeys"]
    assert [k["name"] for k in listed] == ["dashboards"]
    assert secret not in str(listed)
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch("SELECT details::text AS text FROM audit_log")
        stored = await conn.fetchval(
            "SELECT key_hash FROM api_keys WHERE id = $1", made["key"]["id"]
        )
    assert rows and all(secret not in r["text"] for r in rows)
    assert stored == hash_key(secret)


async def test_a_revoked_key_is_refused_and_revoking_it_again_names_the_id(
    admin: Api, http: httpx.AsyncClient
) -> None:
    made = await create(admin, "SYSTEM")
    assert await status(http, made["secret"]) == 200
    revoked = (await admin(REVOKE, {"id": made["key"]["id"]}))["revokeApiKey"]
    assert revoked["__typename"] == "ApiKey" and revoked["revokedAt"] is not None
    for _ in range(100):  # the revocation is heard at commit; the cache forgets it
        if await status(http, made["secret"]) == 401:
            break
        await asyncio.sleep(0.05)
    assert await status(http, made["secret"]) == 401
    again = (await admin(REVOKE, {"id": made["key"]["id"]}))["revokeApiKey"]
    assert (again["__typename"], again["field"], again["code"]) == (
        "ValidationError",
        "id",
        "KEY_REVOKED",
    )
    rotated = (await admin(ROTATE, {"id": made["key"]["id"]}))["rotateApiKey"]
    assert (rotated["field"], rotated["code"]) == ("id", "KEY_REVOKED")


async def test_a_rotated_key_has_a_new_secret_and_the_old_one_works_for_the_grace_period(
    admin: Api, http: httpx.AsyncClient
) -> None:
    made = await create(admin, "ADMIN", name="deploy")
    old = made["secret"]
    assert await status(http, old) == 200
    rotated = (await admin(ROTATE, {"id": made["key"]["id"]}))["rotateApiKey"]
    assert rotated["__typename"] == "IssuedApiKey"
    assert rotated["key"]["id"] == made["key"]["id"] and rotated["secret"] != old
    until = datetime.fromisoformat(rotated["key"]["previousSecretValidUntil"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    assert await status(http, rotated["secret"]) == 200
    assert await status(http, old) == 200


async def test_once_the_grace_period_is_over_the_old_secret_is_refused(
    admin: Api, http: httpx.AsyncClient, runtime: Any
) -> None:
    runtime.settings = replace(runtime.settings, key_rotation_grace_seconds=0)
    made = await create(admin, "ADMIN")
    old = made["secret"]
    assert await status(http, old) == 200  # now cached by this process
    rotated = (await admin(ROTATE, {"id": made["key"]["id"]}))["rotateApiKey"]
    for _ in range(100):  # the rotation is heard at commit; the cache forgets the key
        if await status(http, old) == 401:
            break
        await asyncio.sleep(0.05)
    assert await status(http, old) == 401
    assert await status(http, rotated["secret"]) == 200


async def test_an_expired_key_is_refused_even_when_cached(
    admin: Api, http: httpx.AsyncClient
) -> None:
    expires = datetime.now(UTC) + timedelta(seconds=1)
    made = await create(admin, "ADMIN", expiresAt=expires.isoformat())
    assert made["__typename"] == "IssuedApiKey"
    assert await status(http, made["secret"]) == 200  # cached until it expires
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.1)
    assert await status(http, made["secret"]) == 401


async def test_bad_input_is_a_typed_error_naming_the_field(admin: Api) -> None:
    company = await create_company(admin, "acme")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    cases = [
        ({"role": "VIEWER", "companyId": "0190c6c2-0000-7000-8000-000000000000"}, "companyId"),
        ({"role": "VIEWER"}, "companyId"),
        ({"role": "SYSTEM", "companyId": company}, "companyId"),
        ({"role": "ADMIN", "expiresAt": past}, "expiresAt"),
    ]
    codes = []
    for variables, field in cases:
        result = (await admin(CREATE, variables))["createApiKey"]
        assert (result["__typename"], result["field"]) == ("ValidationError", field), result
        codes.append(result["code"])
    assert codes == ["UNKNOWN_COMPANY", "REQUIRED", "FIELD_NOT_APPLICABLE", "EXPIRES_IN_PAST"]
    unknown = await admin(REVOKE, {"id": "0190c6c2-0000-7000-8000-000000000000"})
    assert (unknown["revokeApiKey"]["field"], unknown["revokeApiKey"]["code"]) == (
        "id",
        "NOT_FOUND",
    )
    listed = await admin.post(API_KEYS, {"companyId": "0190c6c2-0000-7000-8000-000000000000"})
    error = listed.json()["errors"][0]["extensions"]
    assert (error["code"], error["field"]) == ("UNKNOWN_COMPANY", "companyId")


async def test_a_company_admin_manages_its_own_company_viewer_keys_only(
    admin: Api, scoped: Any
) -> None:
    acme = await create_company(admin, "acme")
    globex = await create_company(admin, "globex")
    boss = await scoped("COMPANY_ADMIN", acme)
    viewer = await create(boss, "VIEWER", companyId=acme)
    assert viewer["__typename"] == "IssuedApiKey"
    assert (await boss(ROTATE, {"id": viewer["key"]["id"]}))["rotateApiKey"]["secret"]
    assert (await boss(REVOKE, {"id": viewer["key"]["id"]}))["revokeApiKey"]["revokedAt"]
    other = await create(admin, "VIEWER", companyId=globex)
    peer = await create(admin, "COMPANY_ADMIN", companyId=acme)
    refused = [
        await boss.post(CREATE, {"role": "VIEWER", "companyId": globex}),
        await boss.post(CREATE, {"role": "COMPANY_ADMIN", "companyId": acme}),
        await boss.post(CREATE, {"role": "ADMIN"}),
        await boss.post(REVOKE, {"id": other["key"]["id"]}),
        await boss.post(ROTATE, {"id": peer["key"]["id"]}),
        await boss.post(API_KEYS, {"companyId": globex}),
    ]
    codes = [r.json()["errors"][0]["extensions"]["code"] for r in refused]
    assert codes == ["FORBIDDEN"] * len(refused)
    mine = (await boss(API_KEYS))["apiKeys"]
    assert {k["companyId"] for k in mine} == {acme}
    watcher = await scoped("VIEWER", acme)
    denied = await watcher.post(API_KEYS)
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_last_use_is_recorded_without_a_write_per_request(
    app: Any, http: httpx.AsyncClient, runtime: Any, admin: Api
) -> None:
    made = await create(admin, "SYSTEM")
    key_id = made["key"]["id"]
    assert made["key"]["lastUsedAt"] is None
    assert await status(http, made["secret"]) == 200
    await app.state.keys.settled()
    async with runtime.pool.acquire() as conn:
        first = await conn.fetchval("SELECT last_used_at FROM api_keys WHERE id = $1", key_id)
        assert first is not None
        await conn.execute(
            "UPDATE api_keys SET last_used_at = '2001-01-01T00:00:00Z' WHERE id = $1", key_id
        )
        for _ in range(5):  # within the minute: noted, not written
            assert await status(http, made["secret"]) == 200
        await app.state.keys.settled()
        again = await conn.fetchval("SELECT last_used_at FROM api_keys WHERE id = $1", key_id)
    assert again == datetime(2001, 1, 1, tzinfo=UTC)
    listed = (await admin(API_KEYS))["apiKeys"]
    assert [k["lastUsedAt"] for k in listed if k["id"] == key_id] == ["2001-01-01T00:00:00+00:00"]


async def test_mutations_on_keys_are_audited_without_secrets(admin: Api, runtime: Any) -> None:
    made = await create(admin, "ADMIN")
    rotated = (await admin(ROTATE, {"id": made["key"]["id"]}))["rotateApiKey"]
    await admin(REVOKE, {"id": made["key"]["id"]})
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT action, outcome, details::text AS text FROM audit_log ORDER BY id"
        )
    assert [(r["action"], r["outcome"]) for r in rows] == [
        ("createApiKey", "createApiKey:IssuedApiKey"),
        ("rotateApiKey", "rotateApiKey:IssuedApiKey"),
        ("revokeApiKey", "revokeApiKey:ApiKey"),
    ]
    for secret in (made["secret"], rotated["secret"]):
        assert all(secret not in r["text"] and secret[:10] not in r["text"] for r in rows)
