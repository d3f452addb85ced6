"""Job: forecast alerts for levels the current period's pace will reach."""

from __future__ import annotations

from services.runtime import Runtime
from storage.alerts import sweep


class ThresholdsNotChecked(Exception):
    """Some thresholds could not be checked; the others were (their alerts stand)."""


async def forecast_thresholds(runtime: Runtime) -> int:
    """FORECAST alerts raised; the job run fails, naming them, when some units could not
    be checked (after every other one was)."""
    result = await sweep(runtime.pool)
    if result.failures:
        shown = "; ".join(
            f"threshold {f.threshold_id} company {f.company_id}: {f.error}"
            for f in result.failures[:5]
        )
        raise ThresholdsNotChecked(
            f"{len(result.failures)} of the thresholds not checked ({len(result.raised)}"
            f" alerts raised): {shown}"
        )
    return len(result.raised)
