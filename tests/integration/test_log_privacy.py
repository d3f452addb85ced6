"""A real ``metergraph serve`` with JSON logs: every line is one object, and no
key secret, user id or e-mail address reaches the log."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import RECORD_USAGE, api_request
from tests.integration.test_server_process import (
    GraphQLClient,
    Server,
    serve_with_company,
    stop_postgres,
)

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="about the embedded PostgreSQL (DATABASE_URL is set)",
)

USER_ID = "user-7f3a9c21"
EMAIL = "ann.lee@example.com"
CREATE_KEY = """mutation($company: UUID) {
  createApiKey(role: VIEWER, companyId: $company, name: "short-lived") {
    ... on IssuedApiKey { key { id } secret }
  }
}"""
REVOKE_KEY = "mutation($id: UUID!) { revokeApiKey(id: $id) { __typename } }"


@pytest.fixture
def started(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[Server]]]:
    """The environment of a JSON-logging server, and the servers started in it."""
    data_dir = tmp_path / "metergraph-data"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"METERGRAPH_DATA_DIR": str(data_dir), "METERGRAPH_SCHEDULER": "false"}
    env |= {"METERGRAPH_LOG_FORMAT": "json", "METERGRAPH_ACCESS_LOG": "true"}
    servers: list[Server] = []
    try:
        yield env, servers
    finally:
        for server in servers:
            if server.proc.poll() is None:
                server.kill()
        stop_postgres((data_dir / "pgdata").resolve())


def test_json_logs_are_one_object_per_line_and_never_name_a_secret_a_user_or_an_address(
    started: tuple[dict[str, str], list[Server]], tmp_path: Path
) -> None:
    env, servers = started
    log = tmp_path / "serve.log"
    server, key, company = serve_with_company(env, servers, log, "log-privacy")
    admin = GraphQLClient(server.base_url, key)
    try:
        properties = {"userId": USER_ID, "email": EMAIL}
        admin(RECORD_USAGE, {"input": api_request(company, properties=properties)})
        issued = admin(CREATE_KEY, {"company": company})["createApiKey"]
        admin(REVOKE_KEY, {"id": issued["key"]["id"]})
        # The request line (in the access log) carries the secrets in its query string.
        query = f"key={issued['secret']}&userId={USER_ID}&contact={EMAIL}&email=ann%40example.com"
        bad = admin.http.get(
            f"/graphql?query=%7B__typename%7D&{query}", headers={"Authorization": f"Bearer {key}"}
        )
        refused = httpx.post(
            server.base_url + "/graphql",
            content=b'{"query": "{ nope',
            headers={"Authorization": f"Bearer {issued['secret']}"},
        )
        assert refused.status_code == 401
        malformed = admin.http.post(
            "/graphql", content=b"{not json", headers={"Authorization": f"Bearer {key}"}
        )
        assert malformed.status_code < 500
    finally:
        admin.close()
    server.proc.terminate()
    server.wait(30)

    text = log.read_text()
    for secret in (key, issued["secret"], USER_ID, EMAIL, "ann%40example.com"):
        assert secret not in text
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert lines
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
        assert line["time"].endswith("+00:00"), line
    (request_line,) = [
        x for x in lines if x["logger"] == "uvicorn.access" and "key=" in x["message"]
    ]
    assert "mgk_***" in request_line["message"], request_line
    assert request_line["request_id"] == bad.headers["X-Request-Id"]
    assert "key_id" in request_line
