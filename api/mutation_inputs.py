"""The ``input`` of every mutation that took loose arguments, and the new-shape
twins of those whose result was not a union (``api.mutation_shape`` says why).

A twin answers what the old field answered as ``null`` or ``false`` (no such
threshold, alert, schedule or endpoint, or one the key may not see: the same
answer) as a ``ValidationError`` with ``NOT_FOUND`` naming ``id``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Annotated, TypeVar
from uuid import UUID

import strawberry

from api import alerting as al
from api import reports as rp
from api import types as t
from api import webhooks as wh
from api.billing import InvoiceRun
from api.context import Context
from api.errors import validation_error
from domain import thresholds as th
from domain import usage as d
from domain.access import Role
from domain.errors import Invalid, NotFound
from services import alerting, invoicing, webhooks
from services import reports as svc_reports

T = TypeVar("T")
R = TypeVar("R")


# ------------------------------------------------------------ inputs of kept names


@strawberry.input(description="Usage records to store at once.")
class BatchRecordUsageInput:
    records: list[t.UsageRecordInput] = strawberry.field(
        description="The records (at most METERGRAPH_MAX_BATCH_SIZE)."
    )
    atomic: bool = strawberry.field(
        default=False, description="All or nothing: one refused record stores none."
    )
    backfill: bool = strawberry.field(
        default=False, description="ADMIN: accept records older than the late-arrival window."
    )


@strawberry.input(description="Whose user to erase, and why.")
class EraseUserInput:
    company_id: UUID = strawberry.field(description="The user's company.")
    user_id: UUID = strawberry.field(
        description="The user's id as the client knows it, in either user id mode."
    )
    reason: str = strawberry.field(description="Why (kept in the audit log).")


@strawberry.input(description="The usage record to void, and why.")
class VoidUsageRecordInput:
    id: UUID = strawberry.field(description="The usage record.")
    reason: str = strawberry.field(description="Why (kept with the correction).")


@strawberry.input(description="The usage record to correct: a new value, timestamp or both.")
class CorrectUsageRecordInput:
    id: UUID = strawberry.field(description="The usage record.")
    reason: str = strawberry.field(description="Why (kept with the correction).")
    value: Decimal | None = strawberry.field(default=None, description="The corrected value.")
    timestamp: datetime | None = strawberry.field(
        default=None, description="The corrected timestamp."
    )


@strawberry.input(description="A product: what contracts price, billed by one metric.")
class CreateProductInput:
    code: str = strawberry.field(description="Its code, unique.")
    name: str = strawberry.field(description="Its name on invoices.")
    metric_code: str = strawberry.field(description="The metric it bills (not archived).")


@strawberry.input(description="A payment against a finalized invoice.")
class RecordPaymentInput:
    invoice_id: UUID = strawberry.field(description="The invoice.")
    amount: Decimal = strawberry.field(description="How much was paid, in its currency.")
    paid_at: datetime = strawberry.field(description="When it was paid.")


@strawberry.input(description="A report to build in the background.")
class GenerateReportInput:
    criteria: rp.ReportCriteriaInput = strawberry.field(description="What it covers.")
    format: rp.ReportFormat = strawberry.field(description="CSV, JSON or PDF.")


@strawberry.input(description="A report run on a cron schedule and sent to a destination.")
class CreateReportScheduleInput:
    name: str = strawberry.field(description="Its name.")
    cron: str = strawberry.field(description="5 fields, or 6 with seconds first.")
    criteria: rp.ReportCriteriaInput = strawberry.field(description="What each report covers.")
    format: rp.ReportFormat = strawberry.field(description="CSV, JSON or PDF.")
    destination: rp.ReportDestinationInput = strawberry.field(
        description="Where each report is sent."
    )
    time_zone: str = strawberry.field(default="UTC", description="The cron's time zone.")


@strawberry.input(description="A report schedule to pause or resume.")
class SetReportScheduleActiveInput:
    id: UUID = strawberry.field(description="The schedule.")
    active: bool = strawberry.field(description="Resume (true) or pause (false).")


@strawberry.input(description="The job to run now.")
class RunJobInput:
    name: str = strawberry.field(description="The job's name (see `jobs`).")


@strawberry.input(description="How long a metric's usage is kept.")
class SetRetentionRuleInput:
    metric: str = strawberry.field(description="A metric's code, or `*`.")
    raw_days: int = strawberry.field(description="Days of raw records.")
    hourly_days: int | None = strawberry.field(
        default=None, description="Days of hourly rollups; null: for ever."
    )
    daily_days: int | None = strawberry.field(
        default=None, description="Days of daily rollups; null: for ever."
    )
    monthly_days: int | None = strawberry.field(
        default=None, description="Days of monthly rollups; null: for ever."
    )


@strawberry.input(description="A company's legal hold, placed or lifted.")
class SetLegalHoldInput:
    company_id: UUID = strawberry.field(description="The company.")
    held: bool = strawberry.field(description="Hold (true) or lift (false).")


@strawberry.input(description="An API key to make.")
class CreateApiKeyInput:
    role: t.Role = strawberry.field(description="What the key may do.")
    company_id: UUID | None = strawberry.field(
        default=None, description="Required for COMPANY_ADMIN and VIEWER keys only."
    )
    name: str | None = strawberry.field(default=None, description="A label.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops working; omitted: never."
    )


@strawberry.input(description="The API key to revoke.")
class RevokeApiKeyInput:
    id: UUID = strawberry.field(description="The key.")


@strawberry.input(description="The API key to give a new secret.")
class RotateApiKeyInput:
    id: UUID = strawberry.field(description="The key.")


# ------------------------------------------------------------ twins: inputs and results


@strawberry.type(description="What a remove mutation removed.")
class Removed:
    id: UUID = strawberry.field(description="The id of what was removed.")


@strawberry.input(description="Which periods to invoice now.")
class RunInvoicingInput:
    period_start: datetime | None = strawberry.field(
        default=None,
        description="The period containing this instant (with a UTC offset); omitted: every"
        " closed period.",
    )


@strawberry.input(description="The report schedule to remove (its reports stay).")
class RemoveReportScheduleInput:
    id: UUID = strawberry.field(description="The schedule.")


@strawberry.input(
    description="A threshold's new limit and levels (its metric, company and period stay)."
)
class ReplaceThresholdInput:
    id: UUID = strawberry.field(description="The threshold.")
    limit: Decimal | None = strawberry.field(
        default=None, description="The limit per period; null: levels are quantities."
    )
    levels: list[al.LevelInput] = strawberry.field(description="Its levels, all of them.")


@strawberry.input(description="The threshold to remove (its alerts go with it).")
class RemoveThresholdInput:
    id: UUID = strawberry.field(description="The threshold.")


@strawberry.input(description="The alert to acknowledge.")
class MarkAlertAcknowledgedInput:
    id: UUID = strawberry.field(description="The alert.")


@strawberry.input(description="Who a company's notifications on one channel go to, for a role.")
class UpdateNotificationRecipientsInput:
    company_id: UUID = strawberry.field(description="The company.")
    channel: al.Channel = strawberry.field(description="EMAIL or SMS.")
    addresses: list[str] = strawberry.field(description="Every address (replaces the list).")
    role: al.RecipientRole = strawberry.field(
        default=th.RecipientRole.COMPANY_ADMIN, description="Whom they are for."
    )


@strawberry.type(description="Who a company's notifications on one channel go to, for a role.")
class NotificationRecipients:
    company_id: UUID = strawberry.field(description="The company.")
    channel: al.Channel = strawberry.field(description="EMAIL or SMS.")
    role: al.RecipientRole = strawberry.field(description="Whom they are for.")
    addresses: list[str] = strawberry.field(description="The addresses, as stored.")


@strawberry.input(description="The webhook endpoint to stop sending to.")
class DeactivateWebhookEndpointInput:
    id: UUID = strawberry.field(description="The endpoint.")


@strawberry.input(description="The webhook endpoint to remove with its delivery log.")
class RemoveWebhookEndpointInput:
    id: UUID = strawberry.field(description="The endpoint.")


def _union(name: str, description: str) -> object:
    return strawberry.union(name, description=description)


RunInvoicingResult = Annotated[
    InvoiceRun | t.ValidationError,
    _union("RunInvoicingResult", "The run's counts, or why not (periodStart)."),
]
RemoveReportScheduleResult = Annotated[
    Removed | t.ValidationError,
    _union("RemoveReportScheduleResult", "The schedule removed, or NOT_FOUND naming id."),
]
RemoveThresholdResult = Annotated[
    Removed | t.ValidationError,
    _union("RemoveThresholdResult", "The threshold removed, or NOT_FOUND naming id."),
]
MarkAlertAcknowledgedResult = Annotated[
    al.Alert | t.ValidationError,
    _union("MarkAlertAcknowledgedResult", "The alert, acknowledged, or NOT_FOUND naming id."),
]
UpdateNotificationRecipientsResult = Annotated[
    NotificationRecipients | t.ValidationError,
    _union(
        "UpdateNotificationRecipientsResult",
        "The recipients as stored, or why not (an address, or NOT_FOUND naming companyId).",
    ),
]
DeactivateWebhookEndpointResult = Annotated[
    wh.WebhookEndpoint | t.ValidationError,
    _union("DeactivateWebhookEndpointResult", "The endpoint, deactivated, or NOT_FOUND naming id."),
]
RemoveWebhookEndpointResult = Annotated[
    Removed | t.ValidationError,
    _union("RemoveWebhookEndpointResult", "The endpoint removed, or NOT_FOUND naming id."),
]


# ------------------------------------------------------------ twins: resolvers


async def _found(
    call: Awaitable[T | None], to: Callable[[T], R], what: str, field: str = "id"
) -> R | t.ValidationError:
    """``call``'s answer mapped by ``to``; no such thing (None, False, NotFound)
    and refused input are the ValidationError member naming the field."""
    try:
        value = await call
    except Invalid as exc:
        return validation_error(exc)
    except NotFound as exc:
        return t.ValidationError.single(exc.field or field, d.ErrorCode.NOT_FOUND, exc.message)
    if value is None or value is False:
        return t.ValidationError.single(field, d.ErrorCode.NOT_FOUND, f"no such {what}")
    return to(value)


async def run_invoicing(ctx: Context, input: RunInvoicingInput) -> RunInvoicingResult:
    ctx.principal.require(Role.ADMIN)  # the run itself is every contract's: no principal
    start = input.period_start
    if start is not None and start.tzinfo is None:
        message = "periodStart needs a UTC offset"
        return t.ValidationError.single(
            "periodStart", d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET, message
        )
    run = await invoicing.generate_invoices(ctx.runtime, period_start=start)
    return InvoiceRun(created=run.created, updated=run.updated, finalized=run.finalized)


async def remove_report_schedule(
    ctx: Context, input: RemoveReportScheduleInput
) -> RemoveReportScheduleResult:
    call = svc_reports.delete_report_schedule(
        ctx.runtime, ctx.principal, input.id, audit=ctx.change_audit("removeReportSchedule")
    )
    return await _found(call, lambda _: Removed(id=input.id), "report schedule")


async def replace_threshold(ctx: Context, input: ReplaceThresholdInput) -> al.ThresholdResult:
    call = alerting.replace_threshold(
        ctx.runtime,
        ctx.principal,
        input.id,
        (input.limit, al.levels_of(input.levels)),
        ctx.change_audit("replaceThreshold"),
    )
    return await _found(call, al.Threshold.of, "threshold")


async def remove_threshold(ctx: Context, input: RemoveThresholdInput) -> RemoveThresholdResult:
    call = alerting.delete_threshold(
        ctx.runtime, ctx.principal, input.id, ctx.change_audit("removeThreshold")
    )
    return await _found(call, lambda _: Removed(id=input.id), "threshold")


async def mark_alert_acknowledged(
    ctx: Context, input: MarkAlertAcknowledgedInput
) -> MarkAlertAcknowledgedResult:
    call = alerting.acknowledge_alert(
        ctx.runtime, ctx.principal, input.id, ctx.change_audit("markAlertAcknowledged")
    )
    return await _found(call, al.Alert.of, "alert")


async def update_notification_recipients(
    ctx: Context, input: UpdateNotificationRecipientsInput
) -> UpdateNotificationRecipientsResult:
    channel, role = th.Channel(input.channel.value), th.RecipientRole(input.role.value)
    call = alerting.set_recipients(
        ctx.runtime,
        ctx.principal,
        input.company_id,
        channel,
        input.addresses,
        role,
        ctx.change_audit("updateNotificationRecipients"),
    )

    def stored(addresses: list[str]) -> NotificationRecipients:
        return NotificationRecipients(
            company_id=input.company_id, channel=channel, role=role, addresses=addresses
        )

    return await _found(call, stored, "company", field="companyId")


async def deactivate_webhook_endpoint(
    ctx: Context, input: DeactivateWebhookEndpointInput
) -> DeactivateWebhookEndpointResult:
    call = webhooks.disable_endpoint(
        ctx.runtime, ctx.principal, input.id, ctx.change_audit("deactivateWebhookEndpoint")
    )
    return await _found(call, wh.WebhookEndpoint.of, "webhook endpoint")


async def remove_webhook_endpoint(
    ctx: Context, input: RemoveWebhookEndpointInput
) -> RemoveWebhookEndpointResult:
    call = webhooks.delete_endpoint(
        ctx.runtime, ctx.principal, input.id, ctx.change_audit("removeWebhookEndpoint")
    )
    return await _found(call, lambda _: Removed(id=input.id), "webhook endpoint")
