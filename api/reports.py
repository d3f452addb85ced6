"""GraphQL for reports, report schedules, cost records, cost allocation and profitability.

Reports are generated in the background: ``generateReport`` answers at once
with a PENDING report; ``report(id)`` shows its status and, once it
SUCCEEDED, a ``downloadUrl`` (``GET /v1/reports/{id}``, same key, same
scope). Usage reports are for a company (a company admin: only their own)
or, for ADMIN, the platform; cost allocation and profitability speak of the
platform's costs, so they are ADMIN's.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import strawberry
import uuid_utils.compat as uuid7
from strawberry.scalars import JSON

from api import analysis as an
from api import guards, paging
from api import types as t
from api.context import Context
from domain import aggregation as a
from domain import text
from domain import usage as d
from domain.access import Role
from domain.allocation import AllocationGranularity as DomainAllocationGranularity
from domain.reports import criteria as rc
from domain.reports.document import ReportFormat as DomainFormat
from domain.reports.document import ReportKind as DomainKind
from jobs.reports import (
    Destination,
    UnsafeWebhook,
    at_most_once_a_minute,
    check_webhook_url,
    cron_trigger,
    redact,
)
from storage import costs, repos
from storage import reports as store
from storage.queries import q

ReportKind = strawberry.enum(
    DomainKind,
    description="USAGE: summaries and analysis; COST_ALLOCATION and PROFITABILITY: ADMIN only.",
)
ReportFormat = strawberry.enum(DomainFormat)
RelativeWindow = strawberry.enum(
    rc.RelativeWindow, description="A window relative to when the report runs, in its time zone."
)
AllocationGranularity = strawberry.enum(DomainAllocationGranularity)


@strawberry.enum
class ReportStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.enum
class DestinationType(Enum):
    STORED = "STORED"
    EMAIL = "EMAIL"
    WEBHOOK = "WEBHOOK"


@strawberry.input(description="What a report covers: a fixed [from, to) or a relative window.")
class ReportCriteriaInput:
    kind: ReportKind = DomainKind.USAGE
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    window: RelativeWindow | None = None
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted: the key's own company, or the platform for ADMIN."
    )
    metric_codes: list[str] | None = None
    granularity: an.Granularity = a.Granularity.DAY
    time_zone: str | None = strawberry.field(
        default=None, description="IANA zone of buckets and windows: UTC, or the schedule's."
    )
    group_by: list[an.GroupBy] | None = None
    product_codes: list[str] | None = strawberry.field(
        default=None, description="COST_ALLOCATION: these products (omitted: every product)."
    )
    allocation_granularity: AllocationGranularity = DomainAllocationGranularity.DAILY
    top: int = strawberry.field(default=5, description="How many top spaces, apps, users.")
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = strawberry.field(
        default=None, description="Only billable (true) or non-billable (false) usage."
    )


@strawberry.type
class Report:
    id: UUID
    kind: ReportKind
    format: ReportFormat
    status: ReportStatus
    company_id: UUID | None
    criteria: JSON
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    size_bytes: int | None
    error: str | None
    schedule_id: UUID | None
    scheduled_for: datetime | None
    download_url: str | None = strawberry.field(
        description="GET it with the same API key; set once the report SUCCEEDED."
    )

    @classmethod
    def of(cls, r: store.StoredReport) -> Report:
        return cls(
            id=r.id,
            kind=r.kind,
            format=r.format,
            status=ReportStatus(r.status),
            company_id=r.company_id,
            criteria=r.criteria,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            size_bytes=r.size_bytes,
            error=r.error,
            schedule_id=r.schedule_id,
            scheduled_for=r.scheduled_for,
            download_url=f"/v1/reports/{r.id}" if r.status == "SUCCEEDED" else None,
        )


ReportResult = Annotated[Report | t.ValidationError, strawberry.union("ReportResult")]


@strawberry.type
class ReportEdge:
    cursor: str
    node: Report


@strawberry.type
class ReportConnection:
    edges: list[ReportEdge]
    page_info: t.PageInfo


def _criteria(ctx: Context, i: ReportCriteriaInput, time_zone: str = "UTC") -> rc.ReportCriteria:
    kind = DomainKind(i.kind.value)
    if kind is not DomainKind.USAGE:
        guards.require(ctx, Role.ADMIN)
    return rc.ReportCriteria(
        kind=kind,
        from_=i.from_,
        to=i.to,
        window=rc.RelativeWindow(i.window.value) if i.window else None,
        company_id=guards.company_filter(ctx, i.company_id),
        metric_codes=tuple(dict.fromkeys(i.metric_codes or [])),
        granularity=a.Granularity(i.granularity.value),
        time_zone=i.time_zone or time_zone,
        group_by=tuple(a.Dimension[g.name] for g in i.group_by or []),
        product_codes=tuple(dict.fromkeys(i.product_codes or [])),
        allocation_granularity=DomainAllocationGranularity(i.allocation_granularity.value),
        top=i.top,
        space_id=i.space_id,
        application_id=i.application_id,
        user_id=i.user_id,
        source=i.source,
        billable=i.billable,
    )


async def _check(ctx: Context, c: rc.ReportCriteria, prefix: str) -> list[d.FieldError]:
    errors = rc.validate(c, datetime.now(UTC))
    if c.from_ is not None and c.to is not None and not errors:
        errors += an.window_errors(ctx, c.from_, c.to)
    async with ctx.runtime.pool.acquire() as conn:
        metrics = await repos.all_metrics(conn)
        products = await costs.product_metrics(conn)
        if c.company_id is not None and await repos.company_by_id(conn, c.company_id) is None:
            errors.append(
                d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, f"no company {c.company_id}")
            )
    for code in c.metric_codes:
        if code not in metrics:
            errors.append(
                d.FieldError("metricCodes", d.ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}")
            )
    for code in c.product_codes:
        if code not in products:
            errors.append(
                d.FieldError("productCodes", d.ErrorCode.UNKNOWN_PRODUCT, f"no product {code!r}")
            )
    return [d.FieldError(prefix + e.field, e.code, e.message) for e in errors]


class _QueueFull(Exception):
    """The company has as many reports waiting as it may: roll the request back."""


async def generate_report(
    ctx: Context, criteria: ReportCriteriaInput, format: DomainFormat
) -> ReportResult:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    c = _criteria(ctx, criteria)
    errors = await _check(ctx, c, "criteria.")
    if errors:
        return t.ValidationError.of(errors)
    cap = ctx.runtime.settings.max_pending_reports_per_company
    try:
        async with ctx.writing("generateReport", "Report") as conn:
            # one company's queue is bounded, so it cannot hold back everyone's reports
            if await store.pending_reports(conn, c.company_id) >= cap:
                raise _QueueFull
            report = await store.create_report(
                conn,
                c,
                DomainFormat(format.value),
                datetime.now(UTC),
                created_by=ctx.principal.key_id,
            )
    except _QueueFull:
        return t.ValidationError.single(
            "criteria.companyId",
            d.ErrorCode.OUT_OF_RANGE,
            f"this company has {cap} reports waiting or being built already"
            " (METERGRAPH_MAX_PENDING_REPORTS_PER_COMPANY); try again when they are done",
        )
    ctx.runtime.reports.start(report.id)
    return Report.of(report)


def _visible(ctx: Context, company_id: UUID | None) -> bool:
    return not ctx.principal.role.scoped or (
        company_id is not None and company_id == ctx.principal.company_id
    )


async def report(ctx: Context, id: UUID) -> Report | None:
    guards.require(ctx, *guards.READERS)
    async with ctx.runtime.pool.acquire() as conn:
        found = await store.report_by_id(conn, id)
    if found is None or not _visible(ctx, found.company_id):
        return None  # another company's report does not exist for this key
    return Report.of(found)


async def reports(
    ctx: Context, first: int, after: str | None, schedule_id: UUID | None
) -> ReportConnection:
    guards.require(ctx, *guards.READERS)
    paging.page_size(ctx, first)
    position = paging.position(
        after, 2, lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1]))
    )
    company = ctx.principal.company_id if ctx.principal.role.scoped else None
    async with ctx.runtime.pool.acquire() as conn:
        rows = await store.list_reports(
            conn, company, schedule_id=schedule_id, after=position, limit=first + 1
        )
    edges = [
        ReportEdge(cursor=t.encode_cursor(r.created_at.isoformat(), str(r.id)), node=Report.of(r))
        for r in rows[:first]
    ]
    return ReportConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )


# ------------------------------------------------------------- schedules


@strawberry.input(description="Where a scheduled report goes.")
class ReportDestinationInput:
    type: DestinationType
    to: list[str] | None = strawberry.field(default=None, description="EMAIL: addresses.")
    url: str | None = strawberry.field(default=None, description="WEBHOOK: http(s) URL.")
    secret: str | None = strawberry.field(
        default=None, description="WEBHOOK: HMAC-SHA256 key for X-Metergraph-Signature."
    )


@strawberry.type
class ReportDestination:
    type: DestinationType
    to: list[str]
    url: str | None
    signed: bool


@strawberry.type
class ReportScheduleRun:
    scheduled_for: datetime
    report_id: UUID | None = strawberry.field(description="None once retention removed it.")
    status: str
    attempts: int
    error: str | None
    delivered_at: datetime | None


@strawberry.type
class ReportSchedule:
    id: UUID
    name: str
    company_id: UUID | None
    cron: str
    time_zone: str
    criteria: JSON
    format: ReportFormat
    destination: ReportDestination
    active: bool
    created_at: datetime
    next_run_at: datetime | None

    @strawberry.field(
        description="The latest runs, newest first (a VIEWER does not see delivery errors)."
    )
    async def runs(
        self, info: strawberry.Info[Context, None], last: int = 20
    ) -> list[ReportScheduleRun]:
        # a delivery error speaks of the destination (its host, its answers): admins only
        shows_errors = info.context.principal.role is not Role.VIEWER
        async with info.context.runtime.pool.acquire() as conn:
            rows = await conn.fetch(q("schedule_runs"), self.id, max(1, min(last, 1000)))
        return [
            ReportScheduleRun(
                scheduled_for=r["scheduled_for"],
                report_id=r["report_id"],
                status=r["status"],
                attempts=r["attempts"],
                error=redact(r["error"], self.stored_destination)
                if shows_errors and r["error"]
                else None,
                delivered_at=r["delivered_at"],
            )
            for r in rows
        ]

    stored_destination: strawberry.Private[Destination]

    @classmethod
    def of(cls, row: Any, role: Role) -> ReportSchedule:
        dest = Destination.of(json.loads(row["destination"]))
        trigger = cron_trigger(row["cron"], row["time_zone"])
        now = datetime.now(UTC)
        following = trigger.get_next_fire_time(None, now) if row["active"] else None
        return cls(
            id=row["id"],
            name=row["name"],
            company_id=row["company_id"],
            cron=row["cron"],
            time_zone=row["time_zone"],
            criteria=json.loads(row["criteria"]),
            format=DomainFormat(row["format"]),
            destination=ReportDestination(
                type=DestinationType(dest.type),
                to=list(dest.to),
                url=None if role is Role.VIEWER else dest.url,
                signed=bool(dest.secret),
            ),
            active=row["active"],
            created_at=row["created_at"],
            next_run_at=following.astimezone(UTC) if following else None,
            stored_destination=dest,
        )


ReportScheduleResult = Annotated[
    ReportSchedule | t.ValidationError, strawberry.union("ReportScheduleResult")
]


MAX_REPORT_RECIPIENTS = 50
MAX_URL_LENGTH = 2_048


async def _destination(ctx: Context, i: ReportDestinationInput) -> Destination | d.FieldError:
    kind = DestinationType(i.type.value)
    if kind is DestinationType.EMAIL:
        to = tuple(x.strip() for x in i.to or [] if x.strip())
        if not to or len(to) > MAX_REPORT_RECIPIENTS:
            return d.FieldError(
                "destination.to",
                d.ErrorCode.INVALID_FORMAT,
                f"EMAIL needs 1 to {MAX_REPORT_RECIPIENTS} e-mail addresses",
            )
        for address in to:
            bad = text.check_email("destination.to", address)
            if bad is not None:
                return bad
        return Destination("EMAIL", to=to)
    if kind is DestinationType.WEBHOOK:
        url = (i.url or "").strip()
        if not url.startswith(("http://", "https://")):
            return d.FieldError(
                "destination.url", d.ErrorCode.INVALID_FORMAT, "WEBHOOK needs an http(s) URL"
            )
        if len(url) > MAX_URL_LENGTH or text.has_control(url) or " " in url:
            return d.FieldError(
                "destination.url",
                d.ErrorCode.INVALID_FORMAT,
                f"a webhook URL has no spaces nor control characters, {MAX_URL_LENGTH} at most",
            )
        secret = i.secret or None
        if secret is not None and (text.has_control(secret) or len(secret) > MAX_URL_LENGTH):
            return d.FieldError(
                "destination.secret", d.ErrorCode.INVALID_FORMAT, "the secret is not usable"
            )
        try:
            await check_webhook_url(url, ctx.runtime.settings.allow_private_webhooks)
        except UnsafeWebhook as exc:
            return d.FieldError("destination.url", d.ErrorCode.INVALID_FORMAT, str(exc))
        return Destination("WEBHOOK", url=url, secret=secret)
    return Destination("STORED")


async def create_report_schedule(
    ctx: Context,
    name: str,
    cron: str,
    time_zone: str,
    criteria: ReportCriteriaInput,
    format: DomainFormat,
    destination: ReportDestinationInput,
) -> ReportScheduleResult:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    c = _criteria(ctx, criteria, time_zone)
    errors = await _check(ctx, c, "criteria.")
    # the name becomes an e-mail subject: no line breaks, a bounded length
    bad_name = text.check_name("name", name, ctx.runtime.settings.max_name_length)
    if bad_name is not None:
        errors.append(bad_name)
    try:
        cron_trigger(cron, time_zone)
    except ValueError as exc:
        field = "timeZone" if "zone" in str(exc).lower() else "cron"
        errors.append(d.FieldError(field, d.ErrorCode.INVALID_FORMAT, str(exc)))
    else:
        too_often = at_most_once_a_minute(cron)
        if too_often is not None:
            errors.append(d.FieldError("cron", d.ErrorCode.OUT_OF_RANGE, too_often))
    dest = await _destination(ctx, destination)
    if isinstance(dest, d.FieldError):
        errors.append(dest)
    if errors:
        return t.ValidationError.of(errors)
    assert isinstance(dest, Destination)
    async with ctx.writing("createReportSchedule", "ReportSchedule") as conn:
        row = await conn.fetchrow(
            q("insert_schedule"),
            uuid7.uuid7(),
            c.company_id,
            name.strip(),
            " ".join(cron.split()),
            time_zone,
            json.dumps(c.to_json()),
            format.value,
            json.dumps(dest.to_json()),
            ctx.principal.key_id,
        )
    return ReportSchedule.of(row, ctx.principal.role)


async def _own_schedule(ctx: Context, id: UUID) -> Any:
    async with ctx.runtime.pool.acquire() as conn:
        row = await conn.fetchrow(q("schedule_by_id"), id)
    if row is None or not _visible(ctx, row["company_id"]):
        return None
    return row


async def report_schedules(ctx: Context) -> list[ReportSchedule]:
    guards.require(ctx, *guards.READERS)
    scoped = ctx.principal.role.scoped
    async with ctx.runtime.pool.acquire() as conn:
        rows = await conn.fetch(q("list_schedules"), not scoped, ctx.principal.company_id)
    return [ReportSchedule.of(r, ctx.principal.role) for r in rows]


async def set_schedule_active(ctx: Context, id: UUID, active: bool) -> ReportScheduleResult:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    if await _own_schedule(ctx, id) is None:
        return t.ValidationError.single("id", d.ErrorCode.NOT_FOUND, f"no report schedule {id}")
    async with ctx.writing("setReportScheduleActive", "ReportSchedule") as conn:
        row = await conn.fetchrow(q("set_schedule_active"), id, active)
    return ReportSchedule.of(row, ctx.principal.role)


async def delete_schedule(ctx: Context, id: UUID) -> bool:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    if await _own_schedule(ctx, id) is None:
        return False
    async with ctx.writing("deleteReportSchedule", "ok") as conn:
        await conn.execute(q("delete_schedule"), id)
    return True
