"""Aggregation: buckets, the plan that reads them, and how partial results combine.

A query names a half-open window ``[from, to)``, a granularity and a time
zone. ``buckets`` cuts the window into periods (local hours, days or months,
clipped to the window). ``plan`` covers each period with pieces, each read
from the coarsest source that holds it: monthly, daily or hourly rollups for
the parts aligned to UTC months, days or hours, raw records for the rest.
Every source yields the same partial aggregates (count, sum, min, max,
latest), which ``Partial.merge`` combines; so a rollup-backed answer is the
raw-scan answer, whatever mix of sources served it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.errors import Invalid
from domain.usage import ErrorCode, FieldError, Metric, ResourceType


class Granularity(Enum):
    HOUR = "HOUR"
    DAY = "DAY"
    MONTH = "MONTH"
    TOTAL = "TOTAL"


class Function(Enum):
    SUM = "SUM"
    COUNT = "COUNT"
    AVG = "AVG"
    MIN = "MIN"
    MAX = "MAX"
    UNIQUE_COUNT = "UNIQUE_COUNT"
    LATEST = "LATEST"


class Dimension(Enum):
    """Context a result can be grouped by; values are usage_records columns."""

    COMPANY = "company_id"
    SPACE = "space_id"
    APPLICATION = "application_id"
    USER = "user_id"
    SOURCE = "source"
    BILLING_CATEGORY = "billing_category"


class Level(Enum):
    COMPANY = "COMPANY"
    SPACE = "SPACE"


class Source(Enum):
    """Where a piece of a period is read from, coarsest first."""

    MONTH = "MONTH"
    DAY = "DAY"
    HOUR = "HOUR"
    RAW = "RAW"


ROLLUP_SOURCES = (Source.MONTH, Source.DAY, Source.HOUR)
# Functions every source can answer; the rest need raw records.
ROLLUP_FUNCTIONS = frozenset(
    {Function.SUM, Function.COUNT, Function.AVG, Function.MIN, Function.MAX, Function.LATEST}
)
# Functions a void makes stale in a rollup until the job recomputes it.
EXTREME_FUNCTIONS = frozenset({Function.MIN, Function.MAX, Function.LATEST})

MAX_BUCKETS = 10_000
MAX_SPAN = timedelta(days=3660)


@dataclass(frozen=True)
class Criteria:
    from_: datetime
    to: datetime
    granularity: Granularity
    functions: tuple[Function, ...]
    time_zone: ZoneInfo
    company_id: UUID | None = None
    metric_codes: tuple[str, ...] = ()
    group_by: tuple[Dimension, ...] = ()
    group_by_property: str | None = None
    unique_of: Dimension | None = None
    unique_of_property: str | None = None
    time_weighted: bool = False
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None
    # only records whose property (by its ->> text) is one of the values, for
    # every (property, values) pair: a price's charge filters
    property_filters: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def needs_raw(self) -> bool:
        """True when some requested figure cannot come from rollups (rollups do
        not know properties, so a property filter is answered from raw records)."""
        return (
            bool(self.property_filters)
            or self.group_by_property is not None
            or self.time_weighted
            or any(f not in ROLLUP_FUNCTIONS for f in self.functions)
        )

    @property
    def needs_extremes(self) -> bool:
        return any(f in EXTREME_FUNCTIONS for f in self.functions)


def zone(name: str | None) -> ZoneInfo:
    """The IANA zone ``name`` (UTC when empty); ValueError naming it when unknown."""
    if not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        ) from None


def validate(criteria: Criteria) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, value in (("from", criteria.from_), ("to", criteria.to)):
        if value.tzinfo is None or value.utcoffset() is None:
            errors.append(
                FieldError(
                    name, ErrorCode.TIMESTAMP_WITHOUT_OFFSET, f"{name} must carry a UTC offset"
                )
            )
    if errors:
        return errors
    if criteria.from_ >= criteria.to:
        errors.append(
            FieldError("from", ErrorCode.INVALID_WINDOW, "from must be before to: [from, to)")
        )
        return errors
    if criteria.to - criteria.from_ > MAX_SPAN:
        errors.append(
            FieldError(
                "to",
                ErrorCode.INVALID_WINDOW,
                f"a window spans at most {MAX_SPAN.days} days",
            )
        )
        return errors
    if not criteria.functions:
        errors.append(FieldError("functions", ErrorCode.REQUIRED, "name at least one function"))
    if Function.UNIQUE_COUNT in criteria.functions and (
        criteria.unique_of is None and criteria.unique_of_property is None
    ):
        errors.append(
            FieldError(
                "uniqueOf",
                ErrorCode.REQUIRED,
                "UNIQUE_COUNT needs uniqueOf (a context field) or uniqueOfProperty",
            )
        )
    count = len(buckets(criteria.from_, criteria.to, criteria.granularity, criteria.time_zone))
    if count > MAX_BUCKETS:
        errors.append(
            FieldError(
                "granularity",
                ErrorCode.INVALID_WINDOW,
                f"the window holds {count} {criteria.granularity.value} buckets;"
                f" at most {MAX_BUCKETS}: use a coarser granularity or a shorter window",
            )
        )
    return errors


def unknown_metric(codes: Iterable[str], metrics: Mapping[str, Metric]) -> FieldError | None:
    """The first of ``codes`` no metric is defined for."""
    for code in codes:
        if code not in metrics:
            return FieldError("metricCodes", ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}")
    return None


def of_resource_type(
    codes: Sequence[str], metrics: Mapping[str, Metric], wanted: ResourceType
) -> list[str]:
    """``codes`` narrowed to the metrics of ``wanted`` (every such metric when empty)."""
    of_type = [m.code for m in metrics.values() if m.resource_type is wanted]
    return [c for c in codes if c in of_type] if codes else of_type


def no_metric_of_type(wanted: ResourceType) -> FieldError:
    return FieldError(
        "resourceType",
        ErrorCode.UNKNOWN_METRIC,
        f"no metric of resource type {wanted.value} matches",
    )


def functions_for(
    asked: Sequence[Function], codes: Sequence[str], metrics: Mapping[str, Metric]
) -> tuple[Function, ...]:
    """The functions asked for, or else each chosen metric's own aggregation."""
    if asked:
        return tuple(dict.fromkeys(asked))
    chosen = [metrics[c] for c in codes] if codes else list(metrics.values())
    return tuple(dict.fromkeys(Function(m.aggregation.value) for m in chosen))


