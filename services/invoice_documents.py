"""Invoice documents: an invoice rendered as the PDF sent to the customer.

The caller sees the invoice or it does not exist (another company's invoice
is NotFound, like one that was never made). The document is rendered from
what the database holds (the invoice, the company's billing details, the
products' names and the metrics' units) and the issuer's settings; the
rendering runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from domain.access import Principal
from domain.errors import NotFound
from domain.invoice_pdf import InvoiceDocument, render_invoice_pdf
from domain.pricing import PriceModel
from services.invoicing import READERS
from services.runtime import Runtime
from storage import billing, repos


@dataclass(frozen=True)
class InvoiceFile:
    file_name: str
    content: bytes


async def invoice_document(rt: Runtime, principal: Principal, invoice_id: UUID) -> InvoiceDocument:
    """What the invoice's PDF shows. Raises NotFound when the caller may not see it."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        invoice = await billing.invoice_by_id(conn, invoice_id)
        if invoice is None or not principal.may_see(invoice.company_id):
            raise NotFound(f"no invoice {invoice_id}")
        company = await repos.company_by_id(conn, invoice.company_id)
        metrics = await repos.all_metrics(conn)
        products = await billing.products(conn)
        contract = await billing.contracts(conn, None, invoice.contract_id)
    assert company is not None  # an invoice's company is never deleted
    return InvoiceDocument(
        issuer=rt.settings.issuer,
        company_name=company.name,
        billed_to=company.billing,
        invoice=invoice,
        units={code: m.unit for code, m in metrics.items()},
        product_names={p.code: p.name for p in products},
        unit_prices={
            p.product_code: p.price.unit_price
            for c in contract
            for p in c.terms.products
            if p.price.model is PriceModel.PER_UNIT and p.price.unit_price is not None
        },
    )


async def invoice_pdf(rt: Runtime, principal: Principal, invoice_id: UUID) -> InvoiceFile:
    """The invoice as a PDF. Raises NotFound when the caller may not see it."""
    document = await invoice_document(rt, principal, invoice_id)
    content = await asyncio.to_thread(render_invoice_pdf, document)
    return InvoiceFile(document.file_name(), content)
