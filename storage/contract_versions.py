"""Contract versions in PostgreSQL: amendments, a contract's end, its finalized periods.

Each function takes a connection (the caller owns the transaction) and runs
named SQL from ``sql/contract_versions.sql``. Version 1 is the contract row
itself and ``storage.billing`` reads the amendments with it; this module writes them.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import asyncpg

from domain.invoicing import Amendment
from storage.billing import filters_to_json, price_to_json
from storage.queries import q


async def lock_contract(conn: asyncpg.Connection, contract_id: UUID) -> bool:
    """Lock the contract's row until the transaction ends; False when there is none."""
    return await conn.fetchval(q("lock_contract"), contract_id) is not None


async def lock_for_invoicing(
    conn: asyncpg.Connection, contract_id: UUID
) -> tuple[date | None, int] | None:
    """Share-lock the contract's row until the transaction ends; its end date and
    latest version number (None: no such contract)."""
    row = await conn.fetchrow(q("lock_contract_for_invoicing"), contract_id)
    return None if row is None else (row["end_date"], row["latest"])


async def insert_amendment(
    conn: asyncpg.Connection,
    contract_id: UUID,
    amendment: Amendment,
) -> datetime:
    """Store an amendment; when it was stored."""
    await conn.execute(q("touch_contract"), contract_id)
    created: datetime = await conn.fetchval(
        q("insert_contract_version"),
        contract_id,
        amendment.number,
        amendment.effective_from,
        amendment.payment_terms_days,
        amendment.late_fee_percent_per_month,
        amendment.minimum_commitment,
        [
            {
                "productCode": x.product_code,
                "price": price_to_json(x.price),
                "filters": filters_to_json(x.filters),
            }
            for x in amendment.products
        ],
    )
    return created


async def finalized_until(conn: asyncpg.Connection, contract_id: UUID) -> datetime | None:
    """The end of the contract's last finalized period, if one is finalized."""
    end: datetime | None = await conn.fetchval(q("finalized_until"), contract_id)
    return end


async def set_end_date(
    conn: asyncpg.Connection, contract_id: UUID, end_date: date, stops: datetime
) -> None:
    """End the contract on ``end_date``; drafts of periods from ``stops`` on go."""
    await conn.execute(q("end_contract"), contract_id, end_date)
    await conn.execute(q("drop_drafts_from"), contract_id, stops)


async def external_id_taken(conn: asyncpg.Connection, company_id: UUID, external_id: str) -> bool:
    return bool(await conn.fetchval(q("contract_external_id_taken"), company_id, external_id))
