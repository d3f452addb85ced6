"""Bulk import of usage files, streamed in chunks through COPY.

Lines are parsed as they arrive; every ``chunk_rows`` parsed rows are checked
and committed in their own transaction, so memory stays flat and an accepted
chunk is durable before the summary counts it. A re-run of the same file is
harmless: every row with an event id comes back as a duplicate.

``import_usage`` is the product's command (HTTP bulk import); the CLI and the
demo run a ``UsageImporter`` of their own.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import uuid_utils.compat as uuid7

from domain.access import AccessDenied, Principal, Role
from domain.audit import AuditEntry
from domain.bulk import (
    TELEMETRY_FIELDS,
    BulkFileError,
    BulkFormat,
    CsvReader,
    LineError,
    ParsedRow,
    TelemetryReader,
    is_telemetry_header,
    parse_ndjson,
)
from domain.usage import ErrorCode, FieldError, Metric, UsageDraft, validate_company_key
from services import metrics
from services.pipeline import (
    BatchPlan,
    Outcome,
    Status,
    UsageIngestor,
    plan_batch,
    status_counts,
)
from services.runtime import Runtime
from storage import repos
from storage.copy_rows import CopyRows
from storage.importer import product_metrics
from storage.usage import CopyData, PendingRecord

_log = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 1_000


@dataclass
class ImportSummary:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[LineError] = field(default_factory=list)
    companies_created: list[str] = field(default_factory=list)

    @property
    def errors_truncated(self) -> bool:
        return self.rejected > len(self.errors)

    def reject(self, error: LineError) -> None:
        self.rejected += 1
        metrics.count_records(0, 0, [error.error])
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(error)

    def as_json(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "companiesCreated": self.companies_created,
            "errors": [
                {
                    "line": e.line,
                    "field": e.error.field,
                    "code": e.error.code.value,
                    "message": e.error.message,
                }
                for e in self.errors
            ],
            "errorsTruncated": self.errors_truncated,
        }


async def _line_batches(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[str]]:
    """Decode UTF-8 incrementally; the whole lines of each chunk as one list
    (without their newlines), so that the loop over lines is not an async step
    per line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    # The unfinished line, in pieces: joined once its newline arrives, so that
    # a long line costs time in proportion to its length.
    pending: list[str] = []
    try:
        async for chunk in chunks:
            text = decoder.decode(chunk)
            cut = text.rfind("\n")
            if cut < 0:
                pending.append(text)
                continue
            pending.append(text[:cut])
            complete = "".join(pending).split("\n")
            pending = [text[cut + 1 :]]
            yield complete
        pending.append(decoder.decode(b"", final=True))
    except UnicodeDecodeError as exc:
        raise BulkFileError(f"the file is not UTF-8 text: {exc.reason}") from exc
    rest = "".join(pending)
    if rest:
        yield [rest]


# Records parsed, and checked, between two turns of the event loop: buffered
# body bytes are handed over without a pause, so the chunk being stored gets
# its turns on the loop between these steps.
_PARSE_STEP = 500
_CHECK_STEP = 500

# A parser of one record: (its first line, its text) -> the row, its error, or None (blank).
_Parse = Callable[[int, str], ParsedRow | LineError | None]


async def _parsed_batches(
    records: AsyncIterator[list[tuple[int, str]]],
    parse: _Parse,
    size: int,
    summary: ImportSummary,
    progress: Callable[[int], None] | None,
) -> AsyncIterator[list[ParsedRow]]:
    """The parsed rows, ``size`` at a time; a line that cannot be parsed is rejected."""
    batch: list[ParsedRow] = []
    async for group in records:
        for start in range(0, len(group), _PARSE_STEP):
            parsed = [parse(line, text) for line, text in group[start : start + _PARSE_STEP]]
            rows = [p for p in parsed if type(p) is ParsedRow]
            if len(rows) < len(parsed):  # blank lines, comments, errors
                for error in parsed:
                    if isinstance(error, LineError):
                        summary.reject(error)
                        if progress:
                            progress(1)
            batch += rows
            while len(batch) >= size:
                yield batch[:size]
                batch = batch[size:]
            await asyncio.sleep(0)
    if batch:
        yield batch


@dataclass
class ImportOptions:
    fmt: BulkFormat
    allowed_company: UUID | None = None
    backfill: bool = False
    create_companies: bool = False
    chunk_rows: int = 5_000
    # chunks being stored at once, each in its own transaction on its own
    # connection: while PostgreSQL commits one, it is already storing the next
    chunks_in_flight: int = 2
    # the audit row of a stored chunk, given its outcomes: committed with it
    audit: Callable[[Mapping[int, Outcome]], AuditEntry] | None = None


