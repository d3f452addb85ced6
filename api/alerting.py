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

from api import described as ds
from api import paging
from api import types as t
from api.context import Context
from api.errors import answer
from api.loaders import one
from api.node import ID_DESCRIPTION, Node
from domain import thresholds as th
from services import alerting

LevelKind = ds.enum(
    th.LevelKind,
    {
        th.LevelKind.PERCENTAGE: "The level's value is a percentage of the threshold's limit.",
        th.LevelKind.ABSOLUTE: "The level's value is a quantity in the metric's unit.",
    },
    description="A share of the limit, or a quantity.",
)
Channel = ds.enum(
    th.Channel,
    {
        th.Channel.EMAIL: "An e-mail to each of the company's e-mail recipients.",
        th.Channel.PLATFORM: "The app: the alertRaised subscription and the console.",
        th.Channel.SMS: "A text message to each of the company's SMS recipients.",
    },
    name="NotificationChannel",
    description="Where an alert is sent.",
)
Period = ds.enum(
    th.Period,
    {
        th.Period.DAY: "Usage summed over each UTC day.",
        th.Period.MONTH: "Usage summed over each UTC calendar month.",
    },
    name="ThresholdPeriod",
    description="The period a threshold sums usage over.",
)
RecipientRole = ds.enum(
    th.RecipientRole,
    {
        th.RecipientRole.COMPANY_ADMIN: "The company's administrators.",
        th.RecipientRole.VIEWER: "The company's viewers.",
    },
    description="Who a recipient is for its company.",
)
AlertKind = ds.enum(
    th.AlertKind,
    {
        th.AlertKind.CROSSING: "The period's usage has reached the level.",
        th.AlertKind.FORECAST: "At its pace, the period's usage will reach the level before"
        " the period ends.",
    },
    description="CROSSING, or FORECAST when projected.",
)
DeliveryStatus = ds.enum(
    th.DeliveryStatus,
    {
        th.DeliveryStatus.PENDING: "Not delivered yet; it will be tried again.",
        th.DeliveryStatus.DELIVERED: "Delivered.",
        th.DeliveryStatus.FAILED: "Every attempt failed (10): no more will be made.",
    },
    name="NotificationDeliveryStatus",
    description="PENDING, DELIVERED or FAILED (gave up).",
)


@strawberry.input(
    name="ThresholdLevelInput",
    description="A level of a threshold: when usage reaches it, an alert is raised and its"
    " channels told.",
)
class LevelInput:
    name: str = strawberry.field(description="WARNING, CRITICAL, or any label.")
    kind: LevelKind = strawberry.field(
        description="Whether value is a percentage of the limit or a quantity.",
    )
    value: Decimal = strawberry.field(description="Percent of the limit, or a quantity.")
    channels: list[Channel] = strawberry.field(description="Where the alert is sent.")
    roles: list[RecipientRole] | None = strawberry.field(
        default=None, description="Whose recipients are told; omitted: every role's."
    )


@strawberry.input(
    description="A metric's limit for a period, and the levels at which alerts are raised."
)
class ThresholdInput:
    metric_code: str = strawberry.field(description="The metric whose usage is watched.")
    company_id: UUID | None = strawberry.field(
        default=None, description="Omitted (ADMIN): the default for every company."
    )
    period: Period = strawberry.field(
        default=th.Period.MONTH,
        description="The period usage is summed over (MONTH, or DAY).",
    )
    limit: Decimal | None = strawberry.field(
        default=None,
        description="The period's limit, in the metric's unit; needed by PERCENTAGE levels.",
    )
    levels: list[LevelInput] = strawberry.field(description="The levels, lowest first.")


@strawberry.type(
    name="ThresholdLevel", description="A level of a threshold and the usage that reaches it."
)
class Level:
    name: str = strawberry.field(description="WARNING, CRITICAL, or any label.")
    kind: LevelKind = strawberry.field(
        description="Whether value is a percentage of the limit or a quantity.",
    )
    value: Decimal = strawberry.field(description="Percent of the limit, or a quantity.")
    amount: Decimal | None = strawberry.field(description="The usage at which it is reached.")
    channels: list[Channel] = strawberry.field(description="Where its alerts are sent.")
    roles: list[RecipientRole] = strawberry.field(description="Whose recipients are told.")


