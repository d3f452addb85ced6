"""Contract versions, ends and external ids over GraphQL, through the invoice run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from domain.invoicing import Amendment, ContractProduct
from domain.pricing import Price, PriceModel
from metergraph.demo import load_demo
from services import invoicing
from storage import contract_versions
from tests.integration.test_aggregation import draft, new_company, store

CREATE = """
mutation($input: ContractInput!) {
  createContract(input: $input) {
    __typename
    ... on Contract { id externalId }
    ... on ValidationError { field code message errors { field code } }
  }
}"""

VERSION_FIELDS = """
  id endDate paymentTermsDays
  versions { number effectiveFrom paymentTermsDays lateFeePercentPerMonth minimumCommitment
             createdAt products { productCode price { unitPrice } } }
"""

AMEND = (
    """
mutation($input: AmendContractInput!) {
  amendContract(input: $input) {
    __typename
    ... on Contract {"""
    + VERSION_FIELDS
    + """}
    ... on ValidationError { field code message errors { field code message } }
  }
}"""
)

END = (
    """
mutation($input: EndContractInput!) {
  endContract(input: $input) {
    __typename
    ... on Contract {"""
    + VERSION_FIELDS
    + """}
    ... on ValidationError { field code message errors { field code message } }
  }
}"""
)

INVOICES = """
query($contract: UUID!) {
  invoices(filter: {contractId: $contract}) {
    edges { node { periodStart status total issueDate dueDate contractVersion
                   lines { kind productCode quantity amount } } }
  }
}"""

SIMULATE = """
query($contract: UUID!, $start: DateTime!, $prices: [ContractProductInput!]!) {
  simulateInvoice(contractId: $contract, periodStart: $start, prices: $prices) {
    __typename
    ... on Invoice { total }
    ... on ValidationError { field code }
  }
}"""

BY_EXTERNAL_ID = """
query($externalId: String!, $company: UUID) {
  contracts(externalId: $externalId, companyId: $company) {
    id companyId externalId paymentTermsDays lateFeePercentPerMonth
  }
}"""


def per_unit(product: str, price: str) -> dict[str, Any]:
    return {"productCode": product, "price": {"model": "PER_UNIT", "unitPrice": price}}


async def signed(admin: Any, runtime: Any, **change: Any) -> tuple[UUID, str]:
    """A company and its contract from 2025-01-01: API at 0.10 a request, Net 10."""
    company = await new_company(runtime)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO products (code, name, metric_code) VALUES ('API', 'API', 'API_REQUESTS')"
            " ON CONFLICT DO NOTHING"
        )
    contract = {
        "companyId": str(company),
        "currency": "EUR",
        "startDate": "2025-01-01",
        "paymentTermsDays": 10,
        "products": [per_unit("API", "0.10")],
        **change,
    }
    made = (await admin(CREATE, {"input": contract}))["createContract"]
    assert made["__typename"] == "Contract", made
    return company, made["id"]


async def use(runtime: Any, company: UUID, *days: tuple[int, int, int]) -> None:
    """100 requests on each (year, month, day), at noon UTC."""
    await store(
        runtime,
        [draft(company, datetime(y, m, d, 12, tzinfo=UTC), Decimal(100)) for y, m, d in days],
    )


async def invoices(admin: Any, runtime: Any, company: UUID, contract: str, now: datetime) -> Any:
    """Run the invoice run at ``now``; the contract's invoices by month."""
    await invoicing.generate_invoices(runtime, now=now, company_id=company)
    edges = (await admin(INVOICES, {"contract": contract}))["invoices"]["edges"]
    return {e["node"]["periodStart"][:7]: e["node"] for e in edges}


async def amend(admin: Any, contract: str, effective_from: str, **changes: Any) -> Any:
    variables = {"input": {"id": contract, "effectiveFrom": effective_from, "changes": changes}}
    return (await admin(AMEND, variables))["amendContract"]


