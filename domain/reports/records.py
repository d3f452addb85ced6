"""Reports as stored: a request and its state, a schedule, a schedule's runs and where they go."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from uuid import UUID

from domain.reports.criteria import ReportCriteria
from domain.reports.document import ReportFormat, ReportKind


class ReportStatus(Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class DestinationType(Enum):
    STORED = "STORED"
    EMAIL = "EMAIL"
    WEBHOOK = "WEBHOOK"


class DeliveryStatus(Enum):
    """Where a schedule's run stands: waiting (or retrying), sent, or given up."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"


MAX_DELIVERY_ATTEMPTS = 5


def delivery_backoff(attempts: int) -> timedelta:
    """How long a failed report delivery waits: 2, 4, 8 … s, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


@dataclass(frozen=True)
class StoredReport:
    id: UUID
    company_id: UUID | None
    kind: ReportKind
    format: ReportFormat
    criteria: dict[str, Any]
    status: ReportStatus
    attempts: int
    error: str | None
    size_bytes: int | None
    schedule_id: UUID | None
    scheduled_for: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def file_name(self) -> str:
        stamp = self.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        return f"metergraph-{self.kind.value.lower()}-{stamp}.{self.format.extension}"


def resolved(criteria: ReportCriteria, now: datetime) -> dict[str, Any]:
    """The criteria with their window fixed at ``now`` (a relative one is kept as a label)."""
    start, end = criteria.resolve(now)
    data = replace(criteria, from_=start, to=end, window=None).to_json()
    data["window"] = criteria.window.value if criteria.window else None
    return data


@dataclass(frozen=True)
class Destination:
    type: DestinationType
    to: tuple[str, ...] = ()
    url: str | None = None
    secret: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Destination:
        return cls(
            DestinationType(data["type"]),
            tuple(data.get("to") or ()),
            data.get("url"),
            data.get("secret"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "to": list(self.to),
            "url": self.url,
            "secret": self.secret,
        }


@dataclass(frozen=True)
class ReportSchedule:
    id: UUID
    name: str
    company_id: UUID | None
    cron: str
    time_zone: str
    criteria: dict[str, Any]
    format: ReportFormat
    destination: Destination
    active: bool
    created_by: UUID | None
    created_at: datetime
    # the latest fire time run (only read where the schedule is fired)
    last_scheduled_for: datetime | None = None


@dataclass(frozen=True)
class ScheduleRun:
    """One fire time of a schedule: its report and its delivery."""

    schedule_id: UUID
    scheduled_for: datetime
    report_id: UUID | None
    status: DeliveryStatus
    attempts: int
    error: str | None
    delivered_at: datetime | None
    report_status: ReportStatus | None = None
