"""Raising webhook events in the transaction of the fact they tell of.

The flows that make a fact call one function here inside their own
transaction (``invoice_finalized``, ``invoice_paid``, ``invoices_overdue``,
``alert_raised``, ``report_ready``): the event and one outbox row per
listening endpoint commit with the fact, or neither does. An event is raised
once per fact (its type and subject are unique), and nothing is stored when
no enabled endpoint of the company listens for its type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import webhooks as wh
from storage import alerts, billing
from storage import reports as report_store
from storage import webhooks as store


async def emit(
    conn: asyncpg.Connection,
    company_id: UUID,
    event_type: wh.EventType,
    subject_id: UUID,
    data: Callable[[], Awaitable[dict[str, Any]]],
) -> None:
    """Raise ``event_type`` for ``subject_id`` in ``conn``'s transaction: once per fact,
    and only when an enabled endpoint of the company listens (``data`` is awaited
    for the payload only then)."""
    if not await store.subscribed(conn, company_id, event_type):
        return
    event_id = uuid7.uuid7()
    payload = await data()
    body = wh.body(event_id, event_type, company_id, datetime.now(UTC), payload)
    await store.raise_event(conn, wh.Event(event_id, company_id, event_type, subject_id, body))


async def invoice_finalized(
    conn: asyncpg.Connection, company_id: UUID, contract_id: UUID, period: datetime
) -> None:
    """The contract's invoice for the period starting ``period`` was just finalized."""
    if not await store.subscribed(conn, company_id, wh.EventType.INVOICE_FINALIZED):
        return
    invoice = (await billing.invoices_of(conn, contract_id)).get(period)
    if invoice is not None:

        async def data() -> dict[str, Any]:
            return wh.invoice_data(invoice)

        await emit(conn, company_id, wh.EventType.INVOICE_FINALIZED, invoice.id, data)


async def invoice_paid(conn: asyncpg.Connection, invoice_id: UUID) -> None:
    """A payment was recorded on the invoice: INVOICE_PAID when nothing is left due."""
    invoice = await billing.invoice_by_id(conn, invoice_id)
    if invoice is None or invoice.amount_due > 0:
        return

    async def data() -> dict[str, Any]:
        return wh.invoice_data(invoice)

    await emit(conn, invoice.company_id, wh.EventType.INVOICE_PAID, invoice.id, data)


async def invoices_overdue(conn: asyncpg.Connection, invoice_ids: Sequence[UUID]) -> None:
    """These invoices were just marked overdue."""
    for invoice_id in invoice_ids:
        invoice = await billing.invoice_by_id(conn, invoice_id)
        if invoice is None:
            continue

        async def data(found: Any = invoice) -> dict[str, Any]:
            return wh.invoice_data(found)

        await emit(conn, invoice.company_id, wh.EventType.INVOICE_OVERDUE, invoice.id, data)


async def alert_raised(conn: asyncpg.Connection, company_id: UUID, alert_id: UUID) -> None:
    """The alert was just raised (in ``conn``'s transaction)."""

    async def data() -> dict[str, Any]:
        alert = await alerts.alert_by_id(conn, alert_id)
        assert alert is not None
        return wh.alert_data(alert)

    await emit(conn, company_id, wh.EventType.ALERT_RAISED, alert_id, data)


async def report_ready(conn: asyncpg.Connection, report_id: UUID) -> None:
    """The report was just built and stored (a report for every company raises nothing)."""
    report = await report_store.report_by_id(conn, report_id)
    if report is None or report.company_id is None:
        return

    async def data() -> dict[str, Any]:
        assert report is not None
        return wh.report_data(report)

    await emit(conn, report.company_id, wh.EventType.REPORT_READY, report.id, data)