def usage(invoice: Any) -> list[tuple[str, str, str]]:
    return [
        (line["productCode"], line["quantity"], line["amount"])
        for line in invoice["lines"]
        if line["kind"] == "USAGE"
    ]


async def test_a_mid_month_amendment_prices_the_whole_month_by_the_version_in_force_at_its_end(
    admin: Any, runtime: Any
) -> None:
    company, contract = await signed(admin, runtime)
    await use(runtime, company, (2025, 1, 10), (2025, 2, 5), (2025, 2, 20), (2025, 3, 3))
    await use(runtime, company, (2025, 4, 3))
    january = await invoices(admin, runtime, company, contract, datetime(2025, 2, 2, 1, tzinfo=UTC))
    assert january["2025-01"]["status"] == "FINALIZED"

    amended = await amend(
        admin,
        contract,
        "2025-02-15T00:00:00Z",
        prices=[per_unit("API", "0.20")],
        paymentTermsDays=20,
    )
    assert amended["__typename"] == "Contract", amended
    # from the first of a month: that month on, not the one ending at that instant
    third = await amend(admin, contract, "2025-04-01T00:00:00Z", prices=[per_unit("API", "0.30")])
    assert [
        (v["number"], v["effectiveFrom"], v["paymentTermsDays"], v["products"][0]["price"])
        for v in third["versions"]
    ] == [
        (1, "2025-01-01T00:00:00+00:00", 10, {"unitPrice": "0.10"}),
        (2, "2025-02-15T00:00:00+00:00", 20, {"unitPrice": "0.20"}),
        (3, "2025-04-01T00:00:00+00:00", 20, {"unitPrice": "0.30"}),
    ]
    assert third["paymentTermsDays"] == 10  # the contract's own fields stay version 1's

    found = await invoices(admin, runtime, company, contract, datetime(2025, 5, 2, 1, tzinfo=UTC))
    by_month = {
        month: (i["contractVersion"], usage(i), i["total"], i["dueDate"])
        for month, i in found.items()
    }
    assert by_month == {
        "2025-01": (1, [("API", "100", "10.00")], "10.00", "2025-02-11"),
        # 100 requests before the 15th and 100 after: all at version 2's price
        "2025-02": (2, [("API", "200", "40.00")], "40.00", "2025-03-21"),
        "2025-03": (2, [("API", "100", "20.00")], "20.00", "2025-04-21"),
        "2025-04": (3, [("API", "100", "30.00")], "30.00", "2025-05-21"),
    }


async def test_an_amendment_adds_and_removes_products_and_changes_the_minimum(
    admin: Any, runtime: Any
) -> None:
    company, contract = await signed(admin, runtime, minimumCommitment="50")
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO products (code, name, metric_code) VALUES ('API2', 'API2', 'API_REQUESTS')"
            " ON CONFLICT DO NOTHING"
        )
    await use(runtime, company, (2025, 1, 10), (2025, 2, 10))
    amended = await amend(
        admin,
        contract,
        "2025-02-01T00:00:00Z",
        prices=[per_unit("API2", "0.05")],
        removeProducts=["API"],
        clearMinimumCommitment=True,
    )
    assert [p["productCode"] for p in amended["versions"][1]["products"]] == ["API2"]
    assert amended["versions"][1]["minimumCommitment"] is None
    found = await invoices(admin, runtime, company, contract, datetime(2025, 3, 2, 1, tzinfo=UTC))
    assert (usage(found["2025-01"]), found["2025-01"]["total"]) == (
        [("API", "100", "10.00")],
        "50.00",
    )
    assert (usage(found["2025-02"]), found["2025-02"]["total"]) == (
        [("API2", "100", "5.00")],
        "5.00",
    )
    # what-if prices are for the products of the version pricing that period
    for start, answer in (
        ("2025-02-10T00:00:00Z", ("Invoice", "10.00")),
        ("2025-01-10T00:00:00Z", ("ValidationError", "UNKNOWN_PRODUCT")),
    ):
        tried = await admin(
            SIMULATE, {"contract": contract, "start": start, "prices": [per_unit("API2", "0.10")]}
        )
        result = tried["simulateInvoice"]
        assert (result["__typename"], result.get("total") or result.get("code")) == answer


