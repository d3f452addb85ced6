"""GET /v1/invoices/{id}.pdf and Invoice.number / Invoice.pdfUrl, on the demo's invoices."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pypdfium2
import pytest

from services.config import Settings
from tests.conftest import Api, make_key
from tests.integration.test_console_session import browser, sign_in  # noqa: F401
from tests.integration.test_invoices import AFTER_2024, all_invoices

__all__ = ["browser"]

BILLING = """
mutation($id: UUID!, $input: UpdateCompanyInput!) {
  updateCompany(id: $id, input: $input) { __typename }
}"""

INVOICES = """
query($filter: InvoiceFilter) {
  invoices(filter: $filter, first: 50) { edges { node { id status number pdfUrl total } } }
}"""

PREVIEW = """
query($contract: UUID!, $at: DateTime!) {
  previewInvoice(contractId: $contract, periodStart: $at) {
    ... on Invoice { status number pdfUrl }
  }
}"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(
        settings,
        issuer_name="Metergraph Ltd",
        issuer_address=("20 Finsbury Circus", "London EC2M 7EA"),
        issuer_tax_id="GB987654321",
        issuer_email="billing@metergraph.example",
    )


def pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        pages = []
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
        return "\n".join(pages)
    finally:
        document.close()


@pytest.fixture
async def demo_invoices(runtime: Any) -> dict[tuple[str, str], Any]:
    from metergraph.demo import load_demo

    await load_demo(runtime, now=AFTER_2024)
    return await all_invoices(runtime)


