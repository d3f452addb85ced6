"""GraphQL for thresholds, alerts, recipients and the delivery log."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Annotated
from uuid import UUID

import strawberry

from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from api.loaders import one
from domain import thresholds as th
from services import alerting

LevelKind = strawberry.enum(th.LevelKind, description="A share of the limit, or a quantity.")
Channel = strawberry.enum(th.Channel, name="NotificationChannel")
Period = strawberry.enum(th.Period, name="ThresholdPeriod")
RecipientRole = strawberry.enum(th.RecipientRole, description="Who a recipient is for its company.")
AlertKind = strawberry.enum(th.AlertKind, description="CROSSING, or FORECAST when projected.")
DeliveryStatus = strawberry.enum(
    th.DeliveryStatus,
    name="NotificationDeliveryStatus",
    description="PENDING, DELIVERED or FAILED (gave up).",
)


@strawberry.input(name="ThresholdLevelInput")
class LevelInput:
    name: str = strawberry.field(description="WARNING, CRITICAL, or any label.")
    kind: LevelKind
    value: Decimal = strawberry.field(description="Percent of the limit, or a quantity.")
    channels: list[Channel]
    roles: list[RecipientRole] | None = strawberry.field(
        default=None, description="Whose recipients are told; omitted: every role's."
    )


@strawberry.input
class ThresholdInput:
    metric_code: str
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted (ADMIN): the default for every company."
    )
    period: Period = th.Period.MONTH
    limit: Decimal | None = None
    levels: list[LevelInput]


@strawberry.type(name="ThresholdLevel")
class Level:
    name: str
    kind: LevelKind
    value: Decimal
    amount: Decimal | None = strawberry.field(description="The usage at which it is reached.")
    channels: list[Channel]
    roles: list[RecipientRole]


@strawberry.type
class Threshold:
    id: UUID
    company_id: UUID | None
    metric_code: str
    period: Period
    limit: Decimal | None
    levels: list[Level]

    @classmethod
    def of(cls, x: th.Threshold) -> Threshold:
        return cls(
            id=x.id,
            company_id=x.company_id,
            metric_code=x.metric_code,
            period=x.period,
            limit=x.limit,
            levels=[
                Level(
                    name=lv.name,
                    kind=lv.kind,
                    value=lv.value,
                    amount=lv.amount(x.limit),
                    channels=list(lv.channels),
                    roles=list(lv.roles),
                )
                for lv in x.levels
            ],
        )


@strawberry.type
class Alert:
    id: UUID
    threshold_id: UUID
    company_id: UUID
    metric_code: str
    kind: AlertKind = strawberry.field(description="CROSSING, or FORECAST when projected.")
    level: str
    level_value: Decimal
    usage: Decimal
    limit: Decimal | None
    period_start: datetime
    period_end: datetime
    raised_at: datetime
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, a: th.Alert) -> Alert:
        return cls(
            id=a.id,
            threshold_id=a.threshold_id,
            company_id=a.company_id,
            metric_code=a.metric_code,
            kind=a.kind,
            level=a.level,
            level_value=a.level_value,
            usage=a.usage,
            limit=a.limit,
            period_start=a.period_start,
            period_end=a.period_end,
            raised_at=a.raised_at,
            acknowledged_at=a.acknowledged_at,
        )

    @strawberry.field(
        description="The threshold whose level was reached (deleting a threshold deletes its"
        " alerts: null only when that happened while the request ran)."
    )
    async def threshold(self, info: strawberry.Info[Context, None]) -> Threshold | None:
        ctx = info.context
        loader = one(
            info,
            "Alert.threshold",
            lambda ids: alerting.thresholds_by_ids(ctx.runtime, ctx.principal, ids),
        )
        found = await loader.load(self.threshold_id)
        return Threshold.of(found) if found is not None else None


@strawberry.type
class AlertEdge:
    cursor: str
    node: Alert


@strawberry.type
class AlertConnection:
    edges: list[AlertEdge]
    page_info: t.PageInfo


@strawberry.input
class AlertFilter:
    company_id: UUID | None = None
    metric_code: str | None = None
    acknowledged: bool | None = None


@strawberry.type
class NotificationDelivery:
    id: int
    alert_id: UUID
    channel: Channel
    recipient: str
    subject: str
    status: DeliveryStatus = strawberry.field(description="PENDING, DELIVERED or FAILED (gave up).")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, x: th.Delivery) -> NotificationDelivery:
        return cls(
            id=x.id,
            alert_id=x.alert_id,
            channel=x.channel,
            recipient=x.recipient,
            subject=x.subject,
            status=x.status,
            attempts=x.attempts,
            last_error=x.last_error,
            next_attempt_at=x.next_attempt_at,
            delivered_at=x.delivered_at,
        )


ThresholdResult = Annotated[Threshold | t.ValidationError, strawberry.union("ThresholdResult")]


def _levels(items: list[LevelInput]) -> tuple[th.Level, ...]:
    return tuple(
        th.Level(
            x.name.strip(),
            th.LevelKind(x.kind.value),
            x.value,
            tuple(dict.fromkeys(th.Channel(c.value) for c in x.channels)),
            tuple(dict.fromkeys(th.RecipientRole(r.value) for r in x.roles or ())),
        )
        for x in items
    )


def _draft(input: ThresholdInput) -> alerting.ThresholdDraft:
    return alerting.ThresholdDraft(
        input.metric_code,
        input.company_id,
        th.Period(input.period.value),
        input.limit,
        _levels(input.levels),
    )


async def create_threshold(ctx: Context, input: ThresholdInput) -> ThresholdResult:
    created = alerting.create_threshold(
        ctx.runtime, ctx.principal, _draft(input), ctx.change_audit("createThreshold")
    )
    return await answer(created, to=Threshold.of)


async def update_threshold(ctx: Context, id: UUID, input: ThresholdInput) -> ThresholdResult:
    """Replace a threshold's limit and levels (its metric, company and period stay)."""
    updated = alerting.update_threshold(
        ctx.runtime, ctx.principal, id, _draft(input), ctx.change_audit("updateThreshold")
    )
    return await answer(updated, to=Threshold.of)


