"""Usage record storage: the batch write path and the reads.

``store_usage`` is the one write path for every way usage arrives (single
records through group commit, GraphQL batches, bulk files). Inside a
transaction (batches, imports) the keys are COPYed into
``usage_idempotency_keys`` under a savepoint, and the records COPYed straight
into ``usage_records``: the usual batch, whose keys are all new, costs
PostgreSQL two COPYs. A key taken already makes the first COPY fail; the
savepoint is rolled back, the taken keys are looked up and the rest is
COPYed. Should a concurrent write take a key in between, the batch goes the
careful way: one statement that claims the keys that are free (``ON
CONFLICT DO NOTHING``) and stores the records whose key it claimed. A group
commit's few rows take that statement directly, as arrays, and it commits
them in one round trip. A large batch, checked chunk by chunk, sends its
records as they are checked and its keys after them (``copy_streamed``); a
key taken already undoes them, and the batch goes through ``store_usage``, as
a batch whose first key is taken (a resend, ``key_taken``) does at once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from domain.records import RecordsQuery
from domain.usage import Metric, StoredKey, UsageDraft
from storage.copy_rows import copy_rows
from storage.db import encode_json
from storage.ingest import PartitionMissing, missing_partition
from storage.queries import q

# A record's columns in the order the write path gives them (the first, ord, is
# its place in its request: the careful statement's, not a stored column).
STAGING_COLUMNS = (
    "ord",
    "id",
    "company_id",
    "metric_code",
    "resource_type",
    "ts",
    "value",
    "unit",
    "measurement_type",
    "reporting_interval",
    "space_id",
    "application_id",
    "user_id",
    "source",
    "subscription_id",
    "billing_period_start",
    "billing_period_end",
    "billable",
    "billing_category",
    "idempotency_key",
    "product_code",
    "properties",
)
RECORD_COLUMNS = STAGING_COLUMNS[1:]
KEY_COLUMNS = ("company_id", "idempotency_key", "record_id", "metric_code", "ts", "value")


class PendingRecord(msgspec.Struct, frozen=True, gc=False):
    """A validated draft with its position in the request and its new id
    (a Struct: one is built for every record stored; untracked by the garbage
    collector, as it refers to nothing that refers back to it)."""

    ord: int
    id: UUID
    draft: UsageDraft
    metric: Metric


def record_row(p: PendingRecord) -> tuple[Any, ...]:
    """A record's RECORD_COLUMNS, as COPY sends them."""
    d = p.draft
    return (
        p.id,
        d.company_id,
        d.metric_code,
        d.resource_type._value_,  # not .value: a descriptor call per record
        d.timestamp,
        d.value,
        d.unit,
        p.metric.measurement_type._value_,
        d.interval
        if d.interval is not None
        else (p.metric.interval._value_ if p.metric.interval else None),
        d.space_id,
        d.application_id,
        d.user_id,
        d.source,
        d.subscription_id,
        d.billing_period_start,
        d.billing_period_end,
        d.billable,
        d.billing_category,
        d.idempotency_key,
        d.product_code,
        d.properties,
    )


@dataclass(frozen=True)
class CopyData:
    """The binary COPY of a batch's records and keys (``copy_rows``), built before
    its turn on the connection comes (while the batch before it is stored)."""

    rows: bytes
    keys: bytes


def copy_data(records: Sequence[PendingRecord]) -> CopyData:
    return CopyData(*copy_rows(records))


@dataclass(frozen=True)
class StoreResult:
    stored: int
    # ord -> the key's earlier write, for rows that were not stored
    replays: dict[int, StoredKey]
    # id -> the stored row, when asked for
    rows: dict[UUID, asyncpg.Record] = field(default_factory=dict)


