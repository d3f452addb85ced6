"""GraphQL for reading usage in aggregate, finding gaps, and correcting records.

Each resolver parses its input, makes one call to ``services.usage`` or
``services.corrections`` and maps the answer; refusals of the input come
back as the result union's ``ValidationError`` member (``api.errors.answer``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from domain import aggregation as a
from domain import limits as lim
from domain import usage as d
from domain.gaps import Gap
from domain.records import RecordsQuery, StoredRecord
from services import corrections, usage
from services.corrections import Corrected

Granularity = strawberry.enum(a.Granularity, description="Bucket size; TOTAL is one bucket.")
AggregateFunction = strawberry.enum(a.Function, name="AggregateFunction")
AggregationLevel = strawberry.enum(
    a.Level, description="SPACE breaks every bucket down by space; COMPANY does not."
)
GroupBy = strawberry.enum(
    a.Dimension, name="GroupDimension", description="Context a result can be grouped by."
)


@strawberry.input(description="What to aggregate: a half-open window [from, to) and how.")
class AggregationCriteria:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted: the key's own company, or every company for ADMIN."
    )
    metric_codes: list[str] | None = None
    resource_type: t.ResourceType | None = None
    granularity: Granularity = a.Granularity.DAY
    functions: list[AggregateFunction] | None = strawberry.field(
        default=None, description="Omitted: each metric's own aggregation."
    )
    group_by: list[GroupBy] | None = None
    group_by_property: str | None = strawberry.field(
        default=None, description="Group by this key of the records' properties."
    )
    unique_of: GroupBy | None = strawberry.field(
        default=None, description="What UNIQUE_COUNT counts: a context field..."
    )
    unique_of_property: str | None = strawberry.field(
        default=None, description="...or a key of the records' properties."
    )
    level: AggregationLevel = a.Level.COMPANY
    time_zone: str = strawberry.field(
        default="UTC", description="IANA zone for DAY and MONTH (and HOUR) boundaries."
    )
    time_weighted: bool = strawberry.field(
        default=False,
        description="Also give each gauge's time-weighted average (a reading holds until the"
        " next one).",
    )
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None


@strawberry.type(description="One bucket: a period, a metric and a group, with its figures.")
class AggregationBucket:
    period_start: datetime
    period_end: datetime
    metric_code: str
    company_id: UUID | None
    space_id: UUID | None
    application_id: UUID | None
    user_id: UUID | None
    source: str | None
    billing_category: str | None
    property: str | None
    sum: Decimal | None
    count: int | None
    avg: Decimal | None
    min: Decimal | None
    max: Decimal | None
    unique_count: int | None
    latest: Decimal | None
    latest_at: datetime | None
    time_weighted_avg: Decimal | None

    @classmethod
    def of(cls, row: a.ResultRow, functions: tuple[a.Function, ...]) -> AggregationBucket:
        p, g, f = row.partial, row.group, set(functions)
        return cls(
            period_start=row.period_start,
            period_end=row.period_end,
            metric_code=row.metric_code,
            company_id=g.get("COMPANY"),
            space_id=g.get("SPACE"),
            application_id=g.get("APPLICATION"),
            user_id=g.get("USER"),
            source=g.get("SOURCE"),
            billing_category=g.get("BILLING_CATEGORY"),
            property=g.get("PROPERTY"),
            sum=p.total if a.Function.SUM in f else None,
            count=p.records if a.Function.COUNT in f else None,
            avg=a.average(p.total, p.records) if a.Function.AVG in f else None,
            min=p.min_value if a.Function.MIN in f else None,
            max=p.max_value if a.Function.MAX in f else None,
            unique_count=p.unique_count if a.Function.UNIQUE_COUNT in f else None,
            latest=p.latest[2] if p.latest and a.Function.LATEST in f else None,
            latest_at=p.latest[0] if p.latest and a.Function.LATEST in f else None,
            time_weighted_avg=row.time_weighted,
        )


@strawberry.type
class AggregationResult:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    granularity: Granularity
    time_zone: str
    functions: list[AggregateFunction]
    buckets: list[AggregationBucket]


AggregateUsageResult = Annotated[
    AggregationResult | t.ValidationError, strawberry.union("AggregateUsageResult")
]


@strawberry.input(description="Which metrics to check for missing reporting intervals.")
class GapCriteria:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    company_id: UUID | None = None
    metric_codes: list[str] | None = None


@strawberry.type(description="An interval in which a metric that reports on an interval had none.")
class UsageGap:
    company_id: UUID
    metric_code: str
    interval: t.ReportingInterval
    gap_start: datetime
    gap_end: datetime
    missing_intervals: int

    @classmethod
    def of(cls, gap: Gap) -> UsageGap:
        return cls(
            company_id=gap.company_id,
            metric_code=gap.metric_code,
            interval=gap.interval,
            gap_start=gap.start,
            gap_end=gap.end,
            missing_intervals=gap.missing,
        )


@strawberry.type
class UsageGapList:
    gaps: list[UsageGap]


UsageGapsResult = Annotated[UsageGapList | t.ValidationError, strawberry.union("UsageGapsResult")]


@strawberry.type(description="A voided or corrected record: what was removed and what replaced it.")
class UsageCorrection:
    voided: t.UsageRecord
    replacement: t.UsageRecord | None

    @classmethod
    def of(cls, done: Corrected) -> UsageCorrection:
        return cls(
            voided=usage_record(done.voided),
            replacement=usage_record(done.replacement) if done.replacement else None,
        )


CorrectionResult = Annotated[
    UsageCorrection | t.ValidationError, strawberry.union("CorrectionResult")
]


def usage_record(r: StoredRecord) -> t.UsageRecord:
    start, end = r.billing_period_start, r.billing_period_end
    return t.UsageRecord(
        id=r.id,
        company_id=r.company_id,
        resource_type=r.resource_type,
        metric_code=r.metric_code,
        timestamp=r.timestamp,
        value=r.value,
        unit=r.unit,
        measurement_type=r.measurement_type,
        interval=r.interval,
        space_id=r.space_id,
        application_id=r.application_id,
        user_id=r.user_id,
        source=r.source,
        subscription_id=r.subscription_id,
        billing_period=t.BillingPeriod(start_date=start, end_date=end) if start else None,
        billable=r.billable,
        billing_category=r.billing_category,
        idempotency_key=r.idempotency_key,
        product_code=r.product_code,
        properties=r.properties,
        recorded_at=r.recorded_at,
    )


def window_errors(ctx: Context, from_: datetime, to: datetime) -> list[d.FieldError]:
    """A window's ends outside the years the service accepts (LIMITS: earliest/latest year)."""
    return lim.window_errors(from_, to, ctx.runtime.settings.limits)


