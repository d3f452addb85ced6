"""``GET /metrics`` under ``serve --workers 2``: whichever worker answers a
scrape, it counts the requests every worker served."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_key
from tests.integration.test_limits_process import METERGRAPH, START_TIMEOUT, free_port

REQUESTS = 40


def served(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "metergraph_graphql_requests_total" and s.labels["operation"] == "metrics"
    )


def start(database: str, tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_DATA_DIR": str(tmp_path),
        "METERGRAPH_SCHEDULER": "false",
    }
    with (tmp_path / "serve.log").open("wb") as log:
        return subprocess.Popen(
            [str(METERGRAPH), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(log.read_text(errors="replace")[-4000:])
        try:
            if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)


def exercise(base_url: str, key: str) -> None:
    for _ in range(REQUESTS):  # a new connection each: the workers share them
        answer = httpx.post(
            base_url + "/graphql",
            json={"query": "{ metrics { code } }"},
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 200 and "errors" not in answer.json()
    for _ in range(6):
        scraped = httpx.get(base_url + "/metrics")
        assert scraped.status_code == 200
        assert served(scraped.text) == REQUESTS


async def test_every_worker_counts_in_one_scrape(
    database: str, tmp_path: Path, runtime: Any
) -> None:
    key = await make_key(runtime, "ADMIN")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    proc = start(database, tmp_path, port)
    try:
        wait_ready(proc, base_url, tmp_path / "serve.log")
        await asyncio.to_thread(exercise, base_url, key)
        assert list((tmp_path / "metrics").glob("*.db"))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
