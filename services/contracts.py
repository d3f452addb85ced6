"""Products and contracts: creating them, reading them, and simulating a contract not made."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from domain.archiving import archived_error, archived_references
from domain.charge_filters import raw_retention_errors
from domain.contracts import (
    ContractDraft,
    Product,
    StoredContract,
    contract_errors,
    contract_terms,
    period_start_errors,
    product_errors,
)
from domain.errors import Rejected
from domain.invoicing import ContractTerms
from domain.retention import rule_for
from domain.usage import ErrorCode, FieldError
from services.audit import NOT_AUDITED, ChangeAudit
from services.invoicing import READERS, Preview, preview_period
from services.runtime import Runtime
from storage import billing, contract_versions, repos
from storage.retention import rules as retention_rules


async def list_products(
    rt: Runtime, principal: Principal, include_archived: bool = False
) -> list[Product]:
    """Every product, by code; archived ones only when asked."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        found = await billing.products(conn)
    return found if include_archived else [p for p in found if p.archived_at is None]


async def create_product(
    rt: Runtime,
    principal: Principal,
    code: str,
    name: str,
    metric_code: str,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> Product:
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        metrics = await repos.all_metrics(conn)
        errors = product_errors(code, name, metric_code, metrics, rt.settings.max_name_length)
        metric = metrics.get(metric_code)
        if metric is not None and metric.archived_at is not None:
            errors.append(archived_error("metricCode", "metric", metric_code))
        if errors:
            raise Rejected(errors)
        async with conn.transaction():
            stored = await billing.insert_product(conn, code, name.strip(), metric_code)
            if stored is not None:
                await audit.write(conn, "Product")
    if stored is None:
        raise Rejected(
            [FieldError("code", ErrorCode.ALREADY_EXISTS, f"product {code!r} exists already")]
        )
    audit.committed()
    return stored


async def list_contracts(
    rt: Runtime, principal: Principal, company_id: UUID | None, external_id: str | None = None
) -> list[StoredContract]:
    """The contracts the caller may see, of one company, with one external id if given."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    async with rt.pool.acquire() as conn:
        return await billing.contracts(conn, company, None, external_id)


@dataclass(frozen=True)
class ContractPage:
    """A page of contracts in (created_at, id) order, whether more lie beyond it in the
    direction it was read, and how many the whole list holds."""

    contracts: list[StoredContract]
    has_more: bool
    total: int


async def contract_page(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    external_id: str | None,
    page: Callable[[], tuple[int, tuple[datetime, UUID] | None]],
    backward: bool = False,
) -> ContractPage:
    """The contracts the caller may see, a page at a time: ``page()`` gives how many and
    from which (created_at, id) on (read once the caller may list contracts at all);
    ``backward``: the ones before it."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    size, start = page()
    async with rt.pool.acquire() as conn:
        found = await billing.contracts_page(conn, company, external_id, start, size + 1, backward)
        total = await billing.count_contracts(conn, company, external_id)
    contracts = found[:size]
    if backward:
        contracts.reverse()  # read nearest first: the page is in the list's order
    return ContractPage(contracts, has_more=len(found) > size, total=total)


async def find_contract(
    rt: Runtime, principal: Principal, contract_id: UUID
) -> StoredContract | None:
    """The contract, if it exists and the caller may see it."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        found = await billing.contracts(conn, None, contract_id)
    if not found or not principal.may_see(found[0].terms.company_id):
        return None  # another company's contract does not exist for this key
    return found[0]


async def contracts_by_ids(
    rt: Runtime, principal: Principal, contract_ids: Sequence[UUID]
) -> dict[UUID, StoredContract]:
    """The contracts of ``contract_ids`` the caller may see, by id, in one read."""
    principal.require(*READERS)
    found = await rt.read(lambda conn: billing.contracts_by_ids(conn, list(contract_ids)))
    return {i: c for i, c in found.items() if principal.may_see(c.terms.company_id)}


async def create_contract(
    rt: Runtime, principal: Principal, draft: ContractDraft, *, audit: ChangeAudit = NOT_AUDITED
) -> StoredContract:
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        terms = await _checked_terms(rt, conn, draft)
        await _check_raw_retention(conn, terms, draft.grace_hours)
        try:
            async with conn.transaction():
                if draft.external_id is not None and await contract_versions.external_id_taken(
                    conn, terms.company_id, draft.external_id
                ):
                    raise Rejected([duplicate_external_id(draft.external_id)])
                await billing.insert_contract(
                    conn, terms, draft.late_fee_percent_per_month, draft.external_id
                )
                await audit.write(conn, "Contract")
        except asyncpg.UniqueViolationError:  # the same external id, signed just now
            raise Rejected([duplicate_external_id(draft.external_id)]) from None
        audit.committed()
        (stored,) = await billing.contracts(conn, None, terms.id)
    return stored


def duplicate_external_id(external_id: str | None) -> FieldError:
    return FieldError(
        "externalId",
        ErrorCode.ALREADY_EXISTS,
        f"the company has a contract with external id {external_id!r} already",
    )


async def simulate_contract(
    rt: Runtime, principal: Principal, draft: ContractDraft, period_start: datetime
) -> Preview:
    """The invoice a contract not yet made would give the period containing
    ``period_start``, from the usage already recorded; nothing is stored."""
    principal.require(Role.ADMIN)
    errors = period_start_errors(period_start, rt.settings.limits)
    if errors:
        raise Rejected(errors)
    async with rt.pool.acquire() as conn:
        terms = await _checked_terms(rt, conn, draft)
    return Preview(terms.id, terms.company_id, await preview_period(rt, terms, period_start))


async def _checked_terms(
    rt: Runtime, conn: asyncpg.Connection, draft: ContractDraft
) -> ContractTerms:
    """The terms ``draft`` describes (with a new id); Rejected with every problem."""
    company = await repos.company_by_id(conn, draft.company_id)
    stored = await billing.products(conn)
    products = {p.code: p.metric_code for p in stored}
    errors = contract_errors(
        draft, rt.settings.limits, company_exists=company is not None, products=products
    )
    errors += archived_references(draft, company, stored)
    if errors:
        raise Rejected(errors)
    return contract_terms(draft, uuid7.uuid7(), products)


async def _check_raw_retention(
    conn: asyncpg.Connection, terms: ContractTerms, grace_hours: int
) -> None:
    """Rejected when retention would delete the raw records a filtered product is
    counted from before its period is invoiced (see domain.charge_filters)."""
    filtered = [(n, x.metric_code) for n, x in enumerate(terms.products) if x.filters]
    if not filtered:
        return
    held = await retention_rules(conn)
    raw_days = {metric: rule_for(held, metric).raw_days for _, metric in filtered}
    errors = raw_retention_errors(filtered, raw_days, grace_hours)
    if errors:
        raise Rejected(errors)
