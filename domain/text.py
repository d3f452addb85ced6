"""Checks for text that reaches mail headers, webhooks and rendered reports.

A name or an address is stored once and later written into an e-mail
header, a subject or an HTTP header by a background job; a line break
there is header injection (and made the mail library refuse the whole
message). So control characters are refused where the text enters, with
the field named, and names have a length limit the caller passes in.
"""

from __future__ import annotations

import re
import unicodedata

from domain.usage import ErrorCode, FieldError

# Cc: C0/C1 controls (CR, LF, TAB, NUL …); Cs: lone surrogates; Zl/Zp: line and
# paragraph separators, which some mail and HTTP stacks also treat as line ends.
_REFUSED_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}

# Deliberately plain: a dot-atom local part and a host name. Quoted local parts
# and address literals are legal in RFC 5322 but have no use here.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
MAX_EMAIL = 254


def has_control(value: str) -> bool:
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value)


def check_name(field: str, value: str, max_length: int) -> FieldError | None:
    """A name that may be written into a header: not blank, no controls, not too long."""
    if not value.strip():
        return FieldError(field, ErrorCode.REQUIRED, "a name cannot be blank")
    if has_control(value):
        return FieldError(
            field, ErrorCode.INVALID_FORMAT, "a name cannot hold control characters or line breaks"
        )
    if len(value) > max_length:
        return FieldError(
            field, ErrorCode.OUT_OF_RANGE, f"a name is at most {max_length} characters"
        )
    return None


def check_email(field: str, value: str) -> FieldError | None:
    if has_control(value) or len(value) > MAX_EMAIL or not _EMAIL.match(value):
        return FieldError(
            field, ErrorCode.INVALID_FORMAT, f"{value[:80]!r} is not an e-mail address"
        )
    return None


def check_address(field: str, value: str, max_length: int) -> FieldError | None:
    """A non-e-mail recipient (a phone number for SMS): no controls, bounded length."""
    if has_control(value):
        return FieldError(
            field, ErrorCode.INVALID_FORMAT, "an address cannot hold control characters"
        )
    if len(value) > max_length:
        return FieldError(
            field, ErrorCode.OUT_OF_RANGE, f"an address is at most {max_length} characters"
        )
    return None
