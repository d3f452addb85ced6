"""Nodes by global id (``node``/``nodes``): each found the way its own query finds it.

A node another company owns is answered as one that does not exist (None), as
is a kind this key's role does not read: a key learns nothing from an id it
may not see.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from uuid import UUID

from domain.access import Principal, Role
from domain.nodes import CodeKey, NodeKey
from services import catalog, contracts, invoicing, reports
from services.runtime import Runtime
from storage import alerts, costs, credits, nodes, repos
from storage import webhooks as webhook_store

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
# Webhook endpoints are read by the roles that manage them.
ENDPOINT_READERS = (Role.ADMIN, Role.COMPANY_ADMIN)
# API keys are listed to the roles that manage them (a COMPANY_ADMIN: its company's).
KEY_READERS = (Role.ADMIN, Role.COMPANY_ADMIN)


@dataclass(frozen=True)
class Found:
    """A node: its kind (the GraphQL type's name) and its domain value."""

    kind: str
    value: object


async def find_nodes(rt: Runtime, principal: Principal, keys: list[NodeKey]) -> list[Found | None]:
    """Each of ``keys``'s node, in order; None where there is none this key may see."""
    principal.require(*READERS)
    uuids = list({k for k in keys if isinstance(k, UUID)})
    kinds = await rt.read(lambda conn: nodes.node_kinds(conn, uuids)) if uuids else {}
    coded = await _catalog(rt, principal, {k.kind for k in keys if isinstance(k, CodeKey)})
    found: dict[NodeKey, Found | None] = {}
    for key in keys:
        if key in found:
            continue  # an id asked for twice is read once
        if isinstance(key, CodeKey):
            value = coded.get(key)
            found[key] = Found(key.kind, value) if value is not None else None
            continue
        kind = kinds.get(key)
        value = await _FINDERS[kind](rt, principal, key) if kind is not None else None
        found[key] = Found(kind, value) if kind is not None and value is not None else None
    return [found[key] for key in keys]


async def _catalog(rt: Runtime, principal: Principal, kinds: set[str]) -> dict[CodeKey, object]:
    """The metrics and products, by their keys, when ``kinds`` asks for them (read once
    per request, however many of their ids it holds)."""
    out: dict[CodeKey, object] = {}
    if "Metric" in kinds:
        out.update({CodeKey("Metric", m.code): m for m in await catalog.list_metrics(rt)})
    if "Product" in kinds:
        found = await contracts.list_products(rt, principal)
        out.update({CodeKey("Product", p.code): p for p in found})
    return out


Finder = Callable[[Runtime, Principal, NodeKey], Awaitable[object | None]]


def _uuid(key: NodeKey) -> UUID:
    assert isinstance(key, UUID), "the kinds found by UUID are looked up by UUID"
    return key


async def _company(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await catalog.find_company(rt, principal, _uuid(key))


async def _contract(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await contracts.find_contract(rt, principal, _uuid(key))


async def _report(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await reports.find_report(rt, principal, _uuid(key))


async def _schedule(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await reports.find_report_schedule(rt, principal, _uuid(key))


async def _threshold(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    found = await rt.read(lambda conn: alerts.threshold_by_id(conn, _uuid(key)))
    # a default (no company) applies to every company: every reader sees it
    if found is None or (found.company_id is not None and not principal.may_see(found.company_id)):
        return None
    return found


async def _alert(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    found = await rt.read(lambda conn: alerts.alert_by_id(conn, _uuid(key)))
    return found if found is not None and principal.may_see(found.company_id) else None


async def _endpoint(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    if principal.role not in ENDPOINT_READERS:
        return None
    found = await rt.read(lambda conn: webhook_store.endpoint_by_id(conn, _uuid(key)))
    return found if found is not None and principal.may_see(found.company_id) else None


async def _usage_record(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    company = principal.company_id if principal.role.scoped else None
    return await rt.read(lambda conn: nodes.usage_record(conn, _uuid(key), company))


async def _api_key(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    if principal.role not in KEY_READERS:
        return None
    company = principal.company_id if principal.role.scoped else None
    return await rt.read(lambda conn: repos.api_key_in_company(conn, _uuid(key), company))


def _scope(principal: Principal) -> UUID | None:
    return principal.company_id if principal.role.scoped else None


async def _credit_note(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await rt.read(lambda conn: credits.credit_note(conn, _uuid(key), _scope(principal)))


async def _credit_entry(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    return await rt.read(lambda conn: credits.credit_entry(conn, _uuid(key), _scope(principal)))


async def _cost_record(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    if principal.role is not Role.ADMIN:
        return None  # costs are the operator's
    return await rt.read(lambda conn: costs.cost_record(conn, _uuid(key)))


async def _invoice(rt: Runtime, principal: Principal, key: NodeKey) -> object | None:
    if principal.role not in invoicing.READERS:
        return None
    return await invoicing.find_invoice(rt, principal, _uuid(key))


_FINDERS: dict[str, Finder] = {
    "Company": _company,
    "Contract": _contract,
    "Report": _report,
    "ReportSchedule": _schedule,
    "Threshold": _threshold,
    "Alert": _alert,
    "WebhookEndpoint": _endpoint,
    "UsageRecord": _usage_record,
    "ApiKey": _api_key,
    "CreditNote": _credit_note,
    "CreditEntry": _credit_entry,
    "CostRecord": _cost_record,
    "Invoice": _invoice,
}
