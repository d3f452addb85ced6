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

from api import described as ds
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

Granularity = ds.enum(
    a.Granularity,
    {
        a.Granularity.HOUR: "One bucket per hour.",
        a.Granularity.DAY: "One bucket per day of the time zone.",
        a.Granularity.MONTH: "One bucket per calendar month of the time zone.",
        a.Granularity.TOTAL: "One bucket for the whole window.",
    },
    description="Bucket size; TOTAL is one bucket.",
)
AggregateFunction = ds.enum(
    a.Function,
    {
        a.Function.SUM: "The values added up.",
        a.Function.COUNT: "How many records.",
        a.Function.AVG: "The mean of the values.",
        a.Function.MIN: "The smallest value.",
        a.Function.MAX: "The largest value.",
        a.Function.UNIQUE_COUNT: "How many distinct values of uniqueOf or uniqueOfProperty"
        " (one of which it needs).",
        a.Function.LATEST: "The value of the latest record, and when it was.",
    },
    name="AggregateFunction",
    description="What to compute over each bucket's records.",
)
AggregationLevel = ds.enum(
    a.Level,
    {
        a.Level.COMPANY: "Buckets as grouped, not split by space.",
        a.Level.SPACE: "Every bucket split by space.",
    },
    description="SPACE breaks every bucket down by space; COMPANY does not.",
)
GroupBy = ds.enum(
    a.Dimension,
    {
        a.Dimension.COMPANY: "The record's company (a key of one company sees only its own).",
        a.Dimension.SPACE: "The record's space.",
        a.Dimension.APPLICATION: "The record's application.",
        a.Dimension.USER: "The record's user.",
        a.Dimension.SOURCE: "The record's source.",
        a.Dimension.BILLING_CATEGORY: "The record's billing category.",
    },
    name="GroupDimension",
    description="Context a result can be grouped by.",
)


@strawberry.input(description="What to aggregate: a half-open window [from, to) and how.")
class AggregationCriteria:
    from_: datetime = strawberry.field(name="from", description="The window's start (inclusive).")
    to: datetime = strawberry.field(description="The window's end (exclusive).")
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted: the key's own company, or every company for ADMIN."
    )
    metric_codes: list[str] | None = strawberry.field(
        default=None,
        description="Only these metrics; omitted: every metric.",
    )
    resource_type: t.ResourceType | None = strawberry.field(
        default=None,
        description="Only metrics of this resource type.",
    )
    granularity: Granularity = strawberry.field(
        default=a.Granularity.DAY,
        description="The bucket size: HOUR, DAY, MONTH, or TOTAL for one bucket.",
    )
    functions: list[AggregateFunction] | None = strawberry.field(
        default=None, description="Omitted: each metric's own aggregation."
    )
    group_by: list[GroupBy] | None = strawberry.field(
        default=None,
        description="Split each bucket by these context fields.",
    )
    group_by_property: str | None = strawberry.field(
        default=None, description="Group by this key of the records' properties."
    )
    unique_of: GroupBy | None = strawberry.field(
        default=None, description="What UNIQUE_COUNT counts: a context field..."
    )
    unique_of_property: str | None = strawberry.field(
        default=None, description="...or a key of the records' properties."
    )
    level: AggregationLevel = strawberry.field(
        default=a.Level.COMPANY,
        description="SPACE breaks every bucket down by space.",
    )
    time_zone: str = strawberry.field(
        default="UTC", description="IANA zone for DAY and MONTH (and HOUR) boundaries."
    )
    time_weighted: bool = strawberry.field(
        default=False,
        description="Also give each gauge's time-weighted average (a reading holds until the"
        " next one).",
    )
    space_id: UUID | None = strawberry.field(
        default=None,
        description="Only records of this space.",
    )
    application_id: UUID | None = strawberry.field(
        default=None,
        description="Only records of this application.",
    )
    user_id: UUID | None = strawberry.field(default=None, description="Only records of this user.")
    source: str | None = strawberry.field(
        default=None,
        description="Only records from this source.",
    )
    billable: bool | None = strawberry.field(
        default=None,
        description="Only billable (true) or only non-billable (false) records.",
    )


