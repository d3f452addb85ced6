"""POST /v1/usage-records:import — CSV or NDJSON usage, streamed."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.access import Role
from domain.bulk import BulkFileError, BulkFormat
from services.runtime import Runtime
from storage.audit import AuditEntry
from storage.importer import ImportOptions, UsageImporter
from storage.ingest import Outcome

_log = logging.getLogger(__name__)

_FORMATS = {
    "text/csv": BulkFormat.CSV,
    "application/x-ndjson": BulkFormat.NDJSON,
    "application/ndjson": BulkFormat.NDJSON,
    "application/jsonl": BulkFormat.NDJSON,
}


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    body: dict[str, object] = {"code": code, "message": message}
    if field:
        body["field"] = field
    return JSONResponse({"error": body}, status_code=status)


class LineTooLong(BulkFileError):
    def __init__(self, line: int, limit: int) -> None:
        super().__init__(
            f"line {line} is longer than {limit} bytes (METERGRAPH_MAX_IMPORT_LINE_BYTES)"
        )
        self.line = line


async def limit_lines(chunks: AsyncIterator[bytes], limit: int) -> AsyncIterator[bytes]:
    """``chunks`` as they come, refused (LineTooLong) at the first line over ``limit`` bytes."""
    line = 1  # the line the next byte belongs to
    length = 0  # bytes of that line seen so far
    async for chunk in chunks:
        if length + len(chunk) > limit:
            start = 0
            while (end := chunk.find(b"\n", start)) >= 0:
                if length + end - start > limit:
                    raise LineTooLong(line, limit)
                line += 1
                length = 0
                start = end + 1
            length += len(chunk) - start
            if length > limit:
                raise LineTooLong(line, limit)
        else:
            newlines = chunk.count(b"\n")
            if newlines:
                line += newlines
                length = len(chunk) - chunk.rfind(b"\n") - 1
            else:
                length += len(chunk)
        yield chunk


def _flag(request: Request, name: str) -> bool | None:
    raw = request.query_params.get(name)
    if raw is None:
        return False
    if raw.lower() in ("1", "true", "yes"):
        return True
    if raw.lower() in ("0", "false", "no"):
        return False
    return None


async def import_usage_endpoint(request: Request) -> Response:
    from api.app import principal_of

    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    if principal.role not in (Role.ADMIN, Role.SYSTEM, Role.COMPANY_ADMIN):
        return _error(403, "FORBIDDEN", "this API key may not record usage")
    requested = request.query_params.get("format")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if requested:
        try:
            fmt = BulkFormat(requested.lower())
        except ValueError:
            return _error(400, "INVALID_FORMAT", "format must be csv or ndjson", "format")
    elif content_type in _FORMATS:
        fmt = _FORMATS[content_type]
    else:
        return _error(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "send Content-Type text/csv or application/x-ndjson (or ?format=csv|ndjson)",
            "content-type",
        )
    flags = {}
    for name in ("backfill", "createCompanies"):
        value = _flag(request, name)
        if value is None:
            return _error(400, "INVALID_FORMAT", f"{name} must be true or false", name)
        flags[name] = value
    if (flags["backfill"] or flags["createCompanies"]) and principal.role is not Role.ADMIN:
        return _error(403, "FORBIDDEN", "only an ADMIN key may back-fill or create companies")
    began = datetime.now(UTC)

    def audit(outcome: str, details: dict[str, object]) -> AuditEntry:
        return AuditEntry(
            began,
            principal.key_id,
            principal.role.value,
            principal.company_id,
            "importUsage",
            outcome,
            {"format": fmt.value, **details},
        )

    def chunk_audit(outcomes: Mapping[int, Outcome]) -> AuditEntry:
        counts = Counter(o.status.value for o in outcomes.values())
        return audit("chunk", {k.lower(): v for k, v in sorted(counts.items())})

    options = ImportOptions(
        fmt=fmt,
        allowed_company=principal.write_scope(),
        backfill=flags["backfill"],
        create_companies=flags["createCompanies"],
        chunk_rows=runtime.settings.import_chunk_rows,
        audit=chunk_audit,
    )
    try:
        stream = limit_lines(request.stream(), runtime.settings.max_import_line_bytes)
        summary = await UsageImporter(runtime.ingestor).run(stream, options)
    except LineTooLong as exc:
        return JSONResponse(
            {
                "error": {
                    "code": "LINE_TOO_LONG",
                    "message": f"{exc}; lines before it may have been imported",
                    "field": "METERGRAPH_MAX_IMPORT_LINE_BYTES",
                    "line": exc.line,
                }
            },
            status_code=400,
        )
    except BulkFileError as exc:
        return _error(400, "INVALID_FILE", str(exc))
    # each stored chunk's row committed with it; this one sums them up, and
    # its failing does not turn the committed import into an error
    totals = {
        "accepted": summary.accepted,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
    }
    try:
        await runtime.audit.write(audit("ok", totals))
    except Exception:
        _log.exception("the audit row of an import could not be written")
    return JSONResponse(summary.as_json())
