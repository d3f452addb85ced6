"""Slow and greedy clients against a real ``metergraph serve``: a connection that
trickles its headers is cut off, one past the connection limit is closed, and
other clients are served."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

METERGRAPH = Path(sys.executable).parent / "metergraph"
START_TIMEOUT = 30.0
# How long a socket read may wait here: far above the server's header timeout.
READ_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(database: str, tmp_path: Path) -> Iterator[str]:
    """``metergraph serve`` on the test database, with tight connection limits."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "METERGRAPH_DATA_DIR": str(tmp_path),
        "METERGRAPH_SCHEDULER": "false",
        "METERGRAPH_HEADER_TIMEOUT_SECONDS": "1",
        "METERGRAPH_MAX_CONNECTIONS": "4",
        "METERGRAPH_MAX_HEADER_BYTES": "4096",
    }
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(METERGRAPH), "serve", "--port", str(port)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail((tmp_path / "serve.log").read_text(errors="replace")[-4000:])
            try:
                if httpx.get(base_url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        yield base_url
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        log.close()


@pytest.fixture
def connect() -> Iterator[Callable[[str], socket.socket]]:
    """Raw connections to the server, all closed at the end of the test."""
    opened: list[socket.socket] = []

    def open_one(base_url: str) -> socket.socket:
        host, port = base_url.removeprefix("http://").split(":")
        sock = socket.create_connection((host, int(port)), timeout=READ_TIMEOUT)
        opened.append(sock)
        return sock

    yield open_one
    for sock in opened:
        sock.close()


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_a_client_trickling_its_headers_is_cut_off_and_others_are_served(
    server: str, connect: Callable[[str], socket.socket]
) -> None:
    slow = [connect(server) for _ in range(3)]
    for sock in slow:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: metergraph\r\n")
    # Another client is served while they hold their connections.
    assert httpx.get(server + "/healthz", timeout=10).status_code == 200
    for sock in slow:
        sock.sendall(b"X-Slow: 1\r\n")  # still no blank line ending the headers
    answers = [read_all(sock) for sock in slow]
    for answer in answers:
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert b"REQUEST_TIMEOUT" in answer
    assert httpx.get(server + "/healthz", timeout=10).status_code == 200


def test_a_connection_past_the_limit_is_closed_and_the_server_recovers(
    server: str, connect: Callable[[str], socket.socket]
) -> None:
    held = [connect(server) for _ in range(4)]
    for sock in held:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
    extra = connect(server)
    try:
        extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: metergraph\r\n\r\n")
        answer = read_all(extra)
    except (BrokenPipeError, ConnectionResetError):
        answer = b""
    assert not answer.startswith(b"HTTP/1.1 200"), answer
    for sock in held:
        assert read_all(sock).startswith(b"HTTP/1.1 408")
    assert httpx.get(server + "/healthz", timeout=10).status_code == 200


def test_headers_over_the_limit_are_refused_with_431(
    server: str, connect: Callable[[str], socket.socket]
) -> None:
    sock = connect(server)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: metergraph\r\nX-Big: " + b"z" * 8192)
    answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 431"), answer
    assert httpx.get(server + "/healthz", timeout=10).status_code == 200
