"""A report built at once, in this process, for a file (``metergraph report``).

The API's reports are built in the background (``ReportRunner``); the
command line's are checked, read and returned here while it waits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from domain.reports.criteria import ReportCriteria, validate
from domain.reports.document import ReportDocument
from domain.usage import FieldError
from services.report_documents import build_document
from services.runtime import Runtime
from storage import repos
from storage.costs import product_metrics


@dataclass(frozen=True)
class CriteriaCheck:
    """What is wrong with a report's criteria (nothing: it may be built)."""

    errors: list[FieldError]
    unknown_metrics: list[str]
    unknown_products: list[str]

    def __bool__(self) -> bool:
        return bool(self.errors or self.unknown_metrics or self.unknown_products)


async def check_criteria(rt: Runtime, criteria: ReportCriteria, now: datetime) -> CriteriaCheck:
    """The rules ``criteria`` break at ``now``, and the metrics and products it names
    that do not exist."""
    async with rt.pool.acquire() as conn:
        known = await repos.all_metrics(conn)
        priced = await product_metrics(conn)
    return CriteriaCheck(
        errors=validate(criteria, now),
        unknown_metrics=[m for m in criteria.metric_codes if m not in known],
        unknown_products=[p for p in criteria.product_codes if p not in priced],
    )


async def build_report(rt: Runtime, criteria: ReportCriteria, now: datetime) -> ReportDocument:
    """The document of valid ``criteria``, its window fixed at ``now``."""
    start, end = criteria.resolve(now)
    fixed = replace(criteria, from_=start, to=end, window=None)
    async with rt.pool.acquire() as conn:
        return await build_document(conn, fixed, now)
