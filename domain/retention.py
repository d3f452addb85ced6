"""Retention: how long each level of a metric's usage is kept, and what a run may delete.

Each metric has a rule (or the default rule, ``*``): days of raw records,
and optionally of hourly, daily and monthly rollups (None: kept for ever).
Cutoffs are whole UTC days. Raw records go only once every delta before
their cutoff is in the rollups; a monthly partition goes whole only when
every metric's cutoff has passed its end and no company may still send a
late record into it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.aggregation import Source

DEFAULT_RULE = "*"
# The job log itself: a few weeks are plenty to see what ran.
JOB_RUNS_KEPT = timedelta(days=30)
# Reports (their files) after three months; schedule runs keep their place.
REPORTS_KEPT = timedelta(days=90)


@dataclass(frozen=True)
class Rule:
    metric_code: str
    raw_days: int
    hour_days: int | None
    day_days: int | None
    month_days: int | None


@dataclass
class CleanupRun:
    raw_rows: int = 0
    partitions_dropped: list[str] = field(default_factory=list)
    # raw records that went with the dropped partitions
    partition_rows: int = 0
    rollup_rows: int = 0
    skipped: list[str] = field(default_factory=list)
    job_runs: int = 0
    reports: int = 0

    @property
    def rows(self) -> int:
        """Everything the run deleted."""
        return self.raw_rows + self.partition_rows + self.rollup_rows + self.job_runs + self.reports


@dataclass(frozen=True)
class RollupRun:
    deltas: int
    stale_hours: int

    @property
    def rows(self) -> int:
        return self.deltas + self.stale_hours


# (company, metric, the start of a bucket)
Bucket = tuple[UUID, str, datetime]


@dataclass(frozen=True)
class StaleBuckets:
    """The rollup buckets stale hours make stale, per level, each sorted: a
    coarser bucket is recomputed from the finer ones, so the finest level goes first."""

    hours: list[Bucket]
    days: list[Bucket]
    months: list[Bucket]


def stale_buckets(hours: set[Bucket]) -> StaleBuckets:
    days = {(c, m, day(h)) for c, m, h in hours}
    months = {(c, m, day(d).replace(day=1)) for c, m, d in days}
    return StaleBuckets(sorted(hours), sorted(days), sorted(months))


def rule_for(all_rules: Mapping[str, Rule], metric_code: str) -> Rule:
    return all_rules.get(metric_code) or all_rules[DEFAULT_RULE]


def day(moment: datetime) -> datetime:
    """The start of ``moment``'s UTC day."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def raw_cutoff(rule: Rule, now: datetime) -> datetime:
    """Raw records before this instant are past ``rule``."""
    return day(now - timedelta(days=rule.raw_days))


def rollup_cutoffs(rule: Rule, now: datetime) -> list[tuple[Source, datetime]]:
    """Each rollup level ``rule`` limits, finest first, with its cutoff."""
    return [
        (level, day(now - timedelta(days=days)))
        for level, days in (
            (Source.HOUR, rule.hour_days),
            (Source.DAY, rule.day_days),
            (Source.MONTH, rule.month_days),
        )
        if days is not None
    ]


def writable_from(now: datetime, default_late: timedelta, longest_late_days: int) -> datetime:
    """The oldest instant a late record may still be sent for, by any company."""
    return day(now - max(default_late, timedelta(days=longest_late_days)))


def partition_horizon(
    metrics: Sequence[str], cutoffs: Mapping[str, datetime], writable: datetime
) -> datetime | None:
    """Partitions ending at or before this instant may be dropped whole (None: none
    may, as some metric kept its raw records this run)."""
    if not metrics or len(cutoffs) < len(metrics):
        return None
    return min(min(cutoffs.values()), writable)