def grouping(
    asked: Sequence[Dimension], level: Level, *, sees_every_company: bool
) -> tuple[Dimension, ...]:
    """What a result is grouped by: SPACE level groups by space first; a key
    limited to one company is not grouped by company (it sees one anyway)."""
    group_by = list(asked)
    if level is Level.SPACE and Dimension.SPACE not in group_by:
        group_by.insert(0, Dimension.SPACE)
    if Dimension.COMPANY in group_by and not sees_every_company:
        group_by.remove(Dimension.COMPANY)
    return tuple(group_by)


# ---------------------------------------------------------------- buckets


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _boundaries(
    from_: datetime, to: datetime, granularity: Granularity, tz: ZoneInfo
) -> list[datetime]:
    """Period starts (UTC) in ``(from, to)``; the periods of the window lie between them."""
    if granularity is Granularity.TOTAL:
        return []
    out: list[datetime] = []
    if granularity is Granularity.HOUR:
        local = from_.astimezone(tz)
        start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        step = timedelta(hours=1)
        current = start + step
        while current < to:
            out.append(current)
            current += step
        return out
    day = from_.astimezone(tz).date()
    if granularity is Granularity.MONTH:
        day = _next_month(day.replace(day=1))
    else:
        day = day + timedelta(days=1)
    while True:
        boundary = _local_midnight(day, tz)
        if boundary >= to:
            return out
        if boundary > from_:
            out.append(boundary)
        day = _next_month(day) if granularity is Granularity.MONTH else day + timedelta(days=1)