async def delete_threshold(ctx: Context, id: UUID) -> bool:
    return await alerting.delete_threshold(
        ctx.runtime, ctx.principal, id, ctx.change_audit("deleteThreshold")
    )


async def thresholds(ctx: Context, company_id: UUID | None) -> list[Threshold]:
    found = await alerting.list_thresholds(ctx.runtime, ctx.principal, company_id)
    return [Threshold.of(x) for x in found]


def _alert_position(parts: list[str]) -> tuple[datetime, UUID]:
    return datetime.fromisoformat(parts[0]), UUID(parts[1])


async def alert_list(
    ctx: Context, filter: AlertFilter | None, first: int, after: str | None
) -> AlertConnection:
    f = filter or AlertFilter()
    page = await alerting.list_alerts(
        ctx.runtime,
        ctx.principal,
        alerting.AlertFilter(f.company_id, f.metric_code, f.acknowledged),
        first,
        partial(paging.position, after, 2, _alert_position),
    )
    edges = [
        AlertEdge(cursor=t.encode_cursor(a.raised_at.isoformat(), str(a.id)), node=Alert.of(a))
        for a in page.alerts
    ]
    return AlertConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=page.has_next_page, end_cursor=edges[-1].cursor if edges else None
        ),
    )


async def acknowledge_alert(ctx: Context, id: UUID) -> Alert | None:
    found = await alerting.acknowledge_alert(
        ctx.runtime, ctx.principal, id, ctx.change_audit("acknowledgeAlert")
    )
    return Alert.of(found) if found is not None else None


async def set_recipients(
    ctx: Context,
    company_id: UUID,
    channel: th.Channel,
    addresses: list[str],
    role: th.RecipientRole = th.RecipientRole.COMPANY_ADMIN,
) -> list[str]:
    return await alerting.set_recipients(
        ctx.runtime,
        ctx.principal,
        company_id,
        channel,
        addresses,
        role,
        ctx.change_audit("setNotificationRecipients"),
    )


async def deliveries(
    ctx: Context, company_id: UUID | None, status: th.DeliveryStatus | None, first: int
) -> list[NotificationDelivery]:
    found = await alerting.list_deliveries(ctx.runtime, ctx.principal, company_id, status, first)
    return [NotificationDelivery.of(x) for x in found]


async def alert_stream(ctx: Context, company_id: UUID | None) -> AsyncGenerator[Alert, None]:
    """Each alert of the company (ADMIN: of one company or all) as it is raised."""
    feed = alerting.alert_feed(ctx.runtime, ctx.principal, company_id)
    async with contextlib.aclosing(feed):  # the subscription ends when its client goes
        while True:
            try:
                alert = await anext(feed)
            except StopAsyncIteration:
                return
            # The context lives as long as the websocket: each alert's fields
            # (its threshold) are read afresh, not from an earlier alert's loaders.
            ctx.loaders.clear()
            yield Alert.of(alert)
