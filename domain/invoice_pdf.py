"""An invoice as a PDF a finance team can send: issuer, billed-to, lines, totals.

``invoice_rows`` decides what the lines table says (pure); ``render_invoice_pdf``
lays it out on A4 pages with reportlab: a header with the issuer and the
invoice's number, dates and currency, the billed-to block, the lines (the
header row repeats on every page the table spans), then the totals. Money is
shown in the currency's minor units; tier amounts, which are exact, keep
their finer digits. A line of a kind this module does not name is still
shown, under its kind.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from domain.invoice_documents import BillingDetails, Issuer
from domain.invoicing import InvoiceStatus, Line, StoredInvoice
from domain.pricing.money import round_cents

MARGIN = 18 * mm
# the frame pads its content by 6 points on each side
FRAME_WIDTH = A4[0] - 2 * MARGIN - 12
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5d6b7a")
RULE = colors.HexColor("#c9d1db")
HEADER_BG = colors.HexColor("#1f3b63")
DRAFT_RED = colors.HexColor("#c92a2a")
# Digits after the point per currency; any other currency: 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
KIND_LABELS = {
    "MINIMUM_TRUE_UP": "Minimum commitment true-up",
    "ADJUSTMENT": "Adjustment",
    "LATE_FEE": "Late fee on overdue amounts",
    "CREDIT_APPLIED": "Credit applied",
}
# DejaVu Sans (shipped with matplotlib): names and addresses in any European
# script print as written, where the PDF standard fonts know only Latin-1.
REGULAR = "InvoiceSans"
BOLD = "InvoiceSans-Bold"
# Columns: description, quantity, unit, unit price, amount.
WIDTHS = (0.41, 0.14, 0.12, 0.16, 0.17)


@dataclass(frozen=True)
class InvoiceDocument:
    """What an invoice's PDF shows."""

    issuer: Issuer
    company_name: str
    billed_to: BillingDetails
    invoice: StoredInvoice
    # metric code -> its unit; product code -> its name
    units: Mapping[str, str] = field(default_factory=dict)
    product_names: Mapping[str, str] = field(default_factory=dict)
    # product code -> the contract's per-unit price, shown where it gives the line's amount
    unit_prices: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def amount_due(self) -> Decimal:
        """The total less payments and credit notes (never below zero)."""
        return self.invoice.amount_due

    def file_name(self) -> str:
        return f"{self.invoice.number or 'draft-' + str(self.invoice.id)}.pdf"


@dataclass(frozen=True)
class Row:
    """One row of the lines table; a detail row belongs to the line above it."""

    description: str
    quantity: str = ""
    unit: str = ""
    unit_price: str = ""
    amount: str = ""
    detail: bool = False


def money(amount: Decimal, currency: str) -> str:
    """``1,234.50``: the currency's minor units, grouped thousands."""
    places = MINOR_UNITS.get(currency.upper(), 2)
    return f"{amount.quantize(Decimal(1).scaleb(-places)):,.{places}f}"


def exact(amount: Decimal, currency: str) -> str:
    """Minor units, or more digits when the amount has them (a tier's exact share)."""
    shown = money(amount, currency)
    if Decimal(shown.replace(",", "")) == amount:
        return shown
    return f"{amount.normalize():,f}"


def quantity(value: Decimal) -> str:
    """``12,000`` or ``0.25``: grouped thousands, no trailing zeros, never an exponent."""
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1)):,f}"
    return f"{value.normalize():,f}"


