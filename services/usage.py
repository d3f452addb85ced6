"""Reading usage: a page of records, aggregates over a window, reporting gaps.

Every read is limited to what the caller's key may see: a scoped key reads
its own company, whatever it asks for (``domain.access``). Windows are
checked against the years the service accepts (``Settings.limits``) before
anything is read; a window retention has removed the detail for is refused
(``domain.aggregation.WindowNotAnswerable``), never answered short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from domain import aggregation as a
from domain import limits as lim
from domain.access import Principal, Role
from domain.errors import Invalid, Rejected
from domain.field_errors import ErrorCode, FieldError
from domain.gaps import Gap
from domain.records import RecordsQuery, StoredRecord
from domain.usage import Metric, ResourceType
from services.runtime import Runtime
from storage.aggregate import aggregate
from storage.gaps import find_gaps
from storage.records import records_page
from storage.repos import all_metrics

# Who may read usage.
READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
# How a page request a client got wrong is named (not a ValidationError member).
BAD_USER_INPUT = "BAD_USER_INPUT"


@dataclass(frozen=True)
class RecordsPage:
    records: list[StoredRecord]
    has_next_page: bool


@dataclass(frozen=True)
class AggregationRequest:
    """``aggregateUsage``'s criteria as asked: empty functions mean each
    metric's own aggregation, the time zone is a name still to check."""

    from_: datetime
    to: datetime
    company_id: UUID | None = None
    metric_codes: tuple[str, ...] = ()
    resource_type: ResourceType | None = None
    granularity: a.Granularity = a.Granularity.DAY
    functions: tuple[a.Function, ...] = ()
    group_by: tuple[a.Dimension, ...] = ()
    group_by_property: str | None = None
    unique_of: a.Dimension | None = None
    unique_of_property: str | None = None
    level: a.Level = a.Level.COMPANY
    time_zone: str = "UTC"
    time_weighted: bool = False
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None


@dataclass(frozen=True)
class Aggregation:
    """The answer: the criteria as resolved (zone, functions, grouping) and its rows."""

    criteria: a.Criteria
    rows: list[a.ResultRow]


def page_size(rt: Runtime, first: int) -> int:
    """``first``, when it is a page size this service answers; else ``Invalid``
    (BAD_USER_INPUT, naming ``first``)."""
    most = rt.settings.max_page_size
    if first < 1 or first > most:
        raise Invalid(f"first must be between 1 and {most}", code=BAD_USER_INPUT, field="first")
    return first


async def usage_records_page(
    rt: Runtime,
    principal: Principal,
    query: RecordsQuery,
    *,
    first: int,
    after: tuple[datetime, UUID] | None,
) -> RecordsPage:
    """Up to ``first`` records matching ``query`` after ``after`` (ts, id), in time order.

    A page request out of bounds raises ``Invalid`` with code BAD_USER_INPUT.
    """
    principal.require(*READERS)
    page_size(rt, first)
    _check_filter_window(rt, query.from_, query.to)
    scoped = replace(query, company_id=principal.company_filter(query.company_id))
    records = await rt.read(lambda conn: records_page(conn, scoped, after, first + 1))
    return RecordsPage(records[:first], has_next_page=len(records) > first)


def _check_filter_window(rt: Runtime, from_: datetime | None, to: datetime | None) -> None:
    for name, value in (("from", from_), ("to", to)):
        field = f"filter.{name}"
        if value is not None and value.tzinfo is None:
            raise Invalid(f"{field} must carry a UTC offset", code=BAD_USER_INPUT, field=field)
        for error in lim.date_errors(field, value, rt.settings.limits):
            raise Invalid(error.message, code=BAD_USER_INPUT, field=error.field)
    if from_ is not None and to is not None and from_ >= to:
        raise Invalid(
            "filter.from must be before filter.to", code=BAD_USER_INPUT, field="filter.from"
        )


