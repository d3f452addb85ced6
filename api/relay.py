"""Relay: nodes by global id, and the connections of lists once answered whole.

``node``/``nodes`` find each id the way that type's own query does (another
company's node is null, as one that does not exist). The connections here page
lists their services read whole (the catalog; legal holds and a company's
webhook endpoints: few), so their `totalCount` and both ends of a page are
exact. Contracts, report schedules, API keys and thresholds, which grow with the
companies, are read a page at a time by their keyset ((created_at, id), or
(metric_code, id)), forward or backward, and counted; the delivery log, which
grows with every alert, is paged by its keyset, newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Generic, TypeVar
from uuid import UUID

import strawberry

from api import alerting as al
from api import billing as bl
from api import costs as cs
from api import key_admin as ka
from api import paging
from api import reports as rp
from api import retention as rn
from api import types as t
from api import webhooks as wh
from api.context import Context
from api.node import Node
from domain import thresholds as th
from domain.nodes import parse_node_id
from services import alerting, catalog, contracts, keys, nodes, reports, retention, webhooks
from services.nodes import Found

N = TypeVar("N")


@strawberry.type(description="One item of a connection's page, with the cursor to page from it.")
class Edge(Generic[N]):
    cursor: str = strawberry.field(description="Where this item sits: `after`/`before` take it.")
    node: N = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list, with where it sits and how many items there are.")
class Connection(Generic[N]):
    edges: list[Edge[N]] = strawberry.field(description="The page's items, in the list's order.")
    page_info: t.PageInfo = strawberry.field(description="Whether items follow or precede it.")
    total_count: int = strawberry.field(description="How many items the whole list holds.")


@strawberry.type(description="A page of notification deliveries, newest first.")
class NotificationDeliveryConnection:
    edges: list[Edge[al.NotificationDelivery]] = strawberry.field(
        description="The page's deliveries, newest first."
    )
    page_info: t.PageInfo = strawberry.field(
        description="Whether older deliveries follow (`after: endCursor`)."
    )


X = TypeVar("X")
Y = TypeVar("Y")


def _connection(page: paging.Window[X], to: Callable[[X], Y]) -> Connection[Y]:
    return Connection(
        edges=[Edge(cursor=c, node=to(x)) for c, x in page.edges],
        page_info=page.page_info,
        total_count=page.total_count,
    )


def _by_code(parts: list[str]) -> str:
    return parts[0]


def _by_creation(parts: list[str]) -> tuple[datetime, UUID]:
    return datetime.fromisoformat(parts[0]), UUID(parts[1])


def _creation_cursor(key: tuple[datetime, UUID]) -> tuple[str, ...]:
    return key[0].isoformat(), str(key[1])


# The paging arguments every connection here takes (Relay's).
First = Annotated[
    int | None,
    strawberry.argument(
        description="Page forward: this many items after `after` (1 to the page size limit,"
        " METERGRAPH_MAX_PAGE_SIZE; neither first nor last: 100)."
    ),
]
After = Annotated[
    str | None, strawberry.argument(description="Page forward from this cursor (an endCursor).")
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="Page backward: this many items before `before` (1 to the page size limit);"
        " not with first."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(description="Page backward from this cursor (a startCursor)."),
]


async def metrics(
    ctx: Context, asked: paging.Slice, include_archived: bool = False
) -> Connection[t.Metric]:
    found = await catalog.list_metrics(ctx.runtime, include_archived)
    page = paging.window(ctx, found, lambda m: m.code, lambda k: (k,), 1, _by_code, asked)
    return _connection(page, t.Metric.of)


async def products(
    ctx: Context, asked: paging.Slice, include_archived: bool = False
) -> Connection[bl.Product]:
    found = await contracts.list_products(ctx.runtime, ctx.principal, include_archived)
    page = paging.window(ctx, found, lambda p: p.code, lambda k: (k,), 1, _by_code, asked)
    return _connection(page, bl.Product.of)


def _creation_page(
    ctx: Context, asked: paging.Slice
) -> Callable[[], tuple[int, tuple[datetime, UUID] | None]]:
    """A keyset page on (created_at, id) as a service reads it: how many, from where."""

    def page() -> tuple[int, tuple[datetime, UUID] | None]:
        size, cursor, backward = paging.direction(ctx, asked)
        field = "before" if backward else "after"
        return size, paging.position(cursor, 2, _by_creation, field)

    return page


def _keyset(edges: list[Edge[Y]], has_more: bool, total: int, asked: paging.Slice) -> Connection[Y]:
    """A page read from the store one way: its far side is known exactly (``has_more``),
    its near side is whether the page started at a cursor."""
    backward = paging.backward(asked)
    info = t.PageInfo(
        has_next_page=asked.before is not None if backward else has_more,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=has_more if backward else asked.after is not None,
        start_cursor=edges[0].cursor if edges else None,
    )
    return Connection(edges=edges, page_info=info, total_count=total)


async def contract_page(
    ctx: Context, company_id: UUID | None, external_id: str | None, asked: paging.Slice
) -> Connection[bl.Contract]:
    found = await contracts.contract_page(
        ctx.runtime,
        ctx.principal,
        company_id,
        external_id,
        _creation_page(ctx, asked),
        paging.backward(asked),
    )
    edges = [
        Edge(
            cursor=t.encode_cursor(*_creation_cursor((c.created_at, c.terms.id))),
            node=bl.Contract.of(c),
        )
        for c in found.contracts
    ]
    return _keyset(edges, found.has_more, found.total, asked)


async def report_schedules(ctx: Context, asked: paging.Slice) -> Connection[rp.ReportSchedule]:
    found = await reports.report_schedule_page(
        ctx.runtime, ctx.principal, _creation_page(ctx, asked), paging.backward(asked)
    )
    edges = [
        Edge(
            cursor=t.encode_cursor(*_creation_cursor((v.schedule.created_at, v.schedule.id))),
            node=rp.ReportSchedule.of(v),
        )
        for v in found.schedules
    ]
    return _keyset(edges, found.has_more, found.total, asked)


def _by_code_and_id(parts: list[str]) -> tuple[str, UUID]:
    return parts[0], UUID(parts[1])


def _code_cursor(key: tuple[str, UUID]) -> tuple[str, ...]:
    return key[0], str(key[1])


async def thresholds(
    ctx: Context, company_id: UUID | None, asked: paging.Slice
) -> Connection[al.Threshold]:
    def page() -> tuple[int, tuple[str, UUID] | None]:
        size, cursor, backward = paging.direction(ctx, asked)
        field = "before" if backward else "after"
        return size, paging.position(cursor, 2, _by_code_and_id, field)

    found = await alerting.threshold_page(
        ctx.runtime, ctx.principal, company_id, page, paging.backward(asked)
    )
    edges = [
        Edge(cursor=t.encode_cursor(*_code_cursor((x.metric_code, x.id))), node=al.Threshold.of(x))
        for x in found.thresholds
    ]
    return _keyset(edges, found.has_more, found.total, asked)


async def api_keys(
    ctx: Context, company_id: UUID | None, asked: paging.Slice
) -> Connection[ka.ApiKey]:
    found = await keys.api_key_page(
        ctx.runtime, ctx.principal, company_id, _creation_page(ctx, asked), paging.backward(asked)
    )
    edges = [
        Edge(cursor=t.encode_cursor(*_creation_cursor((k.created_at, k.id))), node=ka.ApiKey.of(k))
        for k in found.keys
    ]
    return _keyset(edges, found.has_more, found.total, asked)


async def legal_holds(ctx: Context, asked: paging.Slice) -> Connection[rn.LegalHold]:
    found = await retention.legal_holds(ctx.runtime, ctx.principal)
    key = lambda x: (x.placed_at, x.company_id)  # noqa: E731
    page = paging.window(ctx, found, key, _creation_cursor, 2, _by_creation, asked)
    return _connection(page, rn.LegalHold.of)


async def webhook_endpoints(
    ctx: Context, company_id: UUID, asked: paging.Slice
) -> Connection[wh.WebhookEndpoint]:
    found = await webhooks.list_endpoints(ctx.runtime, ctx.principal, company_id)
    key = lambda x: (x.created_at, x.id)  # noqa: E731
    page = paging.window(ctx, found, key, _creation_cursor, 2, _by_creation, asked)
    return _connection(page, wh.WebhookEndpoint.of)


def _delivery_id(parts: list[str]) -> int:
    value = int(parts[0])
    if not 0 < value < 2**63:
        raise ValueError("out of range")
    return value


async def notification_deliveries(
    ctx: Context,
    company_id: UUID | None,
    status: th.DeliveryStatus | None,
    first: int,
    after: str | None,
) -> NotificationDeliveryConnection:
    page = await alerting.deliveries_page(
        ctx.runtime,
        ctx.principal,
        company_id,
        status,
        first,
        lambda: paging.position(after, 1, _delivery_id),
    )
    edges = [
        Edge(cursor=t.encode_cursor(str(x.id)), node=al.NotificationDelivery.of(x))
        for x in page.deliveries
    ]
    cursors = [e.cursor for e in edges]
    return NotificationDeliveryConnection(
        edges=edges, page_info=t.PageInfo.forward(cursors, page.has_next_page, after)
    )


_NODES: dict[str, Callable[[object], Node]] = {
    "Metric": t.Metric.of,  # type: ignore[dict-item]
    "Product": bl.Product.of,  # type: ignore[dict-item]
    "Company": t.Company.of,  # type: ignore[dict-item]
    "Contract": bl.Contract.of,  # type: ignore[dict-item]
    "Report": rp.Report.of,  # type: ignore[dict-item]
    "ReportSchedule": rp.ReportSchedule.of,  # type: ignore[dict-item]
    "Threshold": al.Threshold.of,  # type: ignore[dict-item]
    "Alert": al.Alert.of,  # type: ignore[dict-item]
    "WebhookEndpoint": wh.WebhookEndpoint.of,  # type: ignore[dict-item]
    "UsageRecord": t.UsageRecord.from_row,  # type: ignore[dict-item]
    "ApiKey": ka.ApiKey.of,  # type: ignore[dict-item]
    "CreditNote": bl.CreditNote.of,  # type: ignore[dict-item]
    "CreditEntry": t.CreditEntry.of,  # type: ignore[dict-item]
    "CostRecord": cs.CostRecord.of,  # type: ignore[dict-item]
    "Invoice": bl.Invoice.stored,  # type: ignore[dict-item]
}


def _node(found: Found | None) -> Node | None:
    return _NODES[found.kind](found.value) if found is not None else None


async def node(ctx: Context, id: str) -> Node | None:
    """The node ``id`` names; null when there is none this key may see."""
    key = parse_node_id(id, "id")
    return _node((await nodes.find_nodes(ctx.runtime, ctx.principal, [key]))[0])


async def find_nodes(ctx: Context, ids: list[str]) -> list[Node | None]:
    """The nodes of ``ids``, in order; null where there is none this key may see."""
    limit = ctx.runtime.settings.max_node_ids
    if len(ids) > limit:
        raise paging.bad_input(f"ids takes at most {limit} ids at once", "ids")
    keys = [parse_node_id(x, f"ids[{n}]") for n, x in enumerate(ids)]
    return [_node(f) for f in await nodes.find_nodes(ctx.runtime, ctx.principal, keys)]
