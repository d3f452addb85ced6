"""Contract versions: amending a contract, ending it.

An amendment is a new version of the whole contract (prices, products,
minimum commitment, payment terms, late fee) in force from an instant; the
invoice run prices each period by the version in force at its end
(``domain.invoicing.in_force``). Amendments and ends of one contract take
turns on the contract's row lock, so version numbers never collide and
the finalized periods checked are those that stand at commit; an invoice run
share-locks the contract's row for its transaction and reads the terms again
when they changed (``current_terms``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from uuid import UUID

import asyncpg

from domain import contract_versions as cv
from domain.access import Principal, Role
from domain.archiving import archived_prices
from domain.contracts import StoredContract
from domain.errors import Rejected
from domain.invoicing import ContractTerms
from domain.usage import ErrorCode, FieldError
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import billing, contract_versions


async def amend_contract(
    rt: Runtime,
    principal: Principal,
    contract_id: UUID,
    effective_from: datetime,
    changes: cv.ContractChanges,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredContract:
    """A new version of the contract, in force from ``effective_from``."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            terms = (await _locked(conn, principal, contract_id)).terms
            stored_products = await billing.products(conn)
            products = {p.code: p.metric_code for p in stored_products}
            errors = cv.amendment_errors(
                terms,
                effective_from,
                changes,
                finalized_until=await contract_versions.finalized_until(conn, contract_id),
                products=products,
                limits=rt.settings.limits,
            )
            errors += archived_prices(changes.prices, stored_products)
            if errors:
                raise Rejected(errors)
            amendment = cv.amend(terms, effective_from, changes, products)
            await contract_versions.insert_amendment(conn, contract_id, amendment)
            await audit.write(conn, "Contract")
        audit.committed()
        (stored,) = await billing.contracts(conn, None, contract_id)
    return stored


async def end_contract(
    rt: Runtime,
    principal: Principal,
    contract_id: UUID,
    end_date: date,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredContract:
    """End the contract on ``end_date`` (its last day): no period after it is invoiced."""
    principal.require(Role.ADMIN)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            terms = (await _locked(conn, principal, contract_id)).terms
            errors = cv.end_errors(
                terms,
                end_date,
                finalized_until=await contract_versions.finalized_until(conn, contract_id),
                limits=rt.settings.limits,
            )
            if errors:
                raise Rejected(errors)
            stops = cv.contract_end(replace(terms, end_date=end_date))
            assert stops is not None  # end_errors refuses the last day there is
            await contract_versions.set_end_date(conn, contract_id, end_date, stops)
            await audit.write(conn, "Contract")
        audit.committed()
        (stored,) = await billing.contracts(conn, None, contract_id)
    return stored


async def current_terms(conn: asyncpg.Connection, terms: ContractTerms) -> ContractTerms:
    """The contract's terms as its invoice run's transaction sees them, its row
    share-locked until that transaction ends (amendments and ends wait for it):
    ``terms`` when nothing changed since they were read, else read again."""
    found = await contract_versions.lock_for_invoicing(conn, terms.id)
    latest = terms.amendments[-1].number if terms.amendments else 1
    if found is None or found == (terms.end_date, latest):
        return terms
    (stored,) = await billing.contracts(conn, None, terms.id)
    return stored.terms


async def _locked(
    conn: asyncpg.Connection, principal: Principal, contract_id: UUID
) -> StoredContract:
    """The contract, its row locked for this transaction; Rejected when the caller
    may not see it (another company's contract does not exist for this key)."""
    if await contract_versions.lock_contract(conn, contract_id):
        (found,) = await billing.contracts(conn, None, contract_id)
        if principal.may_see(found.terms.company_id):
            return found
    raise Rejected([FieldError("id", ErrorCode.NOT_FOUND, f"no contract {contract_id}")])
