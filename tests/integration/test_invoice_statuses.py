"""Invoice and payment statuses: one closed set each, in the domain, the database and the API."""

from __future__ import annotations

import re
from typing import Any

from strawberry.types.enum import StrawberryEnumDefinition

from api.schema import schema
from domain.invoicing import InvoiceStatus, PaymentStatus


def values(check: str) -> set[str]:
    return set(re.findall(r"'([A-Z_]+)'", check))


async def test_the_database_holds_the_statuses_the_domain_names(runtime: Any) -> None:
    async with runtime.pool.acquire() as conn:
        checks = {
            r["conname"]: r["def"]
            for r in await conn.fetch(
                "SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint"
                " WHERE conrelid = 'invoices'::regclass AND contype = 'c'"
            )
        }
    # a preview is never stored
    assert values(checks["invoice_status_known"]) == {s.value for s in InvoiceStatus} - {"PREVIEW"}
    assert values(checks["invoice_payment_status_known"]) == {s.value for s in PaymentStatus}
    assert "invoices_status_check" not in checks and "invoices_payment_status_check" not in checks


def test_the_api_answers_with_the_same_statuses() -> None:
    for name, enum in (("InvoiceStatus", InvoiceStatus), ("PaymentStatus", PaymentStatus)):
        found = schema.get_type_by_name(name)
        assert isinstance(found, StrawberryEnumDefinition), name
        assert {v.name for v in found.values} == {s.value for s in enum}
