"""Monthly partitions of ``usage_records``.

Partitions are named ``usage_records_pYYYY_MM`` and cover
``[first of month, first of next month)`` in UTC. The name and bounds are
built from ``date`` objects, never from user text, which is why this DDL is
the one place where SQL is assembled with a format string.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date, datetime

import asyncpg

from storage.queries import q

_log = logging.getLogger(__name__)

# Serialises partition creation across processes (see storage.migrate for the
# other advisory lock constant).
_PARTITION_LOCK = 7_300_002


def month_of(ts: datetime) -> date:
    utc = ts.astimezone(UTC)
    return date(utc.year, utc.month, 1)


def months_of(timestamps: Iterable[datetime]) -> set[date]:
    """The months (UTC) of aware ``timestamps``: every record of a write asks.
    The usual write's fall in one month, seen from its earliest and latest
    alone; otherwise each is counted as a number and only the distinct
    months become dates."""
    stamps = timestamps if isinstance(timestamps, list) else list(timestamps)
    if not stamps:
        return set()
    first = month_of(min(stamps))
    if first == month_of(max(stamps)):
        return {first}
    numbers = {
        ts.year * 12 + ts.month - 1
        if ts.tzinfo is UTC
        else (utc := ts.astimezone(UTC)).year * 12 + utc.month - 1
        for ts in stamps
    }
    return {date(n // 12, n % 12 + 1, 1) for n in numbers}


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"usage_records_p{month.year:04d}_{month.month:02d}"


def month_from_name(name: str) -> date | None:
    """The month a partition named ``name`` holds (None: not a monthly partition)."""
    try:
        year, month = name.removeprefix("usage_records_p").split("_")
        candidate = date(int(year), int(month), 1)
    except ValueError:
        return None
    return candidate if partition_name(candidate) == name else None


async def monthly_partitions(conn: asyncpg.Connection) -> dict[str, date]:
    """The monthly partitions of usage_records, by name."""
    found = {}
    for row in await conn.fetch(q("usage_partitions")):
        month = month_from_name(row["name"])
        if month is not None:
            found[row["name"]] = month
    return found


async def drop_partition(conn: asyncpg.Connection, month: date) -> int:
    """Drop ``month``'s partition with its records (in the caller's transaction);
    how many records went with it."""
    # the name is built from a date, never from input
    name = partition_name(month)
    # Parent first, then the partition: the order every insert, delete and read
    # of usage_records takes them in. DROP TABLE of a partition also locks the
    # parent ACCESS EXCLUSIVE; locking the partition alone first took the two
    # in the opposite order, so a record stored meanwhile (holding the parent,
    # waiting for the partition it routes to) and the drop (holding the
    # partition, waiting for the parent) deadlocked. ONLY: without it the lock
    # would recurse into every other month's partition.
    await conn.execute(q("lock_usage_records"))
    await conn.execute(f'LOCK TABLE "{name}" IN ACCESS EXCLUSIVE MODE')
    rows = int(await conn.fetchval(f'SELECT count(*) FROM "{name}"'))
    await conn.execute(f'DROP TABLE IF EXISTS "{name}"')
    _log.info("dropped usage partition %s (%d records)", name, rows)
    return rows


class PartitionCatalog:
    """Creates missing monthly partitions and remembers the ones that exist."""

    def __init__(self) -> None:
        self._known: set[date] = set()

    def forget(self) -> None:
        self._known.clear()

    def knows(self, months: Iterable[date]) -> bool:
        """Whether every month in ``months`` has a partition this process knows of."""
        known = self._known
        return all(month in known for month in months)

    async def ensure(
        self, pool_or_conn: asyncpg.Pool | asyncpg.Connection, months: Iterable[date]
    ) -> int:
        """Create the partitions among ``months`` that do not exist; return how many."""
        missing = sorted(set(months) - self._known)
        if not missing:
            return 0
        if isinstance(pool_or_conn, asyncpg.Pool):
            async with pool_or_conn.acquire() as conn:
                return await self._create(conn, missing)
        return await self._create(pool_or_conn, missing)

    async def _create(self, conn: asyncpg.Connection, months: list[date]) -> int:
        created = 0
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _PARTITION_LOCK)
            existing = {
                r["relname"]
                for r in await conn.fetch(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                    " WHERE i.inhparent = 'usage_records'::regclass"
                )
            }
            for month in months:
                name = partition_name(month)
                if name not in existing:
                    start = datetime(month.year, month.month, 1, tzinfo=UTC).isoformat()
                    end_month = next_month(month)
                    end = datetime(end_month.year, end_month.month, 1, tzinfo=UTC).isoformat()
                    await conn.execute(
                        f"CREATE TABLE {name} PARTITION OF usage_records"
                        f" FOR VALUES FROM ('{start}') TO ('{end}')"
                    )
                    created += 1
        self._known.update(months)
        return created

    async def ensure_ahead(
        self,
        pool_or_conn: asyncpg.Pool | asyncpg.Connection,
        today: date,
        *,
        behind: int = 2,
        ahead: int = 3,
    ) -> int:
        """Partitions for the recent past (the late-arrival window) and the months ahead."""
        this_month = date(today.year, today.month, 1)
        return await self.ensure(
            pool_or_conn, (add_months(this_month, k) for k in range(-behind, ahead + 1))
        )
