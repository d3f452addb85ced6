"""How uvicorn serves: the server's app, connection limits and timeouts, and a guard
against slow clients.

uvicorn times out an idle keep-alive connection, but not one that trickles
its request line and headers a byte at a time (slowloris): such connections
stay open until the process runs out of file descriptors. ``GuardedHttp``
closes a connection whose headers are not complete ``header_timeout_seconds``
after its request began (or after it connected), whose headers grow past
``max_header_bytes``, or that arrives while ``max_connections`` are open.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from typing import Any

from starlette.applications import Starlette
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.app import create_app
from jobs.scheduler import start_scheduler
from services.config import Settings


def server_app(settings: Settings | None = None) -> Starlette:
    """The app ``metergraph serve`` runs (in each worker): it starts the job
    scheduler once its runtime is open (when METERGRAPH_SCHEDULER_ENABLED)."""
    return create_app(settings, on_startup=start_scheduler)


def _answer(status: bytes, code: str, message: str) -> bytes:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: application/json\r\nconnection: close\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    return head + body


_REQUEST_TIMEOUT = _answer(
    b"408 Request Timeout",
    "REQUEST_TIMEOUT",
    "the request line and headers took too long (METERGRAPH_HEADER_TIMEOUT_SECONDS)",
)
_HEADERS_TOO_LARGE = _answer(
    b"431 Request Header Fields Too Large",
    "HEADERS_TOO_LARGE",
    "the request headers are too large (METERGRAPH_MAX_HEADER_BYTES)",
)


@cache
def _limits() -> tuple[float, int, int]:
    # uvicorn builds the protocol from its import path (also in --workers
    # children), so the settings are read here, once per process.
    settings = Settings.from_env()
    return (
        float(settings.header_timeout_seconds),
        settings.max_header_bytes,
        settings.max_connections,
    )


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header deadline, a header size cap and a
    connection cap."""

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self._header_timeout, self._max_header_bytes, self._max_connections = _limits()
        self._deadline: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._in_headers = True

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self._max_connections:
            transport.abort()
            return
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # Counted after parsing: a packet that completes the headers may also
        # carry the start of the body, which is not the headers' size.
        if self._in_headers:
            self._header_bytes += len(data)
            if self._header_bytes > self._max_header_bytes:
                self._refuse(_HEADERS_TOO_LARGE)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._in_headers:
            self._await_headers()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._stop_deadline()
        super().on_headers_complete()

    def _await_headers(self) -> None:
        self._in_headers = True
        self._header_bytes = 0
        self._stop_deadline()
        self._deadline = self.loop.call_later(self._header_timeout, self._refuse, _REQUEST_TIMEOUT)

    def _stop_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _refuse(self, answer: bytes) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        self.transport.write(answer)
        self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn.run's keyword arguments for the limits in ``settings``."""
    return {
        "http": "metergraph.serving:GuardedHttp",
        # uvicorn answers 503 once this many connections (its own included) or
        # requests are open; GuardedHttp closes connections past max_connections.
        "limit_concurrency": settings.max_connections + 1,
        "timeout_keep_alive": settings.keep_alive_seconds,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "backlog": settings.backlog,
    }