async def store_usage(
    conn: asyncpg.Connection,
    records: Sequence[PendingRecord],
    *,
    returning: bool = False,
    staged: bool | None = None,
    audit: Sequence[tuple[UUID, Sequence[Any]]] = (),
    data: CopyData | None = None,
) -> StoreResult:
    """Store ``records`` (unique idempotency keys among them); raises PartitionMissing
    when a record's month has no partition.

    Inside the caller's transaction the records are COPYed (batches, imports;
    a transaction may store several), unless a key among them is taken
    already. Outside one, a single statement takes them as one array per
    column and commits them (group commit: one round trip). With
    ``returning`` the stored rows come back too (small groups whose callers
    answer with the record; they take the single statement). ``staged=False``
    takes the single statement inside a transaction too (a group committed
    with its audit rows). ``data`` is the records' COPY data, when it was
    built already.
    """
    if not records:
        return StoreResult(0, {})
    if staged is None:
        staged = conn.is_in_transaction()
    assert not (audit and staged), "audit rows ride only in the single statement"
    if staged and not returning:
        copied = await _copied(conn, records, data or copy_data(records))
        if copied is not None:
            return copied
    statement, arguments = _from_arrays(records, audit)
    rows: dict[UUID, asyncpg.Record] = {}
    try:
        if returning:
            for row in await conn.fetch(statement + " SELECT * FROM stored", *arguments):
                rows[row["id"]] = row
            stored = len(rows)
        else:
            stored = await conn.fetchval(statement + " SELECT count(*) FROM stored", *arguments)
    except asyncpg.CheckViolationError as exc:
        if missing_partition(exc):
            raise PartitionMissing(str(exc)) from exc
        raise
    replays = await _replays(conn, records) if stored != len(records) else {}
    return StoreResult(int(stored), replays, rows)


async def _copied(
    conn: asyncpg.Connection, records: Sequence[PendingRecord], data: CopyData
) -> StoreResult | None:
    """Store ``records`` by COPY in the caller's transaction; None (nothing
    stored) if a key is taken under it and the careful statement must decide.

    When the keys' COPY meets a key taken already, the keys stored before
    are looked up (a resent batch, a retried file): the records whose key is
    free are COPYed, the others are replays. Only a key taken again between
    the look and the second COPY (by a concurrent write) leaves it to the
    careful statement.
    """
    if await _keys_copied(conn, data.keys):
        await _copy_records(conn, data.rows)
        return StoreResult(len(records), {})
    replays = await _replays(conn, records)
    if not replays:
        return None
    rest = copy_data([p for p in records if p.ord not in replays])
    if not await _keys_copied(conn, rest.keys):
        return None
    await _copy_records(conn, rest.rows)
    return StoreResult(len(records) - len(replays), replays)


async def _keys_copied(conn: asyncpg.Connection, keys: bytes) -> bool:
    """COPY ``keys`` (``copy_rows``', in claim order) under a savepoint; False
    (none stored) if one is taken.

    The keys go sorted as every write claims them (company, then key by code
    point), so that two batches sharing keys wait for each other in one
    direction only. A key another transaction holds uncommitted is waited
    for: taken if that transaction commits, free if it rolls back.
    """
    if not keys:
        return True
    try:
        async with conn.transaction():
            await _copy_keys(conn, keys)
    except asyncpg.UniqueViolationError:
        return False
    return True


async def _copy_keys(conn: asyncpg.Connection, keys: bytes) -> None:
    await conn.copy_to_table(
        "usage_idempotency_keys", source=_given(keys), columns=KEY_COLUMNS, format="binary"
    )


async def _copy_records(conn: asyncpg.Connection, rows: bytes | AsyncIterator[bytes]) -> None:
    if not rows:
        return
    try:
        await conn.copy_to_table(
            "usage_records",
            source=_given(rows) if isinstance(rows, bytes) else rows,
            columns=RECORD_COLUMNS,
            format="binary",
        )
    except asyncpg.CheckViolationError as exc:
        if missing_partition(exc):
            raise PartitionMissing(str(exc)) from exc
        raise


