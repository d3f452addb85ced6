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
from api import described as ds
from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from api.loaders import children
from api.node import ID_DESCRIPTION, Node
from domain import aggregation as a
from domain.allocation import AllocationGranularity as DomainAllocationGranularity
from domain.reports import criteria as rc
from domain.reports import records
from domain.reports.document import ReportFormat as DomainFormat
from domain.reports.document import ReportKind as DomainKind
from services import reports as service

ReportKind = ds.enum(
    DomainKind,
    {
        DomainKind.USAGE: "Usage summaries and analysis: totals, trend, forecast, top"
        " contexts, gaps and billing.",
        DomainKind.COST_ALLOCATION: "The platform's costs split between companies (ADMIN).",
        DomainKind.PROFITABILITY: "Revenue against cost per company and period (ADMIN).",
    },
    description="USAGE: summaries and analysis; COST_ALLOCATION and PROFITABILITY: ADMIN only.",
)
ReportFormat = ds.enum(
    DomainFormat,
    {
        DomainFormat.CSV: "A CSV table (RFC 4180, CRLF line ends).",
        DomainFormat.JSON: "A JSON document: figures per metric and the table's rows.",
        DomainFormat.PDF: "A PDF with key figures, charts and tables.",
    },
    description="A report file's format.",
)
RelativeWindow = ds.enum(
    rc.RelativeWindow,
    {
        rc.RelativeWindow.PREVIOUS_HOUR: "The last whole hour.",
        rc.RelativeWindow.PREVIOUS_DAY: "Yesterday.",
        rc.RelativeWindow.PREVIOUS_WEEK: "Last week, Monday to Monday.",
        rc.RelativeWindow.PREVIOUS_MONTH: "Last calendar month.",
        rc.RelativeWindow.MONTH_TO_DATE: "From this month's start until the report runs.",
        rc.RelativeWindow.LAST_7_DAYS: "The 7 days before the report runs.",
        rc.RelativeWindow.LAST_30_DAYS: "The 30 days before the report runs.",
    },
    description="A window relative to when the report runs, in its time zone.",
)
AllocationGranularity = ds.enum(
    DomainAllocationGranularity,
    {
        DomainAllocationGranularity.HOURLY: "One UTC hour.",
        DomainAllocationGranularity.DAILY: "One UTC day.",
    },
    description="The period a cost is recorded and split for: a UTC hour or a UTC day.",
)
ReportStatus = ds.enum(
    records.ReportStatus,
    {
        records.ReportStatus.PENDING: "Waiting to be built.",
        records.ReportStatus.RUNNING: "Being built.",
        records.ReportStatus.SUCCEEDED: "Built: downloadUrl serves the file.",
        records.ReportStatus.FAILED: "Could not be built: error says why.",
    },
    description="Where building a report stands.",
)
DestinationType = ds.enum(
    records.DestinationType,
    {
        records.DestinationType.STORED: "Kept for download.",
        records.DestinationType.EMAIL: "E-mailed, the file attached.",
        records.DestinationType.WEBHOOK: "POSTed to a URL, signed when a secret is set.",
    },
    description="Where a scheduled report goes.",
)
ReportDeliveryStatus = ds.enum(
    records.DeliveryStatus,
    {
        records.DeliveryStatus.PENDING: "Not delivered yet: waiting, or to be tried again.",
        records.DeliveryStatus.DELIVERED: "Delivered.",
        records.DeliveryStatus.FAILED: "Five tries failed: no more will be made.",
    },
    name="ReportDeliveryStatus",
    description="A scheduled run's delivery: waiting (or retrying), sent, or given up.",
)


@strawberry.input(description="What a report covers: a fixed [from, to) or a relative window.")
class ReportCriteriaInput:
    kind: ReportKind = strawberry.field(
        default=DomainKind.USAGE,
        description="What the report is about.",
    )
    from_: datetime | None = strawberry.field(
        default=None,
        name="from",
        description="A fixed window's start (inclusive); with to, instead of window.",
    )
    to: datetime | None = strawberry.field(
        default=None,
        description="A fixed window's end (exclusive); with from, instead of window.",
    )
    window: RelativeWindow | None = strawberry.field(
        default=None,
        description="A window fixed when the report runs, instead of from and to.",
    )
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted: the key's own company, or the platform for ADMIN."
    )
    metric_codes: list[str] | None = strawberry.field(
        default=None,
        description="Only these metrics; omitted: every metric.",
    )
    granularity: an.Granularity = strawberry.field(
        default=a.Granularity.DAY,
        description="The bucket size of the usage series.",
    )
    time_zone: str | None = strawberry.field(
        default=None, description="IANA zone of buckets and windows: UTC, or the schedule's."
    )
    group_by: list[an.GroupBy] | None = strawberry.field(
        default=None,
        description="Split the usage table by these context fields.",
    )
    product_codes: list[str] | None = strawberry.field(
        default=None, description="COST_ALLOCATION: these products (omitted: every product)."
    )
    allocation_granularity: AllocationGranularity = strawberry.field(
        default=DomainAllocationGranularity.DAILY,
        description="COST_ALLOCATION: split each hour's cost (HOURLY) or each day's (DAILY).",
    )
    top: int = strawberry.field(default=5, description="How many top spaces, apps, users.")
    space_id: UUID | None = strawberry.field(default=None, description="Only usage of this space.")
    application_id: UUID | None = strawberry.field(
        default=None,
        description="Only usage of this application.",
    )
    user_id: UUID | None = strawberry.field(default=None, description="Only usage of this user.")
    source: str | None = strawberry.field(default=None, description="Only usage from this source.")
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


