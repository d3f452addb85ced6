"""What the HTTP endpoints share: who the caller is, and how an error is answered."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from domain.access import Principal

# The scope keys the authentication wrapper (api.app.Authenticated) fills in:
# the caller, and when the caller's console session ends (a cookie request).
PRINCIPAL = "metergraph.principal"
SESSION_EXPIRES = "metergraph.session_expires_at"


def principal_of(request: Request) -> Principal:
    principal: Principal = request.scope[PRINCIPAL]
    return principal


def error_response(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    """``{"error": {"code", "message", "field"?}}`` with ``status``."""
    body: dict[str, object] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status)
