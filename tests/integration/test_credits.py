"""Credits: overpayments, credit notes and voided invoices, over GraphQL and the invoice run."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import uuid_utils.compat as uuid7

from domain.pricing import Price, PriceModel
from metergraph.demo import load_demo
from services import invoicing
from tests.integration.test_aggregation import draft, store
from tests.integration.test_invoices import AFTER_2024, contract_for

ONE_EURO = Price(PriceModel.PER_UNIT, unit_price=D("1.00"))

INVOICES = """
query($filter: InvoiceFilter) {
  invoices(filter: $filter, first: 50) {
    edges { node { id status periodStart currency total amountDue paidAmount paymentStatus
                   creditedAmount voidedAt lines { kind amount }
                   creditNotes { amount reason voids currency } } }
  }
}"""

BALANCES = """
query($id: UUID!) { company(id: $id) { creditBalances { currency amount } } }
"""

ENTRIES = """
query($id: UUID!, $last: Int!) {
  company(id: $id) { creditEntries(last: $last) { source amount invoiceId paymentId } }
}
"""

PAY = """
mutation($id: UUID!, $amount: Decimal!) {
  recordPayment(invoiceId: $id, amount: $amount, paidAt: "2025-02-20T10:00:00Z") {
    __typename
    ... on Invoice { paymentStatus paidAmount amountDue }
    ... on ValidationError { field code }
  }
}"""

CREDIT_NOTE = """
mutation($input: IssueCreditNoteInput!) {
  issueCreditNote(input: $input) {
    __typename
    ... on Invoice { status total amountDue creditedAmount paymentStatus
                     creditNotes { amount reason voids } }
    ... on ValidationError { field code message }
  }
}"""

VOID = """
mutation($input: VoidInvoiceInput!) {
  voidInvoice(input: $input) {
    __typename
    ... on Invoice { status total amountDue creditedAmount voidedAt
                     creditNotes { amount reason voids } }
    ... on ValidationError { field code message }
  }
}"""


async def invoices_of(admin: Any, company: Any) -> dict[str, dict[str, Any]]:
    """The company's invoices by period month (and currency when it has two)."""
    found = await admin(INVOICES, {"filter": {"companyId": str(company)}})
    out = {}
    for edge in found["invoices"]["edges"]:
        node = edge["node"]
        out[f"{node['periodStart'][:7]}/{node['currency']}"] = node
    return out


async def balances(admin: Any, company: Any) -> list[dict[str, str]]:
    found: list[dict[str, str]] = (await admin(BALANCES, {"id": str(company)}))["company"][
        "creditBalances"
    ]
    return found


async def run(runtime: Any, company: Any, month: int) -> None:
    """The invoice run on the 5th of ``month`` of 2025: every period before it finalized."""
    await invoicing.generate_invoices(
        runtime, now=datetime(2025, month, 5, tzinfo=UTC), company_id=company
    )


async def ledger(runtime: Any, company: Any) -> list[tuple[str, str, D]]:
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT source, currency, amount FROM credit_entries WHERE company_id = $1"
            " ORDER BY created_at, id",
            company,
        )
        account = await conn.fetch(
            "SELECT currency, balance FROM credit_accounts WHERE company_id = $1", company
        )
    # the running balance is the ledger's sum, currency by currency
    sums: dict[str, D] = {}
    for r in rows:
        sums[r["currency"]] = sums.get(r["currency"], D(0)) + r["amount"]
    assert {a["currency"]: a["balance"] for a in account} == sums
    return [(r["source"], r["currency"], r["amount"]) for r in rows]


def credit_lines(invoice: dict[str, Any]) -> list[str]:
    return [x["amount"] for x in invoice["lines"] if x["kind"] == "CREDIT_APPLIED"]


async def usage(runtime: Any, company: Any, *monthly: int) -> None:
    """``monthly[i]`` requests on the 10th of month i+1 of 2025."""
    await store(
        runtime,
        [
            draft(company, datetime(2025, month, 10, tzinfo=UTC), D(units))
            for month, units in enumerate(monthly, start=1)
            if units
        ],
    )


