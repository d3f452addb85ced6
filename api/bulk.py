"""POST /v1/usage-records:import — CSV or NDJSON usage, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from api.http import error_response, principal_of
from domain.access import AccessDenied
from domain.bulk import BulkFileError, BulkFormat
from services.imports import import_usage, may_import
from services.runtime import Runtime

_FORMATS = {
    "text/csv": BulkFormat.CSV,
    "application/x-ndjson": BulkFormat.NDJSON,
    "application/ndjson": BulkFormat.NDJSON,
    "application/jsonl": BulkFormat.NDJSON,
}


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
    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    try:
        may_import(principal)
    except AccessDenied as exc:
        return error_response(403, "FORBIDDEN", exc.message)
    fmt = _format(request)
    if isinstance(fmt, Response):
        return fmt
    flags = {}
    for name in ("backfill", "createCompanies"):
        value = _flag(request, name)
        if value is None:
            return error_response(400, "INVALID_FORMAT", f"{name} must be true or false", name)
        flags[name] = value
    try:
        stream = limit_lines(request.stream(), runtime.settings.max_import_line_bytes)
        summary = await import_usage(
            runtime,
            principal,
            stream,
            fmt,
            backfill=flags["backfill"],
            create_companies=flags["createCompanies"],
        )
    except AccessDenied as exc:
        return error_response(403, "FORBIDDEN", exc.message)
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
        return error_response(400, "INVALID_FILE", str(exc))
    return JSONResponse(summary.as_json())


def _format(request: Request) -> BulkFormat | Response:
    """The file's format: ``?format=``, else the Content-Type; or the refusal."""
    requested = request.query_params.get("format")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if requested:
        try:
            return BulkFormat(requested.lower())
        except ValueError:
            return error_response(400, "INVALID_FORMAT", "format must be csv or ndjson", "format")
    if content_type in _FORMATS:
        return _FORMATS[content_type]
    return error_response(
        415,
        "UNSUPPORTED_MEDIA_TYPE",
        "send Content-Type text/csv or application/x-ndjson (or ?format=csv|ndjson)",
        "content-type",
    )
