"""Products, contracts and invoices over GraphQL."""

from __future__ import annotations

from typing import Any

import pytest

from metergraph.demo import load_demo
from tests.integration.helpers import create_company

CREATE_PRODUCT = """
mutation($code: String!, $name: String!, $metric: String!) {
  createProduct(code: $code, name: $name, metricCode: $metric) {
    __typename
    ... on Product { productCode: code metricCode }
    ... on ValidationError { field code message errors { field code } }
  }
}"""

CREATE_CONTRACT = """
mutation($input: ContractInput!) {
  createContract(input: $input) {
    __typename
    ... on Contract { id currency minimumCommitment products { productCode price { model } } }
    ... on ValidationError { field code message errors { field code } }
  }
}"""

INVOICES = """
query($filter: InvoiceFilter, $first: Int = 50, $after: String) {
  invoices(filter: $filter, first: $first, after: $after) {
    edges { node { id companyId status periodStart total
                   lines { kind productCode quantity amount tiers { tier units amount } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

PREVIEW = """
query($contract: UUID!, $start: DateTime!) {
  previewInvoice(contractId: $contract, periodStart: $start) {
    __typename
    ... on Invoice { status total lines { productCode quantity amount } }
    ... on ValidationError { field code }
  }
}"""

SIMULATE = """
query($contract: UUID!, $start: DateTime!, $prices: [ContractProductInput!]!) {
  simulateInvoice(contractId: $contract, periodStart: $start, prices: $prices) {
    __typename
    ... on Invoice { status total lines { productCode amount } }
    ... on ValidationError { field code }
  }
}"""


def per_unit(product: str, price: str) -> dict[str, Any]:
    return {"productCode": product, "price": {"model": "PER_UNIT", "unitPrice": price}}


@pytest.fixture
async def product(admin: Any) -> str:
    made = await admin(CREATE_PRODUCT, {"code": "API", "name": "API", "metric": "API_REQUESTS"})
    assert made["createProduct"] == {
        "__typename": "Product",
        "productCode": "API",
        "metricCode": "API_REQUESTS",
    }
    return "API"


async def test_products_are_checked(admin: Any, product: str) -> None:
    for variables, field, code in (
        ({"code": "API", "name": "again", "metric": "API_REQUESTS"}, "code", "ALREADY_EXISTS"),
        ({"code": "X", "name": "x", "metric": "nope"}, "metricCode", "UNKNOWN_METRIC"),
        ({"code": "two  spaces", "name": "x", "metric": "API_REQUESTS"}, "code", "INVALID_FORMAT"),
        ({"code": "9lives", "name": "x", "metric": "API_REQUESTS"}, "code", "INVALID_FORMAT"),
    ):
        result = (await admin(CREATE_PRODUCT, variables))["createProduct"]
        assert (result["field"], result["code"]) == (field, code)


def contract_input(company: str, **change: Any) -> dict[str, Any]:
    return {
        "companyId": company,
        "currency": "EUR",
        "startDate": "2026-01-01",
        "products": [per_unit("API", "0.10")],
        **change,
    }


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (
            {
                "products": [
                    {
                        "productCode": "API",
                        "price": {
                            "model": "GRADUATED",
                            "tiers": [
                                {"upTo": "100", "unitPrice": "1"},
                                {"upTo": "50", "unitPrice": "0.5"},
                                {"unitPrice": "0.1"},
                            ],
                        },
                    }
                ]
            },
            "products[0].price.tiers[1].upTo",
            "TIERS_UNORDERED",
        ),
        ({"products": [per_unit("API", "-1")]}, "products[0].price.unitPrice", "NEGATIVE_PRICE"),
        (
            {"products": [{"productCode": "API", "price": {"model": "VOLUME"}}]},
            "products[0].price.tiers",
            "TIERS_REQUIRED",
        ),
        ({"products": [per_unit("NOPE", "1")]}, "products[0].productCode", "UNKNOWN_PRODUCT"),
        ({"products": []}, "products", "REQUIRED"),
        ({"companyId": "00000000-0000-7000-8000-000000000000"}, "companyId", "UNKNOWN_COMPANY"),
        ({"endDate": "2025-12-31"}, "endDate", "INVALID_WINDOW"),
        ({"currency": "euro"}, "currency", "INVALID_FORMAT"),
        ({"billingDay": 31}, "billingDay", "OUT_OF_RANGE"),
        ({"minimumCommitment": "-5"}, "minimumCommitment", "NEGATIVE_PRICE"),
    ],
    ids=[
        "unordered-tiers",
        "negative-price",
        "no-tiers",
        "unknown-product",
        "no-products",
        "unknown-company",
        "end-before-start",
        "currency",
        "billing-day",
        "negative-minimum",
    ],
)
async def test_bad_contracts_get_typed_errors(
    admin: Any, product: str, change: dict[str, Any], field: str, code: str
) -> None:
    company = await create_company(admin, "acme")
    result = (await admin(CREATE_CONTRACT, {"input": contract_input(company, **change)}))[
        "createContract"
    ]
    assert result["__typename"] == "ValidationError"
    assert (field, code) in [(e["field"], e["code"]) for e in result["errors"]], result


async def test_a_contract_is_created_by_an_admin_only(
    admin: Any, scoped: Any, product: str
) -> None:
    company = await create_company(admin, "acme")
    made = (await admin(CREATE_CONTRACT, {"input": contract_input(company)}))["createContract"]
    assert made["products"] == [{"productCode": "API", "price": {"model": "PER_UNIT"}}]
    company_admin = await scoped("COMPANY_ADMIN", company)
    denied = await company_admin.post(CREATE_CONTRACT, {"input": contract_input(company)})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_invoices_previews_and_simulations_over_the_api(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    await load_demo(runtime)
    contracts = (await admin("{ contracts { id companyId } }"))["contracts"]
    assert len(contracts) == 3
    run = await admin("mutation { generateInvoices { created updated finalized } }")
    assert run["generateInvoices"] == {"created": 0, "updated": 0, "finalized": 0}

    page = (await admin(INVOICES, {"first": 30}))["invoices"]
    assert len(page["edges"]) == 30 and page["pageInfo"]["hasNextPage"]
    rest = (await admin(INVOICES, {"after": page["pageInfo"]["endCursor"]}))["invoices"]
    assert len(rest["edges"]) == 6

    async with runtime.pool.acquire() as conn:
        company_a = await conn.fetchval(
            "SELECT id FROM companies WHERE external_key = 'customer_a'"
        )
    contract_a = next(c["id"] for c in contracts if c["companyId"] == str(company_a))
    viewer = await scoped("VIEWER", company_a)
    mine = (await viewer(INVOICES, {"filter": {"status": "FINALIZED"}}))["invoices"]["edges"]
    assert {e["node"]["companyId"] for e in mine} == {str(company_a)}
    march = next(e["node"] for e in mine if e["node"]["periodStart"].startswith("2024-03"))
    assert march["total"] == "4020.00"
    ai = next(line for line in march["lines"] if line["productCode"] == "AI_SMS_001")
    assert [(t["tier"], t["units"], t["amount"]) for t in ai["tiers"]] == [
        (1, "1000", "2000.00"),
        (2, "1000", "1000.00"),
        (3, "1500", "750.00"),
    ]

    preview = await viewer(PREVIEW, {"contract": contract_a, "start": "2024-03-15T00:00:00Z"})
    assert (preview["previewInvoice"]["status"], preview["previewInvoice"]["total"]) == (
        "PREVIEW",
        "4020.00",
    )
    what_if = await admin(
        SIMULATE,
        {
            "contract": contract_a,
            "start": "2024-03-01T00:00:00Z",
            "prices": [per_unit("AI_SMS_001", "1.00")],
        },
    )
    assert what_if["simulateInvoice"]["total"] == "3770.00"  # 120 + 150 + 3,500 x 1.00

    other = await create_company(admin, "other")
    stranger = await scoped("VIEWER", other)
    denied = await stranger.post(PREVIEW, {"contract": contract_a, "start": "2024-03-01T00:00:00Z"})
    # another company's contract is, for this key, one that does not exist
    assert denied.json()["data"]["previewInvoice"] == {
        "__typename": "ValidationError",
        "field": "contractId",
        "code": "NOT_FOUND",
    }
    assert "4020" not in denied.text


PAY = """
mutation($id: UUID!, $amount: Decimal!, $at: DateTime!) {
  recordPayment(invoiceId: $id, amount: $amount, paidAt: $at) {
    __typename
    ... on Invoice { paymentStatus paidAmount total }
    ... on ValidationError { field code }
  }
}"""


async def test_payments_settle_finalized_invoices(admin: Any, scoped: Any, runtime: Any) -> None:
    await load_demo(runtime)
    edges = (await admin(INVOICES, {"first": 1}))["invoices"]["edges"]
    invoice = edges[0]["node"]
    at = "2024-03-01T10:00:00Z"
    for amount, field, code in (("0", "amount", "OUT_OF_RANGE"), ("-5", "amount", "OUT_OF_RANGE")):
        bad = await admin(PAY, {"id": invoice["id"], "amount": amount, "at": at})
        assert (bad["recordPayment"]["field"], bad["recordPayment"]["code"]) == (field, code)
    missing = await admin(
        PAY, {"id": "00000000-0000-7000-8000-000000000000", "amount": "1", "at": at}
    )
    assert missing["recordPayment"]["code"] == "NOT_FOUND"
    half = (await admin(PAY, {"id": invoice["id"], "amount": "1000.00", "at": at}))["recordPayment"]
    assert (half["paymentStatus"], half["paidAmount"]) == ("UNPAID", "1000.00")
    rest = (await admin(PAY, {"id": invoice["id"], "amount": "1035.00", "at": at}))["recordPayment"]
    assert (rest["paymentStatus"], rest["total"]) == ("PAID", "2035.00")
    viewer = await scoped("VIEWER", invoice["companyId"])
    denied = await viewer.post(PAY, {"id": invoice["id"], "amount": "1", "at": at})
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


SIMULATE_CONTRACT = """
query($input: ContractInput!, $start: DateTime!) {
  simulateContract(input: $input, periodStart: $start) {
    __typename
    ... on Invoice { id status total periodStart lines { productCode quantity amount } }
    ... on ValidationError { field code errors { field code } }
  }
}"""


async def test_a_contract_not_yet_made_is_priced_against_recorded_usage_and_not_stored(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    await load_demo(runtime)
    async with runtime.pool.acquire() as conn:
        company_a = await conn.fetchval(
            "SELECT id FROM companies WHERE external_key = 'customer_a'"
        )
        contracts_before = await conn.fetchval("SELECT count(*) FROM contracts")
    terms = {
        "companyId": str(company_a),
        "currency": "USD",
        "startDate": "2024-01-01",
        "products": [per_unit("AI_SMS_001", "1.00")],
    }
    answer = await admin(SIMULATE_CONTRACT, {"input": terms, "start": "2024-03-10T00:00:00Z"})
    invoice = answer["simulateContract"]
    assert invoice["__typename"] == "Invoice"
    assert (invoice["status"], invoice["total"]) == ("PREVIEW", "3500.00")
    # its id names nothing stored
    found = await admin("query($id: ID!) { node(id: $id) { id } }", {"id": invoice["id"]})
    assert found["node"] is None
    assert invoice["periodStart"].startswith("2024-03-01")
    async with runtime.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM contracts") == contracts_before

    graduated = {
        "productCode": "AI_SMS_001",
        "price": {
            "model": "GRADUATED",
            "tiers": [{"upTo": "1000", "unitPrice": "2"}, {"upTo": "500", "unitPrice": "1"}],
        },
    }
    bad = await admin(
        SIMULATE_CONTRACT,
        {"input": {**terms, "products": [graduated]}, "start": "2024-03-10T00:00:00Z"},
    )
    fields = {e["field"] for e in bad["simulateContract"]["errors"]}
    assert "products[0].price.tiers[1].upTo" in fields

    viewer = await scoped("VIEWER", company_a)
    refused = await viewer.post(
        SIMULATE_CONTRACT, {"input": terms, "start": "2024-03-10T00:00:00Z"}
    )
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
