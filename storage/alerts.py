"""Thresholds, alerts, recipients and the notification outbox in PostgreSQL.

Repositories: each function takes a connection (the caller owns the
transaction) and maps rows to ``domain.thresholds`` values. The alert's
unique key (threshold, company, period, level, kind) makes ``insert_alert``
the arbiter of concurrent checks: one of them inserts it, the others get
None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from domain import thresholds as th
from domain.aggregation import Criteria, Dimension, Function, Granularity
from storage.aggregate import aggregate, totals
from storage.queries import q

ALERT_CHANNEL = "metergraph_alerts"  # storage.alert_hub listens


def levels_to_json(levels: Iterable[th.Level]) -> list[dict[str, Any]]:
    return [
        {
            "name": lv.name,
            "kind": lv.kind.value,
            "value": str(lv.value),
            "channels": [c.value for c in lv.channels],
            "roles": [r.value for r in lv.roles],
        }
        for lv in levels
    ]


def threshold_of(row: asyncpg.Record) -> th.Threshold:
    return th.Threshold(
        id=row["id"],
        company_id=row["company_id"],
        metric_code=row["metric_code"],
        period=th.Period(row["period"]),
        limit=row["limit_value"],
        levels=tuple(
            th.Level(
                lv["name"],
                th.LevelKind(lv["kind"]),
                Decimal(lv["value"]),
                tuple(th.Channel(c) for c in lv["channels"]),
                tuple(th.RecipientRole(r) for r in lv.get("roles", ())),
            )
            for lv in row["levels"]
        ),
    )


@dataclass(frozen=True)
class Unreadable:
    """A stored threshold no rule reads now (a level kind it no longer knows, ...)."""

    threshold_id: UUID
    company_id: UUID | None
    error: BaseException


@dataclass(frozen=True)
class Stored:
    """Thresholds as read: those that map to the domain, and those that do not."""

    thresholds: list[th.Threshold]
    unreadable: list[Unreadable]


def _read(rows: Iterable[asyncpg.Record]) -> Stored:
    found = Stored([], [])
    for row in rows:
        try:
            found.thresholds.append(threshold_of(row))
        except Exception as exc:  # noqa: BLE001 - one row's fault is its own
            found.unreadable.append(Unreadable(row["id"], row["company_id"], exc))
    return found


async def insert_threshold(conn: asyncpg.Connection, t: th.Threshold) -> bool:
    """False when the company (or the default) has a threshold for that metric and period."""
    row = await conn.fetchrow(
        q("insert_threshold"),
        t.id,
        t.company_id,
        t.metric_code,
        t.period.value,
        t.limit,
        levels_to_json(t.levels),
    )
    return row is not None


async def update_threshold(
    conn: asyncpg.Connection, threshold_id: UUID, limit: Decimal | None, levels: Iterable[th.Level]
) -> None:
    await conn.execute(q("update_threshold"), threshold_id, limit, levels_to_json(levels))


async def threshold_by_id(conn: asyncpg.Connection, threshold_id: UUID) -> th.Threshold | None:
    row = await conn.fetchrow(q("threshold_by_id"), threshold_id)
    return threshold_of(row) if row is not None else None


async def thresholds_by_ids(
    conn: asyncpg.Connection, threshold_ids: list[UUID]
) -> dict[UUID, th.Threshold]:
    """The thresholds of ``threshold_ids`` that still exist, by id."""
    rows = await conn.fetch(q("thresholds_by_ids"), threshold_ids)
    return {r["id"]: threshold_of(r) for r in rows}


async def list_thresholds(
    conn: asyncpg.Connection, company_id: UUID | None, include_defaults: bool
) -> list[th.Threshold]:
    rows = await conn.fetch(q("list_thresholds"), company_id, include_defaults)
    return [threshold_of(r) for r in rows]


async def thresholds_page(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    start: tuple[str, UUID] | None,
    limit: int,
    backward: bool = False,
) -> list[th.Threshold]:
    """``limit`` of list_thresholds' thresholds (defaults included) in (metric_code, id)
    order after ``start`` (None: from the first); ``backward``: the ones before it,
    nearest first."""
    code, at_id = start if start is not None else (None, None)
    query = q("thresholds_before" if backward else "thresholds_after")
    rows = await conn.fetch(query, company_id, True, code, at_id, limit)
    return [threshold_of(r) for r in rows]


async def count_thresholds(conn: asyncpg.Connection, company_id: UUID | None) -> int:
    count: int = await conn.fetchval(q("count_thresholds"), company_id, True)
    return count


async def thresholds_of_metrics(conn: asyncpg.Connection, metrics: Iterable[str]) -> Stored:
    return _read(await conn.fetch(q("thresholds_for"), sorted(set(metrics))))


async def all_thresholds(conn: asyncpg.Connection) -> Stored:
    return _read(await conn.fetch(q("all_thresholds")))


async def watched_metrics(conn: asyncpg.Connection) -> set[str]:
    """The metrics some threshold watches."""
    return {r["metric_code"] for r in await conn.fetch(q("watched_metrics"))}


async def delete_threshold(conn: asyncpg.Connection, threshold_id: UUID) -> bool:
    return await conn.fetchval(q("delete_threshold"), threshold_id) is not None


async def period_usage(
    conn: asyncpg.Connection, company: UUID, metric: str, start: datetime, end: datetime
) -> Decimal:
    found = await totals(conn, company, (metric,), start, end)
    return found.get(metric, Decimal(0))


async def usage_by_company(
    conn: asyncpg.Connection, threshold: th.Threshold, start: datetime, to: datetime
) -> list[tuple[UUID, Decimal]]:
    """Each company's total of the threshold's metric over ``[start, to)`` (the
    threshold's company only, for a company's own)."""
    rows = await aggregate(
        conn,
        Criteria(
            from_=start,
            to=to,
            granularity=Granularity.TOTAL,
            functions=(Function.SUM,),
            time_zone=ZoneInfo("UTC"),
            company_id=threshold.company_id,
            metric_codes=(threshold.metric_code,),
            group_by=(Dimension.COMPANY,),
        ),
    )
    return [(row.group["COMPANY"], row.partial.total) for row in rows]


async def recipients_of(conn: asyncpg.Connection, company: UUID) -> list[th.Recipient]:
    return [
        th.Recipient(th.Channel(r["channel"]), th.RecipientRole(r["role"]), r["address"])
        for r in await conn.fetch(q("recipients_of"), company)
    ]


async def replace_recipients(
    conn: asyncpg.Connection,
    company: UUID,
    channel: th.Channel,
    role: th.RecipientRole,
    addresses: Sequence[str],
) -> None:
    await conn.execute(q("clear_recipients"), company, channel.value, role.value)
    for address in addresses:
        await conn.execute(q("add_recipient"), company, channel.value, role.value, address)


@dataclass(frozen=True)
class NewAlert:
    """An alert to raise (its id and time are the database's to settle)."""

    id: UUID
    threshold: th.Threshold
    company_id: UUID
    start: datetime
    end: datetime
    level: th.Level
    usage: Decimal
    kind: th.AlertKind


async def insert_alert(conn: asyncpg.Connection, alert: NewAlert) -> bool:
    """False when the alert was raised already (by this check or a concurrent one)."""
    inserted = await conn.fetchval(
        q("insert_alert"),
        alert.id,
        alert.threshold.id,
        alert.company_id,
        alert.threshold.metric_code,
        alert.start,
        alert.end,
        alert.level.name,
        alert.level.amount(alert.threshold.limit),
        alert.usage,
        alert.threshold.limit,
        alert.kind.value,
    )
    return inserted is not None


async def announce_alert(conn: asyncpg.Connection, alert_id: UUID, company: UUID) -> None:
    """Tell every listening process of the alert once the transaction commits."""
    payload = json.dumps({"alert": str(alert_id), "company": str(company)})
    await conn.execute(q("announce_alert"), ALERT_CHANNEL, payload)


async def insert_notifications(
    conn: asyncpg.Connection, alert_id: UUID, notices: Iterable[th.Notice]
) -> None:
    for n in notices:
        await conn.execute(
            q("insert_notification"), alert_id, n.channel.value, n.recipient, n.subject, n.body
        )


def alert_of(row: asyncpg.Record) -> th.Alert:
    return th.Alert(
        id=row["id"],
        threshold_id=row["threshold_id"],
        company_id=row["company_id"],
        metric_code=row["metric_code"],
        kind=th.AlertKind(row["kind"]),
        level=row["level"],
        level_value=row["level_value"],
        usage=row["usage"],
        limit=row["limit_value"],
        period_start=row["period_start"],
        period_end=row["period_end"],
        raised_at=row["raised_at"],
        acknowledged_at=row["acknowledged_at"],
    )


async def list_alerts(
    conn: asyncpg.Connection,
    company: UUID | None,
    metric_code: str | None,
    acknowledged: bool | None,
    before: tuple[datetime, UUID] | None,
    limit: int,
) -> list[th.Alert]:
    """Newest first, those raised before ``before`` (raised at, id) when given."""
    rows = await conn.fetch(
        q("list_alerts"),
        company,
        metric_code,
        acknowledged,
        before[0] if before else None,
        before[1] if before else None,
        limit,
    )
    return [alert_of(r) for r in rows]


async def alert_by_id(conn: asyncpg.Connection, alert_id: UUID) -> th.Alert | None:
    row = await conn.fetchrow(q("alert_by_id"), alert_id)
    return alert_of(row) if row is not None else None


async def acknowledge_alert(
    conn: asyncpg.Connection, alert_id: UUID, key_id: UUID
) -> th.Alert | None:
    """The alert, acknowledged (the first acknowledgement stands)."""
    row = await conn.fetchrow(q("acknowledge_alert"), alert_id, key_id)
    return alert_of(row) if row is not None else None


async def list_deliveries(
    conn: asyncpg.Connection,
    company: UUID | None,
    status: th.DeliveryStatus | None,
    limit: int,
    older_than: int | None = None,
) -> list[th.Delivery]:
    """Deliveries newest first (those before delivery ``older_than``, when given)."""
    rows = await conn.fetch(
        q("list_deliveries"),
        company,
        status.value if status is not None else None,
        limit,
        older_than,
    )
    return [
        th.Delivery(
            id=r["id"],
            alert_id=r["alert_id"],
            channel=th.Channel(r["channel"]),
            recipient=r["recipient"],
            subject=r["subject"],
            status=th.DeliveryStatus(r["status"]),
            attempts=r["attempts"],
            last_error=r["last_error"],
            next_attempt_at=r["next_attempt_at"],
            delivered_at=r["delivered_at"],
        )
        for r in rows
    ]


async def due_notifications(
    conn: asyncpg.Connection, now: datetime, limit: int
) -> list[th.Notification]:
    """Claim due deliveries (the caller's transaction keeps other drainers off them)."""
    rows = await conn.fetch(q("due_notifications"), now, limit)
    return [
        th.Notification(
            r["id"],
            r["alert_id"],
            th.Channel(r["channel"]),
            r["recipient"],
            r["subject"],
            r["body"],
            r["attempts"],
        )
        for r in rows
    ]


async def mark_delivered(conn: asyncpg.Connection, notification_id: int, now: datetime) -> None:
    await conn.execute(q("mark_delivered"), notification_id, now)


async def record_failed_attempt(
    conn: asyncpg.Connection, notification_id: int, retry: th.Retry, error: str
) -> None:
    await conn.execute(
        q("mark_attempt_failed"),
        notification_id,
        retry.attempts,
        retry.status.value,
        retry.next_attempt_at,
        error[:1000],
    )