def _month(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def _tier_span(index: int, start: Decimal, up_to: Decimal | None) -> str:
    """``Tier 2: over 1,000 up to 10,000`` (a tier counts above its start)."""
    if up_to is None:
        return f"Tier {index + 1}: over {quantity(start)}"
    if start == 0:
        return f"Tier {index + 1}: first {quantity(up_to)}"
    return f"Tier {index + 1}: over {quantity(start)} up to {quantity(up_to)}"


def _unit_price(line: Line, price: Decimal | None, currency: str) -> str:
    """The per-unit price of a line without tiers, when it gives exactly the line's amount."""
    billable = line.billable_quantity
    if price is None or line.tiers or billable is None:
        return ""
    if round_cents(billable * price) != line.amount:
        return ""
    return exact(price, currency)


def _usage_rows(line: Line, doc: InvoiceDocument, currency: str) -> list[Row]:
    code = line.product_code or ""
    name = doc.product_names.get(code, code)
    unit = doc.units.get(line.metric_code or "", "")
    rows = [
        Row(
            f"{name} ({code})" if name != code else code,
            quantity(line.quantity or Decimal(0)),
            unit,
            _unit_price(line, doc.unit_prices.get(code), currency),
            money(line.amount, currency),
        )
    ]
    if line.free_units_used:
        rows.append(Row("Free units applied", quantity(-line.free_units_used), unit, detail=True))
        if not line.tiers and line.billable_quantity is not None:
            rows.append(Row("Billable", quantity(line.billable_quantity), unit, detail=True))
    for tier in line.tiers:
        span = _tier_span(tier.tier, tier.from_units, tier.up_to)
        if tier.units or not tier.flat_fee:
            rows.append(
                Row(
                    span,
                    quantity(tier.units),
                    unit,
                    exact(tier.unit_price, currency),
                    exact(tier.units * tier.unit_price, currency),
                    detail=True,
                )
            )
        if tier.flat_fee:
            fee = exact(tier.flat_fee, currency)
            rows.append(Row(f"Tier {tier.tier + 1} flat fee", "1", "", fee, fee, detail=True))
    return rows


def _other_row(line: Line, currency: str) -> Row:
    label = KIND_LABELS.get(line.kind.value) or line.kind.value.replace("_", " ").capitalize()
    if line.adjusts_period_start is not None:
        label += f" for the period from {_month(line.adjusts_period_start)} (late usage)"
    elif line.product_code:
        label += f" ({line.product_code})"
    shown = "" if line.quantity is None else quantity(line.quantity)
    return Row(label, shown, amount=money(line.amount, currency))


def invoice_rows(doc: InvoiceDocument) -> list[Row]:
    """The lines table: each line, a usage line followed by its free units and tiers."""
    currency = doc.invoice.draft.currency
    rows: list[Row] = []
    for line in doc.invoice.draft.lines:
        if line.kind.value == "USAGE":
            rows += _usage_rows(line, doc, currency)
        else:
            rows.append(_other_row(line, currency))
    return rows


def totals(doc: InvoiceDocument) -> list[tuple[str, str]]:
    """The totals block, from the subtotal to the amount due."""
    draft = doc.invoice.draft
    c = draft.currency
    rows = [
        ("Subtotal", money(draft.subtotal, c)),
        ("Minimum commitment true-up", money(draft.minimum_true_up, c)),
    ]
    kinds: dict[str, Decimal] = {}
    for line in draft.lines:
        if line.kind.value not in ("USAGE", "MINIMUM_TRUE_UP"):
            kinds[line.kind.value] = kinds.get(line.kind.value, Decimal(0)) + line.amount
    for kind, amount in kinds.items():
        label = KIND_LABELS.get(kind) or kind.replace("_", " ").capitalize()
        rows.append((label + ("s" if kind == "ADJUSTMENT" else ""), money(amount, c)))
    rows.append((f"Total {c}", money(draft.total, c)))
    rows.append(("Payments received", money(-doc.invoice.paid_amount, c)))
    if doc.invoice.credited_amount:
        rows.append(("Credit notes", money(-doc.invoice.credited_amount, c)))
    rows.append((f"Amount due {c}", money(doc.amount_due, c)))
    return rows


# ---------------------------------------------------------------- layout


@cache
def _register_fonts() -> None:
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(REGULAR, fonts / "DejaVuSans.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, fonts / "DejaVuSans-Bold.ttf"))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=12, textColor=INK)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, leading=10.5, textColor=MUTED),
        "issuer": ParagraphStyle("issuer", parent=base, fontName=BOLD, fontSize=14, leading=19),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=20, leading=24),
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=10.5),
        "detail": ParagraphStyle(
            "detail", parent=base, fontSize=7.5, leading=9.5, textColor=MUTED, leftIndent=8
        ),
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _block(lines: list[str], style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(_escape(x) for x in lines if x), style)