async def aggregate_usage(
    rt: Runtime, principal: Principal, request: AggregationRequest
) -> Aggregation:
    """Usage over ``[from, to)`` by period, metric and group, from rollups and raw records."""
    principal.require(*READERS)
    company = principal.company_filter(request.company_id)
    try:
        tz = a.zone(request.time_zone)
    except ValueError as exc:
        raise Rejected([FieldError("timeZone", ErrorCode.INVALID_FORMAT, str(exc))]) from None
    metrics = await _metrics(rt)
    codes = _metric_codes(request, metrics)
    criteria = a.Criteria(
        from_=request.from_,
        to=request.to,
        granularity=request.granularity,
        functions=a.functions_for(request.functions, codes, metrics),
        time_zone=tz,
        company_id=company,
        metric_codes=tuple(codes),
        group_by=a.grouping(
            request.group_by, request.level, sees_every_company=principal.role is Role.ADMIN
        ),
        group_by_property=request.group_by_property,
        unique_of=request.unique_of,
        unique_of_property=request.unique_of_property,
        time_weighted=request.time_weighted,
        space_id=request.space_id,
        application_id=request.application_id,
        user_id=request.user_id,
        source=request.source,
        billable=request.billable,
    )
    limits = rt.settings.limits
    errors = lim.window_errors(request.from_, request.to, limits) or a.validate(criteria)
    if errors:
        raise Rejected(errors)
    try:
        rows = await rt.read(lambda conn: aggregate(conn, criteria))
    except a.WindowNotAnswerable as gone:
        raise Rejected([gone.field_error()]) from None
    return Aggregation(criteria, rows)


def _metric_codes(request: AggregationRequest, metrics: dict[str, Metric]) -> list[str]:
    """The metrics asked for, narrowed to the resource type asked for."""
    codes = list(request.metric_codes)
    unknown = a.unknown_metric(codes, metrics)
    if unknown is not None:
        raise Rejected([unknown])
    if request.resource_type is not None:
        codes = a.of_resource_type(codes, metrics, request.resource_type)
        if not codes:
            raise Rejected([a.no_metric_of_type(request.resource_type)])
    return codes


async def usage_gaps(
    rt: Runtime,
    principal: Principal,
    from_: datetime,
    to: datetime,
    *,
    company_id: UUID | None = None,
    metric_codes: Sequence[str] | None = None,
) -> list[Gap]:
    """Reporting intervals in ``[from, to)`` with no records, for metrics that
    report on an interval."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    _check_gap_window(rt, from_, to)
    metrics = await _metrics(rt)
    unknown = a.unknown_metric(metric_codes or [], metrics)
    if unknown is not None:
        raise Rejected([unknown])
    chosen = [
        m
        for m in metrics.values()
        if m.interval is not None and (not metric_codes or m.code in metric_codes)
    ]
    try:
        return await rt.read(lambda conn: find_gaps(conn, company, chosen, from_, to))
    except a.WindowNotAnswerable as gone:
        raise Rejected([gone.field_error()]) from None


def _check_gap_window(rt: Runtime, from_: datetime, to: datetime) -> None:
    for name, value in (("from", from_), ("to", to)):
        if value.tzinfo is None:
            raise Rejected(
                [
                    FieldError(
                        name, ErrorCode.TIMESTAMP_WITHOUT_OFFSET, f"{name} must carry a UTC offset"
                    )
                ]
            )
    errors = lim.window_errors(from_, to, rt.settings.limits)
    if errors:
        raise Rejected(errors)
    if from_ >= to or to - from_ > a.MAX_SPAN:
        raise Rejected(
            [
                FieldError(
                    "from",
                    ErrorCode.INVALID_WINDOW,
                    f"from must be before to, at most {a.MAX_SPAN.days} days apart",
                )
            ]
        )


async def _metrics(rt: Runtime) -> dict[str, Metric]:
    async with rt.pool.acquire() as conn:
        return await all_metrics(conn)
