"""What a person does in the console, in Chromium, against the real server."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime

from playwright.async_api import BrowserContext, Page, WebSocket, expect

from storage.db import connect
from tests.e2e.conftest import Console, Screenshots, sign_in

CREATE_COMPANY = """mutation($input: CompanyInput!) {
  createCompany(input: $input) { __typename ... on Company { id } }
}"""
CREATE_THRESHOLD = """mutation($input: ThresholdInput!) {
  createThreshold(input: $input) { __typename }
}"""
RECORD_USAGE = """mutation($input: UsageRecordInput!) {
  recordUsage(input: $input) { __typename }
}"""


async def test_an_admin_signs_in_with_an_api_key_and_sees_the_overview(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_label("API key")).to_be_visible()
    await screenshots.look(page, "sign-in")

    await page.get_by_label("API key").fill(console.admin_key)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Overview"))
    navigation = page.get_by_role("navigation", name="Sections")
    await expect(navigation.get_by_role("link", name="Companies")).to_be_visible()
    await expect(page.get_by_label("API key")).to_have_count(0)
    await screenshots.look(page, "overview-admin")

    # The key was exchanged for an HttpOnly cookie: the browser keeps it nowhere.
    cookies = {c["name"]: c for c in await page.context.cookies()}
    assert cookies["metergraph_session"]["httpOnly"] is True
    assert cookies["metergraph_session"]["sameSite"] == "Strict"
    kept = await page.evaluate(
        """() => JSON.stringify([document.cookie, { ...localStorage }, { ...sessionStorage }])"""
    )
    assert console.admin_key not in kept
    assert all(console.admin_key not in c["value"] for c in cookies.values())


async def test_a_wrong_key_is_answered_with_a_message_on_the_sign_in_page(
    page: Page, screenshots: Screenshots
) -> None:
    await page.goto("/signin")
    await page.get_by_label("API key").fill("mgk_not_a_key_anyone_has")
    await page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("not accepted")
    await expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await screenshots.look(page, "sign-in-wrong-key")


async def test_customer_as_january_2024_invoice_shows_its_lines_and_total(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await (
        page.get_by_role("navigation", name="Sections").get_by_role("link", name="Invoices").click()
    )
    invoices = page.get_by_role("table", name="Invoices")
    await expect(invoices.get_by_role("row").filter(has_text="customer_b").first).to_be_visible()
    await page.get_by_label("Company").select_option(label="customer_a")
    await expect(page).to_have_url(re.compile(f"company={console.companies['customer_a']}"))
    await expect(invoices.get_by_role("row").filter(has_text="customer_b")).to_have_count(0)
    await expect(invoices.get_by_role("link", name="Jan 2024")).to_have_count(1)
    await screenshots.look(page, "invoices-customer-a")

    await invoices.get_by_role("link", name="Jan 2024").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Invoice for Jan 2024")
    await expect(page.get_by_test_id("invoice-total")).to_contain_text("2,035.00")
    lines = page.get_by_role("table", name="Invoice lines")
    for product in ("SMS_001", "WHATSAPP_001", "AI_SMS_001"):
        line = lines.get_by_role("rowheader", name=f"Usage · {product}", exact=True)
        await expect(line).to_be_visible()
    await expect(page.get_by_test_id("invoice-number")).to_contain_text("INV-2024-")
    href = await page.get_by_role("link", name="PDF", exact=True).get_attribute("href")
    assert href is not None and href.endswith(".pdf")
    document = await page.request.get(href)  # the session cookie, as the link sends it
    assert (document.status, document.headers["content-type"]) == (200, "application/pdf")
    await screenshots.look(page, "invoice-customer-a-2024-01")


async def test_an_admin_creates_a_company_and_lands_on_its_page(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.goto("/companies")
    form = page.get_by_role("form", name="Create a company")
    await expect(form).to_be_visible()
    await screenshots.look(page, "companies")

    await form.get_by_label("External key").fill("e2e_created")
    await form.get_by_label("Name", exact=True).fill("Created In The Browser")
    await form.get_by_role("button", name="Create company").click()
    await expect(page).to_have_url(re.compile(r"/companies/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Created In The Browser")
    )
    await screenshots.look(page, "company-created")


async def test_a_taken_external_key_is_explained_under_its_field(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.goto("/companies")
    form = page.get_by_role("form", name="Create a company")
    await form.get_by_label("External key").fill("customer_a")
    await form.get_by_label("Name", exact=True).fill("A second customer_a")
    await form.get_by_role("button", name="Create company").click()

    external_key = form.get_by_label("External key")
    await expect(external_key).to_have_attribute("aria-invalid", "true")
    field = form.locator(".field", has=page.get_by_label("External key"))
    await expect(field.get_by_role("alert")).to_contain_text(re.compile(r"\S"))
    await expect(external_key).to_have_accessible_description(re.compile("customer_a|exist|taken"))
    name_field = form.locator(".field", has=page.get_by_label("Name", exact=True))
    await expect(name_field.get_by_role("alert")).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"/companies$"))
    await screenshots.look(page, "company-external-key-taken")


async def test_an_alert_appears_on_the_overview_as_usage_crosses_a_threshold(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    created = await console.graphql(
        CREATE_COMPANY, {"input": {"externalKey": "e2e_alerting", "name": "Alerting Ltd"}}
    )
    company = created["createCompany"]["id"]
    levels = [{"name": "E2E_LIMIT", "kind": "ABSOLUTE", "value": "5", "channels": ["PLATFORM"]}]
    threshold = await console.graphql(
        CREATE_THRESHOLD,
        {"input": {"metricCode": "API_REQUESTS", "companyId": company, "levels": levels}},
    )
    assert threshold["createThreshold"]["__typename"] == "Threshold"

    subscribed = asyncio.Event()

    def watch(socket: WebSocket) -> None:
        def sent(payload: str | bytes) -> None:
            if '"subscribe"' in str(payload) and "alertRaised" in str(payload):
                subscribed.set()

        socket.on("framesent", sent)

    page.on("websocket", watch)
    await sign_in(page, console.admin_key)  # lands on the overview
    await expect(page.get_by_role("heading", name="Open alerts")).to_be_visible()
    await asyncio.wait_for(subscribed.wait(), 10)
    await page.evaluate("() => { window.__sameDocument = true; }")

    recorded = await console.graphql(
        RECORD_USAGE,
        {
            "input": {
                "companyId": company,
                "resourceType": "API_CALLS",
                "metricCode": "API_REQUESTS",
                "timestamp": datetime.now(UTC).isoformat(),
                "value": "7",
                "unit": "requests",
            }
        },
    )
    assert recorded["recordUsage"]["__typename"] == "RecordedUsage"

    alert = (
        page.get_by_test_id("open-alerts")
        .get_by_role("listitem")
        .filter(has_text=re.compile(f"Alerting Ltd|{company}"))
    )
    await expect(alert).to_contain_text(re.compile("e2e.limit", re.IGNORECASE))
    await expect(alert).to_contain_text("API_REQUESTS")
    assert await page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    await screenshots.look(page, "overview-live-alert")


async def test_customer_bs_viewer_sees_customer_b_only(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.viewer_b_key)
    navigation = page.get_by_role("navigation", name="Sections")
    await expect(navigation.get_by_role("link", name="Overview")).to_be_visible()
    await expect(navigation.get_by_role("link", name="Companies")).to_have_count(0)
    await expect(page.get_by_role("banner")).to_contain_text("customer_b")
    await screenshots.look(page, "overview-viewer-b")

    await navigation.get_by_role("link", name="Invoices").click()
    invoices = page.get_by_role("table", name="Invoices")
    await expect(invoices.get_by_role("link", name="Jan 2024")).to_be_visible()
    await expect(invoices).not_to_contain_text("customer_a")
    await expect(page.get_by_label("Company")).to_have_count(0)
    await screenshots.look(page, "invoices-viewer-b")

    await page.goto(f"/companies/{console.companies['customer_b']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("customer_b"))
    await screenshots.look(page, "company-viewer-b")

    await page.goto(f"/companies/{console.companies['customer_a']}")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    await expect(page.get_by_text("customer_a", exact=False)).to_have_count(0)
    await screenshots.look(page, "company-viewer-b-not-found")


async def test_signing_out_returns_to_the_sign_in_page(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_label("API key")).to_be_visible()
    await expect(page.get_by_text("You have signed out.")).to_be_visible()
    await screenshots.look(page, "signed-out")

    await page.goto("/invoices")
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_role("navigation", name="Sections")).to_have_count(0)


async def test_an_expired_session_sends_the_browser_back_to_sign_in_with_a_notice(
    page: Page, context: BrowserContext, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    sections = page.get_by_role("navigation", name="Sections")
    await sections.get_by_role("link", name="Invoices").click()
    await expect(page.get_by_role("table", name="Invoices")).to_be_visible()
    token = next(c["value"] for c in await context.cookies() if c["name"] == "metergraph_session")
    conn = await connect(console.dsn)
    try:
        expired = await conn.execute(
            "UPDATE console_sessions SET created_at = now() - interval '13 hours',"
            " expires_at = now() - interval '1 hour' WHERE token_hash = $1",
            hashlib.sha256(token.encode()).digest(),
        )
    finally:
        await conn.close()
    assert expired == "UPDATE 1"

    await sections.get_by_role("link", name="Companies").click()
    await expect(page).to_have_url(re.compile(r"/signin$"))
    await expect(page.get_by_text("Your session has expired")).to_be_visible()
    await expect(page.get_by_label("API key")).to_be_visible()
    await screenshots.look(page, "session-expired")


async def test_an_admin_defines_a_metric_in_the_catalog(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.goto("/catalog")
    form = page.get_by_role("form", name="Define a metric")
    await expect(form).to_be_visible()
    await screenshots.look(page, "catalog")

    await form.get_by_label("Metric code").fill("e2e_pages_rendered")
    await form.get_by_label("Metric name").fill("Pages rendered")
    await form.get_by_label("Unit", exact=True).fill("pages")
    await form.get_by_label("Resource type").select_option("API_CALLS")
    await form.get_by_label("Measurement type").select_option("COUNTER")
    await form.get_by_label("Aggregation").select_option("SUM")
    await form.get_by_role("button", name="Define metric").click()
    await expect(form).to_contain_text("e2e_pages_rendered defined")
    metrics = page.get_by_role("table", name="Metrics")
    await expect(metrics.get_by_role("row").filter(has_text="e2e_pages_rendered")).to_contain_text(
        "Pages rendered"
    )
    await screenshots.look(page, "catalog-metric-defined")


async def test_a_graduated_price_built_in_the_form_is_simulated_and_signed(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.goto("/contracts")
    form = page.get_by_role("form", name="New contract")
    await form.get_by_label("Company", exact=True).select_option(console.companies["customer_a"])
    await form.get_by_label("Currency").fill("USD")
    await form.get_by_label("Start date").fill("2024-01-01")
    await form.get_by_label("Product", exact=True).select_option("AI_SMS_001")
    await form.get_by_label("Price model").select_option("GRADUATED")
    # customer_a sent 1,000 AI SMS in January 2024: 500 at 2.00 and 500 at 1.00.
    await form.get_by_role("button", name="Add a tier").click()  # before the open-ended one
    await form.get_by_label("Tier 1 up to").fill("500")
    await form.get_by_label("Tier 1 unit price").fill("2.00")
    await expect(form.get_by_label("Tier 2 up to")).to_have_value("")
    await form.get_by_label("Tier 2 unit price").fill("1.00")
    await form.get_by_label("Period to simulate").fill("2024-01")

    await expect(page.get_by_test_id("simulated-total")).to_contain_text("1,500.00")
    await expect(page.get_by_test_id("billed-total")).to_contain_text("2,035.00")
    await screenshots.look(page, "contract-graduated-simulated")

    await form.get_by_role("button", name="Create contract").click()
    await expect(form.get_by_text("Contract created.")).to_be_visible()
    await screenshots.look(page, "contract-created")


async def test_an_import_keeps_the_good_lines_and_lists_the_bad_one(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    await page.goto("/import")
    await expect(page.get_by_label("Usage file")).to_be_visible()
    await screenshots.look(page, "import")

    now = datetime.now(UTC).replace(microsecond=0)
    header = (
        "event_id,customer_id,product_code,metric_name,timestamp,quantity,additional_properties"
    )
    lines = [
        header,
        f"e2e_ok_1,customer_b,SMS_001,sms_delivered,{now.isoformat()},10,{{}}",
        f"e2e_bad_2,customer_b,SMS_001,sms_delivered,{now.isoformat()},not-a-number,{{}}",
        f"e2e_ok_3,customer_b,SMS_001,sms_delivered,{now.isoformat()},12,{{}}",
    ]
    await page.get_by_label("Usage file").set_input_files(
        files=[
            {
                "name": "usage-with-one-bad-line.csv",
                "mimeType": "text/csv",
                "buffer": ("\n".join(lines) + "\n").encode(),
            }
        ]
    )
    await page.get_by_role("button", name="Upload").click()

    rejected = page.get_by_role("table", name="Rejected lines")
    await expect(rejected.get_by_role("row")).to_have_count(2)  # the header and the bad line
    bad = rejected.get_by_role("row").nth(1)
    await expect(bad.get_by_role("cell").first).to_have_text("3")
    await expect(bad).to_contain_text("quantity")
    summary = page.get_by_role("region", name=re.compile("Imported usage-with-one-bad-line"))
    await expect(summary).to_contain_text(re.compile(r"Accepted\s*2"))
    await screenshots.look(page, "import-one-bad-line")


async def visit_every_section(page: Page, screenshots: Screenshots, who: str) -> list[str]:
    """Open each section of the navigation in turn; the labels visited."""
    sections = page.get_by_role("navigation", name="Sections").get_by_role("link")
    labels = [text.strip() for text in await sections.all_inner_texts()]
    for label in labels:
        await sections.filter(has_text=label).first.click()
        main = page.locator("main")
        await expect(main.get_by_role("heading").first).to_be_visible()
        await expect(main.locator(".state-loading")).to_have_count(0)
        await expect(main.get_by_text("Something went wrong")).to_have_count(0)
        await expect(main.get_by_role("heading", name="Not found")).to_have_count(0)
        if label == "GraphiQL":  # its editor arrives in a chunk of its own
            await expect(main.locator(".graphiql-query-editor")).to_contain_text("viewer")
        slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        await screenshots.look(page, f"section-{who}-{slug}")
    return labels


async def test_every_section_an_admin_sees_opens_without_an_error(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.admin_key)
    labels = await visit_every_section(page, screenshots, "admin")
    assert {"Overview", "Companies", "Contracts", "Invoices", "GraphiQL"} <= set(labels)


async def test_every_section_a_viewer_sees_opens_without_an_error(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.viewer_b_key)
    labels = await visit_every_section(page, screenshots, "viewer")
    assert "Companies" not in labels and "Contracts" not in labels


async def test_graphiql_runs_a_query_with_the_session_cookie(
    page: Page, console: Console, screenshots: Screenshots
) -> None:
    await sign_in(page, console.viewer_b_key)
    await page.goto("/graphiql")
    editor = page.locator(".graphiql-query-editor")
    await expect(editor).to_contain_text("viewer")
    await page.get_by_role("button", name=re.compile("Execute query")).click()
    response = page.locator(".graphiql-response")
    await expect(response).to_contain_text('"role": "VIEWER"')
    await expect(response).to_contain_text('"name": "customer_b"')
    await screenshots.look(page, "graphiql-viewer-query")