def _billed_to(doc: InvoiceDocument) -> list[str]:
    b = doc.billed_to
    place = " ".join(x for x in (b.postal_code, b.city) if x)
    return [
        b.legal_name or doc.company_name,
        *b.address_lines,
        place,
        b.country or "",
        f"Tax ID: {b.tax_id}" if b.tax_id else "",
        b.email or "",
    ]


def _facts(doc: InvoiceDocument) -> list[tuple[str, str]]:
    i = doc.invoice
    d = i.draft
    last_day = d.period_end.date().toordinal() - 1
    period_end = datetime.fromordinal(last_day).strftime("%Y-%m-%d")
    return [
        ("Invoice number", i.number or "DRAFT (not numbered)"),
        ("Issue date", d.issue_date.isoformat()),
        ("Due date", d.due_date.isoformat()),
        ("Billing period", f"{_month(d.period_start)} to {period_end}"),
        ("Currency", d.currency),
    ]


def _header(doc: InvoiceDocument, s: dict[str, ParagraphStyle]) -> Table:
    issuer = doc.issuer
    left = [
        Paragraph(_escape(issuer.name), s["issuer"]),
        _block(
            [
                *issuer.address_lines,
                f"Tax ID: {issuer.tax_id}" if issuer.tax_id else "",
                issuer.email or "",
            ],
            s["muted"],
        ),
    ]
    title = {InvoiceStatus.DRAFT: "DRAFT INVOICE", InvoiceStatus.VOID: "VOID INVOICE"}.get(
        doc.invoice.status, "INVOICE"
    )
    facts = Table(
        [[k, v] for k, v in _facts(doc)],
        colWidths=[FRAME_WIDTH * 0.18, FRAME_WIDTH * 0.27],
        hAlign="RIGHT",
    )
    facts.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), REGULAR, 8.5),
                ("FONT", (1, 0), (1, -1), BOLD, 8.5),
                ("TEXTCOLOR", (0, 0), (0, -1), MUTED),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    heading = ParagraphStyle("t", parent=s["title"], alignment=TA_RIGHT)
    if doc.invoice.status is not InvoiceStatus.FINALIZED:
        heading.textColor = DRAFT_RED
    right = [Paragraph(title, heading), Spacer(1, 2 * mm), facts]
    grid = Table([[left, right]], colWidths=[FRAME_WIDTH * 0.52, FRAME_WIDTH * 0.48])
    grid.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return grid


