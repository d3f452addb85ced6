"""Nodes by global id: which kind an id is, and the reads no other repository has."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from storage.queries import q


async def node_kinds(conn: asyncpg.Connection, ids: list[UUID]) -> dict[UUID, str]:
    """The kind of each of ``ids`` that is stored (an id stored nowhere is absent)."""
    rows = await conn.fetch(q("node_kinds"), ids)
    return {r["id"]: r["kind"] for r in rows}


async def usage_record(
    conn: asyncpg.Connection, record_id: UUID, company: UUID | None
) -> asyncpg.Record | None:
    """The usage record ``record_id`` (of ``company``, when one is given)."""
    row: asyncpg.Record | None = await conn.fetchrow(q("usage_record_node"), record_id, company)
    return row