@strawberry.type(
    description="A report: built in the background from its criteria, then downloaded as a file."
)
class Report(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    kind: ReportKind = strawberry.field(description="What the report is about.")
    format: ReportFormat = strawberry.field(description="The file's format.")
    status: ReportStatus = strawberry.field(description="Where building it stands.")
    company_id: UUID | None = strawberry.field(
        description="The company it covers; null: the whole platform.",
    )
    criteria: JSON = strawberry.field(
        description="The criteria it was built from, as sent (a relative window fixed).",
    )
    created_at: datetime = strawberry.field(description="When it was asked for.")
    started_at: datetime | None = strawberry.field(description="When building it started.")
    finished_at: datetime | None = strawberry.field(
        description="When building it succeeded or failed.",
    )
    size_bytes: int | None = strawberry.field(description="The file's size, once built.")
    error: str | None = strawberry.field(description="Why it FAILED.")
    schedule_id: UUID | None = strawberry.field(description="The schedule that made it, if one.")
    scheduled_for: datetime | None = strawberry.field(
        description="The schedule's fire time it was made for, if one.",
    )
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


ReportResult = Annotated[
    Report | t.ValidationError,
    strawberry.union(
        "ReportResult", description="The report asked for (built in the background), or why not."
    ),
]


@strawberry.type(description="One report of a page and its cursor.")
class ReportEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the reports after this one."
    )
    node: Report = strawberry.field(description="The report.")


@strawberry.type(description="A page of reports, newest first.")
class ReportConnection:
    edges: list[ReportEdge] = strawberry.field(
        description="The reports of this page, newest first."
    )
    page_info: t.PageInfo = strawberry.field(
        description="Whether older reports follow (`after: endCursor`)."
    )


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
        page_info=t.PageInfo.forward([e.cursor for e in edges], len(rows) > first, after),
    )


# ------------------------------------------------------------- schedules


@strawberry.input(description="Where a scheduled report goes.")
class ReportDestinationInput:
    type: DestinationType = strawberry.field(
        description="Where it goes: kept (STORED), e-mailed or POSTed to a webhook.",
    )
    to: list[str] | None = strawberry.field(default=None, description="EMAIL: addresses.")
    url: str | None = strawberry.field(default=None, description="WEBHOOK: http(s) URL.")
    secret: str | None = strawberry.field(
        default=None, description="WEBHOOK: HMAC-SHA256 key for X-Metergraph-Signature."
    )

    def parse(self) -> service.DestinationRequest:
        return service.DestinationRequest(
            records.DestinationType(self.type.value), tuple(self.to or ()), self.url, self.secret
        )


@strawberry.type(description="Where a scheduled report goes.")
class ReportDestination:
    type: DestinationType = strawberry.field(
        description="Kept (STORED), e-mailed or POSTed to a webhook.",
    )
    to: list[str] = strawberry.field(description="EMAIL: the addresses.")
    url: str | None = strawberry.field(
        description="WEBHOOK: the URL, without credentials or query (null for a VIEWER).",
    )
    signed: bool = strawberry.field(
        description="WEBHOOK: true when each POST carries an X-Metergraph-Signature.",
    )


@strawberry.type(description="One fire time of a schedule and its delivery.")
class ReportScheduleRun:
    scheduled_for: datetime = strawberry.field(description="The fire time the run is for.")
    report_id: UUID | None = strawberry.field(description="None once retention removed it.")
    status: ReportDeliveryStatus = strawberry.field(description="Where its delivery stands.")
    attempts: int = strawberry.field(description="How many times delivery was tried.")
    error: str | None = strawberry.field(description="Why the last try failed (null for a VIEWER).")
    delivered_at: datetime | None = strawberry.field(description="When it was delivered.")

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


@strawberry.type(description="A report made and delivered at the fire times of a cron expression.")
class ReportSchedule(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    name: str = strawberry.field(description="The schedule's name (an e-mail's subject).")
    company_id: UUID | None = strawberry.field(
        description="The company its reports cover; null: the platform.",
    )
    cron: str = strawberry.field(
        description="When it fires: 5 fields (minute hour day month weekday), or 6 with seconds"
        " first.",
    )
    time_zone: str = strawberry.field(
        description="The IANA zone the cron expression (and the criteria, unless they name one)"
        " reads in.",
    )
    criteria: JSON = strawberry.field(description="The criteria of each report, as sent.")
    format: ReportFormat = strawberry.field(description="Each report's format.")
    destination: ReportDestination = strawberry.field(description="Where each report goes.")
    active: bool = strawberry.field(description="False while paused.")
    created_at: datetime = strawberry.field(description="When it was created.")
    next_run_at: datetime | None = strawberry.field(
        description="Its next fire time; null while paused.",
    )

    @strawberry.field(
        description="The latest runs, newest first (a VIEWER does not see delivery errors)."
    )
    async def runs(
        self,
        info: strawberry.Info[Context, None],
        last: Annotated[int, strawberry.argument(description="How many, at most.")] = 20,
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
    ReportSchedule | t.ValidationError,
    strawberry.union(
        "ReportScheduleResult", description="The schedule as it now stands, or why not."
    ),
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
