"""What the audit log keeps: one row per action, and what a row keeps of a request.

A row says who (key, role, company), what (action), how it ended (outcome)
and the request's details as ``summarise`` leaves them: only the variables
the operation declares, with secrets redacted, e-mail addresses and phone
numbers masked, usage records counted rather than copied, and every string
made storable (no NUL, no lone surrogate) and bounded.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

# Lists longer than this are kept as their length.
MAX_ITEMS = 20
# Longer strings are cut (with a mark of how long they were).
MAX_TEXT = 200
# Deeper structures are cut.
MAX_DEPTH = 8
# Keys whose values are never kept.
REDACTED = "[REDACTED]"
_SECRET_KEY = re.compile(r"secret|password|passwd|token|api_?key|authori[sz]ation|credential", re.I)
_EMAIL = re.compile(r"^([^@\s])[^@\s]*@([^@\s]+)$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,24}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Names whose values identify a person and are never kept (an erasure request
# or a pseudonymized company's usage must leave no raw user id behind).
_PERSONAL = frozenset({"userId", "user_id"})


def storable(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` as PostgreSQL stores it in jsonb: no NUL, no lone surrogate, bounded."""
    if len(text) > limit:
        text = f"{text[:limit]}…[{len(text)} chars]"
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    # every write's variables pass here: ASCII text holds no surrogate to look for
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def mask_address(text: str) -> str:
    """An e-mail address or phone number shown as much as an operator needs."""
    if "@" in text:
        email = _EMAIL.match(text)
        if email:
            return f"{email.group(1)}***@{email.group(2)}"
    if text.lstrip()[:1] == "+" and _PHONE.match(text) and sum(c.isdigit() for c in text) >= 7:
        digits = [c for c in text if c.isdigit()]
        return "+***" + "".join(digits[-2:])
    return text


@functools.lru_cache(maxsize=1024)
def _secret(name: str) -> bool:
    """Whether a variable or field name holds a secret (names repeat: remembered)."""
    return _SECRET_KEY.search(name) is not None


def _is_record(value: Any) -> bool:
    return isinstance(value, Mapping) and "metricCode" in value and "companyId" in value


def summarise(value: Any, depth: int = 0) -> Any:
    """``value`` (variables as sent) as the audit log keeps it."""
    if depth > MAX_DEPTH:
        return "[…]"
    if isinstance(value, str):
        return storable(mask_address(value))
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for n, (key, item) in enumerate(value.items()):
            if n == MAX_ITEMS * 2:
                out["…"] = f"{len(value)} keys"
                break
            name = storable(str(key), 64)
            if _secret(name) or name in _PERSONAL:
                out[name] = REDACTED if item is not None else None
            elif name == "properties" and isinstance(item, Mapping):
                out[name] = {"keys": len(item)}
            else:
                out[name] = summarise(item, depth + 1)
        return out
    if isinstance(value, list | tuple):
        if value and all(_is_record(v) for v in value):
            codes = sorted({storable(str(v["metricCode"]), 64) for v in value})
            return {
                "items": len(value),
                "metricCodes": codes[:MAX_ITEMS],
                "companies": len({str(v["companyId"]) for v in value}),
            }
        if len(value) > MAX_ITEMS:
            return {"items": len(value)}
        return [summarise(v, depth + 1) for v in value]
    if value is None or isinstance(value, bool | int):
        return value
    return storable(str(value), 64)  # Decimal, float, anything else: as text


@dataclass(frozen=True)
class AuditEntry:
    """One row of the audit log. ``role`` is the key's role, or ``CLI`` for the
    operator's command line (which has no key)."""

    at: datetime
    api_key_id: UUID | None
    role: str | None
    company_id: UUID | None
    action: str
    outcome: str
    details: dict[str, Any]

    def row(self) -> tuple[Any, ...]:
        return (
            self.at,
            self.api_key_id,
            self.role,
            self.company_id,
            self.action,
            self.outcome,
            self.details,
        )
