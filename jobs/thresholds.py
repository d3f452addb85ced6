"""Job: forecast alerts for levels the current period's pace will reach."""

from __future__ import annotations

from services import alerting
from services.runtime import Runtime


async def forecast_thresholds(runtime: Runtime) -> int:
    """FORECAST alerts raised; the job run fails, naming them, when some units could not
    be checked (after every other one was)."""
    return await alerting.raise_forecasts(runtime)