def _lines_table(doc: InvoiceDocument, s: dict[str, ParagraphStyle]) -> Table:
    c = doc.invoice.draft.currency
    head = ["Description", "Quantity", "Unit", f"Unit price ({c})", f"Amount ({c})"]
    body: list[list[Any]] = [
        [
            Paragraph(_escape(r.description), s["detail" if r.detail else "cell"]),
            r.quantity,
            r.unit,
            r.unit_price,
            r.amount,
        ]
        for r in invoice_rows(doc)
    ] or [[Paragraph("No charges in this period.", s["cell"]), "", "", "", ""]]
    table = Table(
        [head, *body], colWidths=[FRAME_WIDTH * w for w in WIDTHS], repeatRows=1, hAlign="LEFT"
    )
    commands: list[tuple[Any, ...]] = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("FONT", (0, 0), (-1, 0), BOLD, 8),
        ("FONT", (1, 1), (-1, -1), REGULAR, 8.5),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("ALIGN", (3, 0), (4, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for n, row in enumerate(invoice_rows(doc), start=1):
        if row.detail:
            commands.append(("TEXTCOLOR", (1, n), (-1, n), MUTED))
            commands.append(("FONTSIZE", (1, n), (-1, n), 7.5))
            commands.append(("TOPPADDING", (0, n), (-1, n), 1))
            commands.append(("BOTTOMPADDING", (0, n), (-1, n), 1))
        else:
            commands.append(("LINEABOVE", (0, n), (-1, n), 0.4, RULE))
    commands.append(("LINEBELOW", (0, -1), (-1, -1), 0.8, INK))
    table.setStyle(TableStyle(commands))
    return table


def _totals_table(doc: InvoiceDocument) -> Table:
    rows = totals(doc)
    table = Table(
        [list(r) for r in rows],
        colWidths=[FRAME_WIDTH * 0.3, FRAME_WIDTH * 0.17],
        hAlign="RIGHT",
    )
    total_row = len(rows) - 3
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONT", (0, total_row), (-1, total_row), BOLD, 9),
                ("LINEABOVE", (0, total_row), (-1, total_row), 0.4, RULE),
                ("FONT", (0, -1), (-1, -1), BOLD, 11),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef2f7")),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, INK),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _payment_note(doc: InvoiceDocument) -> str:
    i = doc.invoice
    if i.status is InvoiceStatus.VOID:
        return "This invoice is void: a credit note cancels it, and nothing is due."
    if i.status is not InvoiceStatus.FINALIZED:
        return "This is a draft: its amounts may still change and it is not a valid invoice."
    reference = f" quoting {i.number}" if i.number else ""
    return (
        f"Please pay {money(doc.amount_due, i.draft.currency)} {i.draft.currency}"
        f" by {i.draft.due_date.isoformat()}{reference}."
    )


def _story(doc: InvoiceDocument) -> list[Flowable]:
    s = _styles()
    billed = Table(
        [[Paragraph("BILLED TO", s["muted"])], [_block(_billed_to(doc), s["base"])]],
        colWidths=[FRAME_WIDTH * 0.5],
        hAlign="LEFT",
    )
    return [
        _header(doc, s),
        Spacer(1, 8 * mm),
        billed,
        Spacer(1, 8 * mm),
        _lines_table(doc, s),
        Spacer(1, 4 * mm),
        KeepTogether(
            [
                _totals_table(doc),
                Spacer(1, 8 * mm),
                Paragraph(_escape(_payment_note(doc)), s["small"]),
            ]
        ),
    ]


def _footer(doc: InvoiceDocument) -> Any:
    label = doc.invoice.number or "DRAFT"

    def draw(canvas: Canvas, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(REGULAR, 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN + 6, 10 * mm, f"{doc.issuer.name} · Invoice {label}")
        if doc.invoice.status is not InvoiceStatus.FINALIZED:
            canvas.setFillColor(colors.Color(0.79, 0.16, 0.16, alpha=0.08))
            canvas.setFont(BOLD, 110)
            canvas.translate(A4[0] / 2, A4[1] / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, doc.invoice.status.value)
        canvas.restoreState()

    return draw


class _PagedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no types
    """A canvas that writes "Page n of m" on each page once it knows m: pages are
    kept until the document is saved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        for state in self._pages:
            self.__dict__.update(state)
            self.saveState()
            self.setFont(REGULAR, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(
                A4[0] - MARGIN - 6, 10 * mm, f"Page {self._pageNumber} of {len(self._pages)}"
            )
            self.restoreState()
            super().showPage()
        super().save()


def render_invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The invoice as an A4 PDF."""
    _register_fonts()
    out = io.BytesIO()
    title = f"Invoice {doc.invoice.number}" if doc.invoice.number else "Draft invoice"
    footer = _footer(doc)
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author=doc.issuer.name,
    ).build(_story(doc), onFirstPage=footer, onLaterPages=footer, canvasmaker=_PagedCanvas)
    return out.getvalue()