@dataclass(frozen=True)
class _Prepared:
    # the rows to store, ready for COPY: built while the chunk before is stored
    plan: BatchPlan
    lines_by_ord: dict[int, int]
    rows: int


class UsageImporter:
    def __init__(self, ingestor: UsageIngestor) -> None:
        self.ingestor = ingestor
        self._company_ids: dict[str, UUID] = {}
        self._columns: dict[str, str] = {}  # record field -> the file's column, for errors

    async def run(
        self,
        chunks: AsyncIterator[bytes],
        options: ImportOptions,
        progress: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        """Import a stream of bytes; ``progress`` is told how many records were handled."""
        summary = ImportSummary()
        lines = _line_batches(chunks)
        parse, records = await self._reader(lines, options.fmt)
        # Chunks are stored while the next is read and checked: PostgreSQL and
        # Python work at the same time.
        storing = _Stores(options.chunks_in_flight)
        try:
            batches = _parsed_batches(records, parse, options.chunk_rows, summary, progress)
            async for batch in batches:
                prepared = await self._prepare(batch, options, summary)
                await storing.start(
                    prepared.plan, self._store(prepared, options, summary, progress)
                )
            await storing.finish()
        finally:
            # leaving early: the chunks in flight end (commit or roll back) first
            await storing.finish(raising=False)
        # Parse errors are found as lines are read, validation errors as chunks
        # commit: report them in file order.
        summary.errors.sort(key=lambda e: e.line)
        return summary

    async def _reader(
        self, lines: AsyncIterator[list[str]], fmt: BulkFormat
    ) -> tuple[_Parse, AsyncIterator[list[tuple[int, str]]]]:
        """How to parse the file's records, and the records (first line, text)."""
        if fmt is not BulkFormat.CSV:
            return parse_ndjson, _numbered(lines)
        header, after_header = await _first_line(lines)
        if header is None:
            raise BulkFileError("the file is empty: a CSV import starts with a header line")
        parse: _Parse
        if is_telemetry_header(header):
            async with self.ingestor.pool.acquire() as conn:
                products = await product_metrics(conn)
            parse = TelemetryReader(products).parse
            self._columns = TELEMETRY_FIELDS
        else:
            parse = CsvReader(header).parse
            self._columns = _CSV_FIELDS
        return parse, _csv_records(_chain(after_header, lines), start_line=2)

    async def _prepare(
        self, rows: list[ParsedRow], options: ImportOptions, summary: ImportSummary
    ) -> _Prepared:
        """Resolve and check a chunk's rows; the ones to store, with their line numbers."""
        metrics = await self.ingestor.references.metrics()
        company_ids = await self._resolve_companies(rows, options, summary)
        drafts = self._drafts(rows, company_ids, metrics, options.fmt)
        valid = [d for d in drafts if isinstance(d, UsageDraft)]
        checked = iter(await self._check(valid, options))
        pending: list[PendingRecord] = []
        lines_by_ord: dict[int, int] = {}
        for row, draft in zip(rows, drafts, strict=True):
            if isinstance(draft, LineError):
                summary.reject(draft)
                continue
            item = next(checked)
            if isinstance(item, list):
                for error in item[:1]:
                    summary.reject(LineError(row.line, self._column(error)))
                continue
            pending.append(item)  # its ord: its place among the checked drafts
            lines_by_ord[item.ord] = row.line
        return _Prepared(await _planned(pending), lines_by_ord, len(rows))

    async def _check(
        self, drafts: list[UsageDraft], options: ImportOptions
    ) -> list[PendingRecord | list[FieldError]]:
        """``ingestor.check`` of ``drafts`` (one clock), _CHECK_STEP at a time: between
        two steps the chunk being stored takes its turn on the loop, so that its
        COPY is seen to end and the next one sent while this chunk is checked."""
        now = datetime.now(UTC)
        checked: list[PendingRecord | list[FieldError]] = []
        for start in range(0, len(drafts), _CHECK_STEP):
            part = drafts[start : start + _CHECK_STEP]
            checked += await self.ingestor.check(
                part,
                allowed_company=options.allowed_company,
                backfill=options.backfill,
                now=now,
                positions=range(start, start + len(part)),
            )
            await asyncio.sleep(0)
        return checked

    def _drafts(
        self,
        rows: list[ParsedRow],
        company_ids: dict[str, UUID],
        metrics: dict[str, Metric],
        fmt: BulkFormat,
    ) -> list[UsageDraft | LineError]:
        """Each row as a draft (its company and metric known), or the line's error."""
        drafts: list[UsageDraft | LineError] = []
        for row in rows:
            if row.draft is not None:  # complete as read (NDJSON): checked as it is
                drafts.append(row.draft)
                continue
            company_id = row.company_id
            if company_id is None:
                assert row.company_key is not None
                company_id = company_ids.get(row.company_key)
                if company_id is None:
                    drafts.append(
                        LineError(
                            row.line,
                            FieldError(
                                self._columns.get("customer_id", "customer_id"),
                                ErrorCode.UNKNOWN_COMPANY,
                                f"no company has external key {row.company_key!r}"
                                " (import with --create-companies to create it)",
                            ),
                        )
                    )
                    continue
            metric = metrics.get(row.metric_code)
            if metric is None:
                drafts.append(
                    LineError(
                        row.line,
                        FieldError(
                            "metric_name" if fmt is BulkFormat.CSV else "metricCode",
                            ErrorCode.UNKNOWN_METRIC,
                            f"no metric is defined as {row.metric_code!r}",
                        ),
                    )
                )
                continue
            drafts.append(
                row.as_draft(
                    company_id,
                    # CSV rows carry neither: the metric definition supplies them.
                    row.resource_type or metric.resource_type,
                    row.unit if row.unit is not None else metric.unit,
                )
            )
        return drafts

    async def _store(
        self,
        prepared: _Prepared,
        options: ImportOptions,
        summary: ImportSummary,
        progress: Callable[[int], None] | None,
    ) -> None:
        pending, lines_by_ord = prepared.plan.pending, prepared.lines_by_ord
        if pending:
            outcomes = await self.ingestor.store_batch(prepared.plan, options.audit)
            await self.ingestor.committed(pending, outcomes.values())
        else:
            outcomes = {}
        if progress:
            progress(prepared.rows)
        counts = status_counts(outcomes.values())
        summary.accepted += counts[Status.ACCEPTED.value]
        summary.duplicates += counts[Status.DUPLICATE.value]
        if counts[Status.REJECTED.value]:
            for ord_ in sorted(outcomes):
                outcome = outcomes[ord_]
                if outcome.status is Status.REJECTED:
                    error = LineError(lines_by_ord[ord_], self._column(outcome.errors[0]))
                    summary.reject(error)

    def _column(self, error: FieldError) -> FieldError:
        """Name the file's column, not the GraphQL field, in errors about CSV rows."""
        if error.field in self._columns:
            return FieldError(self._columns[error.field], error.code, error.message)
        return error

    async def _resolve_companies(
        self, rows: list[ParsedRow], options: ImportOptions, summary: ImportSummary
    ) -> dict[str, UUID]:
        keys = {r.company_key for r in rows if r.company_key is not None} - self._company_ids.keys()
        if keys:
            async with self.ingestor.pool.acquire() as conn:
                found = await repos.companies_by_external_keys(conn, sorted(keys))
                self._company_ids.update({k: c.id for k, c in found.items()})
                if options.create_companies:
                    for key in sorted(keys - found.keys()):
                        if validate_company_key(key):
                            continue
                        company = await repos.insert_company(conn, uuid7.uuid7(), key, key, 35)
                        if company is None:  # created meanwhile by someone else
                            again = await repos.companies_by_external_keys(conn, [key])
                            company = again[key]
                        else:
                            summary.companies_created.append(key)
                        self._company_ids[key] = company.id
        return self._company_ids


class _Stores:
    """Up to ``at_once`` chunks being stored, each in its own transaction.

    A chunk that claims a key one in flight claims too waits for that one to
    end before it starts: the key's first line in the file is the one
    stored, as when chunks are stored one after the other. Chunks sharing no
    key cannot wait on each other's rows.
    """

    def __init__(self, at_once: int) -> None:
        self._at_once = at_once
        self._flying: list[tuple[BatchPlan, asyncio.Task[None]]] = []

    async def start(self, plan: BatchPlan, store: Coroutine[Any, Any, None]) -> None:
        """Start ``store`` (of ``plan``) once it may; a chunk that failed is raised
        before another starts."""
        try:
            await self._make_room(plan)
        except BaseException:
            store.close()  # never started
            raise
        self._flying.append((plan, asyncio.create_task(store)))

    async def _make_room(self, plan: BatchPlan) -> None:
        """Raise the error of a chunk that failed; then wait for the oldest chunks in
        flight until there is room and none left shares a key with ``plan``."""
        for _, task in self._flying:
            if task.done():
                await task  # raises what failed; a stored chunk leaves below at once
        while self._flying and (
            len(self._flying) >= self._at_once
            or any(plan.shares_a_key(other) for other, _ in self._flying)
        ):
            _, oldest = self._flying.pop(0)
            await oldest

    async def finish(self, *, raising: bool = True) -> None:
        """Wait for every chunk in flight; the first error is raised if ``raising``."""
        flying = [task for _, task in self._flying]
        self._flying = []
        results = await asyncio.gather(*flying, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if raising and errors:
            raise errors[0]


async def _planned(pending: list[PendingRecord]) -> BatchPlan:
    """``plan_batch`` of a chunk, its COPY data built _CHECK_STEP records at a
    time with the loop's turns between (as ``UsageImporter._check`` does)."""
    plan = plan_batch(pending, copied=False)
    built = CopyRows()
    for start in range(0, len(plan.to_store), _CHECK_STEP):
        built.add(plan.to_store[start : start + _CHECK_STEP])
        await asyncio.sleep(0)
    return dataclasses.replace(plan, data=CopyData(*built.data()))


_CSV_FIELDS = {
    "customer_id": "customer_id",
    "metricCode": "metric_name",
    "value": "quantity",
    "companyId": "customer_id",
    "idempotencyKey": "event_id",
}


async def _first_line(batches: AsyncIterator[list[str]]) -> tuple[str | None, list[str]]:
    """The first line that is not blank, and the lines after it in its batch."""
    async for lines in batches:
        for n, line in enumerate(lines):
            if line.strip():
                return line, lines[n + 1 :]
    return None, []


async def _chain(first: list[str], batches: AsyncIterator[list[str]]) -> AsyncIterator[list[str]]:
    if first:
        yield first
    async for lines in batches:
        yield lines


async def _numbered(batches: AsyncIterator[list[str]]) -> AsyncIterator[list[tuple[int, str]]]:
    number = 0
    async for lines in batches:
        yield list(enumerate(lines, number + 1))
        number += len(lines)


async def _csv_records(
    batches: AsyncIterator[list[str]], start_line: int
) -> AsyncIterator[list[tuple[int, str]]]:
    """The CSV records of a stream of line batches: (first line, record). A
    quoted field may hold newlines, so a record runs on while its quotes are
    open; a batch with no quote in it is a record a line."""
    buffer: list[str] = []
    number = start_line  # the number of the batch's first line
    first = start_line
    open_quotes = False
    async for lines in batches:
        if not buffer and '"' not in "".join(lines):
            yield list(enumerate(lines, number))
            number += len(lines)
            continue
        records = []
        for at, line in enumerate(lines, number):
            if not buffer:
                first = at
            buffer.append(line)
            if line.count('"') % 2:
                open_quotes = not open_quotes
            if not open_quotes:
                records.append((first, line if len(buffer) == 1 else "\n".join(buffer)))
                buffer = []
        number += len(lines)
        if records:
            yield records
    if buffer:
        yield [(first, "\n".join(buffer))]


def may_import(principal: Principal) -> None:
    """Refuse (AccessDenied) a key that may not import usage at all."""
    if principal.role not in (Role.ADMIN, Role.SYSTEM, Role.COMPANY_ADMIN):
        raise AccessDenied("this API key may not record usage")


async def import_usage(
    rt: Runtime,
    principal: Principal,
    chunks: AsyncIterator[bytes],
    fmt: BulkFormat,
    *,
    backfill: bool = False,
    create_companies: bool = False,
) -> ImportSummary:
    """Import a usage file as it streams in, chunk by chunk; each chunk commits with
    its audit row, and the summary's row is written once the file is done."""
    may_import(principal)
    if (backfill or create_companies) and principal.role is not Role.ADMIN:
        raise AccessDenied("only an ADMIN key may back-fill or create companies")
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
        counts = status_counts(outcomes.values())
        return audit("chunk", {k.lower(): v for k, v in sorted(counts.items())})

    options = ImportOptions(
        fmt=fmt,
        allowed_company=principal.write_scope(),
        backfill=backfill,
        create_companies=create_companies,
        chunk_rows=rt.settings.import_chunk_rows,
        chunks_in_flight=rt.settings.import_chunks_in_flight,
        audit=chunk_audit,
    )
    started = time.perf_counter()
    summary = await UsageImporter(rt.ingestor).run(chunks, options)
    _count(fmt, summary, time.perf_counter() - started)
    # each stored chunk's row committed with it; this one sums them up, and
    # its failing does not turn the committed import into an error
    totals = {
        "accepted": summary.accepted,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
    }
    try:
        await rt.audit.write(audit("ok", totals))
    except Exception:
        _log.exception("the audit row of an import could not be written")
    return summary


def _count(fmt: BulkFormat, summary: ImportSummary, seconds: float) -> None:
    """An import's rows, for GET /metrics (its rejected lines were counted one by one)."""
    metrics.count_records(summary.accepted, summary.duplicates, [])
    metrics.count_import(fmt.value, summary.accepted, summary.duplicates, summary.rejected, seconds)
