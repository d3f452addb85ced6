"""A batch of records as COPY's text format: the rows of ``usage_records`` and
of ``usage_idempotency_keys``, built as one string each.

COPY's binary format makes the client encode every value (a numeric, a
timestamp, a uuid each cost asyncpg about a microsecond, twice per record:
once for the record, once for its key). The text format hands PostgreSQL the
values as text, which it parses on its own core while the server's Python
goes on to the next chunk; the server builds a row from a few cached pieces.

What is sent is exactly what the binary format sent: a timestamp in UTC with
its microseconds, a decimal as ``str`` gives it (its scale kept), a uuid as
its 32 hexadecimal digits, every text escaped as the format wants
(backslash, tab, new line, carriage return), NULL as ``\\N``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import msgspec

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


NULL = "\\N"
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text(value: str | None) -> str:
    """``value`` as a COPY text field."""
    if value is None:
        return NULL
    if "\\" in value or not value.isprintable():
        return value.translate(_ESCAPES)
    return value


def uuid_text(value: UUID | None) -> str:
    """A uuid as 32 hexadecimal digits (PostgreSQL reads it without hyphens);
    about a third of what ``str`` costs."""
    return NULL if value is None else f"{value.int:032x}"


def timestamp_text(value: datetime) -> str:
    """An aware timestamp in UTC, to the microsecond, as RFC 3339 (``Z``, the
    fraction's trailing zeros dropped): msgspec writes it in a fifth of the
    time ``isoformat`` takes, which asks the zone for its offset."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return _encode(value)[1:-1].decode()


_encode = msgspec.json.encode


def optional_timestamp(value: datetime | None) -> str:
    return NULL if value is None else timestamp_text(value)


def json_text(value: Any) -> str:
    return NULL if value is None else text(encode_json(value))


# The columns between interval and idempotency key of the usual record: none of
# space, application, user, source, subscription, billing period; billable;
# no billing category.
_USUAL_MIDDLE = "\t".join([NULL] * 7 + ["t", NULL])


class CopyText:
    """The text COPY of records into usage_records (RECORD_COLUMNS), and of
    their keys into usage_idempotency_keys (KEY_COLUMNS), built as records are
    added (a part at a time, if the caller has other work between parts)."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._keys: list[tuple[int, str, str]] = []
        # per company, metric, resource type, unit and interval: the text of
        # the columns they fix (a record's texts are checked against its metric's)
        self._fixed: dict[tuple[int, str, str, str, str | None], tuple[str, str, str, str]] = {}

    def add(self, records: Sequence[CopiedRecord]) -> None:
        add_line, add_key, fixed = self._lines.append, self._keys.append, self._fixed
        for p in records:
            d = p.draft
            company = d.company_id.int
            interval = d.interval
            if interval is None and p.metric.interval is not None:
                interval = p.metric.interval._value_
            shape = (company, d.metric_code, d.resource_type._value_, d.unit, interval)
            pieces = fixed.get(shape)
            if pieces is None:
                pieces = fixed[shape] = _fixed(p, interval)
            company_text, metric_text, head, unit_to_interval = pieces
            ts = timestamp_text(d.timestamp)
            value = str(d.value)
            id_text = f"{p.id.int:032x}"
            key = d.idempotency_key
            key_text = NULL if key is None else text(key)
            add_line(
                f"{id_text}\t{head}\t{ts}\t{value}\t{unit_to_interval}\t{_middle(d)}\t{key_text}"
                f"\t{text(d.product_code)}\t{json_text(d.properties)}\n"
            )
            if key is not None:
                add_key(
                    (
                        company,
                        key,
                        f"{company_text}\t{key_text}\t{id_text}\t{metric_text}\t{ts}\t{value}\n",
                    )
                )

    def data(self) -> tuple[bytes, bytes]:
        """The records' COPY text, and their keys' in the order every write
        claims them (company, then key by code point)."""
        self._keys.sort(key=_claim_order)
        return "".join(self._lines).encode(), "".join(k[2] for k in self._keys).encode()


def copy_text(records: Sequence[CopiedRecord]) -> tuple[bytes, bytes]:
    """``CopyText``'s two texts for ``records``."""
    built = CopyText()
    built.add(records)
    return built.data()


def _claim_order(key: tuple[int, str, str]) -> tuple[int, str]:
    return key[0], key[1]


def _fixed(p: CopiedRecord, interval: str | None) -> tuple[str, str, str, str]:
    """The company's and metric's text, the columns from company to resource
    type, and those from unit to interval."""
    d = p.draft
    company = f"{d.company_id.int:032x}"
    metric = text(d.metric_code)
    return (
        company,
        metric,
        f"{company}\t{metric}\t{text(d.resource_type._value_)}",
        f"{text(d.unit)}\t{text(p.metric.measurement_type._value_)}\t{text(interval)}",
    )


def _middle(d: Any) -> str:
    """The columns from space_id to billing_category."""
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
    return "\t".join(
        (
            uuid_text(d.space_id),
            uuid_text(d.application_id),
            uuid_text(d.user_id),
            text(d.source),
            uuid_text(d.subscription_id),
            optional_timestamp(d.billing_period_start),
            optional_timestamp(d.billing_period_end),
            "t" if d.billable else "f",
            text(d.billing_category),
        )
    )
