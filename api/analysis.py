"""GraphQL for reading usage in aggregate, finding gaps, and correcting records."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import strawberry

from api import guards
from api import types as t
from api.context import Context
from domain import aggregation as a
from domain import limits as lim
from domain import usage as d
from domain.access import Role
from storage import repos
from storage.aggregate import ResultRow, aggregate
from storage.corrections import Corrected, find_record, void_record
from storage.gaps import Gap, find_gaps

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
    def of(cls, row: ResultRow, functions: tuple[a.Function, ...]) -> AggregationBucket:
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
            voided=t.UsageRecord.from_row(done.voided),
            replacement=t.UsageRecord.from_row(done.replacement) if done.replacement else None,
        )


CorrectionResult = Annotated[
    UsageCorrection | t.ValidationError, strawberry.union("CorrectionResult")
]


def draft_of(row: Any, *, value: Decimal | None, timestamp: datetime | None) -> d.UsageDraft:
    """A stored record as a draft again, with a corrected value or timestamp."""
    return d.UsageDraft(
        company_id=row["company_id"],
        resource_type=d.ResourceType(row["resource_type"]),
        metric_code=row["metric_code"],
        timestamp=timestamp if timestamp is not None else row["ts"],
        value=value if value is not None else row["value"],
        unit=row["unit"],
        measurement_type=d.MeasurementType(row["measurement_type"]),
        interval=row["reporting_interval"],
        space_id=row["space_id"],
        application_id=row["application_id"],
        user_id=row["user_id"],
        source=row["source"],
        subscription_id=row["subscription_id"],
        billing_period_start=row["billing_period_start"],
        billing_period_end=row["billing_period_end"],
        billable=row["billable"],
        billing_category=row["billing_category"],
        properties=row["properties"],
        product_code=row["product_code"],
    )


# Why a record was voided or corrected: a sentence or a ticket, not a file.
MAX_REASON = 2_000


def window_errors(ctx: Context, from_: datetime, to: datetime) -> list[d.FieldError]:
    """A window's ends outside the years the service accepts (LIMITS: earliest/latest year)."""
    limits = ctx.runtime.settings.limits
    return lim.date_errors("from", from_, limits) + lim.date_errors("to", to, limits)


async def _metrics(ctx: Context) -> dict[str, d.Metric]:
    async with ctx.runtime.pool.acquire() as conn:
        return await repos.all_metrics(conn)


async def aggregate_usage(ctx: Context, criteria: AggregationCriteria) -> AggregateUsageResult:
    guards.require(ctx, *guards.READERS)
    company = guards.company_filter(ctx, criteria.company_id)
    try:
        tz = a.zone(criteria.time_zone)
    except ValueError as exc:
        return t.ValidationError.single("timeZone", d.ErrorCode.INVALID_FORMAT, str(exc))
    metrics = await _metrics(ctx)
    codes = list(criteria.metric_codes or [])
    for code in codes:
        if code not in metrics:
            return t.ValidationError.single(
                "metricCodes", d.ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}"
            )
    if criteria.resource_type is not None:
        wanted = d.ResourceType(criteria.resource_type.value)
        of_type = [m.code for m in metrics.values() if m.resource_type is wanted]
        codes = [c for c in codes if c in of_type] if codes else of_type
        if not codes:
            return t.ValidationError.single(
                "resourceType",
                d.ErrorCode.UNKNOWN_METRIC,
                f"no metric of resource type {wanted.value} matches",
            )
    if criteria.functions:
        functions = tuple(dict.fromkeys(a.Function(f.value) for f in criteria.functions))
    else:
        chosen = [metrics[c] for c in codes] if codes else list(metrics.values())
        functions = tuple(dict.fromkeys(a.Function(m.aggregation.value) for m in chosen))
    group_by = [a.Dimension[g.name] for g in criteria.group_by or []]
    if criteria.level is a.Level.SPACE and a.Dimension.SPACE not in group_by:
        group_by.insert(0, a.Dimension.SPACE)
    if a.Dimension.COMPANY in group_by and ctx.principal.role is not Role.ADMIN:
        group_by.remove(a.Dimension.COMPANY)  # a scoped key sees one company anyway
    c = a.Criteria(
        from_=criteria.from_,
        to=criteria.to,
        granularity=a.Granularity(criteria.granularity.value),
        functions=functions,
        time_zone=tz,
        company_id=company,
        metric_codes=tuple(codes),
        group_by=tuple(group_by),
        group_by_property=criteria.group_by_property,
        unique_of=a.Dimension[criteria.unique_of.name] if criteria.unique_of else None,
        unique_of_property=criteria.unique_of_property,
        time_weighted=criteria.time_weighted,
        space_id=criteria.space_id,
        application_id=criteria.application_id,
        user_id=criteria.user_id,
        source=criteria.source,
        billable=criteria.billable,
    )
    errors = window_errors(ctx, criteria.from_, criteria.to) or a.validate(c)
    if errors:
        return t.ValidationError.of(errors)
    try:
        async with ctx.runtime.pool.acquire() as conn:
            rows = await aggregate(conn, c)
    except a.WindowNotAnswerable as gone:
        return t.ValidationError.of([gone.field_error()])
    return AggregationResult(
        from_=criteria.from_,
        to=criteria.to,
        granularity=criteria.granularity,
        time_zone=tz.key,
        functions=list(functions),
        buckets=[AggregationBucket.of(r, functions) for r in rows],
    )


