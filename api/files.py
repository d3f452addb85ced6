"""GET /v1/reports/{id} (download) and POST /v1/costs:import (cost records as CSV)."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.http import error_response as _error
from api.http import principal_of
from domain.access import Role
from domain.reports.document import ReportFormat
from services.runtime import Runtime
from storage import costs, repos
from storage.reports import StoredReport, report_by_id, report_content

MAX_COST_FILE_BYTES = 50 * 1024 * 1024


async def download_report(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    if principal.role not in (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER):
        return _error(403, "FORBIDDEN", "this API key may not read reports")
    try:
        report_id = UUID(request.path_params["id"])
    except ValueError:
        return _error(404, "NOT_FOUND", "no such report")
    async with runtime.pool.acquire() as conn:
        meta = await report_by_id(conn, report_id)
        if meta is None or (
            principal.role.scoped
            and (meta.company_id is None or meta.company_id != principal.company_id)
        ):
            # Another company's report is answered like a missing one.
            return _error(404, "NOT_FOUND", "no such report")
        if meta.status != "SUCCEEDED":
            return _error(
                409,
                "NOT_READY",
                f"the report is {meta.status}" + (f": {meta.error}" if meta.error else ""),
            )
        row = await report_content(conn, report_id)
    assert row is not None
    return _file(meta, bytes(row["content"]))


def _file(meta: StoredReport, content: bytes) -> Response:
    fmt = ReportFormat(meta.format.value)
    return Response(
        content,
        media_type=fmt.media_type,
        headers={"Content-Disposition": f'attachment; filename="{meta.file_name()}"'},
    )


async def import_costs_endpoint(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    if principal.role is not Role.ADMIN:
        return _error(403, "FORBIDDEN", "only an ADMIN key may record costs")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_COST_FILE_BYTES:
            return _error(413, "FILE_TOO_LARGE", "a cost file is at most 50 MB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _error(400, "INVALID_FILE", "the file is not UTF-8 text")
    async with runtime.pool.acquire() as conn, conn.transaction():
        summary = await costs.import_costs(conn, text, runtime.settings.limits)
        # committed with the costs it records, or neither is
        await repos.insert_audit(
            conn,
            api_key_id=principal.key_id,
            role=principal.role.value,
            company_id=principal.company_id,
            action="importCosts",
            outcome="ok",
            details={"accepted": summary.accepted, "rejected": len(summary.errors)},
        )
    return JSONResponse(cost_summary(summary))


def cost_summary(summary: costs.CostImportSummary) -> dict[str, object]:
    return {
        "accepted": summary.accepted,
        "replaced": summary.replaced,
        "rejected": len(summary.errors),
        "errors": [
            {"line": line, "field": e.field, "code": e.code.value, "message": e.message}
            for line, e in summary.errors
        ],
    }
