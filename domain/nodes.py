"""Global ids: how a node's id is written, and read back from a client.

A thing stored under a UUID (a company, a contract, a report ...) has that UUID
as its global id: UUIDs are unique across every table, and every ``UUID``
argument of the API takes the same value. A thing known by a code (a metric, a
product) has base64url of ``Kind:code``, without padding. Clients treat both
as opaque strings.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from uuid import UUID, uuid4

from domain.errors import Invalid
from domain.limits import unstorable

# Kinds whose global id carries their code (they have no UUID). An invoice
# preview or simulation is stored nowhere: its id carries a code new in every
# answer, so a client's cache never mixes two of them, and names nothing.
PREVIEW_KIND = "InvoicePreview"
CODE_KINDS = frozenset({"Metric", "Product", PREVIEW_KIND})
# Ids this API hands out are short; a longer one is not one of them.
MAX_ID_LENGTH = 512
BAD_ID = "BAD_USER_INPUT"


@dataclass(frozen=True)
class CodeKey:
    """A node known by a code: its kind and code."""

    kind: str
    code: str


NodeKey = UUID | CodeKey


def global_id(kind: str, code: str) -> str:
    """The global id of the ``kind`` (one of CODE_KINDS) whose code is ``code``."""
    return base64.urlsafe_b64encode(f"{kind}:{code}".encode()).decode().rstrip("=")


def preview_id() -> str:
    """A new global id for an invoice preview or simulation (nothing stored has it)."""
    return global_id(PREVIEW_KIND, uuid4().hex)


def parse_node_id(value: str, field: str) -> NodeKey:
    """What ``value`` (a global id a client sent as ``field``) names; Invalid when it
    is not an id this API hands out."""
    if len(value) > MAX_ID_LENGTH:
        raise _not_an_id(field)
    try:
        found = UUID(value)
    except ValueError:
        pass
    else:
        if str(found) == value.lower():
            return found
        raise _not_an_id(field)
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _not_an_id(field) from None
    kind, _, code = text.partition(":")
    if kind not in CODE_KINDS or not code or unstorable(code) or global_id(kind, code) != value:
        raise _not_an_id(field)
    return CodeKey(kind, code)


def _not_an_id(field: str) -> Invalid:
    return Invalid(f"{field} is not a node id this API returned", code=BAD_ID, field=field)
