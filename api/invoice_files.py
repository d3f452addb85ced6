"""GET /v1/invoices/{id}.pdf: an invoice as the PDF sent to the customer."""

from __future__ import annotations

from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response

from api.http import error_response, principal_of
from domain.access import AccessDenied
from domain.errors import NotFound
from services import invoice_documents
from services.audit import by_principal
from services.runtime import Runtime

# what a path that is not an invoice id stands for: an id no invoice has (theirs are UUIDv7)
NO_INVOICE = UUID(int=0)


def pdf_url(invoice_id: UUID) -> str:
    return f"/v1/invoices/{invoice_id}.pdf"


async def download_invoice(request: Request) -> Response:
    """The invoice's PDF (another company's invoice is 404, like none); each download
    (or refusal) is written to the audit log."""
    runtime: Runtime = request.app.state.runtime
    principal = principal_of(request)
    try:
        invoice_id = UUID(request.path_params["id"])
    except ValueError:
        invoice_id = NO_INVOICE
    try:
        found = await invoice_documents.invoice_pdf(runtime, principal, invoice_id)
        answer: Response = Response(
            found.content,
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{found.file_name}"'},
        )
    except AccessDenied:
        answer = error_response(403, "FORBIDDEN", "this API key may not read invoices")
    except NotFound as exc:
        answer = error_response(404, exc.code, exc.message)
    details = {"invoiceId": str(invoice_id), "status": answer.status_code}
    outcome = "ok" if answer.status_code == 200 else "error"
    await runtime.audit.write_logged(
        by_principal(principal, "downloadInvoice", details, outcome=outcome)
    )
    return answer
