"""A revoked key stops working at once, in every process, for requests and sockets."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import httpx

from services.keys import hash_key
from storage import repos
from tests.conftest import make_key

METRICS = {"query": "{ metrics { code } }"}


async def key_id(runtime: Any, key: str) -> UUID:
    async with runtime.pool.acquire() as conn:
        found: UUID = await conn.fetchval(
            "SELECT id FROM api_keys WHERE key_hash = $1", hash_key(key)
        )
    return found


async def ask(http: httpx.AsyncClient, key: str) -> int:
    response = await http.post("/graphql", json=METRICS, headers={"Authorization": f"Bearer {key}"})
    return response.status_code


async def test_a_revoked_key_is_forgotten_as_soon_as_the_revocation_commits(
    app: Any, http: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    assert await ask(http, key) == 200  # now known to this process
    revoked_id = await key_id(runtime, key)
    with app.state.keys.watch(revoked_id) as revoked:
        async with runtime.pool.acquire() as conn:  # as an operator would, by hand
            await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", revoked_id)
        await asyncio.wait_for(revoked.wait(), 10)  # PostgreSQL told this process
    assert await ask(http, key) == 401


async def test_while_revocations_cannot_be_heard_every_request_asks_the_database(
    http: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    await runtime.alert_hub.stop()
    assert await ask(http, key) == 200
    async with runtime.pool.acquire() as conn:
        assert await repos.revoke_api_key(conn, await key_id(runtime, key))
    assert await ask(http, key) == 401


async def test_a_key_revoked_twice_is_not_revoked_again(runtime: Any) -> None:
    key = await make_key(runtime, "SYSTEM")
    async with runtime.pool.acquire() as conn:
        assert await repos.revoke_api_key(conn, await key_id(runtime, key))
        assert not await repos.revoke_api_key(conn, await key_id(runtime, key))
