"""The console's session: a key exchanged once for cookies, a CSRF header for writes."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from services.config import Settings
from services.keys import hash_key
from tests.conftest import make_key
from tests.integration.helpers import create_company

VIEWER = "{ viewer { keyId role companyId sessionExpiresAt } }"
CREATE_COMPANY = (
    'mutation { createCompany(input: {externalKey: "acme", name: "Acme"}) { __typename } }'
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, max_sessions_per_key=3)


def set_cookies(response: httpx.Response) -> dict[str, str]:
    """Each Set-Cookie header of ``response``, by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}


async def sign_in(http: httpx.AsyncClient, key: str) -> httpx.Response:
    response = await http.post("/v1/session", json={"key": key})
    assert response.status_code == 200, response.text
    return response


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of its own, keeping cookies as a browser does (and sending no key)."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as client:
        yield client


async def rows(runtime: Any, sql: str, *args: Any) -> list[Any]:
    async with runtime.pool.acquire() as conn:
        return list(await conn.fetch(sql, *args))


async def test_a_key_is_exchanged_for_an_httponly_session_cookie_and_a_readable_csrf_cookie(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    before = datetime.now(UTC)
    response = await sign_in(browser, key)
    body = response.json()
    assert body["role"] == "ADMIN" and body["companyId"] is None
    expires = datetime.fromisoformat(body["expiresAt"])
    assert expires.utcoffset() == timedelta(0)
    assert before + timedelta(hours=12) <= expires <= datetime.now(UTC) + timedelta(hours=12)
    cookies = set_cookies(response)
    session = cookies["metergraph_session"]
    assert "; HttpOnly" in session and "; SameSite=Strict" in session
    assert "; Path=/" in session and "; Max-Age=43200" in session and "Secure" not in session
    csrf = cookies["metergraph_csrf"]
    assert csrf.startswith(f"metergraph_csrf={body['csrfToken']};")
    assert "HttpOnly" not in csrf and "; SameSite=Strict" in csrf and "; Max-Age=43200" in csrf
    token = browser.cookies["metergraph_session"]
    stored = await rows(runtime, "SELECT token_hash, csrf_hash FROM console_sessions")
    assert [bytes(r["token_hash"]) for r in stored] == [hashlib.sha256(token.encode()).digest()]
    assert bytes(stored[0]["csrf_hash"]) == hashlib.sha256(body["csrfToken"].encode()).digest()
    audit = await rows(
        runtime, "SELECT role, outcome, details::text FROM audit_log WHERE action = 'signIn'"
    )
    assert [(a["role"], a["outcome"]) for a in audit] == [("ADMIN", "ok")]
    assert key not in audit[0]["details"] and token not in audit[0]["details"]
    assert body["csrfToken"] not in audit[0]["details"]


async def test_a_scoped_key_signs_in_with_its_company(
    browser: httpx.AsyncClient, admin: Any, runtime: Any
) -> None:
    acme = await create_company(admin, "acme")
    body = (await sign_in(browser, await make_key(runtime, "VIEWER", acme))).json()
    assert (body["role"], body["companyId"]) == ("VIEWER", acme)


async def test_over_https_both_cookies_are_secure(app: Any, runtime: Any) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://metergraph.test") as client:
        response = await sign_in(client, await make_key(runtime, "ADMIN"))
    cookies = set_cookies(response)
    assert cookies["metergraph_session"].endswith("; Secure")
    assert cookies["metergraph_csrf"].endswith("; Secure")


async def test_a_wrong_or_revoked_key_is_refused_and_sets_no_cookie(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    revoked = await make_key(runtime, "ADMIN")
    await rows(
        runtime, "UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(revoked)
    )
    for key in ("mgk_not-a-key", "hello", revoked):
        response = await browser.post("/v1/session", json={"key": key})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"
        assert "set-cookie" not in response.headers
    assert await rows(runtime, "SELECT id FROM console_sessions") == []


@pytest.mark.parametrize(
    "content", [b"not json", b"[]", b"{}", b'{"key": 5}', b'{"key": "  "}', b'{"key": null}']
)
async def test_a_malformed_sign_in_body_is_answered_400_naming_the_key(
    browser: httpx.AsyncClient, content: bytes
) -> None:
    response = await browser.post(
        "/v1/session", content=content, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("INVALID_REQUEST", "key")


async def test_the_cookie_authenticates_graphql_and_a_write_needs_the_csrf_header(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    body = (await sign_in(browser, await make_key(runtime, "ADMIN"))).json()
    got = await browser.get("/graphql", params={"query": VIEWER})
    assert got.status_code == 200, got.text
    assert got.json()["data"]["viewer"]["role"] == "ADMIN"
    expires = got.json()["data"]["viewer"]["sessionExpiresAt"]
    assert datetime.fromisoformat(expires) == datetime.fromisoformat(body["expiresAt"])
    posted = await browser.post(
        "/graphql", json={"query": CREATE_COMPANY}, headers={"X-Metergraph-CSRF": body["csrfToken"]}
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["data"]["createCompany"]["__typename"] == "Company"


@pytest.mark.parametrize("header", [None, "", "wrong", "x" * 500])
async def test_a_cookie_request_that_may_write_without_the_right_csrf_header_is_refused(
    browser: httpx.AsyncClient, runtime: Any, header: str | None
) -> None:
    await sign_in(browser, await make_key(runtime, "ADMIN"))
    headers = {} if header is None else {"X-Metergraph-CSRF": header}
    for response in (
        await browser.post("/graphql", json={"query": CREATE_COMPANY}, headers=headers),
        await browser.post(
            "/v1/costs:import", content=b"", headers={**headers, "Content-Type": "text/csv"}
        ),
    ):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "CSRF_TOKEN_INVALID"
    assert await rows(runtime, "SELECT id FROM companies") == []


async def test_another_sessions_csrf_token_does_not_pass(
    app: Any, browser: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    await sign_in(browser, key)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") as other:
        their_csrf = (await sign_in(other, key)).json()["csrfToken"]
    response = await browser.post(
        "/graphql", json={"query": CREATE_COMPANY}, headers={"X-Metergraph-CSRF": their_csrf}
    )
    assert response.status_code == 403


async def test_bearer_requests_need_no_csrf_header_and_win_over_a_cookie(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    await sign_in(browser, await make_key(runtime, "SYSTEM"))
    admin_key = await make_key(runtime, "ADMIN")
    response = await browser.post(
        "/graphql",
        json={"query": "{ viewer { role sessionExpiresAt } }"},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"role": "ADMIN", "sessionExpiresAt": None}
    written = await browser.post(
        "/graphql", json={"query": CREATE_COMPANY}, headers={"Authorization": f"Bearer {admin_key}"}
    )
    assert written.json()["data"]["createCompany"]["__typename"] == "Company"


async def test_no_credentials_at_all_is_unauthenticated_as_before(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.post("/graphql", json={"query": VIEWER})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_an_expired_session_is_answered_session_expired_and_its_cookies_cleared(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    await sign_in(browser, await make_key(runtime, "ADMIN"))
    await rows(
        runtime,
        "UPDATE console_sessions SET created_at = now() - interval '13 hours',"
        " expires_at = now() - interval '1 hour'",
    )
    response = await browser.get("/graphql", params={"query": VIEWER})
    assert response.status_code == 401
    assert response.json()["error"] == {
        "code": "SESSION_EXPIRED",
        "message": "your session has expired; sign in again",
    }
    cleared = set_cookies(response)
    assert (
        "Max-Age=0" in cleared["metergraph_session"] and "Max-Age=0" in cleared["metergraph_csrf"]
    )
    assert await rows(runtime, "SELECT id FROM console_sessions") == []
    assert "metergraph_session" not in browser.cookies


async def test_signing_out_ends_the_session_on_the_server_and_clears_the_cookies(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    await sign_in(browser, await make_key(runtime, "ADMIN"))
    token = browser.cookies["metergraph_session"]
    response = await browser.delete("/v1/session")
    assert response.status_code == 204
    cleared = set_cookies(response)
    assert (
        "Max-Age=0" in cleared["metergraph_session"] and "Max-Age=0" in cleared["metergraph_csrf"]
    )
    assert await rows(runtime, "SELECT id FROM console_sessions") == []
    audit = await rows(runtime, "SELECT role FROM audit_log WHERE action = 'signOut'")
    assert [a["role"] for a in audit] == ["ADMIN"]
    browser.cookies.set("metergraph_session", token, domain="metergraph.test")
    replayed = await browser.get("/graphql", params={"query": VIEWER})
    assert replayed.status_code == 401
    assert replayed.json()["error"] == {
        "code": "UNAUTHENTICATED",
        "message": "this session has ended; sign in again",
    }


async def test_revoking_the_key_ends_its_sessions(browser: httpx.AsyncClient, runtime: Any) -> None:
    key = await make_key(runtime, "ADMIN")
    await sign_in(browser, key)
    assert (await browser.get("/graphql", params={"query": VIEWER})).status_code == 200
    await rows(runtime, "UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1", hash_key(key))
    response = await browser.get("/graphql", params={"query": VIEWER})
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "this session has ended; sign in again"


async def test_a_key_past_its_expiry_ends_its_sessions(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    await sign_in(browser, key)
    assert (await browser.get("/graphql", params={"query": VIEWER})).status_code == 200
    await rows(
        runtime,
        "UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE key_hash = $1",
        hash_key(key),
    )
    response = await browser.get("/graphql", params={"query": VIEWER})
    assert response.status_code == 401


async def test_deleting_the_key_deletes_its_sessions(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    await sign_in(browser, key)
    await rows(runtime, "DELETE FROM api_keys WHERE key_hash = $1", hash_key(key))
    assert await rows(runtime, "SELECT id FROM console_sessions") == []


async def test_a_key_keeps_its_newest_sessions_only(app: Any, runtime: Any) -> None:
    key = await make_key(runtime, "ADMIN")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    clients = [
        httpx.AsyncClient(transport=transport, base_url="http://metergraph.test") for _ in range(4)
    ]
    for client in clients:
        await sign_in(client, key)
    answers = [(await c.get("/graphql", params={"query": VIEWER})).status_code for c in clients]
    for client in clients:
        await client.aclose()
    assert answers == [401, 200, 200, 200]  # max_sessions_per_key=3


async def test_a_sign_in_deletes_expired_sessions(browser: httpx.AsyncClient, runtime: Any) -> None:
    await sign_in(browser, await make_key(runtime, "ADMIN"))
    await rows(
        runtime,
        "UPDATE console_sessions SET created_at = now() - interval '13 hours',"
        " expires_at = now() - interval '1 hour'",
    )
    await sign_in(browser, await make_key(runtime, "SYSTEM"))
    assert len(await rows(runtime, "SELECT id FROM console_sessions")) == 1


async def test_signing_out_without_a_session_still_clears_the_cookies(
    browser: httpx.AsyncClient,
) -> None:
    response = await browser.delete("/v1/session")
    assert response.status_code == 204
    assert set(set_cookies(response)) == {"metergraph_session", "metergraph_csrf"}


async def test_an_import_with_the_cookie_and_its_csrf_header_is_accepted(
    browser: httpx.AsyncClient, runtime: Any
) -> None:
    csrf = (await sign_in(browser, await make_key(runtime, "ADMIN"))).json()["csrfToken"]
    response = await browser.post(
        "/v1/costs:import",
        content=b"product_code,granularity,period_start,amount,currency\n",
        headers={"Content-Type": "text/csv", "X-Metergraph-CSRF": csrf},
    )
    assert response.status_code == 200, response.text