async def test_an_overpaid_invoice_is_credited_once_to_the_next_ones(
    admin: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300, 100, 30)
    await run(runtime, company, 2)
    january = (await invoices_of(admin, company))["2025-01/EUR"]
    assert (january["status"], january["total"], january["amountDue"]) == (
        "FINALIZED",
        "300.00",
        "300.00",
    )
    paid = (await admin(PAY, {"id": january["id"], "amount": "450.00"}))["recordPayment"]
    assert paid == {
        "__typename": "Invoice",
        "paymentStatus": "PAID",
        "paidAmount": "450.00",
        "amountDue": "0.00",
    }
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "150.00"}]

    # February's 100.00 takes 100.00 of the credit; reruns take nothing more
    for _ in range(3):
        await run(runtime, company, 3)
        february = (await invoices_of(admin, company))["2025-02/EUR"]
        assert credit_lines(february) == ["-100.00"]
        assert (february["total"], february["amountDue"]) == ("0.00", "0.00")
        assert await balances(admin, company) == [{"currency": "EUR", "amount": "50.00"}]
    # the rest carries over to March (30.00), and stays 20.00
    await run(runtime, company, 4)
    await run(runtime, company, 4)
    march = (await invoices_of(admin, company))["2025-03/EUR"]
    assert (credit_lines(march), march["total"]) == (["-30.00"], "0.00")
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "20.00"}]
    assert await ledger(runtime, company) == [
        ("OVERPAYMENT", "EUR", D("150.00")),
        ("APPLIED", "EUR", D("-100.00")),
        ("APPLIED", "EUR", D("-30.00")),
    ]
    entries = (await admin(ENTRIES, {"id": str(company), "last": 10}))["company"]["creditEntries"]
    assert [(e["source"], e["amount"]) for e in entries] == [
        ("APPLIED", "-30.00"),
        ("APPLIED", "-100.00"),
        ("OVERPAYMENT", "150.00"),
    ]
    assert entries[2]["invoiceId"] == january["id"] and entries[2]["paymentId"]
    assert entries[1]["invoiceId"] == february["id"] and entries[1]["paymentId"] is None
    refused = await admin.post(ENTRIES, {"id": str(company), "last": 0})
    assert refused.json()["errors"][0]["extensions"]["field"] == "last"
    # April had no usage: nothing to spend credit on
    await run(runtime, company, 5)
    april = (await invoices_of(admin, company))["2025-04/EUR"]
    assert (credit_lines(april), april["total"]) == ([], "0.00")


async def test_credit_is_spent_only_in_its_own_currency(admin: Any, runtime: Any) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO contracts (id, company_id, currency, start_date, payment_terms_days)"
            " VALUES ($1, $2, 'USD', '2025-01-01', 10)",
            uuid7.uuid7(),
            company,
        )
        await conn.execute(
            "INSERT INTO contract_products (company_id, contract_id, product_code, price)"
            ' SELECT company_id, id, \'API\', \'{"model": "PER_UNIT", "unitPrice": "2.00"}\'::jsonb'
            " FROM contracts WHERE company_id = $1 AND currency = 'USD'",
            company,
        )
    await usage(runtime, company, 10, 10)
    await run(runtime, company, 2)
    january = await invoices_of(admin, company)
    assert (january["2025-01/EUR"]["total"], january["2025-01/USD"]["total"]) == (
        "10.00",
        "20.00",
    )
    await admin(PAY, {"id": january["2025-01/USD"]["id"], "amount": "25.00"})
    await admin(PAY, {"id": january["2025-01/EUR"]["id"], "amount": "10.00"})
    assert await balances(admin, company) == [{"currency": "USD", "amount": "5.00"}]
    await run(runtime, company, 3)
    february = await invoices_of(admin, company)
    # the USD credit is no EUR credit
    assert (credit_lines(february["2025-02/EUR"]), february["2025-02/EUR"]["total"]) == (
        [],
        "10.00",
    )
    assert (credit_lines(february["2025-02/USD"]), february["2025-02/USD"]["total"]) == (
        ["-5.00"],
        "15.00",
    )
    assert await balances(admin, company) == [{"currency": "USD", "amount": "0.00"}]
    assert [s for s, _, _ in await ledger(runtime, company)] == ["OVERPAYMENT", "APPLIED"]