async def test_an_invoice_pdf_shows_issuer_billed_to_number_lines_and_amount_due(
    admin: Api, http: httpx.AsyncClient, demo_invoices: dict[tuple[str, str], Any]
) -> None:
    invoice = demo_invoices[("customer_a", "2024-01")]
    billing = {
        "legalName": "Customer A Holdings Ltd",
        "addressLines": ["1 Main Street"],
        "city": "London",
        "postalCode": "EC1A 1BB",
        "country": "GB",
        "taxId": "GB123456789",
    }
    changed = await admin(
        BILLING, {"id": str(invoice.company_id), "input": {"billingDetails": billing}}
    )
    assert changed["updateCompany"]["__typename"] == "Company"

    response = await http.get(
        f"/v1/invoices/{invoice.id}.pdf", headers={"Authorization": f"Bearer {admin.key}"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert invoice.number is not None and invoice.number.startswith("INV-2024-")
    for shown in (
        "Metergraph Ltd",
        "Tax ID: GB987654321",
        "Customer A Holdings Ltd",
        "EC1A 1BB London",
        "Tax ID: GB123456789",
        f"Invoice number {invoice.number}",
        "Issue date 2024-02-01",
        "Due date 2024-03-02",
        "Billing period 2024-01-01 to 2024-01-31",
        "Currency USD",
        "AI SMS (AI_SMS_001) 1,000 messages 2,000.00",
        "Tier 1: first 1,000 1,000 messages 2.00 2,000.00",
        "SMS (SMS_001) 1,000 messages 0.01 10.00",
        "Subtotal 2,035.00",
        "Total USD 2,035.00",
        "Amount due USD 2,035.00",
    ):
        assert shown in " ".join(text.split()), shown


async def test_a_draft_is_marked_draft_and_carries_no_number(
    runtime: Any, admin: Api, http: httpx.AsyncClient
) -> None:
    from metergraph.demo import load_demo

    # February 2024 has ended, its grace period has not
    await load_demo(runtime, now=datetime(2024, 3, 1, 1, tzinfo=UTC))
    invoices = await all_invoices(runtime)
    draft = invoices[("customer_b", "2024-02")]
    assert (draft.status, draft.number) == ("DRAFT", None)
    response = await http.get(
        f"/v1/invoices/{draft.id}.pdf", headers={"Authorization": f"Bearer {admin.key}"}
    )
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "DRAFT INVOICE" in text and "Invoice number DRAFT (not numbered)" in text
    assert "INV-" not in text
    assert "customer_b" in text  # no billing details: the company's name
    assert "Total USD 730.00" in text


async def test_another_companys_key_gets_404_and_no_key_401(
    runtime: Any, http: httpx.AsyncClient, demo_invoices: dict[tuple[str, str], Any]
) -> None:
    theirs = demo_invoices[("customer_a", "2024-01")]
    mine = demo_invoices[("customer_b", "2024-02")]
    other = await make_key(runtime, "VIEWER", mine.company_id)
    owner = await make_key(runtime, "VIEWER", theirs.company_id)

    def get(path: str, key: str | None) -> Any:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return http.get(path, headers=headers)

    refused = await get(f"/v1/invoices/{theirs.id}.pdf", other)
    assert (refused.status_code, refused.json()["error"]["code"]) == (404, "NOT_FOUND")
    unknown = await get("/v1/invoices/01900000-0000-7000-8000-000000000000.pdf", other)
    assert unknown.status_code == 404 and unknown.json() == {
        "error": {
            "code": "NOT_FOUND",
            "message": refused.json()["error"]["message"].replace(
                str(theirs.id), "01900000-0000-7000-8000-000000000000"
            ),
        }
    }
    assert (await get("/v1/invoices/not-an-id.pdf", other)).status_code == 404
    assert (await get(f"/v1/invoices/{theirs.id}.pdf", None)).status_code == 401
    assert (await get(f"/v1/invoices/{theirs.id}.pdf", "mg_wrong")).status_code == 401
    system = await make_key(runtime, "SYSTEM")
    assert (await get(f"/v1/invoices/{theirs.id}.pdf", system)).status_code == 403
    assert (await get(f"/v1/invoices/{theirs.id}.pdf", owner)).status_code == 200
    async with runtime.pool.acquire() as conn:
        audited = await conn.fetch(
            "SELECT outcome, details->>'status' AS status FROM audit_log"
            " WHERE action = 'downloadInvoice' ORDER BY id"
        )
    # the refused keys never reach the endpoint
    assert [(r["outcome"], r["status"]) for r in audited] == [
        ("error", "404"),
        ("error", "404"),
        ("error", "404"),
        ("error", "403"),
        ("ok", "200"),
    ]


async def test_the_console_session_cookie_downloads_the_pdf(
    runtime: Any,
    http: httpx.AsyncClient,
    browser: httpx.AsyncClient,  # noqa: F811
    demo_invoices: dict[tuple[str, str], Any],
) -> None:
    invoice = demo_invoices[("customer_c", "2024-01")]
    key = await make_key(runtime, "COMPANY_ADMIN", invoice.company_id)
    await sign_in(browser, key)
    response = await browser.get(f"/v1/invoices/{invoice.id}.pdf")
    assert response.status_code == 200
    assert "Total USD 11.00" in " ".join(pdf_text(response.content).split())


async def test_invoices_name_their_number_and_pdf_url_and_a_preview_neither(
    admin: Api, demo_invoices: dict[tuple[str, str], Any]
) -> None:
    invoice = demo_invoices[("customer_a", "2024-01")]
    found = await admin(INVOICES, {"filter": {"companyId": str(invoice.company_id)}})
    nodes = {n["id"]: n for n in (e["node"] for e in found["invoices"]["edges"])}
    assert nodes[str(invoice.id)] == {
        "id": str(invoice.id),
        "status": "FINALIZED",
        "number": invoice.number,
        "pdfUrl": f"/v1/invoices/{invoice.id}.pdf",
        "total": "2035.00",
    }
    years = sorted(n["number"][:8] for n in nodes.values())
    # December's invoice is issued on 2025-01-01: the next year's sequence
    assert years == ["INV-2024"] * 11 + ["INV-2025"]
    assert len({n["number"] for n in nodes.values()}) == 12
    preview = await admin(
        PREVIEW,
        {
            "contract": str(invoice.contract_id),
            "at": (invoice.draft.period_start + timedelta(days=1)).isoformat(),
        },
    )
    assert preview["previewInvoice"] == {"status": "PREVIEW", "number": None, "pdfUrl": None}