async def test_an_ended_contract_stops_invoicing_after_its_end(admin: Any, runtime: Any) -> None:
    company, contract = await signed(admin, runtime)
    await use(runtime, company, (2025, 1, 10), (2025, 2, 10), (2025, 3, 10), (2025, 3, 20))
    await use(runtime, company, (2025, 4, 10), (2025, 5, 10))
    await invoices(admin, runtime, company, contract, datetime(2025, 2, 2, 1, tzinfo=UTC))

    ended = (await admin(END, {"input": {"id": contract, "endDate": "2025-03-15"}}))["endContract"]
    assert (ended["__typename"], ended["endDate"]) == ("Contract", "2025-03-15")

    async with runtime.pool.acquire() as conn:
        actions = await conn.fetch("SELECT action, outcome FROM audit_log ORDER BY id")
    assert [tuple(a) for a in actions if "Contract" in a["action"]][-2:] == [
        ("createContract", "createContract:Contract"),
        ("endContract", "endContract:Contract"),
    ]
    found = await invoices(admin, runtime, company, contract, datetime(2025, 6, 2, 1, tzinfo=UTC))
    assert sorted(found) == ["2025-01", "2025-02", "2025-03"]
    # March counts its days up to the end: the 10th, not the 20th
    assert usage(found["2025-03"]) == [("API", "100", "10.00")]


async def test_an_amendment_committed_as_a_run_begins_is_not_billed_around(
    admin: Any, runtime: Any
) -> None:
    company, contract = await signed(admin, runtime)
    await use(runtime, company, (2025, 1, 10))
    now = datetime(2025, 2, 2, 1, tzinfo=UTC)
    twice = Amendment(
        2,
        datetime(2025, 1, 15, tzinfo=UTC),
        (ContractProduct("API", "API_REQUESTS", Price(PriceModel.PER_UNIT, Decimal("0.20"))),),
        None,
        10,
        Decimal(0),
    )
    async with runtime.pool.acquire() as amending:
        # an amendment holding the contract's row, not committed yet
        tx = amending.transaction()
        await tx.start()
        assert await contract_versions.lock_contract(amending, UUID(contract))
        await contract_versions.insert_amendment(amending, UUID(contract), twice)
        run = asyncio.create_task(invoicing.generate_invoices(runtime, now=now, company_id=company))
        # the run reaches the contract's row and waits for the amendment (the
        # deadline only keeps a run stuck elsewhere from hanging the suite:
        # committing then still leaves the run to bill the amendment)
        waiting = False
        deadline = asyncio.get_running_loop().time() + 60
        while not waiting and not run.done() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
            waiting = await amending.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database())"
            )
        await tx.commit()
        first = await run
    # the run read the terms before the amendment: it reads them again, and
    # invoices with the amendment, never around it
    assert (first.created, first.failed) == (1, [])
    found = await invoices(admin, runtime, company, contract, now)
    assert (found["2025-01"]["contractVersion"], found["2025-01"]["total"]) == (2, "20.00")


async def test_ending_a_contract_drops_the_drafts_of_periods_after_its_end(
    admin: Any, runtime: Any
) -> None:
    company, contract = await signed(admin, runtime)
    await use(runtime, company, (2025, 1, 10), (2025, 2, 10))
    drafted = await invoices(admin, runtime, company, contract, datetime(2025, 3, 1, 1, tzinfo=UTC))
    assert {m: i["status"] for m, i in drafted.items()} == {
        "2025-01": "FINALIZED",
        "2025-02": "DRAFT",
    }
    ended = (await admin(END, {"input": {"id": contract, "endDate": "2025-01-31"}}))["endContract"]
    assert ended["endDate"] == "2025-01-31"
    found = await invoices(admin, runtime, company, contract, datetime(2025, 4, 2, 1, tzinfo=UTC))
    assert {m: (i["status"], i["total"]) for m, i in found.items()} == {
        "2025-01": ("FINALIZED", "10.00")
    }