async def test_credit_notes_reduce_what_is_due_and_no_more_than_is_left(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300, 100)
    await run(runtime, company, 2)
    await invoicing.generate_invoices(
        runtime, now=datetime(2025, 3, 1, 1, tzinfo=UTC), company_id=company
    )
    found = await invoices_of(admin, company)
    january, february = found["2025-01/EUR"], found["2025-02/EUR"]
    assert february["status"] == "DRAFT"  # still in its grace period

    def note(invoice: dict[str, Any], amount: str, reason: str = "goodwill") -> dict[str, Any]:
        return {"input": {"invoiceId": invoice["id"], "amount": amount, "reason": reason}}

    for variables, field, code in (
        (note(january, "300.01"), "amount", "OUT_OF_RANGE"),
        (note(january, "0"), "amount", "OUT_OF_RANGE"),
        (note(january, "-1"), "amount", "OUT_OF_RANGE"),
        (note(january, "1.001"), "amount", "TOO_MANY_DECIMALS"),
        (note(january, "1", "  "), "reason", "REQUIRED"),
        (note(february, "1"), "invoiceId", "NOT_CREDITABLE"),
        (note({"id": str(uuid7.uuid7())}, "1"), "invoiceId", "NOT_FOUND"),
    ):
        refused = (await admin(CREDIT_NOTE, variables))["issueCreditNote"]
        assert (refused["__typename"], refused["field"], refused["code"]) == (
            "ValidationError",
            field,
            code,
        ), variables
    assert (
        "300.00"
        in (await admin(CREDIT_NOTE, note(january, "300.01")))["issueCreditNote"]["message"]
    )

    own = await scoped("COMPANY_ADMIN", company)
    credited = (await own(CREDIT_NOTE, note(january, "100.00", "SMS outage")))["issueCreditNote"]
    assert credited == {
        "__typename": "Invoice",
        "status": "FINALIZED",
        "total": "300.00",
        "amountDue": "200.00",
        "creditedAmount": "100.00",
        "paymentStatus": "UNPAID",
        "creditNotes": [{"amount": "100.00", "reason": "SMS outage", "voids": False}],
    }
    # only 200.00 is left to credit
    again = (await admin(CREDIT_NOTE, note(january, "200.01")))["issueCreditNote"]
    assert (again["field"], again["code"]) == ("amount", "OUT_OF_RANGE")
    assert await balances(admin, company) == []

    # paid in full, then credited 50.00 more: the customer gets it back as credit
    await admin(PAY, {"id": january["id"], "amount": "200.00"})
    paid_back = (await admin(CREDIT_NOTE, note(january, "50.00")))["issueCreditNote"]
    assert (paid_back["amountDue"], paid_back["paymentStatus"]) == ("0.00", "PAID")
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "50.00"}]

    viewer = await scoped("VIEWER", company)
    denied = await viewer.post(CREDIT_NOTE, note(january, "1.00"))
    assert denied.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    async with runtime.pool.acquire() as conn:
        actions = [
            r["action"]
            for r in await conn.fetch(
                "SELECT action FROM audit_log WHERE outcome = 'issueCreditNote:Invoice'"
            )
        ]
    assert len(actions) == 2


async def test_another_companys_invoice_cannot_be_credited(
    admin: Any, scoped: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    other, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300)
    await run(runtime, company, 2)
    january = (await invoices_of(admin, company))["2025-01/EUR"]
    outsider = await scoped("COMPANY_ADMIN", other)
    for document, variables, field in (
        (CREDIT_NOTE, {"invoiceId": january["id"], "amount": "1", "reason": "x"}, "invoiceId"),
        (VOID, {"id": january["id"], "reason": "x"}, "id"),
    ):
        refused = await outsider(document, {"input": variables})
        answer = next(iter(refused.values()))
        assert (answer["field"], answer["code"]) == (field, "NOT_FOUND")
    assert (await invoices_of(admin, company))["2025-01/EUR"]["amountDue"] == "300.00"


