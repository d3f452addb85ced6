"""GraphQL for outbound webhooks: endpoints and their delivery log."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated
from uuid import UUID

import strawberry

from api import described as ds
from api import paging
from api import types as t
from api.alerting import DeliveryStatus
from api.context import Context
from api.errors import answer
from api.node import ID_DESCRIPTION, Node
from domain import webhooks as wh
from services import webhooks

WebhookEventType = ds.enum(
    wh.EventType,
    {
        wh.EventType.INVOICE_FINALIZED: "An invoice of the company was finalized.",
        wh.EventType.INVOICE_PAID: "An invoice of the company was paid in full.",
        wh.EventType.INVOICE_OVERDUE: "An invoice of the company became overdue.",
        wh.EventType.ALERT_RAISED: "An alert was raised on the company's usage.",
        wh.EventType.REPORT_READY: "A report on the company finished building.",
    },
    name="WebhookEventType",
    description="What an endpoint can hear of: an invoice finalized, paid in full or overdue;"
    " an alert raised; a report ready.",
)


@strawberry.input(description="Where a company's events are POSTed, and which ones.")
class WebhookEndpointInput:
    company_id: UUID = strawberry.field(description="The company whose events are sent.")
    url: str = strawberry.field(description="An http:// or https:// URL.")
    events: list[WebhookEventType] = strawberry.field(description="At least one event type.")
    secret: str | None = strawberry.field(
        default=None,
        description="The HMAC-SHA256 signing secret (16 to 256 printable characters);"
        " omitted: one is generated and returned once. Never returned afterwards.",
    )


@strawberry.type(description="An endpoint that receives a company's webhook events.")
class WebhookEndpoint(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    company_id: UUID = strawberry.field(description="The company whose events it receives.")
    url: str = strawberry.field(description="Where the events are POSTed.")
    events: list[WebhookEventType] = strawberry.field(description="The event types it receives.")
    enabled: bool = strawberry.field(description="False once disabled: nothing more is sent.")
    created_at: datetime = strawberry.field(description="When it was registered.")
    disabled_at: datetime | None = strawberry.field(description="When it was disabled.")

    @classmethod
    def of(cls, x: wh.Endpoint) -> WebhookEndpoint:
        return cls(
            id=x.id,
            company_id=x.company_id,
            url=x.url,
            events=list(x.events),
            enabled=x.enabled,
            created_at=x.created_at,
            disabled_at=x.disabled_at,
        )


@strawberry.type(description="A new endpoint, with its signing secret when it was generated.")
class CreatedWebhookEndpoint:
    endpoint: WebhookEndpoint = strawberry.field(description="The endpoint registered.")
    secret: str | None = strawberry.field(
        description="The generated signing secret, shown this once; null when you gave one."
    )

    @classmethod
    def of(cls, x: webhooks.CreatedEndpoint) -> CreatedWebhookEndpoint:
        return cls(endpoint=WebhookEndpoint.of(x.endpoint), secret=x.generated_secret)


@strawberry.type(description="One event's delivery to one endpoint.")
class WebhookDelivery:
    id: int = strawberry.field(description="The delivery's id (its row in the outbox).")
    event_id: UUID = strawberry.field(
        description="The event's id: the same on every try (header X-Metergraph-Event-Id)."
    )
    event_type: WebhookEventType = strawberry.field(description="The event's type.")
    status: DeliveryStatus = strawberry.field(description="PENDING, DELIVERED or FAILED (gave up).")
    attempts: int = strawberry.field(description="Tries made so far.")
    last_status_code: int | None = strawberry.field(
        description="The HTTP status of the last try; null when no answer came."
    )
    last_error: str | None = strawberry.field(description="Why the last try failed.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next (PENDING only)."
    )
    delivered_at: datetime | None = strawberry.field(description="When the receiver took it.")
    created_at: datetime = strawberry.field(description="When the event was raised.")

    @classmethod
    def of(cls, x: wh.Delivery) -> WebhookDelivery:
        return cls(
            id=x.id,
            event_id=x.event_id,
            event_type=x.event_type,
            status=x.status,
            attempts=x.attempts,
            last_status_code=x.last_status_code,
            last_error=x.last_error,
            next_attempt_at=x.next_attempt_at,
            delivered_at=x.delivered_at,
            created_at=x.created_at,
        )


@strawberry.type(description="A delivery and its cursor.")
class WebhookDeliveryEdge:
    cursor: str = strawberry.field(description="Pass as `after` for the deliveries after it.")
    node: WebhookDelivery = strawberry.field(description="The delivery.")


@strawberry.type(description="An endpoint's deliveries, newest first.")
class WebhookDeliveryConnection:
    edges: list[WebhookDeliveryEdge] = strawberry.field(description="This page's deliveries.")
    page_info: t.PageInfo = strawberry.field(description="Whether more follow, and from where.")


CreateWebhookEndpointResult = Annotated[
    CreatedWebhookEndpoint | t.ValidationError,
    strawberry.union(
        "CreateWebhookEndpointResult", description="The new endpoint with its secret, or why not."
    ),
]


async def create_endpoint(ctx: Context, input: WebhookEndpointInput) -> CreateWebhookEndpointResult:
    created = webhooks.create_endpoint(
        ctx.runtime,
        ctx.principal,
        input.company_id,
        input.url,
        [wh.EventType(e.value) for e in input.events],
        input.secret,
        ctx.change_audit("createWebhookEndpoint"),
    )
    return await answer(created, to=CreatedWebhookEndpoint.of)


async def endpoints(ctx: Context, company_id: UUID) -> list[WebhookEndpoint]:
    found = await webhooks.list_endpoints(ctx.runtime, ctx.principal, company_id)
    return [WebhookEndpoint.of(x) for x in found]


async def disable_endpoint(ctx: Context, id: UUID) -> WebhookEndpoint | None:
    found = await webhooks.disable_endpoint(
        ctx.runtime, ctx.principal, id, ctx.change_audit("disableWebhookEndpoint")
    )
    return WebhookEndpoint.of(found) if found is not None else None


async def delete_endpoint(ctx: Context, id: UUID) -> bool:
    return await webhooks.delete_endpoint(
        ctx.runtime, ctx.principal, id, ctx.change_audit("deleteWebhookEndpoint")
    )


async def deliveries(
    ctx: Context, endpoint_id: UUID, first: int, after: str | None
) -> WebhookDeliveryConnection:
    page = await webhooks.list_deliveries(
        ctx.runtime,
        ctx.principal,
        endpoint_id,
        first,
        partial(paging.position, after, 1, lambda parts: int(parts[0])),
    )
    edges = [
        WebhookDeliveryEdge(cursor=t.encode_cursor(str(x.id)), node=WebhookDelivery.of(x))
        for x in page.deliveries
    ]
    return WebhookDeliveryConnection(
        edges=edges,
        page_info=t.PageInfo.forward([e.cursor for e in edges], page.has_next_page, after),
    )
