"""Cross-origin callers: only the origins of METERGRAPH_CORS_ORIGINS, with a Bearer key."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import httpx
import pytest

from api.app import create_app
from services.config import ConfigError, Settings

ALLOWED = "https://app.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, cors_origins=(ALLOWED,))


async def test_an_allowed_origins_preflight_is_answered(http: httpx.AsyncClient) -> None:
    response = await http.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert response.headers["access-control-allow-methods"] == "GET, POST"
    assert response.headers["access-control-allow-headers"] == "authorization, content-type"
    assert int(response.headers["access-control-max-age"]) > 0
    assert "access-control-allow-credentials" not in response.headers


async def test_an_allowed_origins_bearer_request_carries_the_allow_origin_header(
    http: httpx.AsyncClient, admin: Any
) -> None:
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Origin": ALLOWED, "Authorization": f"Bearer {admin.key}"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"]["role"] == "ADMIN"
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "access-control-allow-credentials" not in response.headers
    refused = await http.post(
        "/graphql", json={"query": "{ viewer { role } }"}, headers={"Origin": ALLOWED}
    )
    assert refused.status_code == 401  # the caller can read why
    assert refused.headers["access-control-allow-origin"] == ALLOWED


async def test_another_origin_gets_no_cors_header_and_its_preflight_is_refused(
    http: httpx.AsyncClient, admin: Any
) -> None:
    other = "https://evil.example"
    preflight = await http.options("/graphql", headers={"Origin": other, **PREFLIGHT})
    assert preflight.status_code == 403
    assert not [h for h in preflight.headers if h.startswith("access-control-")]
    response = await http.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={"Origin": other, "Authorization": f"Bearer {admin.key}"},
    )
    assert not [h for h in response.headers if h.startswith("access-control-")]


async def test_with_no_origins_configured_no_preflight_is_answered(
    settings: Settings, runtime: Any
) -> None:
    app = create_app(replace(settings, cors_origins=()), runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as client:
        response = await client.options("/graphql", headers={"Origin": ALLOWED, **PREFLIGHT})
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers


def test_origins_are_read_as_browsers_send_them_and_anything_else_is_refused() -> None:
    env = {"METERGRAPH_CORS_ORIGINS": "https://App.Example.com:443, http://localhost:5173/"}
    assert Settings.from_env(env).cors_origins == (
        "https://app.example.com",
        "http://localhost:5173",
    )
    assert Settings.from_env({}).cors_origins == ()
    for bad in ("*", "app.example.com", "https://app.example.com/path", "ftp://x.example"):
        with pytest.raises(ConfigError):
            Settings.from_env({"METERGRAPH_CORS_ORIGINS": bad})
