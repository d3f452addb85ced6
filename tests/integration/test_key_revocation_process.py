"""A key revoked through one ``metergraph serve`` is refused by another one
within a second: each process forgets the key when PostgreSQL tells it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.test_limits_process import METERGRAPH, START_TIMEOUT, free_port

METRICS = {"query": "{ metrics { code } }"}
CREATE = {
    "query": 'mutation { createApiKey(role: SYSTEM, name: "ingest") {'
    " ... on IssuedApiKey { secret key { id } } } }"
}


@pytest.fixture
def serve(database: str, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Start ``metergraph serve`` processes on the test database; their base URLs."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> str:
        port = free_port()
        log_path = tmp_path / f"serve-{port}.log"
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "METERGRAPH_DATA_DIR": str(tmp_path),
            "METERGRAPH_SCHEDULER": "false",
        }
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                [str(METERGRAPH), "serve", "--port", str(port)],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(proc)
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(log_path.read_text(errors="replace")[-4000:])
            try:
                if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                    return base_url
            except httpx.TransportError:
                pass
            time.sleep(0.1)

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)


def ask(base_url: str, key: str, body: dict[str, str] = METRICS) -> httpx.Response:
    return httpx.post(
        base_url + "/graphql", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
    )


def test_a_key_revoked_through_one_process_is_refused_by_another_within_a_second(
    database: str, serve: Callable[[], str]
) -> None:
    admin_key = (
        subprocess.run(
            [str(METERGRAPH), "keys", "create", "--role", "ADMIN"],
            env={**os.environ, "DATABASE_URL": database},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    first, second = serve(), serve()
    made = ask(first, admin_key, CREATE).json()["data"]["createApiKey"]
    key, key_id = made["secret"], made["key"]["id"]
    for _ in range(3):  # the second process knows the key (and caches it)
        assert ask(second, key).status_code == 200
    revoke = {"query": f'mutation {{ revokeApiKey(id: "{key_id}") {{ __typename }} }}'}
    assert ask(first, admin_key, revoke).json()["data"]["revokeApiKey"]["__typename"] == "ApiKey"
    deadline = time.monotonic() + 1.0
    refused = ask(second, key).status_code == 401
    while not refused and time.monotonic() < deadline:
        time.sleep(0.02)
        refused = ask(second, key).status_code == 401
    assert refused, "the second process still accepts the revoked key after a second"
    assert ask(first, key).status_code == 401
