"""Invoice documents: who issues them, who they are billed to, and their numbers.

An invoice number is ``<prefix>-<year of issue>-<sequence>`` (``INV-2024-000123``):
the sequence counts from 1 per issuer (its prefix) and year, with no gaps,
and is given when an invoice is finalized; a draft has none. Billing details
are optional; anything left out is taken from the company's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.limits import name_errors
from domain.text import check_email
from domain.usage import ErrorCode, FieldError

SEQUENCE_DIGITS = 6
PREFIX = re.compile(r"^[A-Z0-9]{1,12}$")
DEFAULT_PREFIX = "INV"
# Lengths a printed invoice can hold on one line.
MAX_LEGAL_NAME = 200
MAX_ADDRESS_LINE = 200
MAX_ADDRESS_LINES = 4
MAX_CITY = 100
MAX_POSTAL_CODE = 20
MAX_TAX_ID = 50
COUNTRY = re.compile(r"^[A-Z]{2}$")


def invoice_number(prefix: str, year: int, sequence: int) -> str:
    """``INV-2024-000123``: the sequence has at least six digits."""
    return f"{prefix}-{year:04d}-{sequence:0{SEQUENCE_DIGITS}d}"


def prefix_is_valid(prefix: str) -> bool:
    """1 to 12 capital letters or digits: nothing that could blur the number's parts."""
    return PREFIX.match(prefix) is not None


@dataclass(frozen=True)
class BillingDetails:
    """Who a company's invoices are addressed to (every part optional)."""

    legal_name: str | None = None
    address_lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_id: str | None = None
    email: str | None = None

    def cleaned(self) -> BillingDetails:
        """Surrounding spaces trimmed, blank parts dropped, the country in capitals."""

        def text(value: str | None) -> str | None:
            return value.strip() or None if value is not None else None

        country = text(self.country)
        return BillingDetails(
            legal_name=text(self.legal_name),
            address_lines=tuple(x.strip() for x in self.address_lines if x.strip()),
            city=text(self.city),
            postal_code=text(self.postal_code),
            country=country.upper() if country else None,
            tax_id=text(self.tax_id),
            email=text(self.email),
        )


def billing_details_errors(details: BillingDetails, prefix: str) -> list[FieldError]:
    """What is wrong with ``details`` (cleaned), each error naming ``prefix.field``."""
    errors: list[FieldError] = []
    for field, value, longest in (
        ("legalName", details.legal_name, MAX_LEGAL_NAME),
        ("city", details.city, MAX_CITY),
        ("postalCode", details.postal_code, MAX_POSTAL_CODE),
        ("taxId", details.tax_id, MAX_TAX_ID),
    ):
        errors += name_errors(f"{prefix}.{field}", value, longest)
    if len(details.address_lines) > MAX_ADDRESS_LINES:
        message = f"an address has at most {MAX_ADDRESS_LINES} lines"
        errors.append(FieldError(f"{prefix}.addressLines", ErrorCode.TOO_LONG, message))
    for n, line in enumerate(details.address_lines):
        errors += name_errors(f"{prefix}.addressLines[{n}]", line, MAX_ADDRESS_LINE)
    if details.country is not None and not COUNTRY.match(details.country):
        message = f"{details.country[:40]!r} is not a two-letter ISO 3166 country code"
        errors.append(FieldError(f"{prefix}.country", ErrorCode.INVALID_FORMAT, message))
    if details.email is not None:
        wrong = check_email(f"{prefix}.email", details.email)
        if wrong is not None:
            errors.append(wrong)
    return errors


@dataclass(frozen=True)
class Issuer:
    """The platform operator, as its invoices name it."""

    name: str
    address_lines: tuple[str, ...] = ()
    tax_id: str | None = None
    email: str | None = None
    prefix: str = DEFAULT_PREFIX
