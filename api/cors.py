"""Cross-origin callers: only the origins of METERGRAPH_CORS_ORIGINS, with a Bearer key.

Their preflights are answered; their answers carry Access-Control-Allow-Origin.
Credentials (cookies) are never allowed across origins: the console's session
works on its own origin only. Any other origin gets no CORS header at all, and
its preflight is refused (403).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.http.websocket_origin import normalize_origin

ALLOWED_METHODS = b"GET, POST"
ALLOWED_HEADERS = b"authorization, content-type"
# How long a browser may reuse a preflight's answer (browsers cap it lower).
PREFLIGHT_MAX_AGE = b"600"


class Cors:
    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        self.app = app
        self.origins = frozenset(origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = requested = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
            elif name == b"access-control-request-method":
                requested = value
        if origin is None:
            await self.app(scope, receive, send)
            return
        allowed = normalize_origin(origin) in self.origins
        if scope["method"] == "OPTIONS" and requested is not None:
            await (self._preflight(send, origin) if allowed else _refuse(send))
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def with_origin(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != b"access-control-allow-origin"
                ]
                headers += [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"vary", b"Origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_origin)

    async def _preflight(self, send: Send, origin: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 204,
                "headers": [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-methods", ALLOWED_METHODS),
                    (b"access-control-allow-headers", ALLOWED_HEADERS),
                    (b"access-control-max-age", PREFLIGHT_MAX_AGE),
                    (b"vary", b"Origin"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


async def _refuse(send: Send) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "CORS_ORIGIN_NOT_ALLOWED",
                "message": "this origin may not call the API (METERGRAPH_CORS_ORIGINS)",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"vary", b"Origin"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
