"""What an invoice's PDF says: money in minor units, tiers, kinds it does not know."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal as D
from enum import Enum
from typing import Any
from uuid import UUID

import pypdfium2

from domain.invoice_documents import BillingDetails, Issuer
from domain.invoice_pdf import (
    InvoiceDocument,
    exact,
    invoice_rows,
    money,
    quantity,
    render_invoice_pdf,
    totals,
)
from domain.invoicing import InvoiceDraft, InvoiceStatus, Line, LineKind, StoredInvoice
from domain.pricing import TierCharge


class LaterKind(Enum):
    """A line kind this renderer was not written for."""

    CREDIT_APPLIED = "CREDIT_APPLIED"


def document(lines: tuple[Any, ...], total: str, paid: str = "0", **kw: Any) -> InvoiceDocument:
    draft = InvoiceDraft(
        period_start=datetime(2024, 3, 1, tzinfo=UTC),
        period_end=datetime(2024, 4, 1, tzinfo=UTC),
        currency="EUR",
        lines=lines,
        subtotal=kw.pop("subtotal", D(total)),
        minimum_true_up=D("0.00"),
        adjustments=kw.pop("adjustments", D("0.00")),
        total=D(total),
        issue_date=date(2024, 4, 1),
        due_date=date(2024, 5, 16),
    )
    invoice = StoredInvoice(
        id=UUID(int=1),
        contract_id=UUID(int=2),
        company_id=UUID(int=3),
        status=kw.pop("status", InvoiceStatus.FINALIZED),
        draft=draft,
        finalized_at=None,
        updated_at=datetime(2024, 4, 2, tzinfo=UTC),
        paid_amount=D(paid),
        number=kw.pop("number", "INV-2024-000007"),
    )
    return InvoiceDocument(
        issuer=Issuer("Metergraph GmbH"),
        company_name="customer_c",
        billed_to=BillingDetails(legal_name="Customer C GmbH"),
        invoice=invoice,
        units={"SMS": "messages"},
        product_names={"SMS_001": "SMS"},
        unit_prices={"SMS_001": D("0.01")},
    )


def text_of(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for n in range(len(doc)):
            textpage = doc[n].get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
        return " ".join(" ".join(pages).split())
    finally:
        doc.close()


def test_money_has_the_currencys_minor_units_and_quantities_no_exponent() -> None:
    assert money(D("2035"), "USD") == "2,035.00"
    assert money(D("-3.2"), "EUR") == "-3.20"
    assert money(D("1234.5"), "JPY") == "1,234"
    assert quantity(D("8E+4")) == "80,000"
    assert quantity(D("1000.000000")) == "1,000"
    assert quantity(D("0.250")) == "0.25"
    assert exact(D("0.00075"), "EUR") == "0.00075"
    assert exact(D("374.25"), "EUR") == "374.25"


def test_a_usage_line_lists_its_free_units_and_each_tier() -> None:
    line = Line(
        LineKind.USAGE,
        D("870.00"),
        "API",
        "REQ",
        D("1001000"),
        D("1000"),
        D("1000000"),
        (
            TierCharge(0, D(0), D(100000), D(100000), D("0.001"), D(0), D("100")),
            TierCharge(1, D(100000), None, D(900000), D("0.0008"), D(50), D("770")),
        ),
    )
    rows = invoice_rows(document((line,), "870.00"))
    assert [(r.description, r.quantity, r.unit_price, r.amount, r.detail) for r in rows] == [
        ("API", "1,001,000", "", "870.00", False),
        ("Free units applied", "-1,000", "", "", True),
        ("Tier 1: first 100,000", "100,000", "0.001", "100.00", True),
        ("Tier 2: over 100,000", "900,000", "0.0008", "720.00", True),
        ("Tier 2 flat fee", "1", "50.00", "50.00", True),
    ]


def test_a_unit_price_is_shown_only_when_it_gives_the_lines_amount() -> None:
    sms = Line(LineKind.USAGE, D("11.00"), "SMS_001", "SMS", D(1100), None, D(1100))
    off = Line(LineKind.USAGE, D("12.00"), "SMS_001", "SMS", D(1100), None, D(1100))
    rows = invoice_rows(document((sms, off), "23.00"))
    assert [(r.description, r.unit, r.unit_price) for r in rows] == [
        ("SMS (SMS_001)", "messages", "0.01"),
        ("SMS (SMS_001)", "messages", ""),
    ]


def test_a_line_of_a_kind_not_known_here_is_still_shown_and_totalled() -> None:
    usage = Line(LineKind.USAGE, D("100.00"), "SMS_001", "SMS", D(10000), None, D(10000))
    credit = Line(LaterKind.CREDIT_APPLIED, D("-30.00"))  # type: ignore[arg-type]
    late = Line(
        LineKind.ADJUSTMENT, D("5.00"), adjusts_period_start=datetime(2024, 2, 1, tzinfo=UTC)
    )
    doc = document((usage, late, credit), "75.00", paid="20", subtotal=D("100.00"))
    assert [r.description for r in invoice_rows(doc)][1:] == [
        "Adjustment for the period from 2024-02-01 (late usage)",
        "Credit applied",
    ]
    assert totals(doc) == [
        ("Subtotal", "100.00"),
        ("Minimum commitment true-up", "0.00"),
        ("Adjustments", "5.00"),
        ("Credit applied", "-30.00"),
        ("Total EUR", "75.00"),
        ("Payments received", "-20.00"),
        ("Amount due EUR", "55.00"),
    ]
    text = text_of(render_invoice_pdf(doc))
    assert "Credit applied -30.00" in text and "Amount due EUR 55.00" in text
    assert "Please pay 55.00 EUR by 2024-05-16 quoting INV-2024-000007." in text


def test_a_long_invoice_breaks_across_pages_repeating_the_column_headings() -> None:
    lines = tuple(
        Line(LineKind.USAGE, D("1.00"), f"P{n:03d}", "SMS", D(100), None, D(100))
        for n in range(150)
    )
    text = text_of(render_invoice_pdf(document(lines, "150.00")))
    headed = text.count("Description Quantity Unit Unit price (EUR) Amount (EUR)")
    numbered = [(int(n), int(m)) for n, m in re.findall(r"Page (\d+) of (\d+)", text)]
    pages = len(numbered)
    assert pages >= headed >= 3
    assert numbered == [(n, pages) for n in range(1, pages + 1)]
    assert "P149" in text and "Amount due EUR 150.00" in text


def test_a_draft_is_marked_and_asks_for_no_payment() -> None:
    doc = document((), "0.00", status=InvoiceStatus.DRAFT, number=None)
    text = text_of(render_invoice_pdf(doc))
    assert "DRAFT INVOICE" in text and "DRAFT (not numbered)" in text
    assert "No charges in this period." in text
    assert "not a valid invoice" in text and "Please pay" not in text
    assert doc.file_name() == f"draft-{UUID(int=1)}.pdf"