async def copy_streamed(
    conn: asyncpg.Connection, rows: AsyncIterator[bytes], keys: Callable[[], bytes]
) -> bool:
    """COPY records into ``usage_records`` as ``rows`` gives their binary COPY
    data (``CopyRows.taken``, then ``TRAILER``), then ``keys()``'s keys, in the
    caller's transaction under a savepoint; False (nothing stored) if a key
    is taken already.

    PostgreSQL stores each part while ``rows`` works out the next (a large
    batch checked chunk by chunk): one ``COPY``, with no round trip between
    the parts. The records go first: they claim nothing, and the keys, all
    sent at once in claim order, are claimed as every write claims them.
    """
    try:
        async with conn.transaction():
            await _copy_records(conn, rows)
            keys_data = keys()
            if keys_data:
                await _copy_keys(conn, keys_data)
    except asyncpg.UniqueViolationError:
        return False
    return True


async def key_taken(conn: asyncpg.Connection, company_id: UUID, key: str) -> bool:
    """Whether ``key`` of ``company_id`` is taken by a committed record."""
    return bool(await conn.fetchval(q("key_taken"), company_id, key))


async def _given(data: bytes) -> AsyncIterator[bytes]:
    """``data`` as COPY's source: handed to the connection at once, where a file
    would be read in a thread, waiting for the loop's lock between reads."""
    yield data


def _from_arrays(
    records: Sequence[PendingRecord], audit: Sequence[tuple[UUID, Sequence[Any]]]
) -> tuple[str, list[Any]]:
    """The single statement that stores ``records`` (and ``audit``'s rows) from
    arrays, and its arguments."""
    statement = q("claim_and_store_usage")
    arguments = [list(column) for column in zip(*map(_array_row, records), strict=True)]
    if audit:
        statement = f"{statement}, {q('audit_stored_records')}"
        arguments += [
            list(column) for column in zip(*((id, *row) for id, row in audit), strict=True)
        ]
    return statement, arguments


async def _replays(
    conn: asyncpg.Connection, records: Sequence[PendingRecord]
) -> dict[int, StoredKey]:
    """ord -> the earlier write of its key, for the keyed records that were not stored."""
    keyed = [p for p in records if p.draft.idempotency_key is not None]
    found = await conn.fetch(
        q("replays"),
        [p.ord for p in keyed],
        [p.draft.company_id for p in keyed],
        [p.draft.idempotency_key for p in keyed],
        [p.id for p in keyed],
    )
    return {
        row["ord"]: StoredKey(
            record_id=row["record_id"],
            metric_code=row["metric_code"],
            timestamp=row["ts"],
            value=row["value"],
        )
        for row in found
    }


def _array_row(p: PendingRecord) -> tuple[Any, ...]:
    row = (p.ord, *record_row(p))
    properties = row[-1]
    return row if properties is None else (*row[:-1], encode_json(properties))


async def clear_usage(conn: asyncpg.Connection) -> None:
    """Empty the usage tables (a benchmark's fresh start between two measures)."""
    await conn.execute(q("clear_usage"))


async def usage_record(conn: asyncpg.Connection, id: UUID, ts: datetime) -> asyncpg.Record | None:
    return await conn.fetchrow(q("usage_record_by_id"), id, ts)


async def list_usage(
    conn: asyncpg.Connection,
    f: RecordsQuery,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            q("list_usage_records"),
            f.company_id,
            f.metric_codes,
            f.resource_type.value if f.resource_type else None,
            f.from_,
            f.to,
            f.space_id,
            f.application_id,
            f.user_id,
            f.source,
            f.billable,
            after[0] if after else None,
            after[1] if after else None,
            limit,
        )
    )


@dataclass(frozen=True)
class UsageTotal:
    company_id: UUID
    metric_code: str
    records: int
    total: Decimal


async def usage_totals(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    from_: datetime | None,
    to: datetime | None,
) -> list[UsageTotal]:
    rows = await conn.fetch(q("usage_totals"), company_id, from_, to)
    return [UsageTotal(r["company_id"], r["metric_code"], r["records"], r["total"]) for r in rows]
