"""How large, how precise, how long and how far in time an input may be.

Every value a client sends is checked against these bounds before anything
stores or computes with it: a number PostgreSQL's ``numeric`` could hold but
whose sum would overflow an invoice, a date in the year 9999 that every
period computation after it trips over, a name of a megabyte, or text that
PostgreSQL cannot store (NUL, a lone UTF-16 surrogate) is refused here, as a
``FieldError`` naming the field, rather than failing later in a job that
serves every tenant.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.field_errors import ErrorCode, FieldError


@dataclass(frozen=True)
class Limits:
    max_usage_value: Decimal = Decimal("1e15")
    max_usage_decimals: int = 12
    max_price: Decimal = Decimal("1e9")
    max_price_decimals: int = 12
    max_amount: Decimal = Decimal("1e12")
    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    latest: datetime = datetime(2101, 1, 1, tzinfo=UTC)
    max_name_length: int = 200
    max_properties_bytes: int = 16_384


DEFAULT = Limits()

# What PostgreSQL's text and jsonb refuse; and every C0 control, which names
# never need (they reach log lines, CSV cells and e-mail headers).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
_ASCII_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Cc: C0/C1 controls (CR, LF, TAB, NUL …); Cs: lone surrogates; Zl/Zp: line and
# paragraph separators, which some mail and HTTP stacks also treat as line ends.
_CONTROL_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character, a lone surrogate or a line break."""
    if text.isascii():
        return _ASCII_CONTROL.search(text) is not None
    return any(unicodedata.category(ch) in _CONTROL_CATEGORIES for ch in text)


def unstorable(text: str) -> bool:
    """True when ``text`` holds NUL or a lone surrogate (PostgreSQL stores neither)."""
    if text.isascii():
        return "\x00" in text
    return _UNSTORABLE.search(text) is not None


def text_errors(field: str, text: str | None, max_length: int) -> list[FieldError]:
    """``text`` too long, or holding a character that cannot be stored."""
    if text is None:
        return []
    if len(text) > max_length:
        return [
            FieldError(field, ErrorCode.TOO_LONG, f"{field} is longer than {max_length} characters")
        ]
    if unstorable(text):
        return [
            FieldError(
                field,
                ErrorCode.INVALID_CHARACTER,
                f"{field} holds a NUL character or a lone surrogate",
            )
        ]
    return []


def name_errors(field: str, text: str | None, max_length: int) -> list[FieldError]:
    """A name or anything that may reach a header or a log line: ``text_errors``, and
    no control character at all (no line breaks either)."""
    errors = text_errors(field, text, max_length)
    if not errors and text is not None and has_control(text):
        errors.append(
            FieldError(field, ErrorCode.INVALID_CHARACTER, f"{field} holds a control character")
        )
    return errors


def decimal_errors(
    field: str, value: Decimal | None, max_abs: Decimal, max_decimals: int
) -> list[FieldError]:
    """``value`` not finite, larger than ``max_abs`` or finer than ``max_decimals`` places."""
    if value is None:
        return []
    if not value.is_finite():
        return [FieldError(field, ErrorCode.VALUE_NOT_FINITE, f"{field} must be a finite decimal")]
    if abs(value) > max_abs:
        return [
            FieldError(
                field,
                ErrorCode.VALUE_OUT_OF_RANGE,
                f"{field} must lie within ±{max_abs:,f}",
            )
        ]
    if decimal_places(value) > max_decimals:
        return [
            FieldError(
                field,
                ErrorCode.TOO_MANY_DECIMALS,
                f"{field} has more than {max_decimals} decimal places",
            )
        ]
    return []


def decimal_places(value: Decimal) -> int:
    """Decimal places of a finite ``value``, trailing zeros not counted (1.50: 1)."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = "".join(map(str, digits)).rstrip("0")
    if exponent >= 0 or not significant:
        return 0
    trailing = len(digits) - len(significant)
    return max(0, -exponent - trailing)


def date_errors(field: str, value: datetime | None, limits: Limits) -> list[FieldError]:
    """``value`` outside [earliest, latest)."""
    if value is None:
        return []
    if value.tzinfo is not None and value.utcoffset() is not None:
        outside = not limits.earliest <= value < limits.latest
    else:
        naive = value.replace(tzinfo=UTC)
        outside = not limits.earliest <= naive < limits.latest
    if outside:
        return [
            FieldError(
                field,
                ErrorCode.OUT_OF_RANGE,
                f"{field} must lie between {limits.earliest.year} and {limits.latest.year - 1}",
            )
        ]
    return []


def window_errors(from_: datetime, to: datetime, limits: Limits) -> list[FieldError]:
    """A window's ends (``from``, ``to``) outside the years the service accepts."""
    return date_errors("from", from_, limits) + date_errors("to", to, limits)


def json_errors(field: str, value: Any, max_bytes: int) -> list[FieldError]:
    """A JSON object too large once encoded, or holding text that cannot be stored."""
    if value is None:
        return []
    size = 0
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            size += len(item) + 2
            if unstorable(item):
                return [
                    FieldError(
                        field,
                        ErrorCode.INVALID_CHARACTER,
                        f"{field} holds a NUL character or a lone surrogate",
                    )
                ]
        elif isinstance(item, dict):
            size += 2 + len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            size += 2 + len(item)
            stack.extend(item)
        elif isinstance(item, float | Decimal) and not _finite(item):
            return [
                FieldError(
                    field,
                    ErrorCode.VALUE_OUT_OF_RANGE,
                    f"{field} holds a number that is not finite or beyond ±1e100",
                )
            ]
        else:
            size += 8
        if size > max_bytes:
            return [
                FieldError(field, ErrorCode.TOO_LONG, f"{field} is larger than {max_bytes} bytes")
            ]
    return []


def _finite(number: float | Decimal) -> bool:
    if isinstance(number, Decimal):
        return number.is_finite() and abs(number) < _JSON_NUMBER
    return math.isfinite(number)


# A JSON number beyond this is refused in properties: PostgreSQL's jsonb
# stores numerics, whose exponent is bounded.
_JSON_NUMBER = Decimal("1e100")
