"""Credits: credit notes, voiding invoices, and what a company has in credit.

A credit note takes an amount off a finalized invoice (amount due = total -
payments - credit notes); the part of it beyond what the invoice still
owed (its payments) becomes the company's credit. Voiding issues a credit
note for everything not yet credited, so a void invoice's payments become
credit. Overpayments (``services.invoicing.record_payment``) do too, and
the invoice run spends the credit (``domain.invoice_plan``).

Each credit note is written with its invoice held (``FOR UPDATE``): two at
once on one invoice never take off more than its total.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import credits as cr
from domain.access import Principal, Role
from domain.credits import CreditBalance, CreditEntry, CreditNote, CreditSource
from domain.errors import Rejected
from domain.invoicing import StoredInvoice
from domain.usage import ErrorCode, FieldError
from services.audit import NOT_AUDITED, ChangeAudit
from services.invoicing import READERS
from services.runtime import Runtime
from storage import credits

WRITERS = (Role.ADMIN, Role.COMPANY_ADMIN)


async def issue_credit_note(
    rt: Runtime,
    principal: Principal,
    invoice_id: UUID,
    amount: Decimal,
    reason: str,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredInvoice:
    """Take ``amount`` off a finalized invoice; the invoice as it then stands."""
    principal.require(*WRITERS)
    async with rt.pool.acquire() as conn, conn.transaction():
        invoice = await _held(conn, principal, invoice_id, "invoiceId")
        errors = cr.credit_note_errors(invoice, amount, reason, rt.settings.limits)
        if errors:
            raise Rejected(errors)
        credited = await _credit(conn, invoice, amount, reason, voids=False)
        await audit.write(conn, "Invoice")
    audit.committed()
    return credited


async def void_invoice(
    rt: Runtime,
    principal: Principal,
    invoice_id: UUID,
    reason: str,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredInvoice:
    """Void a finalized invoice with a credit note for all it still bills."""
    principal.require(*WRITERS)
    async with rt.pool.acquire() as conn, conn.transaction():
        invoice = await _held(conn, principal, invoice_id, "id")
        errors = cr.void_errors(invoice, reason)
        if errors:
            raise Rejected(errors)
        voided = await _credit(conn, invoice, cr.creditable(invoice), reason, voids=True)
        await audit.write(conn, "Invoice")
    audit.committed()
    return voided


async def _held(
    conn: asyncpg.Connection, principal: Principal, invoice_id: UUID, field: str
) -> StoredInvoice:
    """The invoice, locked until the transaction ends; one the caller may not see
    does not exist."""
    invoice = await credits.lock_invoice(conn, invoice_id)
    if invoice is None or not principal.may_see(invoice.company_id):
        raise Rejected([FieldError(field, ErrorCode.NOT_FOUND, f"no invoice {invoice_id}")])
    return invoice


async def _credit(
    conn: asyncpg.Connection, invoice: StoredInvoice, amount: Decimal, reason: str, *, voids: bool
) -> StoredInvoice:
    """The credit note, and the credit it gives the company beyond what was unpaid."""
    note_id = uuid7.uuid7()
    gained = cr.credit_beyond_unpaid(invoice, amount)
    after = await credits.issue_credit_note(conn, note_id, invoice, amount, reason, voids=voids)
    if gained > 0:
        await credits.add_credit(
            conn, invoice, gained, CreditSource.CREDIT_NOTE, credit_note_id=note_id
        )
    return after


async def credit_balances(
    rt: Runtime, principal: Principal, company_ids: Sequence[UUID]
) -> dict[UUID, list[CreditBalance]]:
    """Each company's credit per currency, in one read for them all; a company
    the caller may not see has none."""
    principal.require(*READERS)
    visible = [c for c in company_ids if principal.may_see(c)]
    if not visible:
        return {}
    return await rt.read(lambda conn: credits.credit_balances(conn, visible))


async def credit_entries(
    rt: Runtime, principal: Principal, company_ids: Sequence[UUID], last: int
) -> dict[UUID, list[CreditEntry]]:
    """Each company's latest ``last`` credit ledger entries, newest first, in one
    read for them all; a company the caller may not see has none."""
    principal.require(*READERS)
    limit = rt.settings.max_page_size
    if not 1 <= last <= limit:
        raise Rejected(
            [FieldError("last", ErrorCode.OUT_OF_RANGE, f"last must be between 1 and {limit}")]
        )
    visible = [c for c in company_ids if principal.may_see(c)]
    if not visible:
        return {}
    return await rt.read(lambda conn: credits.credit_entries(conn, visible, last))


async def credit_notes(
    rt: Runtime, principal: Principal, invoice_ids: Sequence[UUID]
) -> dict[UUID, list[CreditNote]]:
    """Each invoice's credit notes, oldest first, in one read for them all; an
    invoice the caller may not see has none."""
    principal.require(*READERS)
    found = await rt.read(lambda conn: credits.credit_notes_of(conn, list(invoice_ids)))
    by_invoice: dict[UUID, list[CreditNote]] = {}
    for note in found:
        if principal.may_see(note.company_id):
            by_invoice.setdefault(note.invoice_id, []).append(note)
    return by_invoice