@strawberry.type(
    description="A metric's usage limit per period for one company, or the default for every"
    " company."
)
class Threshold(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    company_id: UUID | None = strawberry.field(
        description="The company it watches; null: the default for every company without its own.",
    )
    metric_code: str = strawberry.field(description="The metric whose usage is watched.")
    period: Period = strawberry.field(description="The period usage is summed over.")
    limit: Decimal | None = strawberry.field(
        description="The period's limit, in the metric's unit, if set (PERCENTAGE levels need it)."
    )
    levels: list[Level] = strawberry.field(description="Its levels, lowest first.")

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


@strawberry.type(
    description="A level of a threshold that a company's usage reached, or is projected to"
    " reach, in a period."
)
class Alert(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    threshold_id: UUID = strawberry.field(description="The threshold whose level was reached.")
    company_id: UUID = strawberry.field(description="The company whose usage reached it.")
    metric_code: str = strawberry.field(description="The metric watched.")
    kind: AlertKind = strawberry.field(description="CROSSING, or FORECAST when projected.")
    level: str = strawberry.field(
        description="The name of the level reached (WARNING, CRITICAL, ...).",
    )
    level_value: Decimal = strawberry.field(
        description="The level's value: a percentage of the limit, or a quantity.",
    )
    usage: Decimal = strawberry.field(description="The period's usage when the alert was raised.")
    limit: Decimal | None = strawberry.field(
        description="The threshold's limit then, if it had one.",
    )
    period_start: datetime = strawberry.field(
        description="The first instant of the period watched.",
    )
    period_end: datetime = strawberry.field(
        description="The instant the period ends (not part of it).",
    )
    raised_at: datetime = strawberry.field(description="When the alert was raised.")
    acknowledged_at: datetime | None = strawberry.field(
        description="When someone acknowledged it; null: not yet.",
    )

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


@strawberry.type(description="One alert of a page and its cursor.")
class AlertEdge:
    cursor: str = strawberry.field(description="Pass as `after` to read the alerts after this one.")
    node: Alert = strawberry.field(description="The alert.")


@strawberry.type(description="A page of alerts, newest first.")
class AlertConnection:
    edges: list[AlertEdge] = strawberry.field(description="The alerts of this page, newest first.")
    page_info: t.PageInfo = strawberry.field(
        description="Whether older alerts follow (`after: endCursor`)."
    )


@strawberry.input(description="Which alerts to list; every field given must match.")
class AlertFilter:
    company_id: UUID | None = strawberry.field(
        default=None,
        description="Only this company's alerts (a scoped key may name only its own).",
    )
    metric_code: str | None = strawberry.field(
        default=None,
        description="Only alerts on this metric.",
    )
    acknowledged: bool | None = strawberry.field(
        default=None,
        description="Only acknowledged (true) or only open (false) alerts.",
    )


@strawberry.type(
    description="One notification of an alert to one recipient, and how its sending went."
)
class NotificationDelivery:
    id: int = strawberry.field(description="The delivery's id.")
    alert_id: UUID = strawberry.field(description="The alert notified.")
    channel: Channel = strawberry.field(description="The channel it is sent through.")
    recipient: str = strawberry.field(
        description="The address, phone number or user it is sent to.",
    )
    subject: str = strawberry.field(description="The notification's subject line.")
    status: DeliveryStatus = strawberry.field(description="PENDING, DELIVERED or FAILED (gave up).")
    attempts: int = strawberry.field(description="How many times sending was tried.")
    last_error: str | None = strawberry.field(description="Why the last attempt failed, if it did.")
    next_attempt_at: datetime = strawberry.field(
        description="When it is next tried (while PENDING).",
    )
    delivered_at: datetime | None = strawberry.field(
        description="When it was delivered; null: not yet, or never.",
    )

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


ThresholdResult = Annotated[
    Threshold | t.ValidationError,
    strawberry.union("ThresholdResult", description="The threshold as it now stands, or why not."),
]


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


def levels_of(items: list[LevelInput]) -> tuple[th.Level, ...]:
    """The levels as the domain has them."""
    return _levels(items)


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
        page_info=t.PageInfo.forward([e.cursor for e in edges], page.has_next_page, after),
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