async def test_a_voided_invoice_counts_in_no_profitability_and_its_payments_become_credit(
    admin: Any, runtime: Any
) -> None:
    await load_demo(runtime, now=AFTER_2024)
    window = {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"}
    before = await admin(PROFITABILITY, window)
    revenue = {r["companyKey"]: r["revenue"] for r in before["profitability"]["rows"]}
    assert revenue["customer_a"] == "2035.00"
    async with runtime.pool.acquire() as conn:
        company_a: UUID = await conn.fetchval(
            "SELECT id FROM companies WHERE external_key = 'customer_a'"
        )
    january = await invoices_of(admin, company_a)
    invoice = next(v for k, v in january.items() if k.startswith("2024-01"))
    await admin(PAY, {"id": invoice["id"], "amount": "1000.00"})

    voided = (await admin(VOID, {"input": {"id": invoice["id"], "reason": "billed twice"}}))[
        "voidInvoice"
    ]
    assert voided["__typename"] == "Invoice" and voided["voidedAt"]
    assert (voided["status"], voided["total"], voided["amountDue"], voided["creditedAmount"]) == (
        "VOID",
        "2035.00",
        "0.00",
        "2035.00",
    )
    assert voided["creditNotes"] == [{"amount": "2035.00", "reason": "billed twice", "voids": True}]
    assert await balances(admin, company_a) == [
        {"currency": invoice["currency"], "amount": "1000.00"}
    ]
    # a page of invoices loads its credit notes together, each on its own invoice
    cur = invoice["currency"]
    listed = await invoices_of(admin, company_a)
    assert len(listed) == 12
    assert {k: v["creditNotes"] for k, v in listed.items() if v["creditNotes"]} == {
        f"2024-01/{cur}": [
            {"amount": "2035.00", "reason": "billed twice", "voids": True, "currency": cur}
        ]
    }
    after = await admin(PROFITABILITY, window)
    assert "customer_a" not in {r["companyKey"] for r in after["profitability"]["rows"]}
    assert {r["companyKey"]: r["revenue"] for r in after["profitability"]["rows"]} == {
        k: v for k, v in revenue.items() if k != "customer_a"
    }

    again = (await admin(VOID, {"input": {"id": invoice["id"], "reason": "again"}}))["voidInvoice"]
    assert (again["field"], again["code"]) == ("id", "NOT_VOIDABLE")
    paid = (await admin(PAY, {"id": invoice["id"], "amount": "1.00"}))["recordPayment"]
    assert (paid["field"], paid["code"]) == ("invoiceId", "NOT_PAYABLE")
    note = {"invoiceId": invoice["id"], "amount": "1.00", "reason": "x"}
    refused = (await admin(CREDIT_NOTE, {"input": note}))["issueCreditNote"]
    assert (refused["field"], refused["code"]) == ("invoiceId", "NOT_CREDITABLE")
    # the run leaves a void invoice as it is
    await invoicing.generate_invoices(runtime, now=AFTER_2024)
    assert (await invoices_of(admin, company_a))[f"2024-01/{invoice['currency']}"][
        "status"
    ] == "VOID"


async def test_a_draft_cannot_be_voided_and_a_void_invoice_never_changes(
    admin: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300)
    await invoicing.generate_invoices(
        runtime, now=datetime(2025, 2, 1, 1, tzinfo=UTC), company_id=company
    )
    january = (await invoices_of(admin, company))["2025-01/EUR"]
    assert january["status"] == "DRAFT"
    refused = (await admin(VOID, {"input": {"id": january["id"], "reason": "x"}}))["voidInvoice"]
    assert (refused["field"], refused["code"]) == ("id", "NOT_VOIDABLE")
    await run(runtime, company, 2)
    await admin(PAY, {"id": january["id"], "amount": "100.00"})
    voided = (await admin(VOID, {"input": {"id": january["id"], "reason": "x"}}))["voidInvoice"]
    assert voided["status"] == "VOID"
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "100.00"}]
    async with runtime.pool.acquire() as conn:
        for change in (
            "UPDATE invoices SET total = 1 WHERE id = $1",
            "UPDATE invoices SET status = 'FINALIZED' WHERE id = $1",
            "UPDATE invoices SET voided_at = now() WHERE id = $1",
            "DELETE FROM invoices WHERE id = $1",
        ):
            with pytest.raises(asyncpg.CheckViolationError):
                await conn.execute(change, UUID(january["id"]))
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute("UPDATE credit_entries SET amount = 1")
        with pytest.raises(asyncpg.CheckViolationError):
            await conn.execute(
                "DELETE FROM credit_notes WHERE invoice_id = $1", UUID(january["id"])
            )


PROFITABILITY = """
query($from: DateTime!, $to: DateTime!) {
  profitability(from: $from, to: $to) {
    ... on Profitability { rows { companyKey periodStart revenue } }
  }
}
"""


