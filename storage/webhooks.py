"""Webhook endpoints, events and their deliveries (rows of the notification outbox).

Repositories: each function takes a connection (the caller owns the
transaction). An event's unique (type, subject) makes ``raise_event`` safe
to call again for the same fact: the second call queues nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from domain import thresholds as th
from domain import webhooks as wh
from storage.queries import q


def _endpoint(row: asyncpg.Record) -> wh.Endpoint:
    return wh.Endpoint(
        id=row["id"],
        company_id=row["company_id"],
        url=row["url"],
        events=tuple(wh.EventType(e) for e in row["events"]),
        enabled=row["enabled"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


async def insert_endpoint(
    conn: asyncpg.Connection,
    endpoint_id: UUID,
    company_id: UUID,
    url: str,
    events: Sequence[wh.EventType],
    secret: str,
) -> wh.Endpoint:
    row = await conn.fetchrow(
        q("insert_webhook_endpoint"),
        endpoint_id,
        company_id,
        url,
        [e.value for e in events],
        secret,
    )
    return _endpoint(row)


async def endpoints_of(conn: asyncpg.Connection, company_id: UUID) -> list[wh.Endpoint]:
    return [_endpoint(r) for r in await conn.fetch(q("webhook_endpoints_of"), company_id)]


async def endpoint_by_id(conn: asyncpg.Connection, endpoint_id: UUID) -> wh.Endpoint | None:
    row = await conn.fetchrow(q("webhook_endpoint_by_id"), endpoint_id)
    return _endpoint(row) if row else None


async def disable_endpoint(conn: asyncpg.Connection, endpoint_id: UUID) -> wh.Endpoint | None:
    """Stop the endpoint's deliveries (pending ones end FAILED); the endpoint after it."""
    row = await conn.fetchrow(q("disable_webhook_endpoint"), endpoint_id)
    return _endpoint(row) if row else None


async def delete_endpoint(conn: asyncpg.Connection, endpoint_id: UUID) -> None:
    await conn.execute(q("delete_webhook_endpoint"), endpoint_id)


async def subscribed(conn: asyncpg.Connection, company_id: UUID, event: wh.EventType) -> bool:
    """Whether an enabled endpoint of the company listens for ``event``."""
    return bool(await conn.fetchval(q("webhook_subscribed"), company_id, event.value))


async def companies_listening(conn: asyncpg.Connection, event: wh.EventType) -> set[UUID]:
    """The companies an enabled endpoint of which listens for ``event``."""
    rows = await conn.fetch(q("webhook_companies_listening"), event.value)
    return {r["company_id"] for r in rows}


async def raise_event(conn: asyncpg.Connection, event: wh.Event) -> int:
    """Store the event and queue its deliveries; how many were queued (0: raised before)."""
    queued: int = await conn.fetchval(
        q("raise_webhook_event"),
        event.id,
        event.company_id,
        event.type.value,
        event.subject_id,
        event.body,
    )
    return queued


async def due_delivery(conn: asyncpg.Connection, now: datetime) -> wh.Outgoing | None:
    """Claim the next due delivery (the caller's transaction keeps other drainers off it)."""
    row = await conn.fetchrow(q("due_webhook_delivery"), now)
    if row is None:
        return None
    return wh.Outgoing(
        id=row["id"],
        event_id=row["webhook_event_id"],
        event_type=wh.EventType(row["subject"]),
        endpoint_id=row["webhook_endpoint_id"],
        url=row["url"],
        secret=row["secret"],
        body=row["body"],
        attempts=row["attempts"],
    )


async def mark_delivered(
    conn: asyncpg.Connection, delivery_id: int, now: datetime, status_code: int
) -> None:
    await conn.execute(q("mark_webhook_delivered"), delivery_id, now, status_code)


async def record_failed_attempt(
    conn: asyncpg.Connection,
    outgoing: wh.Outgoing,
    retry: th.Retry,
    error: str,
    status_code: int | None,
) -> None:
    """Record the failed try and hold the endpoint's other deliveries until its next one."""
    await conn.execute(
        q("mark_webhook_attempt_failed"),
        outgoing.id,
        retry.attempts,
        retry.status.value,
        retry.next_attempt_at,
        error[:1000],
        status_code,
    )
    await conn.execute(
        q("hold_webhook_endpoint"), outgoing.endpoint_id, outgoing.id, retry.next_attempt_at
    )


async def deliveries(
    conn: asyncpg.Connection, endpoint_id: UUID, before: int | None, limit: int
) -> list[wh.Delivery]:
    """The endpoint's deliveries, newest first, older than ``before`` (an id) when given."""
    rows = await conn.fetch(q("webhook_deliveries"), endpoint_id, before, limit)
    return [
        wh.Delivery(
            id=r["id"],
            event_id=r["webhook_event_id"],
            event_type=wh.EventType(r["subject"]),
            status=th.DeliveryStatus(r["status"]),
            attempts=r["attempts"],
            last_status_code=r["last_status_code"],
            last_error=r["last_error"],
            next_attempt_at=r["next_attempt_at"] if r["status"] == "PENDING" else None,
            delivered_at=r["delivered_at"],
            created_at=r["created_at"],
        )
        for r in rows
    ]
