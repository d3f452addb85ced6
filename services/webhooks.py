"""Outbound webhooks: endpoints, their delivery log, and the events the flows raise.

A company's ADMIN or COMPANY_ADMIN registers endpoints (a URL, the event
types it wants, a signing secret: given, or generated and shown once). The
flows that make a fact raise its event in the fact's own transaction
(``invoice_finalized``, ``invoice_paid``, ``invoices_overdue``,
``alert_raised``, ``report_ready``): the event and one outbox row per
listening endpoint commit with the fact or not at all. Nothing is stored
when no endpoint of the company listens. ``services.webhook_delivery``
sends them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import webhooks as wh
from domain.access import Principal, Role
from domain.errors import Invalid, NotFound, Rejected
from domain.field_errors import ErrorCode, FieldError
from services.audit import NOT_AUDITED, ChangeAudit
from services.report_delivery import UnsafeWebhook, check_webhook_url
from services.runtime import Runtime
from storage import repos
from storage import webhooks as store

EDITORS = (Role.ADMIN, Role.COMPANY_ADMIN)


@dataclass(frozen=True)
class CreatedEndpoint:
    """A new endpoint, with its secret when Metergraph generated it (shown this once)."""

    endpoint: wh.Endpoint
    generated_secret: str | None


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[wh.Delivery]
    has_next_page: bool


async def _checked(
    rt: Runtime, url: str, events: tuple[wh.EventType, ...], secret: str | None
) -> None:
    errors = wh.endpoint_errors(url, events, secret)
    if not errors:
        try:
            await check_webhook_url(url, rt.settings.allow_private_webhooks)
        except UnsafeWebhook as refused:
            errors.append(FieldError("url", ErrorCode.INVALID_FORMAT, str(refused)))
    if errors:
        raise Rejected(errors)


async def create_endpoint(
    rt: Runtime,
    principal: Principal,
    company_id: UUID,
    url: str,
    events: Sequence[wh.EventType],
    secret: str | None = None,
    audit: ChangeAudit = NOT_AUDITED,
) -> CreatedEndpoint:
    """Register where the company's events of ``events`` are POSTed."""
    principal.require(*EDITORS)
    company = principal.company_filter(company_id)
    assert company is not None
    chosen = tuple(dict.fromkeys(events))
    await _checked(rt, url.strip(), chosen, secret)
    generated = None if secret is not None else "whsec_" + secrets.token_urlsafe(32)
    async with rt.pool.acquire() as conn:
        if await repos.company_by_id(conn, company) is None:
            raise Rejected(
                [FieldError("companyId", ErrorCode.UNKNOWN_COMPANY, f"no company {company}")]
            )
        async with conn.transaction():
            endpoint = await store.insert_endpoint(
                conn, uuid7.uuid7(), company, url.strip(), chosen, secret or generated or ""
            )
            await audit.write(conn, "CreatedWebhookEndpoint")
        audit.committed()
    return CreatedEndpoint(endpoint, generated)


async def list_endpoints(rt: Runtime, principal: Principal, company_id: UUID) -> list[wh.Endpoint]:
    """The company's endpoints, oldest first (a scoped key may name its own company only)."""
    principal.require(*EDITORS)
    company = principal.company_filter(company_id)
    assert company is not None
    async with rt.pool.acquire() as conn:
        return await store.endpoints_of(conn, company)


async def _own_endpoint(
    conn: asyncpg.Connection, principal: Principal, endpoint_id: UUID
) -> wh.Endpoint | None:
    principal.require(*EDITORS)
    found = await store.endpoint_by_id(conn, endpoint_id)
    if found is None or not principal.may_see(found.company_id):
        return None  # another company's endpoint does not exist for this key
    return found


async def disable_endpoint(
    rt: Runtime, principal: Principal, endpoint_id: UUID, audit: ChangeAudit = NOT_AUDITED
) -> wh.Endpoint | None:
    """Stop sending to the endpoint (its pending deliveries end FAILED); None: no such one."""
    async with rt.pool.acquire() as conn:
        if await _own_endpoint(conn, principal, endpoint_id) is None:
            return None
        async with conn.transaction():
            disabled = await store.disable_endpoint(conn, endpoint_id)
            await audit.write(conn, "WebhookEndpoint")
        audit.committed()
    return disabled


async def delete_endpoint(
    rt: Runtime, principal: Principal, endpoint_id: UUID, audit: ChangeAudit = NOT_AUDITED
) -> bool:
    """Remove the endpoint and its delivery log; False when this key sees no such one."""
    async with rt.pool.acquire() as conn:
        if await _own_endpoint(conn, principal, endpoint_id) is None:
            return False
        async with conn.transaction():
            await store.delete_endpoint(conn, endpoint_id)
            await audit.write(conn, "Boolean")
        audit.committed()
    return True


def _first_page() -> int | None:
    return None


async def list_deliveries(
    rt: Runtime,
    principal: Principal,
    endpoint_id: UUID,
    first: int,
    start: Callable[[], int | None] = _first_page,
) -> DeliveryPage:
    """The endpoint's deliveries, newest first: ``first`` of them, older than where
    ``start`` (read once the endpoint is known to be the caller's) says."""
    limit = rt.settings.max_page_size
    if first < 1 or first > limit:
        raise Invalid(f"first must be between 1 and {limit}", code="BAD_USER_INPUT", field="first")
    async with rt.pool.acquire() as conn:
        if await _own_endpoint(conn, principal, endpoint_id) is None:
            raise NotFound(f"no webhook endpoint {endpoint_id}", field="endpointId")
        found = await store.deliveries(conn, endpoint_id, start(), first + 1)
    return DeliveryPage(found[:first], has_next_page=len(found) > first)
