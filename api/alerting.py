"""GraphQL for thresholds, alerts, recipients and the delivery log."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import asyncpg
import strawberry
import uuid_utils.compat as uuid7
from graphql import GraphQLError

from api import guards, paging
from api import types as t
from api.context import Context
from domain import text
from domain import thresholds as th
from domain import usage as d
from domain.access import Role
from storage import alerts, repos
from storage.queries import q

LevelKind = strawberry.enum(th.LevelKind, description="A share of the limit, or a quantity.")
Channel = strawberry.enum(th.Channel, name="NotificationChannel")
Period = strawberry.enum(th.Period, name="ThresholdPeriod")
RecipientRole = strawberry.enum(th.RecipientRole, description="Who a recipient is for its company.")


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
    kind: str = strawberry.field(description="CROSSING, or FORECAST when projected.")
    level: str
    level_value: Decimal
    usage: Decimal
    limit: Decimal | None
    period_start: datetime
    period_end: datetime
    raised_at: datetime
    acknowledged_at: datetime | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> Alert:
        return cls(
            id=row["id"],
            threshold_id=row["threshold_id"],
            company_id=row["company_id"],
            metric_code=row["metric_code"],
            kind=row["kind"],
            level=row["level"],
            level_value=row["level_value"],
            usage=row["usage"],
            limit=row["limit_value"],
            period_start=row["period_start"],
            period_end=row["period_end"],
            raised_at=row["raised_at"],
            acknowledged_at=row["acknowledged_at"],
        )


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
    status: str = strawberry.field(description="PENDING, DELIVERED or FAILED (gave up).")
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None


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


async def _validated(ctx: Context, input: ThresholdInput) -> th.Threshold | t.ValidationError:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    # an ADMIN without a company sets the default; a scoped key, its own company's
    company = guards.company_filter(ctx, input.company_id)
    levels = _levels(input.levels)
    errors = th.validate(input.limit, levels, max_name_length=ctx.runtime.settings.max_name_length)
    async with ctx.runtime.pool.acquire() as conn:
        if input.metric_code not in await repos.all_metrics(conn):
            errors.insert(
                0,
                d.FieldError(
                    "metricCode", d.ErrorCode.UNKNOWN_METRIC, f"no metric {input.metric_code!r}"
                ),
            )
        if company is not None and await repos.company_by_id(conn, company) is None:
            errors.insert(
                0, d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, f"no company {company}")
            )
    if errors:
        return t.ValidationError.of(errors)
    return th.Threshold(
        uuid7.uuid7(),
        company,
        input.metric_code,
        th.Period(input.period.value),
        input.limit,
        levels,
    )


async def create_threshold(ctx: Context, input: ThresholdInput) -> ThresholdResult:
    threshold = await _validated(ctx, input)
    if isinstance(threshold, t.ValidationError):
        return threshold
    async with ctx.writing("createThreshold", "Threshold") as conn:
        created = await alerts.insert_threshold(conn, threshold)
        if not created:
            ctx.answered("createThreshold", "ValidationError")
    if not created:
        return t.ValidationError.single(
            "metricCode",
            d.ErrorCode.ALREADY_EXISTS,
            "this company (or the default) has a threshold for that metric and period already",
        )
    ctx.runtime.thresholds.invalidate()
    return Threshold.of(threshold)


async def _own_threshold(ctx: Context, threshold_id: UUID) -> th.Threshold | None:
    async with ctx.runtime.pool.acquire() as conn:
        row = await conn.fetchrow(q("threshold_by_id"), threshold_id)
    if row is None:
        return None
    found = alerts.threshold_of(row)
    if found.company_id is None:
        guards.require(ctx, Role.ADMIN)  # a default every company sees, only ADMIN changes
    elif not ctx.principal.may_see(found.company_id):
        return None  # another company's threshold does not exist for this key
    return found


async def update_threshold(ctx: Context, id: UUID, input: ThresholdInput) -> ThresholdResult:
    """Replace a threshold's limit and levels (its metric, company and period stay)."""
    current = await _own_threshold(ctx, id)
    if current is None:
        return t.ValidationError.single("id", d.ErrorCode.NOT_FOUND, f"no threshold {id}")
    replacement = await _validated(ctx, input)
    if isinstance(replacement, t.ValidationError):
        return replacement
    async with ctx.writing("updateThreshold", "Threshold") as conn:
        await conn.execute(
            "UPDATE thresholds SET limit_value = $2, levels = $3 WHERE id = $1",
            id,
            replacement.limit,
            alerts.levels_to_json(replacement.levels),
        )
    ctx.runtime.thresholds.invalidate()
    updated = th.Threshold(
        id,
        current.company_id,
        current.metric_code,
        current.period,
        replacement.limit,
        replacement.levels,
    )
    return Threshold.of(updated)


