"""The console's bundle served at /: assets cached for good, index.html for deep links."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from services.config import WEB_DIST, Settings

INDEX = b"<!doctype html><title>Metergraph</title><script src=/assets/app-1a2b.js></script>"
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "app-1a2b.js").write_text("console.log('metergraph')")
    (tmp_path / "secret.txt").write_text("not for the web")
    return replace(settings, web_dist=dist)


def assert_html_security_headers(response: httpx.Response) -> None:
    policy = response.headers["content-security-policy"]
    for directive in (
        "default-src 'self'",
        "connect-src 'self' ws://metergraph.test wss://metergraph.test",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "style-src 'self' 'unsafe-inline'",
        "script-src 'self'",
        "frame-ancestors 'none'",
        "worker-src 'self' blob:",
    ):
        assert directive in policy.split("; "), policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_the_root_is_the_console_never_cached(http: httpx.AsyncClient) -> None:
    response = await http.get("/", headers=HTML)
    assert response.status_code == 200
    assert response.content == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert_html_security_headers(response)


async def test_assets_are_served_with_an_immutable_cache(http: httpx.AsyncClient) -> None:
    response = await http.get("/assets/app-1a2b.js")
    assert response.status_code == 200
    assert response.text == "console.log('metergraph')"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    missing = await http.get("/assets/app-ffff.js", headers=HTML)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("path", ["/companies/0192f0a8-aaaa-7bbb-8ccc-000000000001", "/graphiql"])
async def test_a_deep_link_loads_the_console(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path, headers=HTML)
    assert response.status_code == 200
    assert response.content == INDEX
    assert_html_security_headers(response)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/companies/1", {"Accept": "application/json"}),
        ("/v1/nothing-here", HTML),
        ("/healthz/more", HTML),
    ],
)
async def test_api_routes_and_non_html_requests_do_not_fall_back_to_the_console(
    http: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await http.get(path, headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_graphql_with_html_accepted_is_still_the_api(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers=HTML)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/index.html",
        "/assets/%00",
        "/assets/escape/secret.txt",
    ],
)
async def test_nothing_outside_the_assets_folder_is_served(
    http: httpx.AsyncClient, settings: Settings, path: str
) -> None:
    (settings.web_dist / "assets" / "escape").symlink_to(settings.web_dist.parent)
    response = await http.get(path, headers=HTML)
    assert response.status_code == 404
    assert b"not for the web" not in response.content
    assert response.content != INDEX


async def test_without_a_built_console_the_root_says_how_to_build_it(
    settings: Settings, runtime: Any, tmp_path: Path
) -> None:
    app = create_app(replace(settings, web_dist=tmp_path / "nowhere"), runtime=runtime)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as client:
        for path in ("/", "/companies/1"):
            response = await client.get(path, headers=HTML)
            assert response.status_code == 503
            assert response.text.strip() == (
                "the console is not built: run `make serve` (needs Node.js 20)"
            )
            assert_html_security_headers(response)
        assert (await client.get("/healthz")).status_code == 200


def test_the_bundle_is_looked_for_next_to_the_package_unless_configured() -> None:
    import api

    assert Path(api.__file__).parents[1] / "web" / "dist" == WEB_DIST
    assert Settings.from_env({}).web_dist == WEB_DIST
    assert Settings.from_env({"METERGRAPH_WEB_DIST": "/srv/console"}).web_dist == Path(
        "/srv/console"
    )