async def usage_records(
    ctx: Context, f: t.UsageRecordFilter, first: int, after: str | None
) -> t.UsageRecordConnection:
    position = paging.position(
        after, 2, lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1]))
    )
    query = RecordsQuery(
        company_id=f.company_id,
        metric_codes=f.metric_codes,
        resource_type=f.resource_type,
        from_=f.from_,
        to=f.to,
        space_id=f.space_id,
        application_id=f.application_id,
        user_id=f.user_id,
        source=f.source,
        billable=f.billable,
    )
    page = await usage.usage_records_page(
        ctx.runtime, ctx.principal, query, first=first, after=position
    )
    edges = [
        t.UsageRecordEdge(
            cursor=t.encode_cursor(r.timestamp.isoformat(), str(r.id)), node=usage_record(r)
        )
        for r in page.records
    ]
    return t.UsageRecordConnection(
        edges=edges,
        page_info=t.PageInfo.forward([e.cursor for e in edges], page.has_next_page, after),
    )


async def aggregate_usage(ctx: Context, criteria: AggregationCriteria) -> AggregateUsageResult:
    request = usage.AggregationRequest(
        from_=criteria.from_,
        to=criteria.to,
        company_id=criteria.company_id,
        metric_codes=tuple(criteria.metric_codes or ()),
        resource_type=criteria.resource_type,
        granularity=a.Granularity(criteria.granularity.value),
        functions=tuple(a.Function(f.value) for f in criteria.functions or ()),
        group_by=tuple(a.Dimension[g.name] for g in criteria.group_by or ()),
        group_by_property=criteria.group_by_property,
        unique_of=a.Dimension[criteria.unique_of.name] if criteria.unique_of else None,
        unique_of_property=criteria.unique_of_property,
        level=a.Level(criteria.level.value),
        time_zone=criteria.time_zone,
        time_weighted=criteria.time_weighted,
        space_id=criteria.space_id,
        application_id=criteria.application_id,
        user_id=criteria.user_id,
        source=criteria.source,
        billable=criteria.billable,
    )
    return await answer(
        usage.aggregate_usage(ctx.runtime, ctx.principal, request), to=aggregation_result
    )


def aggregation_result(done: usage.Aggregation) -> AggregationResult:
    c = done.criteria
    return AggregationResult(
        from_=c.from_,
        to=c.to,
        granularity=c.granularity,
        time_zone=c.time_zone.key,
        functions=list(c.functions),
        buckets=[AggregationBucket.of(r, c.functions) for r in done.rows],
    )


async def usage_gaps(ctx: Context, criteria: GapCriteria) -> UsageGapsResult:
    call = usage.usage_gaps(
        ctx.runtime,
        ctx.principal,
        criteria.from_,
        criteria.to,
        company_id=criteria.company_id,
        metric_codes=criteria.metric_codes,
    )
    return await answer(call, to=lambda gaps: UsageGapList(gaps=[UsageGap.of(g) for g in gaps]))


async def void_usage_record(ctx: Context, record_id: UUID, reason: str) -> CorrectionResult:
    call = corrections.void_usage_record(
        ctx.runtime, ctx.principal, record_id, reason, audit=ctx.change_audit("voidUsageRecord")
    )
    return await answer(call, to=UsageCorrection.of)


async def correct_usage_record(
    ctx: Context,
    record_id: UUID,
    reason: str,
    value: Decimal | None = None,
    timestamp: datetime | None = None,
) -> CorrectionResult:
    call = corrections.correct_usage_record(
        ctx.runtime,
        ctx.principal,
        record_id,
        reason,
        value=value,
        timestamp=timestamp,
        audit=ctx.change_audit("correctUsageRecord"),
    )
    return await answer(call, to=UsageCorrection.of)
