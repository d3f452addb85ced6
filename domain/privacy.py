"""Privacy rules applied to usage at ingest: pseudonymous user ids and
redacted properties.

A company in ``PSEUDONYMIZED`` mode never has a raw user id stored: the id is
replaced by a keyed hash (HMAC-SHA-256 with the company's secret). The
``user_id`` column is a UUID, so the pseudonym is a UUID too: the HMAC's
first 16 bytes with the version nibble set to 8 (RFC 9562's custom UUID) and
the RFC variant bits, which tells it apart from the v4/v7 ids clients send.
The same user always maps to the same pseudonym, so counts of distinct
users, grouping by user, thresholds and duplicate detection are unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from domain.usage import UsageDraft

# How a hashed property value starts, so no one mistakes it for the value.
HASH_PREFIX = "psn_"
# How many bytes a company's secret holds.
SECRET_BYTES = 32


class UserIdMode(Enum):
    RAW = "RAW"
    PSEUDONYMIZED = "PSEUDONYMIZED"


class RedactionAction(Enum):
    DROP = "DROP"
    HASH = "HASH"


@dataclass(frozen=True)
class RedactedProperty:
    key: str
    action: RedactionAction


def keyed_hash(secret: bytes, value: str) -> bytes:
    return hmac.new(secret, value.encode(), hashlib.sha256).digest()


# Users recur record after record: a pseudonym is computed once per user
# while it is in use (the process's memory only; nothing is stored).
@functools.lru_cache(maxsize=65_536)
def pseudonym(secret: bytes, user_id: UUID) -> UUID:
    """The UUID standing for ``user_id`` in a company with ``secret``."""
    raw = bytearray(keyed_hash(secret, str(user_id))[:16])
    raw[6] = (raw[6] & 0x0F) | 0x80  # version 8: custom
    raw[8] = (raw[8] & 0x3F) | 0x80  # the RFC 9562 variant
    return UUID(bytes=bytes(raw))


def hashed_value(secret: bytes, value: Any) -> str:
    """A property value replaced by its keyed hash (strings as they are,
    other JSON values by their text)."""
    text = value if isinstance(value, str) else repr(value)
    return HASH_PREFIX + keyed_hash(secret, text).hex()


def redact(
    properties: dict[str, Any], rules: tuple[RedactedProperty, ...], secret: bytes
) -> dict[str, Any]:
    """``properties`` with the ruled keys dropped or hashed (top level)."""
    actions = {r.key: r.action for r in rules}
    kept: dict[str, Any] = {}
    for key, value in properties.items():
        action = actions.get(key)
        if action is RedactionAction.DROP:
            continue
        kept[key] = hashed_value(secret, value) if action is RedactionAction.HASH else value
    return kept


def protect(
    draft: UsageDraft,
    mode: UserIdMode,
    rules: tuple[RedactedProperty, ...],
    secret: bytes,
) -> UsageDraft:
    """``draft`` as a company with these settings stores it: its user id
    pseudonymized, its redacted properties dropped or hashed."""
    changes: dict[str, Any] = {}
    if mode is UserIdMode.PSEUDONYMIZED and draft.user_id is not None:
        changes["user_id"] = pseudonym(secret, draft.user_id)
    if rules and draft.properties:
        changes["properties"] = redact(draft.properties, rules, secret)
    return msgspec.structs.replace(draft, **changes) if changes else draft


def stored_user_id(mode: UserIdMode, secret: bytes, user_id: UUID) -> UUID:
    """The id ``user_id``'s records are stored under in a company with these settings."""
    return pseudonym(secret, user_id) if mode is UserIdMode.PSEUDONYMIZED else user_id
