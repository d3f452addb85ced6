"""Jobs: how a run is triggered, how it ends, and which period a moment belongs to.

A job's scheduled runs fall on multiples of its period (plus an offset)
since the Unix epoch, so every server process names the same run the same
way (``period_start``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class JobTrigger(Enum):
    """What started a run: its schedule, or someone by hand."""

    SCHEDULE = "SCHEDULE"
    MANUAL = "MANUAL"


class JobOutcome(Enum):
    """How a recorded run stands; a run cut short (shutdown, a dead process) is FAILED."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


def period_start(every: timedelta, offset: timedelta, now: datetime) -> datetime:
    """The start of the period ``now`` falls in: the run this moment belongs to."""
    periods = (now - EPOCH - offset) // every
    return EPOCH + offset + periods * every


@dataclass(frozen=True)
class JobRun:
    """One recorded run of a job."""

    id: int
    job: str
    scheduled_for: datetime | None  # None: a manual run
    trigger: JobTrigger
    started_at: datetime
    finished_at: datetime | None
    outcome: JobOutcome
    rows: int | None
    error: str | None