@pytest.mark.parametrize(
    ("effective_from", "changes", "field", "code"),
    [
        ("2025-01-20T00:00:00Z", {}, "effectiveFrom", "PERIOD_FINALIZED"),
        ("2025-01-31T23:59:59Z", {}, "effectiveFrom", "PERIOD_FINALIZED"),
        (
            "2025-03-01T00:00:00Z",
            {"prices": [per_unit("NOPE", "1")]},
            "changes.prices[0].productCode",
            "UNKNOWN_PRODUCT",
        ),
        (
            "2025-03-01T00:00:00Z",
            {"removeProducts": ["SMS"]},
            "changes.removeProducts[0]",
            "UNKNOWN_PRODUCT",
        ),
        ("2025-03-01T00:00:00Z", {"removeProducts": ["API"]}, "changes.removeProducts", "REQUIRED"),
        (
            "2025-03-01T00:00:00Z",
            {"prices": [per_unit("API", "-1")]},
            "changes.prices[0].price.unitPrice",
            "NEGATIVE_PRICE",
        ),
        (
            "2025-03-01T00:00:00Z",
            {"paymentTermsDays": -1},
            "changes.paymentTermsDays",
            "OUT_OF_RANGE",
        ),
        ("2025-07-01T00:00:00Z", {}, "effectiveFrom", "CONTRACT_ENDED"),
        ("2025-03-01T00:00:00", {}, "effectiveFrom", "TIMESTAMP_WITHOUT_OFFSET"),
    ],
    ids=[
        "in-finalized-period",
        "last-second-of-finalized-period",
        "unknown-product",
        "remove-unpriced",
        "remove-all",
        "negative-price",
        "payment-terms",
        "after-end",
        "no-offset",
    ],
)
async def test_bad_amendments_get_typed_errors_naming_the_field(
    admin: Any, runtime: Any, effective_from: str, changes: Any, field: str, code: str
) -> None:
    company, contract = await signed(admin, runtime, endDate="2025-06-30")
    await use(runtime, company, (2025, 1, 10))
    await invoices(admin, runtime, company, contract, datetime(2025, 2, 2, 1, tzinfo=UTC))
    result = await amend(admin, contract, effective_from, **changes)
    assert result["__typename"] == "ValidationError", result
    assert (field, code) in [(e["field"], e["code"]) for e in result["errors"]], result
    # nothing was stored
    again = await amend(admin, contract, "2025-03-01T00:00:00Z")
    assert [v["number"] for v in again["versions"]] == [1, 2]


