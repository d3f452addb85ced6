"""``GET /metrics``: the Prometheus scrape, for the token's holder or this host only.

With ``METERGRAPH_METRICS_TOKEN`` set, a scrape sends ``Authorization: Bearer
<token>`` (an API key does not open it: it is for the monitoring system, not
for a tenant); without it, only a caller on a loopback address is answered.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services import metrics
from services.runtime import Runtime


def _refusal(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _loopback(request: Request) -> bool:
    host = request.client.host if request.client is not None else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    token = runtime.settings.metrics_token
    if token is not None:
        sent = request.headers.get("authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            return _refusal(
                401, "UNAUTHENTICATED", "send 'Authorization: Bearer <METERGRAPH_METRICS_TOKEN>'"
            )
    elif not _loopback(request):
        return _refusal(
            403,
            "FORBIDDEN",
            "metrics are served to this host only; set METERGRAPH_METRICS_TOKEN to scrape"
            " from elsewhere",
        )
    return Response(await metrics.scrape(runtime.pool), media_type=metrics.CONTENT_TYPE)
