"""Retention: how long each level of a metric's usage is kept, and what a run may delete.

Each metric has a rule (or the default rule, ``*``): days of raw records,
and optionally of hourly, daily and monthly rollups (None: kept for ever).
Cutoffs are whole UTC days. Raw records go only once every delta before
their cutoff is in the rollups; a monthly partition goes whole only when
every metric's cutoff has passed its end and no company may still send a
late record into it.

A rule an operator sets keeps the levels in order, a coarser level at least
as long as the finer one it summarises (None, for ever, is the longest):
hourly >= raw; daily >= hourly and >= raw + 31 days, so a month the raw
records no longer hold whole is still in the daily rollups; monthly >=
daily and >= (daily or raw) + 366 days, a year of whole months beyond them,
which invoices of past periods are read from (``check_rule``). A company
under legal hold keeps all of its usage past any rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.aggregation import Source
from domain.field_errors import ErrorCode, FieldError

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


# The longest any level may be given: a century (longer: keep it for ever, None).
MAX_DAYS = 36_525
# Beyond raw records, the daily rollups cover a month; the monthly ones a year more.
DAILY_MARGIN_DAYS = 31
MONTHLY_MARGIN_DAYS = 366
# The names the API gives the levels of a rule, finest first.
RULE_FIELDS = ("rawDays", "hourlyDays", "dailyDays", "monthlyDays")


@dataclass(frozen=True)
class LegalHold:
    """A company whose usage retention keeps, whatever the rules, since ``placed_at``."""

    company_id: UUID
    placed_at: datetime


def check_rule(rule: Rule) -> list[FieldError]:
    """What breaks the rule's invariants, each naming its level."""
    days = (rule.raw_days, rule.hour_days, rule.day_days, rule.month_days)
    errors = [
        FieldError(name, ErrorCode.VALUE_OUT_OF_RANGE, f"{name} must be 1 to {MAX_DAYS} days")
        for name, value in zip(RULE_FIELDS, days, strict=True)
        if value is not None and not 1 <= value <= MAX_DAYS
    ]
    if errors:
        return errors
    for level, least in enumerate(_least_days(rule), start=1):
        name, value = RULE_FIELDS[level], days[level]
        if value is not None and (least is None or value < least):
            must = "kept for ever" if least is None else f"at least {least} days"
            errors.append(FieldError(name, ErrorCode.RETENTION_TOO_SHORT, f"{name} must be {must}"))
    return errors


def _least_days(rule: Rule) -> tuple[int | None, int | None, int | None]:
    """The fewest days the hourly, daily and monthly levels may have (None: only
    for ever will do, as a finer level is kept for ever)."""

    def at_least(*floors: tuple[int | None, int]) -> int | None:
        if any(days is None for days, _ in floors):
            return None
        return max(days + margin for days, margin in floors if days is not None)

    hour = at_least((rule.raw_days, 0))
    day = at_least((rule.hour_days, 0), (rule.raw_days, DAILY_MARGIN_DAYS))
    month = at_least(
        (rule.day_days, 0),
        (rule.day_days if rule.day_days is not None else rule.raw_days, MONTHLY_MARGIN_DAYS),
    )
    return hour, day, month


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
    # records folded into the rollups by this run
    records: int = 0

    @property
    def rows(self) -> int:
        return self.deltas + self.stale_hours + self.records


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
