"""What a report covers: its kind, window, company, metrics and breakdown.

A window is either fixed (``from``/``to``) or relative to the moment the
report runs (``PREVIOUS_DAY`` …), which is what a schedule needs: each run
reports on the period just ended, in the report's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from domain.aggregation import MAX_BUCKETS, MAX_SPAN, Dimension, Granularity, buckets, zone
from domain.allocation import AllocationGranularity
from domain.reports.document import ReportKind
from domain.usage import ErrorCode, FieldError

MAX_TOP = 50


class RelativeWindow(Enum):
    PREVIOUS_HOUR = "PREVIOUS_HOUR"
    PREVIOUS_DAY = "PREVIOUS_DAY"
    PREVIOUS_WEEK = "PREVIOUS_WEEK"  # Monday to Monday
    PREVIOUS_MONTH = "PREVIOUS_MONTH"
    MONTH_TO_DATE = "MONTH_TO_DATE"
    LAST_7_DAYS = "LAST_7_DAYS"
    LAST_30_DAYS = "LAST_30_DAYS"

    def resolve(self, now: datetime, time_zone: str) -> tuple[datetime, datetime]:
        """The window ``[from, to)`` this means at ``now``, in ``time_zone``."""
        tz = zone(time_zone)
        local = now.astimezone(tz)
        today = local.date()

        def midnight(day: Any) -> datetime:
            return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)

        if self is RelativeWindow.PREVIOUS_HOUR:
            end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
            return end - timedelta(hours=1), end
        if self is RelativeWindow.PREVIOUS_DAY:
            return midnight(today - timedelta(days=1)), midnight(today)
        if self is RelativeWindow.PREVIOUS_WEEK:
            monday = today - timedelta(days=today.weekday())
            return midnight(monday - timedelta(days=7)), midnight(monday)
        first = today.replace(day=1)
        if self is RelativeWindow.PREVIOUS_MONTH:
            previous = (first - timedelta(days=1)).replace(day=1)
            return midnight(previous), midnight(first)
        if self is RelativeWindow.MONTH_TO_DATE:
            return midnight(first), now.astimezone(UTC)
        days = 7 if self is RelativeWindow.LAST_7_DAYS else 30
        return midnight(today - timedelta(days=days)), midnight(today)


@dataclass(frozen=True)
class ReportCriteria:
    kind: ReportKind = ReportKind.USAGE
    from_: datetime | None = None
    to: datetime | None = None
    window: RelativeWindow | None = None
    company_id: UUID | None = None
    metric_codes: tuple[str, ...] = ()
    granularity: Granularity = Granularity.DAY
    time_zone: str = "UTC"
    group_by: tuple[Dimension, ...] = ()
    product_codes: tuple[str, ...] = ()
    allocation_granularity: AllocationGranularity = AllocationGranularity.DAILY
    top: int = 5
    # Usage filters, as aggregateUsage has them (None: any).
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None

    def resolve(self, now: datetime) -> tuple[datetime, datetime]:
        if self.window is not None:
            return self.window.resolve(now, self.time_zone)
        assert self.from_ is not None and self.to is not None
        return self.from_, self.to

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "from": self.from_.isoformat() if self.from_ else None,
            "to": self.to.isoformat() if self.to else None,
            "window": self.window.value if self.window else None,
            "companyId": str(self.company_id) if self.company_id else None,
            "metricCodes": list(self.metric_codes),
            "granularity": self.granularity.value,
            "timeZone": self.time_zone,
            "groupBy": [d.name for d in self.group_by],
            "productCodes": list(self.product_codes),
            "allocationGranularity": self.allocation_granularity.value,
            "top": self.top,
            "spaceId": str(self.space_id) if self.space_id else None,
            "applicationId": str(self.application_id) if self.application_id else None,
            "userId": str(self.user_id) if self.user_id else None,
            "source": self.source,
            "billable": self.billable,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportCriteria:
        return cls(
            kind=ReportKind(data["kind"]),
            from_=datetime.fromisoformat(data["from"]) if data.get("from") else None,
            to=datetime.fromisoformat(data["to"]) if data.get("to") else None,
            window=RelativeWindow(data["window"]) if data.get("window") else None,
            company_id=UUID(data["companyId"]) if data.get("companyId") else None,
            metric_codes=tuple(data.get("metricCodes") or ()),
            granularity=Granularity(data.get("granularity", "DAY")),
            time_zone=data.get("timeZone", "UTC"),
            group_by=tuple(Dimension[n] for n in data.get("groupBy") or ()),
            product_codes=tuple(data.get("productCodes") or ()),
            allocation_granularity=AllocationGranularity(
                data.get("allocationGranularity", "DAILY")
            ),
            top=int(data.get("top", 5)),
            space_id=_uuid(data.get("spaceId")),
            application_id=_uuid(data.get("applicationId")),
            user_id=_uuid(data.get("userId")),
            source=data.get("source"),
            billable=data.get("billable"),
        )


def _uuid(text: str | None) -> UUID | None:
    return UUID(text) if text else None


def validate(criteria: ReportCriteria, now: datetime) -> list[FieldError]:
    """What is wrong with ``criteria`` (names the field), or nothing."""
    errors: list[FieldError] = []
    c = criteria
    try:
        zone(c.time_zone)
    except ValueError as exc:
        return [FieldError("timeZone", ErrorCode.INVALID_FORMAT, str(exc))]
    if c.window is not None and (c.from_ is not None or c.to is not None):
        errors.append(
            FieldError("window", ErrorCode.INVALID_WINDOW, "give either window or from and to")
        )
    elif c.window is None:
        for name, value in (("from", c.from_), ("to", c.to)):
            if value is None:
                errors.append(
                    FieldError(name, ErrorCode.REQUIRED, f"{name} is required without a window")
                )
            elif value.tzinfo is None:
                errors.append(
                    FieldError(
                        name, ErrorCode.TIMESTAMP_WITHOUT_OFFSET, f"{name} must carry a UTC offset"
                    )
                )
    if errors:
        return errors
    start, end = c.resolve(now)
    if start >= end or end - start > MAX_SPAN:
        return [
            FieldError(
                "from",
                ErrorCode.INVALID_WINDOW,
                f"from must be before to, at most {MAX_SPAN.days} days apart",
            )
        ]
    if c.granularity is not Granularity.TOTAL:
        count = len(buckets(start, end, c.granularity, zone(c.time_zone)))
        if count > MAX_BUCKETS:
            errors.append(
                FieldError(
                    "granularity",
                    ErrorCode.INVALID_WINDOW,
                    f"{count} {c.granularity.value} buckets; a report has at most {MAX_BUCKETS}",
                )
            )
    if c.kind is ReportKind.COST_ALLOCATION:
        hours = (end - start) / c.allocation_granularity.length
        if hours > MAX_BUCKETS:
            errors.append(
                FieldError(
                    "allocationGranularity",
                    ErrorCode.INVALID_WINDOW,
                    f"at most {MAX_BUCKETS} allocation periods",
                )
            )
    if not 1 <= c.top <= MAX_TOP:
        errors.append(FieldError("top", ErrorCode.OUT_OF_RANGE, f"top is 1 to {MAX_TOP}"))
    return errors