async def test_concurrent_credit_notes_never_take_off_more_than_the_total(
    admin: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300)
    await run(runtime, company, 2)
    january = (await invoices_of(admin, company))["2025-01/EUR"]
    note = {"input": {"invoiceId": january["id"], "amount": "50.00", "reason": "outage"}}
    answers = await asyncio.gather(*(admin(CREDIT_NOTE, note) for _ in range(10)))
    kinds = [a["issueCreditNote"]["__typename"] for a in answers]
    assert kinds.count("Invoice") == 6 and kinds.count("ValidationError") == 4
    after = (await invoices_of(admin, company))["2025-01/EUR"]
    assert (after["creditedAmount"], after["amountDue"], len(after["creditNotes"])) == (
        "300.00",
        "0.00",
        6,
    )


async def test_runs_racing_for_one_credit_spend_it_once(admin: Any, runtime: Any) -> None:
    # three contracts of one company in EUR, 10.00 a month each, and 15.00 of credit
    company, _ = await contract_for(runtime, ONE_EURO)
    async with runtime.pool.acquire() as conn:
        for _ in range(2):
            contract = uuid7.uuid7()
            await conn.execute(
                "INSERT INTO contracts (id, company_id, currency, start_date, payment_terms_days)"
                " VALUES ($1, $2, 'EUR', '2025-01-01', 10)",
                contract,
                company,
            )
            await conn.execute(
                "INSERT INTO contract_products (company_id, contract_id, product_code, price)"
                ' VALUES ($2, $1, \'API\', \'{"model": "PER_UNIT", "unitPrice": "1.00"}\'::jsonb)',
                contract,
                company,
            )
    await usage(runtime, company, 10, 10)
    await run(runtime, company, 2)
    january = [v for k, v in (await invoices_of(admin, company)).items() if "2025-01" in k]
    await admin(PAY, {"id": january[0]["id"], "amount": "25.00"})  # 15.00 of credit
    now = datetime(2025, 3, 5, tzinfo=UTC)
    for _ in range(3):  # reruns pick up what a lost race left
        await asyncio.gather(
            *(
                invoicing.generate_invoices(runtime, now=now, company_id=company, retry_max_hours=0)
                for _ in range(4)
            )
        )
    async with runtime.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT i.id, i.total, i.lines, e.amount AS spent FROM invoices i"
            " LEFT JOIN credit_entries e ON e.invoice_id = i.id AND e.source = 'APPLIED'"
            " WHERE i.company_id = $1 AND i.period_start = '2025-02-01' AND i.status = 'FINALIZED'",
            company,
        )
    assert len(rows) == 3
    for r in rows:
        applied = sum((D(x["amount"]) for x in r["lines"] if x["kind"] == "CREDIT_APPLIED"), D(0))
        # each invoice's line is its one ledger entry
        assert applied == (r["spent"] or D(0))
    assert sorted(str(r["total"]) for r in rows) == ["0.00", "10.00", "5.00"]
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "0.00"}]
    await ledger(runtime, company)


async def test_a_run_that_fails_while_spending_credit_leaves_neither_invoice_nor_debit(
    admin: Any, runtime: Any
) -> None:
    company, _ = await contract_for(runtime, ONE_EURO)
    await usage(runtime, company, 300, 100)
    await run(runtime, company, 2)
    january = (await invoices_of(admin, company))["2025-01/EUR"]
    await admin(PAY, {"id": january["id"], "amount": "340.00"})
    march = datetime(2025, 3, 5, tzinfo=UTC)
    async with runtime.pool.acquire() as conn:
        # the ledger refuses the debit: the run fails after writing February's invoice
        await conn.execute(
            "ALTER TABLE credit_entries ADD CONSTRAINT crash CHECK (source <> 'APPLIED') NOT VALID"
        )
        failed = await invoicing.generate_invoices(
            runtime, now=march, company_id=company, retry_max_hours=0
        )
        assert len(failed.failed) == 1
        assert "2025-02/EUR" not in await invoices_of(admin, company)
        assert await balances(admin, company) == [{"currency": "EUR", "amount": "40.00"}]
        await conn.execute("ALTER TABLE credit_entries DROP CONSTRAINT crash")
    for _ in range(2):
        await invoicing.generate_invoices(runtime, now=march, company_id=company, retry_max_hours=0)
    february = (await invoices_of(admin, company))["2025-02/EUR"]
    assert (credit_lines(february), february["total"]) == (["-40.00"], "60.00")
    assert await balances(admin, company) == [{"currency": "EUR", "amount": "0.00"}]
