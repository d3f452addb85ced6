"""Outbound webhooks: the events a company can hear of, their payloads, the endpoint rules.

An event is one fact (an invoice finalized, paid or overdue; an alert
raised; a report ready), raised once per fact: its type and subject (the
invoice, alert or report) identify it, and its id is the same on every try
of every delivery, so a receiver drops a repeat by that id. The payload is
fixed when the event is raised; each delivery sends those same bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from domain.field_errors import ErrorCode, FieldError
from domain.invoicing import StoredInvoice
from domain.reports.records import StoredReport
from domain.thresholds import Alert, DeliveryStatus

# The notification outbox's channel for an event's delivery to an endpoint.
OUTBOX_CHANNEL = "WEBHOOK"
MAX_URL_LENGTH = 2_048
MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 256


class EventType(Enum):
    INVOICE_FINALIZED = "INVOICE_FINALIZED"
    INVOICE_PAID = "INVOICE_PAID"
    INVOICE_OVERDUE = "INVOICE_OVERDUE"
    ALERT_RAISED = "ALERT_RAISED"
    REPORT_READY = "REPORT_READY"


@dataclass(frozen=True)
class Endpoint:
    """Where a company's events of the chosen types are POSTed (the secret is not kept here)."""

    id: UUID
    company_id: UUID
    url: str
    events: tuple[EventType, ...]
    enabled: bool
    created_at: datetime
    disabled_at: datetime | None


@dataclass(frozen=True)
class Event:
    """An event to deliver: its id, company, type, subject and JSON body."""

    id: UUID
    company_id: UUID
    type: EventType
    subject_id: UUID
    body: str


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery of one event to one endpoint."""

    id: int
    event_id: UUID
    event_type: EventType
    endpoint_id: UUID
    url: str
    secret: str = field(repr=False)
    body: str
    attempts: int


@dataclass(frozen=True)
class Delivery:
    """One event's delivery to one endpoint, as its log shows it."""

    id: int
    event_id: UUID
    event_type: EventType
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


def endpoint_errors(
    url: str, events: tuple[EventType, ...], secret: str | None
) -> list[FieldError]:
    """What is wrong with an endpoint as asked for (the address's host is checked apart)."""
    errors = []
    if len(url) > MAX_URL_LENGTH:
        errors.append(
            FieldError("url", ErrorCode.TOO_LONG, f"a URL has at most {MAX_URL_LENGTH} characters")
        )
    elif not url.lower().startswith(("http://", "https://")) or any(c.isspace() for c in url):
        errors.append(
            FieldError("url", ErrorCode.INVALID_FORMAT, "a webhook URL is http:// or https://")
        )
    if not events:
        errors.append(FieldError("events", ErrorCode.REQUIRED, "choose at least one event"))
    if secret is not None and not (
        MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH and secret.isprintable()
    ):
        errors.append(
            FieldError(
                "secret",
                ErrorCode.INVALID_FORMAT,
                f"a secret is {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} printable characters",
            )
        )
    return errors


def _money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def _quantity(amount: Decimal) -> str:
    return format(amount.normalize(), "f") if amount else "0"


def body(
    event_id: UUID, event_type: EventType, company_id: UUID, at: datetime, data: dict[str, Any]
) -> str:
    """The JSON an event's deliveries carry."""
    return json.dumps(
        {
            "id": str(event_id),
            "type": event_type.value,
            "createdAt": at.isoformat(),
            "companyId": str(company_id),
            "data": data,
        },
        separators=(",", ":"),
    )


def invoice_data(invoice: StoredInvoice) -> dict[str, Any]:
    draft = invoice.draft
    return {
        "invoiceId": str(invoice.id),
        "contractId": str(invoice.contract_id),
        "status": invoice.status.value,
        "paymentStatus": invoice.payment_status.value,
        "periodStart": draft.period_start.isoformat(),
        "periodEnd": draft.period_end.isoformat(),
        "issueDate": draft.issue_date.isoformat(),
        "dueDate": draft.due_date.isoformat(),
        "currency": draft.currency,
        "total": _money(draft.total),
        "paidAmount": _money(invoice.paid_amount),
        "amountDue": _money(max(draft.total - invoice.paid_amount, Decimal(0))),
    }


def alert_data(alert: Alert) -> dict[str, Any]:
    return {
        "alertId": str(alert.id),
        "thresholdId": str(alert.threshold_id),
        "metricCode": alert.metric_code,
        "kind": alert.kind.value,
        "level": alert.level,
        "levelValue": _quantity(alert.level_value),
        "usage": _quantity(alert.usage),
        "limit": None if alert.limit is None else _quantity(alert.limit),
        "periodStart": alert.period_start.isoformat(),
        "periodEnd": alert.period_end.isoformat(),
        "raisedAt": alert.raised_at.isoformat(),
    }


def report_data(report: StoredReport) -> dict[str, Any]:
    return {
        "reportId": str(report.id),
        "kind": report.kind.value,
        "format": report.format.value,
        "scheduleId": None if report.schedule_id is None else str(report.schedule_id),
        "scheduledFor": None if report.scheduled_for is None else report.scheduled_for.isoformat(),
        "downloadPath": f"/v1/reports/{report.id}",
    }
