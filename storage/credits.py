"""Credit notes and the credit ledger in PostgreSQL.

Each function takes a connection (the caller owns the transaction) and runs
named SQL from ``sql/credits.sql``. The ledger is append-only; the trigger
of migration 0028 keeps each (company, currency) balance and refuses one
below zero, so two transactions spending the same credit cannot both commit.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain.credits import CreditBalance, CreditEntry, CreditNote, CreditSource
from domain.invoicing import StoredInvoice
from storage.billing import invoice_from_row
from storage.queries import q


async def credit_available(conn: asyncpg.Connection, company_id: UUID, currency: str) -> Decimal:
    """The company's credit in ``currency``."""
    found: Decimal = await conn.fetchval(q("credit_available"), company_id, currency)
    return found


async def companies_with_credit(conn: asyncpg.Connection) -> set[tuple[UUID, str]]:
    """Each (company, currency) with credit to spend."""
    return {(r["company_id"], r["currency"]) for r in await conn.fetch(q("companies_with_credit"))}


async def credit_balances(
    conn: asyncpg.Connection, company_ids: list[UUID]
) -> dict[UUID, list[CreditBalance]]:
    """Each company's credit per currency it ever had credit in, from the ledger
    (a company with none is left out)."""
    found: dict[UUID, list[CreditBalance]] = {}
    for r in await conn.fetch(q("credit_balances"), company_ids):
        found.setdefault(r["company_id"], []).append(CreditBalance(r["currency"], r["amount"]))
    return found


async def credit_entries(
    conn: asyncpg.Connection, company_ids: list[UUID], limit: int
) -> dict[UUID, list[CreditEntry]]:
    """Each company's latest ``limit`` ledger entries, newest first (a company
    with none is left out)."""
    found: dict[UUID, list[CreditEntry]] = {}
    for r in await conn.fetch(q("credit_entries_of"), company_ids, limit):
        found.setdefault(r["company_id"], []).append(_credit_entry(r))
    return found


def _credit_entry(r: asyncpg.Record) -> CreditEntry:
    return CreditEntry(
        id=r["id"],
        currency=r["currency"],
        amount=r["amount"],
        source=CreditSource(r["source"]),
        invoice_id=r["invoice_id"],
        payment_id=r["payment_id"],
        credit_note_id=r["credit_note_id"],
        created_at=r["created_at"],
    )


async def credit_entry(
    conn: asyncpg.Connection, entry_id: UUID, company_id: UUID | None
) -> CreditEntry | None:
    """Ledger entry ``entry_id`` (of ``company_id``, when given)."""
    row = await conn.fetchrow(q("credit_entry_in_company"), entry_id, company_id)
    return _credit_entry(row) if row is not None else None


async def add_credit(
    conn: asyncpg.Connection,
    invoice: StoredInvoice,
    amount: Decimal,
    source: CreditSource,
    *,
    payment_id: UUID | None = None,
    credit_note_id: UUID | None = None,
) -> None:
    """Credit the invoice's company ``amount`` in the invoice's currency."""
    await conn.execute(
        q("insert_credit_entry"),
        uuid7.uuid7(),
        invoice.company_id,
        invoice.draft.currency,
        amount,
        source.value,
        invoice.id,
        payment_id,
        credit_note_id,
    )


async def apply_credit(
    conn: asyncpg.Connection, contract_id: UUID, period_start: datetime, amount: Decimal
) -> bool:
    """The period's finalized invoice spends ``amount`` of credit; False when it
    already had (or is not finalized)."""
    spent = await conn.fetchval(q("apply_credit"), uuid7.uuid7(), contract_id, period_start, amount)
    return spent is not None


async def lock_invoice(conn: asyncpg.Connection, invoice_id: UUID) -> StoredInvoice | None:
    row = await conn.fetchrow(q("lock_invoice"), invoice_id)
    return invoice_from_row(row) if row else None


async def issue_credit_note(
    conn: asyncpg.Connection,
    note_id: UUID,
    invoice: StoredInvoice,
    amount: Decimal,
    reason: str,
    *,
    voids: bool,
) -> StoredInvoice:
    """Store a credit note; the invoice as it then stands."""
    row = await conn.fetchrow(
        q("insert_credit_note"),
        note_id,
        invoice.id,
        invoice.company_id,
        invoice.draft.currency,
        amount,
        reason,
        voids,
    )
    return invoice_from_row(row)


async def credit_notes_of(conn: asyncpg.Connection, invoice_ids: list[UUID]) -> list[CreditNote]:
    rows = await conn.fetch(q("credit_notes_of"), invoice_ids)
    return [_credit_note(r) for r in rows]


def _credit_note(r: asyncpg.Record) -> CreditNote:
    return CreditNote(
        id=r["id"],
        invoice_id=r["invoice_id"],
        company_id=r["company_id"],
        currency=r["currency"],
        amount=r["amount"],
        reason=r["reason"],
        voids=r["voids"],
        created_at=r["created_at"],
    )


async def credit_note(
    conn: asyncpg.Connection, note_id: UUID, company_id: UUID | None
) -> CreditNote | None:
    """Credit note ``note_id`` (of ``company_id``, when given)."""
    row = await conn.fetchrow(q("credit_note_in_company"), note_id, company_id)
    return _credit_note(row) if row is not None else None
