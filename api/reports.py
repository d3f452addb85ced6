"""GraphQL for reports, report schedules, cost records, cost allocation and profitability.

Reports are generated in the background: ``generateReport`` answers at once
with a PENDING report; ``report(id)`` shows its status and, once it
SUCCEEDED, a ``downloadUrl`` (``GET /v1/reports/{id}``, same key, same
scope). Usage reports are for a company (a company admin: only their own)
or, for ADMIN, the platform; cost allocation and profitability speak of the
platform's costs, so they are ADMIN's (``services.reports`` decides).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated
from uuid import UUID

import strawberry
from strawberry.scalars import JSON

from api import analysis as an
from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from api.loaders import children
from domain import aggregation as a
from domain.allocation import AllocationGranularity as DomainAllocationGranularity
from domain.reports import criteria as rc
from domain.reports import records
from domain.reports.document import ReportFormat as DomainFormat
from domain.reports.document import ReportKind as DomainKind
from services import reports as service

ReportKind = strawberry.enum(
    DomainKind,
    description="USAGE: summaries and analysis; COST_ALLOCATION and PROFITABILITY: ADMIN only.",
)
ReportFormat = strawberry.enum(DomainFormat)
RelativeWindow = strawberry.enum(
    rc.RelativeWindow, description="A window relative to when the report runs, in its time zone."
)
AllocationGranularity = strawberry.enum(DomainAllocationGranularity)
ReportStatus = strawberry.enum(records.ReportStatus)
DestinationType = strawberry.enum(records.DestinationType)
ReportDeliveryStatus = strawberry.enum(
    records.DeliveryStatus,
    name="ReportDeliveryStatus",
    description="A scheduled run's delivery: waiting (or retrying), sent, or given up.",
)


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

    def parse(self, time_zone: str = "UTC") -> rc.ReportCriteria:
        return rc.ReportCriteria(
            kind=DomainKind(self.kind.value),
            from_=self.from_,
            to=self.to,
            window=rc.RelativeWindow(self.window.value) if self.window else None,
            company_id=self.company_id,
            metric_codes=tuple(dict.fromkeys(self.metric_codes or [])),
            granularity=a.Granularity(self.granularity.value),
            time_zone=self.time_zone or time_zone,
            group_by=tuple(a.Dimension[g.name] for g in self.group_by or []),
            product_codes=tuple(dict.fromkeys(self.product_codes or [])),
            allocation_granularity=DomainAllocationGranularity(self.allocation_granularity.value),
            top=self.top,
            space_id=self.space_id,
            application_id=self.application_id,
            user_id=self.user_id,
            source=self.source,
            billable=self.billable,
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
    def of(cls, r: records.StoredReport) -> Report:
        return cls(
            id=r.id,
            kind=r.kind,
            format=r.format,
            status=r.status,
            company_id=r.company_id,
            criteria=r.criteria,
            created_at=r.created_at,
            started_at=r.started_at,
            finished_at=r.finished_at,
            size_bytes=r.size_bytes,
            error=r.error,
            schedule_id=r.schedule_id,
            scheduled_for=r.scheduled_for,
            download_url=f"/v1/reports/{r.id}"
            if r.status is records.ReportStatus.SUCCEEDED
            else None,
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


async def generate_report(
    ctx: Context, criteria: ReportCriteriaInput, format: DomainFormat
) -> ReportResult:
    call = service.generate_report(
        ctx.runtime,
        ctx.principal,
        criteria.parse(),
        DomainFormat(format.value),
        audit=ctx.change_audit("generateReport"),
    )
    return await answer(call, to=Report.of)


async def report(ctx: Context, id: UUID) -> Report | None:
    found = await service.find_report(ctx.runtime, ctx.principal, id)
    return Report.of(found) if found is not None else None


async def reports(
    ctx: Context, first: int, after: str | None, schedule_id: UUID | None
) -> ReportConnection:
    start = partial(
        paging.position,
        after,
        2,
        lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1])),
    )
    rows = await service.list_reports(
        ctx.runtime, ctx.principal, schedule_id=schedule_id, first=first, start=start
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

    def parse(self) -> service.DestinationRequest:
        return service.DestinationRequest(
            records.DestinationType(self.type.value), tuple(self.to or ()), self.url, self.secret
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
    status: ReportDeliveryStatus
    attempts: int
    error: str | None
    delivered_at: datetime | None

    @classmethod
    def of(cls, r: records.ScheduleRun) -> ReportScheduleRun:
        return cls(
            scheduled_for=r.scheduled_for,
            report_id=r.report_id,
            status=r.status,
            attempts=r.attempts,
            error=r.error,
            delivered_at=r.delivered_at,
        )


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
        ctx = info.context
        loader = children(
            info,
            f"ReportSchedule.runs(last: {last})",
            lambda schedules: service.schedule_runs(ctx.runtime, ctx.principal, schedules, last),
            key=_schedule_id,
        )
        return [ReportScheduleRun.of(r) for r in await loader.load(self.stored)]

    stored: strawberry.Private[records.ReportSchedule]

    @classmethod
    def of(cls, view: service.ScheduleView) -> ReportSchedule:
        s = view.schedule
        return cls(
            id=s.id,
            name=s.name,
            company_id=s.company_id,
            cron=s.cron,
            time_zone=s.time_zone,
            criteria=s.criteria,
            format=s.format,
            destination=ReportDestination(
                type=s.destination.type,
                to=list(s.destination.to),
                url=view.url,
                signed=bool(s.destination.secret),
            ),
            active=s.active,
            created_at=s.created_at,
            next_run_at=view.next_run_at,
            stored=s,
        )


def _schedule_id(schedule: records.ReportSchedule) -> UUID:
    return schedule.id


ReportScheduleResult = Annotated[
    ReportSchedule | t.ValidationError, strawberry.union("ReportScheduleResult")
]


async def create_report_schedule(
    ctx: Context,
    name: str,
    cron: str,
    time_zone: str,
    criteria: ReportCriteriaInput,
    format: DomainFormat,
    destination: ReportDestinationInput,
) -> ReportScheduleResult:
    call = service.create_report_schedule(
        ctx.runtime,
        ctx.principal,
        name=name,
        cron=cron,
        time_zone=time_zone,
        criteria=criteria.parse(time_zone),
        fmt=DomainFormat(format.value),
        destination=destination.parse(),
        audit=ctx.change_audit("createReportSchedule"),
    )
    return await answer(call, to=ReportSchedule.of)


async def report_schedules(ctx: Context) -> list[ReportSchedule]:
    views = await service.list_report_schedules(ctx.runtime, ctx.principal)
    return [ReportSchedule.of(v) for v in views]


async def set_schedule_active(ctx: Context, id: UUID, active: bool) -> ReportScheduleResult:
    call = service.set_report_schedule_active(
        ctx.runtime,
        ctx.principal,
        id,
        active,
        audit=ctx.change_audit("setReportScheduleActive"),
    )
    return await answer(call, to=ReportSchedule.of)


async def delete_schedule(ctx: Context, id: UUID) -> bool:
    deleted = await service.delete_report_schedule(
        ctx.runtime, ctx.principal, id, audit=ctx.change_audit("deleteReportSchedule")
    )
    return deleted
