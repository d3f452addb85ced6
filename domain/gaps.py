"""Gaps: whole reporting intervals in which a metric had no records.

Only intervals lying wholly inside the window count, and consecutive missing
intervals of one company are reported as one gap.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from domain.usage import ReportingInterval


@dataclass(frozen=True)
class Gap:
    company_id: UUID
    metric_code: str
    interval: ReportingInterval
    start: datetime
    end: datetime
    missing: int


def next_slot(start: datetime, interval: ReportingInterval) -> datetime:
    if interval is ReportingInterval.MONTHLY:
        return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start + (
        timedelta(hours=1) if interval is ReportingInterval.HOURLY else timedelta(days=1)
    )


def gaps_of(
    metric_code: str, interval: ReportingInterval, missing: Iterable[tuple[UUID, datetime]]
) -> list[Gap]:
    """Missing slots (company, slot start; by company, then time) as gaps."""
    gaps: list[Gap] = []
    current: Gap | None = None
    for company_id, start in missing:
        end = next_slot(start, interval)
        if current and current.company_id == company_id and current.end == start:
            current = Gap(
                company_id, metric_code, interval, current.start, end, current.missing + 1
            )
        else:
            if current:
                gaps.append(current)
            current = Gap(company_id, metric_code, interval, start, end, 1)
    if current:
        gaps.append(current)
    return gaps