async def test_amendments_and_ends_refuse_what_would_rewrite_billed_periods(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    company, contract = await signed(admin, runtime)
    await use(runtime, company, (2025, 1, 10))
    await invoices(admin, runtime, company, contract, datetime(2025, 2, 2, 1, tzinfo=UTC))

    early = await admin(END, {"input": {"id": contract, "endDate": "2025-01-15"}})
    assert [(e["field"], e["code"]) for e in early["endContract"]["errors"]] == [
        ("endDate", "PERIOD_FINALIZED")
    ]
    assert (await amend(admin, contract, "2025-05-01T00:00:00Z"))["__typename"] == "Contract"
    # an amendment is no earlier than the version before it
    before = await amend(admin, contract, "2025-04-01T00:00:00Z")
    assert [(e["field"], e["code"]) for e in before["errors"]] == [
        ("effectiveFrom", "OUT_OF_RANGE")
    ]
    # nor can the contract end before a version takes effect
    cut = await admin(END, {"input": {"id": contract, "endDate": "2025-04-30"}})
    assert [(e["field"], e["code"]) for e in cut["endContract"]["errors"]] == [
        ("endDate", "OUT_OF_RANGE")
    ]
    unknown = await amend(admin, "00000000-0000-7000-8000-000000000000", "2025-05-01T00:00:00Z")
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("id", "NOT_FOUND")]

    company_admin = await scoped("COMPANY_ADMIN", company)
    denied = await company_admin.post(
        AMEND,
        {"input": {"id": contract, "effectiveFrom": "2025-06-01T00:00:00Z", "changes": {}}},
    )
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_external_id_is_unique_per_company_and_finds_its_contract(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    company, contract = await signed(admin, runtime, externalId="crm-42")
    twice = await admin(
        CREATE,
        {
            "input": {
                "companyId": str(company),
                "currency": "EUR",
                "startDate": "2025-01-01",
                "products": [per_unit("API", "0.10")],
                "externalId": "crm-42",
            }
        },
    )
    assert [(e["field"], e["code"]) for e in twice["createContract"]["errors"]] == [
        ("externalId", "ALREADY_EXISTS")
    ]
    blank = await admin(
        CREATE,
        {
            "input": {
                "companyId": str(company),
                "currency": "EUR",
                "startDate": "2025-01-01",
                "products": [per_unit("API", "0.10")],
                "externalId": " ",
            }
        },
    )
    assert [(e["field"], e["code"]) for e in blank["createContract"]["errors"]] == [
        ("externalId", "REQUIRED")
    ]
    # another company may use the same id for its own contract
    other, other_contract = await signed(admin, runtime, externalId="crm-42")

    both = (await admin(BY_EXTERNAL_ID, {"externalId": "crm-42"}))["contracts"]
    assert sorted(c["id"] for c in both) == sorted([contract, other_contract])
    one = await admin(BY_EXTERNAL_ID, {"externalId": "crm-42", "company": str(company)})
    assert [c["id"] for c in one["contracts"]] == [contract]
    viewer = await scoped("VIEWER", other)
    assert [
        c["id"] for c in (await viewer(BY_EXTERNAL_ID, {"externalId": "crm-42"}))["contracts"]
    ] == [other_contract]
    assert (await admin(BY_EXTERNAL_ID, {"externalId": "crm-43"}))["contracts"] == []


async def test_the_demo_gives_customer_c_its_written_terms(admin: Any, runtime: Any) -> None:
    await load_demo(runtime, now=datetime(2025, 2, 1, tzinfo=UTC))
    (c,) = (await admin(BY_EXTERNAL_ID, {"externalId": "contract_customer_c_001"}))["contracts"]
    assert (c["paymentTermsDays"], c["lateFeePercentPerMonth"]) == (45, "1")
    found = {
        e["node"]["periodStart"][:7]: e["node"]
        for e in (await admin(INVOICES, {"contract": c["id"]}))["invoices"]["edges"]
    }
    assert [(found[m]["issueDate"], found[m]["dueDate"]) for m in ("2024-01", "2024-02")] == [
        ("2024-02-01", "2024-03-17"),
        ("2024-03-01", "2024-04-15"),
    ]
    # it pays on its due dates: no late fee, the seed's totals stand
    assert all(line["kind"] != "LATE_FEE" for i in found.values() for line in i["lines"])
    assert (found["2024-01"]["total"], found["2024-05"]["total"]) == ("11.00", "76.00")
    async with runtime.pool.acquire() as conn:
        statuses = await conn.fetch(
            "SELECT i.due_date, i.payment_status FROM invoices i JOIN companies c"
            " ON c.id = i.company_id WHERE c.external_key = $1 AND i.total > 0"
            " ORDER BY period_start",
            "customer_c",
        )
        others = await conn.fetch(
            "SELECT DISTINCT c.payment_terms_days, c.late_fee_percent_per_month, c.external_id"
            " FROM contracts c JOIN companies k ON k.id = c.company_id"
            " WHERE k.external_key <> 'customer_c'"
        )
    assert {r["payment_status"] for r in statuses if r["due_date"].isoformat() <= "2025-02-01"} == {
        "PAID"
    }
    # customers A and B have no written contract: Net 30, no late fee, no external id
    assert [tuple(r) for r in others] == [(30, Decimal(0), None)]
