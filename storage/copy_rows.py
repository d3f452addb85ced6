"""A batch of records in COPY's binary format: the rows of ``usage_records``
and of ``usage_idempotency_keys``, built as one ``bytes`` each.

Binary is what PostgreSQL reads fastest: a timestamp arrives as the number
of microseconds it stores, a uuid as its 16 bytes, a number as its base-10000
digits, so the database parses nothing (text COPY cost it about a
microsecond a record more, on the core that is the write path's bottleneck).
asyncpg's own encoder costs about a microsecond a value; this one builds a
row from a few cached pieces (the company's, the metric's, a number's) and
costs less than the text format did.

What is stored is exactly what the careful statement stores from typed
arrays (``tests/integration/test_copy_rows.py``): a timestamp to the
microsecond whatever its zone, a decimal with its scale, NULL as NULL.

The format: a signature and two zero words; each row a 16-bit field count
and each field as a 32-bit length (-1: NULL) and its bytes; a -1 word to end.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from struct import Struct
from typing import Any, Protocol
from uuid import UUID

from domain.usage import Metric, UsageDraft
from storage.db import encode_json


class CopiedRecord(Protocol):
    """What a row is written from (``storage.usage.PendingRecord``)."""

    @property
    def id(self) -> UUID: ...
    @property
    def draft(self) -> UsageDraft: ...
    @property
    def metric(self) -> Metric: ...


HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"
NULL = b"\xff\xff\xff\xff"
_RECORD_FIELDS = b"\x00\x15"  # 21: RECORD_COLUMNS
_KEY_FIELDS = b"\x00\x06"  # 6: KEY_COLUMNS
_UUID_LENGTH = b"\x00\x00\x00\x10"
_TRUE = b"\x00\x00\x00\x01\x01"
_FALSE = b"\x00\x00\x00\x01\x00"

_length = Struct(">i").pack
_eight_bytes = Struct(">iq").pack  # a length of 8, then the int64
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # PostgreSQL's
_MICROSECOND = timedelta(microseconds=1)


def text(value: str | None) -> bytes:
    """A text field: its UTF-8 bytes (PostgreSQL checks them as it would text)."""
    if value is None:
        return NULL
    encoded = value.encode()
    return _length(len(encoded)) + encoded


def uuid_field(value: UUID | None) -> bytes:
    return NULL if value is None else _UUID_LENGTH + value.bytes


def timestamp(value: datetime) -> bytes:
    """An aware timestamp: microseconds since 2000-01-01 UTC, in any zone."""
    return _eight_bytes(8, (value - _EPOCH) // _MICROSECOND)


def optional_timestamp(value: datetime | None) -> bytes:
    return NULL if value is None else timestamp(value)


def json_field(value: Any) -> bytes:
    """A jsonb field: version 1, then the JSON text stored for ``value``."""
    if value is None:
        return NULL
    encoded = b"\x01" + encode_json(value).encode()
    return _length(len(encoded)) + encoded


# numeric's binary form: digit count, weight (of the first base-10000 digit),
# sign, display scale, then the digits
_NUMERIC_HEAD = Struct(">hhHH")
_POSITIVE, _NEGATIVE = 0x0000, 0x4000
_ALIGN = [1, 1000, 100, 10]  # what a scale of 4k - n is raised to a multiple of 4 by
_NUMBERS: dict[str, bytes] = {}
_NUMBERS_KEPT = 4096


def numeric(value: Decimal) -> bytes:
    """A finite decimal as a numeric field, its scale kept (1.50 stays 1.50).

    The usual values repeat (a count of 1, a price): a few thousand are kept,
    found by their text.
    """
    key = str(value)
    encoded = _NUMBERS.get(key)
    if encoded is None:
        if len(_NUMBERS) >= _NUMBERS_KEPT:
            _NUMBERS.clear()
        encoded = _NUMBERS[key] = _numeric(value)
    return encoded


def _numeric(value: Decimal) -> bytes:
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{value} is not a finite number")
    scale = max(0, -exponent)
    # the value as an integer of ``scale + pad`` decimal places, pad to a whole
    # base-10000 digit
    pad = -scale % 4
    whole = int("".join(map(str, digits)) or "0") * 10 ** (pad + max(0, exponent))
    groups: list[int] = []
    while whole:
        whole, group = divmod(whole, 10_000)
        groups.append(group)
    groups.reverse()
    weight = len(groups) - 1 - (scale + pad) // 4
    while groups and groups[-1] == 0:
        groups.pop()
    if not groups:
        weight, sign = 0, 0
    body = _NUMERIC_HEAD.pack(
        len(groups), weight, _NEGATIVE if sign else _POSITIVE, scale
    ) + b"".join(group.to_bytes(2, "big") for group in groups)
    return _length(len(body)) + body


# The fields between interval and idempotency key of the usual record: none of
# space, application, user, source, subscription, billing period; billable;
# no billing category.
_USUAL_MIDDLE = NULL * 7 + _TRUE + NULL


class CopyRows:
    """The binary COPY of records into usage_records (RECORD_COLUMNS), and of
    their keys into usage_idempotency_keys (KEY_COLUMNS), built as records are
    added (a part at a time, if the caller has other work between parts)."""

    def __init__(self) -> None:
        self._rows: list[bytes] = [HEADER]
        self._keys: list[tuple[int, str, bytes]] = []
        # per company, metric, resource type, unit, interval and product: the
        # fields they fix (a record's texts are checked against its metric's)
        self._fixed: dict[
            tuple[int, str, str, str, str | None, str | None],
            tuple[bytes, bytes, bytes, bytes, bytes],
        ] = {}

    def add(self, records: Sequence[CopiedRecord]) -> None:
        add_row, add_key, fixed = self._rows.append, self._keys.append, self._fixed
        for p in records:
            d = p.draft
            company = d.company_id.int
            interval = d.interval
            if interval is None and p.metric.interval is not None:
                interval = p.metric.interval._value_
            product, properties = d.product_code, d.properties
            shape = (company, d.metric_code, d.resource_type._value_, d.unit, interval, product)
            pieces = fixed.get(shape)
            if pieces is None:
                pieces = fixed[shape] = _fixed(p, interval)
            company_field, metric_field, head, unit_to_interval, product_field = pieces
            record_id = _UUID_LENGTH + p.id.bytes
            ts = _eight_bytes(8, (d.timestamp - _EPOCH) // _MICROSECOND)
            value = numeric(d.value)
            key = d.idempotency_key
            key_field = NULL if key is None else text(key)
            add_row(
                b"".join(
                    (
                        _RECORD_FIELDS,
                        record_id,
                        head,
                        ts,
                        value,
                        unit_to_interval,
                        _middle(d),
                        key_field,
                        product_field,
                        NULL if properties is None else json_field(properties),
                    )
                )
            )
            if key is not None:
                add_key(
                    (
                        company,
                        key,
                        b"".join(
                            (
                                _KEY_FIELDS,
                                company_field,
                                key_field,
                                record_id,
                                metric_field,
                                ts,
                                value,
                            )
                        ),
                    )
                )

    def data(self) -> tuple[bytes, bytes]:
        """The records' COPY data, and their keys' in the order every write
        claims them (company, then key by code point); empty for no rows."""
        rows = b"".join([*self._rows, TRAILER]) if len(self._rows) > 1 else b""
        return rows, self.keys()

    def taken(self) -> bytes:
        """The records' COPY data added since the last call (the format's
        header first), for a COPY sent as the records are added; ``TRAILER``
        ends it."""
        rows, self._rows = self._rows, []
        return b"".join(rows)

    def keys(self) -> bytes:
        """The keys' COPY data, in claim order; empty for no keys."""
        # (company, key, row): a plan's keys are unique, so this sorts by the first two
        self._keys.sort()
        return b"".join([HEADER, *(k[2] for k in self._keys), TRAILER]) if self._keys else b""