async def usage_gaps(ctx: Context, criteria: GapCriteria) -> UsageGapsResult:
    guards.require(ctx, *guards.READERS)
    company = guards.company_filter(ctx, criteria.company_id)
    for name, value in (("from", criteria.from_), ("to", criteria.to)):
        if value.tzinfo is None:
            return t.ValidationError.single(
                name, d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET, f"{name} must carry a UTC offset"
            )
    errors = window_errors(ctx, criteria.from_, criteria.to)
    if errors:
        return t.ValidationError.of(errors)
    if criteria.from_ >= criteria.to or criteria.to - criteria.from_ > a.MAX_SPAN:
        return t.ValidationError.single(
            "from",
            d.ErrorCode.INVALID_WINDOW,
            f"from must be before to, at most {a.MAX_SPAN.days} days apart",
        )
    metrics = await _metrics(ctx)
    for code in criteria.metric_codes or []:
        if code not in metrics:
            return t.ValidationError.single(
                "metricCodes", d.ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}"
            )
    chosen = [
        m
        for m in metrics.values()
        if m.interval is not None and (not criteria.metric_codes or m.code in criteria.metric_codes)
    ]
    try:
        async with ctx.runtime.pool.acquire() as conn:
            gaps = await find_gaps(conn, company, chosen, criteria.from_, criteria.to)
    except a.WindowNotAnswerable as gone:
        return t.ValidationError.of([gone.field_error()])
    return UsageGapList(gaps=[UsageGap.of(g) for g in gaps])


async def correct_record(
    ctx: Context,
    record_id: UUID,
    reason: str,
    value: Decimal | None = None,
    timestamp: datetime | None = None,
) -> CorrectionResult:
    guards.require(ctx, Role.ADMIN)
    if not reason.strip():
        return t.ValidationError.single(
            "reason", d.ErrorCode.REQUIRED, "say why the record is voided or corrected"
        )
    too_long = lim.text_errors("reason", reason, MAX_REASON)
    if too_long:
        return t.ValidationError.of(too_long)
    replacement = None
    if value is not None or timestamp is not None:
        async with ctx.runtime.pool.acquire() as conn:
            row = await find_record(conn, record_id, None)
        if row is None:
            return t.ValidationError.single(
                "id", d.ErrorCode.NOT_FOUND, f"no usage record {record_id}"
            )
        draft = draft_of(row, value=value, timestamp=timestamp)
        (checked,) = await ctx.runtime.ingestor.check([draft], allowed_company=None, backfill=True)
        if isinstance(checked, list):
            return t.ValidationError.of(checked)
        await ctx.runtime.ingestor.ensure_partitions([checked])
        replacement = checked
    field = "voidUsageRecord" if value is None and timestamp is None else "correctUsageRecord"
    async with ctx.runtime.pool.acquire() as conn:
        done = await void_record(
            conn,
            record_id,
            reason=reason.strip(),
            company_scope=None,
            api_key_id=ctx.principal.key_id,
            replacement=replacement,
            audit=ctx.audit_entry(field, "UsageCorrection"),
        )
    if isinstance(done, d.FieldError):
        return t.ValidationError.of([done])
    ctx.audited(field)
    return UsageCorrection.of(done)