@strawberry.type(description="One bucket: a period, a metric and a group, with its figures.")
class AggregationBucket:
    period_start: datetime = strawberry.field(description="The bucket's first instant.")
    period_end: datetime = strawberry.field(
        description="The instant the bucket ends (not part of it).",
    )
    metric_code: str = strawberry.field(description="The metric aggregated.")
    company_id: UUID | None = strawberry.field(description="The company, when grouped by COMPANY.")
    space_id: UUID | None = strawberry.field(
        description="The space, when grouped by SPACE or at level SPACE.",
    )
    application_id: UUID | None = strawberry.field(
        description="The application, when grouped by APPLICATION.",
    )
    user_id: UUID | None = strawberry.field(description="The user, when grouped by USER.")
    source: str | None = strawberry.field(description="The source, when grouped by SOURCE.")
    billing_category: str | None = strawberry.field(
        description="The billing category, when grouped by BILLING_CATEGORY.",
    )
    property: str | None = strawberry.field(
        description="The property's value (as text), when grouped by a property.",
    )
    sum: Decimal | None = strawberry.field(
        description="The values added up; null unless SUM was asked for.",
    )
    count: int | None = strawberry.field(
        description="How many records; null unless COUNT was asked for.",
    )
    avg: Decimal | None = strawberry.field(
        description="The mean value; null unless AVG was asked for.",
    )
    min: Decimal | None = strawberry.field(
        description="The smallest value; null unless MIN was asked for.",
    )
    max: Decimal | None = strawberry.field(
        description="The largest value; null unless MAX was asked for.",
    )
    unique_count: int | None = strawberry.field(
        description="How many distinct values of uniqueOf; null unless UNIQUE_COUNT was asked for.",
    )
    latest: Decimal | None = strawberry.field(
        description="The latest record's value; null unless LATEST was asked for.",
    )
    latest_at: datetime | None = strawberry.field(
        description="When the latest record was; null unless LATEST was asked for.",
    )
    time_weighted_avg: Decimal | None = strawberry.field(
        description="A gauge's average with each reading held until the next; null unless"
        " timeWeighted.",
    )

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


@strawberry.type(description="Usage over a window, in buckets.")
class AggregationResult:
    from_: datetime = strawberry.field(name="from", description="The window's start (inclusive).")
    to: datetime = strawberry.field(description="The window's end (exclusive).")
    granularity: Granularity = strawberry.field(description="The bucket size.")
    time_zone: str = strawberry.field(description="The IANA zone the buckets' boundaries are in.")
    functions: list[AggregateFunction] = strawberry.field(
        description="The functions computed (each metric's own when none was asked for).",
    )
    buckets: list[AggregationBucket] = strawberry.field(
        description="The buckets, by period, then metric, then group.",
    )


AggregateUsageResult = Annotated[
    AggregationResult | t.ValidationError,
    strawberry.union("AggregateUsageResult", description="The buckets, or why the criteria fail."),
]


@strawberry.input(description="Which metrics to check for missing reporting intervals.")
class GapCriteria:
    from_: datetime = strawberry.field(name="from", description="The window's start (inclusive).")
    to: datetime = strawberry.field(description="The window's end (exclusive).")
    company_id: UUID | None = strawberry.field(
        default=None,
        description="Only this company; omitted: the key's own company, or every company for"
        " ADMIN.",
    )
    metric_codes: list[str] | None = strawberry.field(
        default=None,
        description="Only these metrics; omitted: every metric with a reporting interval.",
    )


@strawberry.type(description="An interval in which a metric that reports on an interval had none.")
class UsageGap:
    company_id: UUID = strawberry.field(description="The company that sent nothing.")
    metric_code: str = strawberry.field(description="The metric it did not report.")
    interval: t.ReportingInterval = strawberry.field(description="The metric's reporting interval.")
    gap_start: datetime = strawberry.field(description="The first missed interval's start.")
    gap_end: datetime = strawberry.field(description="The last missed interval's end.")
    missing_intervals: int = strawberry.field(
        description="How many whole intervals were missed in a row.",
    )

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


@strawberry.type(description="The usage gaps in a window.")
class UsageGapList:
    gaps: list[UsageGap] = strawberry.field(description="The gaps, by company, metric and start.")


UsageGapsResult = Annotated[
    UsageGapList | t.ValidationError,
    strawberry.union("UsageGapsResult", description="The gaps, or why the criteria fail."),
]


@strawberry.type(description="A voided or corrected record: what was removed and what replaced it.")
class UsageCorrection:
    voided: t.UsageRecord = strawberry.field(description="The record taken out of every total.")
    replacement: t.UsageRecord | None = strawberry.field(
        description="The corrected copy stored in its place; null for a void.",
    )

    @classmethod
    def of(cls, done: Corrected) -> UsageCorrection:
        return cls(
            voided=usage_record(done.voided),
            replacement=usage_record(done.replacement) if done.replacement else None,
        )


CorrectionResult = Annotated[
    UsageCorrection | t.ValidationError,
    strawberry.union(
        "CorrectionResult", description="The voided record and its corrected copy, or why not."
    ),
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
