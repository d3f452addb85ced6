"""Gap detection: whole reporting intervals in which a metric had no records.

Only companies that reported the metric at least once in the window are
checked (a company that never reports it has no gaps, it has no usage), and
only intervals lying wholly inside the window count. Consecutive missing
intervals are reported as one gap.

Gaps are read from raw records: a window reaching back before the instant
from which retention may have deleted a metric's raw records is refused
(WindowNotAnswerable) rather than reported as one long gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from domain.aggregation import Source, WindowNotAnswerable
from domain.usage import Metric, ReportingInterval
from storage.aggregate import horizons
from storage.queries import q

_STEP = {
    ReportingInterval.HOURLY: ("hour", "1 hour"),
    ReportingInterval.DAILY: ("day", "1 day"),
    ReportingInterval.MONTHLY: ("month", "1 month"),
}


@dataclass(frozen=True)
class Gap:
    company_id: UUID
    metric_code: str
    interval: ReportingInterval
    start: datetime
    end: datetime
    missing: int


def _next(start: datetime, interval: ReportingInterval) -> datetime:
    if interval is ReportingInterval.MONTHLY:
        return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start + (
        timedelta(hours=1) if interval is ReportingInterval.HOURLY else timedelta(days=1)
    )


async def find_gaps(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    metrics: Sequence[Metric],
    from_: datetime,
    to: datetime,
) -> list[Gap]:
    checked = [m for m in metrics if m.interval is not None]
    # one snapshot: what retention has let go and the records read agree
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        raw_from = (await horizons(conn, [m.code for m in checked])).get(Source.RAW)
        if checked and raw_from is not None and from_ < raw_from:
            raise WindowNotAnswerable(from_)
        found = [
            (
                metric,
                await conn.fetch(
                    q("missing_intervals"), metric.code, company_id, from_, to, *_STEP[interval]
                ),
            )
            for metric in checked
            if (interval := metric.interval) is not None
        ]
    gaps: list[Gap] = []
    for metric, rows in found:
        assert metric.interval is not None
        current: Gap | None = None
        for row in rows:
            start = row["slot"]
            end = _next(start, metric.interval)
            if current and current.company_id == row["company_id"] and current.end == start:
                current = Gap(
                    current.company_id,
                    metric.code,
                    metric.interval,
                    current.start,
                    end,
                    current.missing + 1,
                )
            else:
                if current:
                    gaps.append(current)
                current = Gap(row["company_id"], metric.code, metric.interval, start, end, 1)
        if current:
            gaps.append(current)
    return gaps
