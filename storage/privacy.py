"""Erasure: a user's usage re-keyed to a tombstone id, raw and rolled up.

The caller owns the transaction; ``lock_usage`` must come first in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg

from storage.queries import q
from storage.rollups import hold_off_folds

_ROLLUP_LEVELS = (
    "erase_user_deltas",
    "erase_user_rollup_hour",
    "erase_user_rollup_day",
    "erase_user_rollup_month",
)


@dataclass(frozen=True)
class Rekeyed:
    """How many rows of each kind now carry the tombstone."""

    records: int
    rollup_groups: int
    corrections: int


async def lock_usage(conn: asyncpg.Connection) -> None:
    # Folds first, then the tables (a fold holding its lock waits for the
    # rollup tables): no fold reads a record before its user id is re-keyed
    # and writes the old id into a rollup after.
    await hold_off_folds(conn)
    await conn.execute(q("lock_usage_for_erasure"))


async def rekey_user(
    conn: asyncpg.Connection, company_id: UUID, user_id: UUID, tombstone: UUID
) -> Rekeyed:
    """Move ``user_id``'s records, rollup groups and correction copies in
    ``company_id`` to ``tombstone``; values and counts are left as they are."""
    records = await conn.fetchval(q("erase_user_records"), company_id, user_id, tombstone)
    groups = 0
    for name in _ROLLUP_LEVELS:
        groups += await conn.fetchval(q(name), company_id, user_id, tombstone)
    corrections = await conn.fetchval(q("erase_user_corrections"), company_id, user_id, tombstone)
    return Rekeyed(records, groups, corrections)
