"""Job: forecast alerts for levels the current period's pace will reach."""

from __future__ import annotations

from metergraph.runtime import Runtime
from storage.alerts import forecast


async def forecast_thresholds(runtime: Runtime) -> int:
    """FORECAST alerts raised."""
    return len(await forecast(runtime.pool))
