"""GET /v1/reports/{id} (download) and POST /v1/costs:import (cost records as CSV)."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.http import error_response as _error
from api.http import principal_of
from domain.access import AccessDenied, Principal, Role
from domain.costs import CostImportSummary
from domain.errors import NotFound
from domain.reports.document import ReportFormat
from domain.reports.records import StoredReport
from services import reports
from services.audit import by_principal
from services.costs import import_costs
from services.runtime import Runtime

MAX_COST_FILE_BYTES = 50 * 1024 * 1024
# what a path that is not a report id stands for: an id no report has (theirs are UUIDv7)
NO_REPORT = UUID(int=0)


async def download_report(request: Request) -> Response:
    """A report's file; each download (or refusal) is written to the audit log."""
    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    try:
        report_id = UUID(request.path_params["id"])
    except ValueError:
        report_id = NO_REPORT
    answer = await _report_answer(runtime, principal, report_id)
    outcome = "ok" if answer.status_code == 200 else "error"
    details = {"reportId": str(report_id), "status": answer.status_code}
    await runtime.audit.write_logged(
        by_principal(principal, "downloadReport", details, outcome=outcome)
    )
    return answer


async def _report_answer(runtime: Runtime, principal: Principal, report_id: UUID) -> Response:
    try:
        found = await reports.report_file(runtime, principal, report_id)
    except AccessDenied:
        return _error(403, "FORBIDDEN", "this API key may not read reports")
    except NotFound as exc:
        return _error(404, exc.code, exc.message)
    except reports.ReportNotReady as exc:
        return _error(409, exc.code, exc.message)
    return _file(found.report, found.content)


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
    summary = await import_costs(runtime, principal, text)
    return JSONResponse(cost_summary(summary))


def cost_summary(summary: CostImportSummary) -> dict[str, object]:
    return {
        "accepted": summary.accepted,
        "replaced": summary.replaced,
        "rejected": len(summary.errors),
        "errors": [
            {"line": line, "field": e.field, "code": e.code.value, "message": e.message}
            for line, e in summary.errors
        ],
    }
