"""Gap detection against PostgreSQL: the missing reporting intervals of each metric.

Only companies that reported the metric at least once in the window are
checked (a company that never reports it has no gaps, it has no usage);
``domain.gaps`` joins consecutive missing intervals into gaps.

Gaps are read from raw records: a window reaching back before the instant
from which retention may have deleted a metric's raw records is refused
(WindowNotAnswerable) rather than reported as one long gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.aggregation import require_raw_from
from domain.gaps import Gap, gaps_of
from domain.usage import Metric, ReportingInterval
from storage.aggregate import horizons
from storage.queries import q

__all__ = ["Gap", "find_gaps"]

_STEP = {
    ReportingInterval.HOURLY: ("hour", "1 hour"),
    ReportingInterval.DAILY: ("day", "1 day"),
    ReportingInterval.MONTHLY: ("month", "1 month"),
}


async def find_gaps(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    metrics: Sequence[Metric],
    from_: datetime,
    to: datetime,
) -> list[Gap]:
    checked = [(m.code, m.interval) for m in metrics if m.interval is not None]
    # one snapshot: what retention has let go and the records read agree
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        if checked:
            require_raw_from(from_, await horizons(conn, [code for code, _ in checked]))
        found = [
            (
                code,
                interval,
                await conn.fetch(
                    q("missing_intervals"), code, company_id, from_, to, *_STEP[interval]
                ),
            )
            for code, interval in checked
        ]
    return [
        gap
        for code, interval, rows in found
        for gap in gaps_of(code, interval, ((r["company_id"], r["slot"]) for r in rows))
    ]