def buckets(
    from_: datetime, to: datetime, granularity: Granularity, tz: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """The window's periods as half-open UTC ranges, clipped to ``[from, to)``."""
    start, end = from_.astimezone(UTC), to.astimezone(UTC)
    edges = [start, *_boundaries(start, end, granularity, tz), end]
    return list(zip(edges, edges[1:], strict=False))


# ---------------------------------------------------------------- plan


def _floor(moment: datetime, source: Source) -> datetime:
    moment = moment.astimezone(UTC)
    if source is Source.HOUR:
        return moment.replace(minute=0, second=0, microsecond=0)
    if source is Source.DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _ceil(moment: datetime, source: Source) -> datetime:
    floor = _floor(moment, source)
    if floor == moment:
        return floor
    if source is Source.HOUR:
        return floor + timedelta(hours=1)
    if source is Source.DAY:
        return floor + timedelta(days=1)
    return datetime.combine(_next_month(floor.date()), time(0), tzinfo=UTC)


@dataclass(frozen=True)
class Piece:
    source: Source
    start: datetime
    end: datetime
    bucket: int


class WindowNotAnswerable(Invalid):
    """A window retention has removed the detail for: no level answers it exactly.

    ``at`` is the earliest instant of the window no level still held covers.
    """

    def __init__(self, at: datetime) -> None:
        super().__init__(
            f"no data held answers the window exactly from {at.isoformat()}",
            code=ErrorCode.WINDOW_NOT_ANSWERABLE.value,
            field="from",
        )
        self.at = at

    def field_error(self, name: str = "from") -> FieldError:
        return FieldError(
            name,
            ErrorCode.WINDOW_NOT_ANSWERABLE,
            f"retention has removed the detail this window needs from {self.at.isoformat()}:"
            " that far back, windows are answered in whole UTC days or months, as long as"
            " their rollups are kept",
        )


# Per source, the instant from which it holds every row (a missing source holds all).
Horizons = Mapping[Source, datetime]


def _raw(start: datetime, end: datetime, bucket: int, horizons: Horizons) -> Piece:
    require_raw_from(start, horizons)
    return Piece(Source.RAW, start, end, bucket)


def require_raw_from(start: datetime, horizons: Horizons) -> None:
    """Refuses a window from ``start`` when raw records before it may be gone."""
    held_from = horizons.get(Source.RAW)
    if held_from is not None and start < held_from:
        raise WindowNotAnswerable(start)


def _cover(
    start: datetime,
    end: datetime,
    sources: Sequence[Source],
    bucket: int,
    horizons: Horizons,
) -> list[Piece]:
    """``[start, end)`` in pieces, each from the coarsest source that still holds it."""
    if start >= end:
        return []
    if not sources:
        return [_raw(start, end, bucket, horizons)]
    level, finer = sources[0], sources[1:]
    held_from = horizons.get(level)
    usable = start if held_from is None else max(start, _ceil(held_from, level))
    inner_start, inner_end = _ceil(usable, level), _floor(end, level)
    if inner_start >= inner_end:
        return _cover(start, end, finer, bucket, horizons)
    return [
        *_cover(start, inner_start, finer, bucket, horizons),
        Piece(level, inner_start, inner_end, bucket),
        *_cover(inner_end, end, finer, bucket, horizons),
    ]


def plan(
    periods: Sequence[tuple[datetime, datetime]],
    *,
    raw_only: bool = False,
    stale_hours: Iterable[datetime] = (),
    horizons: Horizons | None = None,
) -> list[Piece]:
    """Pieces covering every period exactly once.

    ``stale_hours`` (UTC hour starts) are read from raw records: a void made
    their rollup extremes stale. A piece never crosses a stale hour.
    ``horizons`` says from when on each source still holds everything
    (retention removed what came before): no piece reads a source before
    it, and a period no source held can answer raises WindowNotAnswerable.
    """
    horizons = horizons or {}
    if raw_only:
        return [_raw(s, e, n, horizons) for n, (s, e) in enumerate(periods)]
    stale = sorted({_floor(h, Source.HOUR) for h in stale_hours})
    pieces: list[Piece] = []
    for n, (start, end) in enumerate(periods):
        cursor = start
        for hour in stale:
            hour_end = hour + timedelta(hours=1)
            if hour_end <= start or hour >= end:
                continue
            raw_start, raw_end = max(hour, start), min(hour_end, end)
            pieces.extend(_cover(cursor, raw_start, ROLLUP_SOURCES, n, horizons))
            if cursor < raw_end:
                pieces.append(_raw(max(cursor, raw_start), raw_end, n, horizons))
            cursor = max(cursor, raw_end)
        pieces.extend(_cover(cursor, end, ROLLUP_SOURCES, n, horizons))
    return pieces


# ---------------------------------------------------------------- partials


@dataclass
class Partial:
    """What every source yields for a group: enough to answer every rollup function."""

    records: int = 0
    total: Decimal = Decimal(0)
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    latest: tuple[datetime, UUID, Decimal] | None = None
    # Distinct values are not additive: only a single raw read yields this.
    unique_count: int | None = None

    def merge(self, other: Partial) -> None:
        self.records += other.records
        self.total += other.total
        if other.min_value is not None:
            self.min_value = (
                other.min_value if self.min_value is None else min(self.min_value, other.min_value)
            )
        if other.max_value is not None:
            self.max_value = (
                other.max_value if self.max_value is None else max(self.max_value, other.max_value)
            )
        if other.latest is not None and (self.latest is None or other.latest[:2] > self.latest[:2]):
            self.latest = other.latest


def sources_read(criteria: Criteria) -> tuple[Source, ...]:
    """The sources one query reads: raw records always (the plan sends edges
    and stale hours there), rollups and their pending deltas unless some
    figure asked for needs raw records."""
    return (Source.RAW,) if criteria.needs_raw else (Source.RAW, *ROLLUP_SOURCES)


GroupKey = tuple[Any, ...]
# A bucket's index, a metric code and a group: what a result row is keyed by.
ResultKey = tuple[int, str, GroupKey]


@dataclass
class ResultRow:
    period_start: datetime
    period_end: datetime
    metric_code: str
    group: dict[str, Any]
    partial: Partial
    time_weighted: Decimal | None = None


def group_names(criteria: Criteria) -> list[str]:
    names: list[str] = [d.name for d in criteria.group_by]
    if criteria.group_by_property is not None:
        names.append("PROPERTY")
    return names


def _sort_key(key: ResultKey) -> tuple[Any, ...]:
    bucket, metric, group = key
    return (bucket, metric, tuple((v is None, str(v)) for v in group))


def result_rows(
    criteria: Criteria,
    periods: Sequence[tuple[datetime, datetime]],
    partials: Mapping[ResultKey, Partial],
    weighted: Mapping[ResultKey, Decimal | None],
) -> list[ResultRow]:
    """The answer's rows, in period, metric and group order."""
    names = group_names(criteria)
    rows = []
    for key in sorted(set(partials) | set(weighted), key=_sort_key):
        bucket, metric, group = key
        start, end = periods[bucket]
        rows.append(
            ResultRow(
                period_start=start,
                period_end=end,
                metric_code=metric,
                group=dict(zip(names, group, strict=True)),
                partial=partials.get(key, Partial()),
                time_weighted=weighted.get(key),
            )
        )
    return rows


def average(total: Decimal, records: int) -> Decimal | None:
    return total / records if records else None


@dataclass(frozen=True)
class Reading:
    at: datetime
    value: Decimal


def time_weighted_average(
    readings: Sequence[Reading], held: Reading | None, start: datetime, end: datetime
) -> Decimal | None:
    """Average of a gauge over ``[start, end)``, each reading held until the next.

    ``held`` is the last reading before ``start`` (its value applies from
    ``start``); without one the average covers the time from the first
    reading on. None when no reading applies to any of the period.
    """
    points = [r for r in readings if start <= r.at < end]
    points.sort(key=lambda r: r.at)
    if held is not None:
        points.insert(0, Reading(start, held.value))
    if not points:
        return None
    weighted = Decimal(0)
    covered = 0
    for current, following in zip(points, [*points[1:], None], strict=True):
        until = following.at if following is not None else end
        micros = _micros(until - current.at)
        weighted += current.value * micros
        covered += micros
    if covered == 0:
        return points[-1].value
    return weighted / covered


def _micros(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def weighted_by_period(
    series: Mapping[tuple[str, GroupKey], Sequence[Reading]],
    held: Mapping[tuple[str, GroupKey], Reading],
    periods: Sequence[tuple[datetime, datetime]],
) -> dict[ResultKey, Decimal | None]:
    """Each series' time-weighted average per period (readings in time order;
    ``held``, a series' last reading before the window)."""
    out: dict[ResultKey, Decimal | None] = {}
    for key in set(series) | set(held):
        points = series.get(key, [])
        before = held.get(key)
        index = 0
        for n, (start, end) in enumerate(periods):
            while index < len(points) and points[index].at < start:
                before = points[index]
                index += 1
            value = time_weighted_average(points, before, start, end)
            if value is not None:
                out[(n, key[0], key[1])] = value
    return out
