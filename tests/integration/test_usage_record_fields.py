"""One definition of a usage record's fields.

What a client sends (``UsageRecordInput``, and its JSON wire form), what the
domain checks (``UsageDraft``), what is stored (``usage_records``) and what the
write path sends (``STAGING_COLUMNS``: COPY's columns, and the careful
statement's arrays) name the same fields. The names differ only where the
mapping below says so; a field added to one of them and not to the others
fails here.
"""

from __future__ import annotations

from typing import Any

import msgspec
from strawberry.utils.str_converters import to_camel_case

from api.types import UsageRecordInput
from domain.bulk import UsageRecordWire
from domain.usage import UsageDraft
from storage.usage import RECORD_COLUMNS, STAGING_COLUMNS

# An input field the draft holds as several fields.
INPUT_TO_DRAFT = {"billing_period": {"billing_period_start", "billing_period_end"}}
# A draft field stored under another column name.
DRAFT_TO_COLUMN = {"timestamp": "ts", "interval": "reporting_interval"}
# Columns no draft field fills: the record's new id (given by the write path),
# when it was stored and the transaction that stored it (the columns' defaults).
STORED_ONLY = {"id", "recorded_at", "xid"}
# Columns the write path leaves to their defaults when it stores a record.
DEFAULTED = {"recorded_at", "xid"}


def input_fields() -> set[str]:
    return {f.python_name for f in UsageRecordInput.__strawberry_definition__.fields}


def draft_fields() -> set[str]:
    return {f.name for f in msgspec.structs.fields(UsageDraft)}


async def columns(conn: Any, table: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT attname FROM pg_attribute"
        " WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
        table,
    )
    return {r["attname"] for r in rows}


def test_the_graphql_input_and_the_draft_name_the_same_fields() -> None:
    expected: set[str] = set()
    for name in input_fields():
        expected |= INPUT_TO_DRAFT.get(name, {name})
    assert expected == draft_fields()


def test_the_json_wire_form_names_the_graphql_input_fields() -> None:
    wire = {f.name for f in msgspec.structs.fields(UsageRecordWire)}
    assert wire == {to_camel_case(name) for name in input_fields()}


async def test_the_stored_columns_are_the_draft_fields(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        stored = await columns(conn, "usage_records")
    assert stored == {DRAFT_TO_COLUMN.get(f, f) for f in draft_fields()} | STORED_ONLY


async def test_the_write_path_sends_every_stored_column_but_the_defaulted(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        stored = await columns(conn, "usage_records")
    assert set(RECORD_COLUMNS) == stored - DEFAULTED
    assert len(RECORD_COLUMNS) == len(set(RECORD_COLUMNS))
    # the careful statement's arrays: a record's place in its request, then the same
    assert STAGING_COLUMNS == ("ord", *RECORD_COLUMNS)