def copy_rows(records: Sequence[CopiedRecord]) -> tuple[bytes, bytes]:
    """``CopyRows``' two parts for ``records``."""
    built = CopyRows()
    built.add(records)
    return built.data()


def _fixed(p: CopiedRecord, interval: str | None) -> tuple[bytes, bytes, bytes, bytes, bytes]:
    """The company's and metric's fields, the fields from company to resource
    type, those from unit to interval, and the product's."""
    d = p.draft
    company = uuid_field(d.company_id)
    metric = text(d.metric_code)
    return (
        company,
        metric,
        company + metric + text(d.resource_type._value_),
        text(d.unit) + text(p.metric.measurement_type._value_) + text(interval),
        text(d.product_code),
    )


def _middle(d: Any) -> bytes:
    """The fields from space_id to billing_category."""
    if (
        d.space_id is None
        and d.application_id is None
        and d.user_id is None
        and d.source is None
        and d.subscription_id is None
        and d.billing_period_start is None
        and d.billing_period_end is None
        and d.billable
        and d.billing_category is None
    ):
        return _USUAL_MIDDLE
    return b"".join(
        (
            uuid_field(d.space_id),
            uuid_field(d.application_id),
            uuid_field(d.user_id),
            text(d.source),
            uuid_field(d.subscription_id),
            optional_timestamp(d.billing_period_start),
            optional_timestamp(d.billing_period_end),
            _TRUE if d.billable else _FALSE,
            text(d.billing_category),
        )
    )
