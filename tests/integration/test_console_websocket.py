"""graphql-transport-ws authenticated by the session cookie or by connection_init,
against a real server process and a real websocket client."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import websockets

from services.keys import hash_key
from tests.conftest import make_key
from tests.integration.test_alert_subscription import server

__all__ = ["server"]  # the fixture: a real `metergraph serve`

PROTOCOL = ["graphql-transport-ws"]
VIEWER = {"query": "{ viewer { role companyId sessionExpiresAt } }"}


async def cookie_of(client: httpx.AsyncClient, key: str) -> str:
    response = await client.post("/v1/session", json={"key": key})
    assert response.status_code == 200, response.text
    return f"metergraph_session={response.cookies['metergraph_session']}"


def origin_of(ws_url: str) -> str:
    return ws_url.replace("ws://", "http://").removesuffix("/graphql")


async def ask_viewer(ws: Any) -> dict[str, Any]:
    """Run the viewer query over the socket; its data."""
    await ws.send(json.dumps({"id": "v", "type": "subscribe", "payload": VIEWER}))
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next", message
    data: dict[str, Any] = message["payload"]["data"]["viewer"]
    return data


async def closed_with(ws: Any) -> int:
    with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code


async def revoke(runtime: Any, key: str) -> None:
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(key)
        )


async def test_a_socket_opened_with_the_session_cookie_closes_4403_when_the_key_is_revoked(
    server: Any, runtime: Any
) -> None:
    client, ws_url = server
    key = await make_key(runtime, "ADMIN")
    headers = {"Cookie": await cookie_of(client, key), "Origin": origin_of(ws_url)}
    async with websockets.connect(ws_url, subprotocols=PROTOCOL, additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        viewer = await ask_viewer(ws)
        assert viewer["role"] == "ADMIN" and viewer["sessionExpiresAt"] is not None
        await json_complete(ws)
        await revoke(runtime, key)
        assert await closed_with(ws) == 4403


async def json_complete(ws: Any) -> None:
    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "complete", message


async def test_a_socket_with_the_cookie_from_another_origin_is_refused(
    server: Any, runtime: Any
) -> None:
    client, ws_url = server
    headers = {
        "Cookie": await cookie_of(client, await make_key(runtime, "ADMIN")),
        "Origin": "https://evil.example",
    }
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(ws_url, subprotocols=PROTOCOL, additional_headers=headers):
            pass
    assert refused.value.response.status_code == 403


async def test_a_socket_authenticates_by_its_connection_init_payload_and_closes_on_revocation(
    server: Any, runtime: Any, admin: Any
) -> None:
    _, ws_url = server
    key = await make_key(runtime, "SYSTEM")
    async with websockets.connect(ws_url, subprotocols=PROTOCOL) as ws:
        assert ws.subprotocol == "graphql-transport-ws"
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {key}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        viewer = await ask_viewer(ws)
        assert viewer == {"role": "SYSTEM", "companyId": None, "sessionExpiresAt": None}
        await json_complete(ws)
        await revoke(runtime, key)
        assert await closed_with(ws) == 4403


@pytest.mark.parametrize(
    "init",
    [
        {"type": "connection_init"},
        {"type": "connection_init", "payload": {}},
        {"type": "connection_init", "payload": {"authorization": "Bearer mgk_wrong"}},
        {"type": "connection_init", "payload": {"authorization": 42}},
        {"id": "1", "type": "subscribe", "payload": VIEWER},
    ],
)
async def test_a_socket_without_credentials_is_closed_4401(
    server: Any, init: dict[str, Any]
) -> None:
    _, ws_url = server
    async with websockets.connect(ws_url, subprotocols=PROTOCOL) as ws:
        await ws.send(json.dumps(init))
        assert await closed_with(ws) == 4401


async def test_a_socket_with_an_expired_session_cookie_is_refused(
    server: Any, runtime: Any
) -> None:
    client, ws_url = server
    headers = {"Cookie": await cookie_of(client, await make_key(runtime, "ADMIN"))}
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "UPDATE console_sessions SET created_at = now() - interval '13 hours',"
            " expires_at = now() - interval '1 hour'"
        )
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(ws_url, subprotocols=PROTOCOL, additional_headers=headers):
            pass
