"""The console's built bundle (``web/dist``), served at ``/``.

``/assets/*`` are content-hashed file names: cached for a year. ``index.html``
is never cached, and answers ``/`` and every other GET that wants HTML and is
not an API route, so that deep links (``/companies/<id>``) load the app.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)

IMMUTABLE = "public, max-age=31536000, immutable"
NOT_BUILT = "the console is not built: run `make serve` (needs Node.js 20)\n"
# Paths the app never answers with the console, whatever they accept.
API_PREFIXES = ("/graphql", "/v1/", "/healthz", "/readyz")
# A Host header fit to name in the policy (anything else: no websocket source).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def _dist(request: Request) -> Path:
    dist: Path = request.app.state.web_dist
    return dist


def security_headers(request: Request) -> dict[str, str]:
    """What every HTML answer carries: a strict content policy and no sniffing."""
    connect = "'self'"
    host = request.headers.get("host", "")
    if _HOST.match(host):
        connect += f" ws://{host} wss://{host}"
    policy = "; ".join(
        [
            "default-src 'self'; font-src 'self' data:",
            f"connect-src {connect}",
            "img-src 'self' data: blob:",
            "style-src 'self' 'unsafe-inline'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "worker-src 'self' blob:",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _index(request: Request) -> Response:
    headers = security_headers(request)
    try:
        page = (_dist(request) / "index.html").read_bytes()
    except OSError:  # not built (or not readable): say how to build it
        headers["Cache-Control"] = "no-store"
        return PlainTextResponse(NOT_BUILT, status_code=503, headers=headers)
    return HTMLResponse(page, headers={**headers, "Cache-Control": "no-cache"})


def _not_found() -> Response:
    return JSONResponse({"error": {"code": "NOT_FOUND", "message": "no such path"}}, 404)


async def index(request: Request) -> Response:
    """``/``: the console."""
    return _index(request)


async def asset(request: Request) -> Response:
    """``/assets/<name>``: a file of the bundle's assets folder, and nothing outside it."""
    root = (_dist(request) / "assets").resolve()
    try:
        target = (root / request.path_params["path"]).resolve()
        found = target.is_relative_to(root) and target.is_file()
    except (OSError, ValueError):  # a NUL byte, a name too long
        found = False
    if not found:
        return _not_found()
    return FileResponse(
        target, headers={"Cache-Control": IMMUTABLE, "X-Content-Type-Options": "nosniff"}
    )


async def fallback(request: Request) -> Response:
    """Any other GET: the console for a browser's navigation, else 404."""
    path = request.url.path
    api = any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)
    if api or "text/html" not in request.headers.get("accept", ""):
        return _not_found()
    return _index(request)
