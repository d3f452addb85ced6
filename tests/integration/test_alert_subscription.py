"""alertRaised over graphql-transport-ws, against a real server process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from services.keys import hash_key
from tests.conftest import make_key
from tests.integration.helpers import RECORD_USAGE, api_request, create_company
from tests.integration.test_server_process import METERGRAPH, free_port

SUBSCRIBE = "subscription($c: UUID) { alertRaised(companyId: $c) { level usage companyId } }"
THRESHOLD = (
    """mutation($input: ThresholdInput!) { createThreshold(input: $input) { __typename } }"""
)


@pytest.fixture
async def server(database: str, tmp_path: Path) -> Any:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database, "METERGRAPH_SCHEDULER": "false"}
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(  # noqa: ASYNC220 (started, not waited for)
        [str(METERGRAPH), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=5) as client:
        for _ in range(150):
            try:
                if (await client.get("/readyz")).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
        yield client, f"ws://127.0.0.1:{port}/graphql"
    proc.terminate()
    await asyncio.to_thread(proc.wait, 30)
    log.close()


async def call(client: httpx.AsyncClient, key: str, query: str, variables: Any) -> Any:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"},
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def test_a_subscriber_hears_its_companys_alerts_only(
    server: Any, runtime: Any, admin: Any
) -> None:
    client, ws_url = server
    acme = await create_company(admin, "acme")
    other = await create_company(admin, "other")
    admin_key = await make_key(runtime, "ADMIN")
    viewer_key = await make_key(runtime, "VIEWER", acme)
    for company in (acme, other):
        levels = [{"name": "BIG", "kind": "ABSOLUTE", "value": "5", "channels": ["PLATFORM"]}]
        created = await call(
            client,
            admin_key,
            THRESHOLD,
            {"input": {"metricCode": "API_REQUESTS", "companyId": company, "levels": levels}},
        )
        assert created["createThreshold"]["__typename"] == "Threshold"

    async with websockets.connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        additional_headers={"Authorization": f"Bearer {viewer_key}"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        await asyncio.sleep(0.3)  # subscribed before the usage arrives
        await call(client, admin_key, RECORD_USAGE, {"input": api_request(other, "9")})
        await call(client, admin_key, RECORD_USAGE, {"input": api_request(acme, "7")})
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert message["type"] == "next"
    assert message["payload"]["data"]["alertRaised"] == {
        "level": "BIG",
        "usage": "7",
        "companyId": acme,
    }


async def test_a_websocket_without_a_key_is_closed_4401_at_its_connection_init(
    server: Any,
) -> None:
    _, ws_url = server
    async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_websocket_with_a_wrong_key_is_refused(server: Any) -> None:
    _, ws_url = server
    headers = {"Authorization": "Bearer mgk_wrong"}
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(
            ws_url, subprotocols=["graphql-transport-ws"], additional_headers=headers
        ):
            pass


async def test_a_revoked_keys_subscription_is_closed_at_once_and_its_requests_refused(
    server: Any, runtime: Any, admin: Any
) -> None:
    client, ws_url = server
    acme = await create_company(admin, "acme")
    viewer_key = await make_key(runtime, "VIEWER", acme)
    headers = {"Authorization": f"Bearer {viewer_key}"}
    async with websockets.connect(
        ws_url, subprotocols=["graphql-transport-ws"], additional_headers=headers
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}}))
        async with runtime.pool.acquire() as conn:
            await conn.execute(
                "UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(viewer_key)
            )
        with pytest.raises(websockets.exceptions.ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    response = await client.post(
        "/graphql", json={"query": "{ metrics { code } }"}, headers=headers
    )
    assert response.status_code == 401


WITH_THRESHOLD = """
subscription($c: UUID) { alertRaised(companyId: $c) { level threshold { levels { name } } } }
"""

UPDATE_THRESHOLD = """
mutation($id: UUID!, $input: ThresholdInput!) {
  updateThreshold(id: $id, input: $input) { __typename }
}"""


async def test_each_alert_heard_names_its_threshold_as_it_is_then(
    server: Any, runtime: Any, admin: Any
) -> None:
    client, ws_url = server
    acme = await create_company(admin, "acme")
    admin_key = await make_key(runtime, "ADMIN")

    def threshold(*levels: tuple[str, str]) -> dict[str, Any]:
        return {
            "metricCode": "API_REQUESTS",
            "companyId": acme,
            "levels": [
                {"name": name, "kind": "ABSOLUTE", "value": value, "channels": ["PLATFORM"]}
                for name, value in levels
            ],
        }

    created = await call(
        client,
        admin_key,
        "mutation($input: ThresholdInput!) { createThreshold(input: $input) {"
        " ... on Threshold { id } } }",
        {"input": threshold(("BIG", "5"))},
    )
    threshold_id = created["createThreshold"]["id"]
    async with websockets.connect(
        ws_url,
        subprotocols=["graphql-transport-ws"],
        additional_headers={"Authorization": f"Bearer {admin_key}"},
    ) as ws:
        await ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        subscribe = {"query": WITH_THRESHOLD, "variables": {"c": acme}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        await asyncio.sleep(0.3)  # subscribed before the usage arrives
        await call(client, admin_key, RECORD_USAGE, {"input": api_request(acme, "7")})
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        await call(
            client,
            admin_key,
            UPDATE_THRESHOLD,
            {"id": threshold_id, "input": threshold(("BIG", "5"), ("HUGE", "20"))},
        )
        await call(client, admin_key, RECORD_USAGE, {"input": api_request(acme, "15")})
        second = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert first["payload"]["data"]["alertRaised"] == {
        "level": "BIG",
        "threshold": {"levels": [{"name": "BIG"}]},
    }
    assert second["payload"]["data"]["alertRaised"] == {
        "level": "HUGE",
        "threshold": {"levels": [{"name": "BIG"}, {"name": "HUGE"}]},
    }