async def delete_threshold(ctx: Context, id: UUID) -> bool:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    if await _own_threshold(ctx, id) is None:
        return False
    async with ctx.writing("deleteThreshold", "ok") as conn:
        deleted = await alerts.delete_threshold(conn, id)
    ctx.runtime.thresholds.invalidate()
    return deleted


async def thresholds(ctx: Context, company_id: UUID | None) -> list[Threshold]:
    guards.require(ctx, *guards.READERS)
    company = guards.company_filter(ctx, company_id)
    async with ctx.runtime.pool.acquire() as conn:
        found = await alerts.list_thresholds(conn, company, include_defaults=True)
    return [Threshold.of(x) for x in found]


async def alert_list(
    ctx: Context, filter: AlertFilter | None, first: int, after: str | None
) -> AlertConnection:
    guards.require(ctx, *guards.READERS)
    f = filter or AlertFilter()
    company = guards.company_filter(ctx, f.company_id)
    paging.page_size(ctx, first)
    position = paging.position(
        after, 2, lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1]))
    )
    async with ctx.runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            q("list_alerts"),
            company,
            f.metric_code,
            f.acknowledged,
            position[0] if position else None,
            position[1] if position else None,
            first + 1,
        )
    edges = [
        AlertEdge(
            cursor=t.encode_cursor(r["raised_at"].isoformat(), str(r["id"])), node=Alert.of(r)
        )
        for r in rows[:first]
    ]
    return AlertConnection(
        edges=edges,
        page_info=t.PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )


async def acknowledge_alert(ctx: Context, id: UUID) -> Alert | None:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    async with ctx.runtime.pool.acquire() as conn:
        row = await conn.fetchrow(q("alert_by_id"), id)
        if row is None or not ctx.principal.may_see(row["company_id"]):
            return None  # another company's alert does not exist for this key
        async with ctx.writing("acknowledgeAlert", "Alert", conn):
            row = await conn.fetchrow(q("acknowledge_alert"), id, ctx.principal.key_id)
    return Alert.of(row)


async def set_recipients(
    ctx: Context,
    company_id: UUID,
    channel: th.Channel,
    addresses: list[str],
    role: th.RecipientRole = th.RecipientRole.COMPANY_ADMIN,
) -> list[str]:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    company = guards.company_filter(ctx, company_id)
    assert company is not None
    if channel is th.Channel.PLATFORM:
        raise paging.bad_input(
            "PLATFORM notifications go to the app; they have no recipients", "channel"
        )
    cleaned = sorted({a.strip() for a in addresses if a.strip()})
    for address in cleaned:
        # addresses are written into mail headers and webhook bodies by the delivery job
        bad = (
            text.check_email("addresses", address)
            if channel is th.Channel.EMAIL
            else text.check_address("addresses", address, ctx.runtime.settings.max_name_length)
        )
        if bad is not None:
            raise paging.bad_input(bad.message, bad.field)
    async with ctx.writing("setNotificationRecipients", "ok") as conn:
        if await repos.company_by_id(conn, company) is None:
            raise GraphQLError(
                f"no company {company}", extensions={"code": "NOT_FOUND", "field": "companyId"}
            )
        await conn.execute(q("clear_recipients"), company, channel.value, role.value)
        for address in cleaned:
            await conn.execute(q("add_recipient"), company, channel.value, role.value, address)
    return cleaned


async def deliveries(
    ctx: Context, company_id: UUID | None, status: str | None, first: int
) -> list[NotificationDelivery]:
    guards.require(ctx, Role.ADMIN, Role.COMPANY_ADMIN)
    company = guards.company_filter(ctx, company_id)
    paging.page_size(ctx, first)
    async with ctx.runtime.pool.acquire() as conn:
        rows = await conn.fetch(q("list_deliveries"), company, status, first)
    return [
        NotificationDelivery(
            id=r["id"],
            alert_id=r["alert_id"],
            channel=th.Channel(r["channel"]),
            recipient=r["recipient"],
            subject=r["subject"],
            status=r["status"],
            attempts=r["attempts"],
            last_error=r["last_error"],
            next_attempt_at=r["next_attempt_at"],
            delivered_at=r["delivered_at"],
        )
        for r in rows
    ]


async def alert_stream(ctx: Context, company_id: UUID | None) -> AsyncGenerator[Alert, None]:
    """Each alert of the company (ADMIN: of one company or all) as it is raised."""
    guards.require(ctx, *guards.READERS)
    company = guards.company_filter(ctx, company_id)
    async with ctx.runtime.alert_hub.subscribe(company) as queue:
        while True:
            alert_id = await queue.get()
            async with ctx.runtime.pool.acquire() as conn:
                row = await conn.fetchrow(q("alert_by_id"), alert_id)
            if row is not None:
                yield Alert.of(row)
