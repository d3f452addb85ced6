"""Checks for text that reaches mail headers, webhooks and rendered reports.

A name or an address is stored once and later written into an e-mail
header, a subject or an HTTP header by a background job; a line break
there is header injection (and made the mail library refuse the whole
message). So control characters are refused where the text enters, with
the field named, and names have a length limit the caller passes in.
"""

from __future__ import annotations

import re

from domain.limits import has_control, name_errors
from domain.usage import ErrorCode, FieldError

# Deliberately plain: a dot-atom local part and a host name. Quoted local parts
# and address literals are legal in RFC 5322 but have no use here.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
MAX_EMAIL = 254


def check_name(field: str, value: str, max_length: int) -> FieldError | None:
    """A name that may be written into a header: not blank, no controls, not too long."""
    if not value.strip():
        return FieldError(field, ErrorCode.REQUIRED, "a name cannot be blank")
    errors = name_errors(field, value, max_length)
    return errors[0] if errors else None


def check_email(field: str, value: str) -> FieldError | None:
    if has_control(value) or len(value) > MAX_EMAIL or not _EMAIL.match(value):
        return FieldError(
            field, ErrorCode.INVALID_FORMAT, f"{value[:80]!r} is not an e-mail address"
        )
    return None


def check_address(field: str, value: str, max_length: int) -> FieldError | None:
    """A non-e-mail recipient (a phone number for SMS): no controls, bounded length."""
    errors = name_errors(field, value, max_length)
    return errors[0] if errors else None
