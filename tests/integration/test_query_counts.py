"""Nested lists cost the same number of SQL statements for a page of 5 as for 50.

Each nested field resolved per parent goes through a per-request DataLoader:
one statement for the whole page. The statements a request runs are counted
on the connections the runtime lends while the request is served (a query
logger on each, noting only the statements run in the request's own context,
and none of the driver's own type introspection).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import pytest
import uuid_utils.compat as uuid7

from domain.contracts import ContractTerms
from domain.invoicing import ContractProduct
from domain.pricing import Price, PriceModel
from domain.thresholds import AlertKind
from services import invoicing
from storage import alerts, billing
from tests.integration.helpers import DEFINE_METRIC, create_company
from tests.integration.test_aggregation import draft, store

_STATEMENTS: ContextVar[list[str] | None] = ContextVar("statements", default=None)


# What asyncpg runs by itself the first time a connection meets a type it does
# not know (an enum, a domain): once per connection and type, so how many a
# request sees depends on which connections it got, not on the request.
_INTROSPECTION = ("typeinfo_tree", "set_config('jit'")


def _note(record: Any) -> None:
    # called soon after the statement, in a copy of the context that ran it
    seen = _STATEMENTS.get()
    if seen is not None and not any(marker in record.query for marker in _INTROSPECTION):
        seen.append(record.query)


class CountedPool:
    """The runtime's pool, noting the statements run on each connection it lends."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)

    @contextlib.asynccontextmanager
    async def acquire(self, *, timeout: float | None = None) -> AsyncIterator[Any]:  # noqa: ASYNC109
        async with self._pool.acquire(timeout=timeout) as conn:
            conn.add_query_logger(_note)
            try:
                yield conn
            finally:
                conn.remove_query_logger(_note)


Count = Callable[[str, dict[str, Any]], Awaitable[list[str]]]


@pytest.fixture
async def statements(runtime: Any, admin: Any) -> AsyncIterator[Count]:
    """Run a query as ADMIN; the SQL statements it ran."""
    plain = runtime.pool
    runtime.pool = CountedPool(plain)
    if runtime.reads is not None:  # reads go through the router to the same primary
        runtime.reads.primary = runtime.pool
    await admin("{ viewer { role } }")  # the key is looked up once, then known

    async def count(query: str, variables: dict[str, Any]) -> list[str]:
        seen: list[str] = []
        token = _STATEMENTS.set(seen)
        try:
            await admin(query, variables)
            await asyncio.sleep(0)  # the last statement's note runs soon after it
        finally:
            _STATEMENTS.reset(token)
        return seen

    try:
        yield count
    finally:
        runtime.pool = plain
        if runtime.reads is not None:
            runtime.reads.primary = plain


async def _same_for_5_and_50(
    statements: Count, seed: Callable[[int], Awaitable[None]], query: str, **variables: Any
) -> None:
    await seed(5)
    five = await statements(query, {"first": 5, **variables})
    await seed(50)
    fifty = await statements(query, {"first": 50, **variables})
    assert len(fifty) == len(five), f"{len(five)} statements for 5, {len(fifty)} for 50"


# ------------------------------------------------------------------ companies

COMPANIES = """
query($first: Int!) {
  companies(first: $first) {
    edges { node { id redactedProperties { key } billingDetails { city }
                   creditBalances { currency amount }
                   creditEntries(last: 3) { amount source } } }
  }
}"""


async def test_a_page_of_companies_with_their_credit(admin: Any, statements: Count) -> None:
    made: list[str] = []

    async def seed(n: int) -> None:
        while len(made) < n:
            made.append(await create_company(admin, f"counted-{len(made):02d}"))

    await _same_for_5_and_50(statements, seed, COMPANIES)


# ------------------------------------------------------------------ invoices

INVOICES = """
query($first: Int!) {
  invoices(first: $first) {
    edges { node { id lines { kind amount tiers { tier } } creditNotes { amount }
                   company { externalKey creditBalances { amount } }
                   contract { id company { name } products { productCode } } } }
  }
}"""


async def contract_with(runtime: Any, company: UUID) -> None:
    """A contract of the company's from 2025-01-01: API at 1.00 EUR a request."""
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO products (code, name, metric_code) VALUES ('API', 'API', 'API_REQUESTS')"
            " ON CONFLICT DO NOTHING"
        )
        terms = ContractTerms(
            id=uuid7.uuid7(),
            company_id=company,
            currency="EUR",
            start_date=date(2025, 1, 1),
            end_date=None,
            billing_day=1,
            payment_terms_days=10,
            minimum_commitment=None,
            grace=timedelta(hours=24),
            products=(
                ContractProduct("API", "API_REQUESTS", Price(PriceModel.PER_UNIT, unit_price=1)),
            ),
        )
        await billing.insert_contract(conn, terms, 0)


async def test_a_page_of_invoices_with_their_lines(
    admin: Any, runtime: Any, statements: Count
) -> None:
    made: list[str] = []

    async def seed(n: int) -> None:
        while len(made) < n:
            company = await create_company(admin, f"billed-{len(made):02d}")
            await contract_with(runtime, UUID(company))
            made.append(company)
        await invoicing.generate_invoices(runtime, now=datetime(2025, 2, 5, tzinfo=UTC))

    await _same_for_5_and_50(statements, seed, INVOICES)


# ------------------------------------------------------------------ contracts

CONTRACTS = """
query($company: UUID!) {
  contracts(companyId: $company) {
    id products { productCode metricCode price { model tiers { upTo } } filters { property } }
    versions { number products { productCode } } company { name }
  }
}"""


async def test_a_company_s_contracts_with_their_prices_and_versions(
    admin: Any, runtime: Any, statements: Count
) -> None:
    company = await create_company(admin, "contracted")
    made = 0

    async def seed(n: int) -> None:
        nonlocal made
        while made < n:
            await contract_with(runtime, UUID(company))
            made += 1

    await _same_for_5_and_50(statements, seed, CONTRACTS, company=company)


# ------------------------------------------------------------------ report schedules

SCHEDULES = """
query {
  reportSchedules { id destination { type to } runs(last: 3) { scheduledFor status } }
}"""

CREATE_SCHEDULE = """
mutation($name: String!) {
  createReportSchedule(name: $name, cron: "0 6 * * *", timeZone: "UTC",
                       criteria: {window: PREVIOUS_DAY, granularity: HOUR}, format: CSV,
                       destination: {type: EMAIL, to: ["ops@example.com"]}) {
    ... on ReportSchedule { id }
  }
}"""


async def test_report_schedules_with_their_runs(
    admin: Any, runtime: Any, statements: Count
) -> None:
    made = 0

    async def seed(n: int) -> None:
        nonlocal made
        while made < n:
            created = await admin(CREATE_SCHEDULE, {"name": f"daily-{made:02d}"})
            await _runs(runtime, created["createReportSchedule"]["id"], 4)
            made += 1

    await _same_for_5_and_50(statements, seed, SCHEDULES)


async def _runs(runtime: Any, schedule_id: str, n: int, error: str | None = None) -> None:
    """``n`` past daily runs of the schedule, the newest yesterday."""
    async with runtime.pool.acquire() as conn:
        await conn.executemany(
            "INSERT INTO report_schedule_runs (schedule_id, scheduled_for, status, attempts, error)"
            " VALUES ($1::uuid, $2, $3, 1, $4)",
            [
                (
                    schedule_id,
                    datetime(2026, 1, 31, 6, tzinfo=UTC) - timedelta(days=i),
                    "FAILED" if error else "DELIVERED",
                    error,
                )
                for i in range(n)
            ],
        )


# ------------------------------------------------------------------ thresholds

THRESHOLDS = """
query($company: UUID!) {
  thresholds(companyId: $company) { id levels { name amount channels roles } }
}"""

CREATE_THRESHOLD = """
mutation($input: ThresholdInput!) { createThreshold(input: $input) { ... on Threshold { id } } }
"""


async def _threshold(admin: Any, company: str, code: str) -> str:
    """A new metric ``code`` and the company's threshold on it (limit 9, one level)."""
    metric = {
        "code": code,
        "name": code,
        "resourceType": "API_CALLS",
        "measurementType": "COUNTER",
        "unit": "calls",
        "aggregation": "SUM",
    }
    await admin(DEFINE_METRIC, {"input": metric})
    level = {"name": "WARNING", "kind": "PERCENTAGE", "value": "80", "channels": ["EMAIL"]}
    threshold = {"metricCode": code, "companyId": company, "limit": "9", "levels": [level]}
    created = await admin(CREATE_THRESHOLD, {"input": threshold})
    return str(created["createThreshold"]["id"])


async def test_a_company_s_thresholds_with_their_levels(admin: Any, statements: Count) -> None:
    company = await create_company(admin, "watched")
    made: list[str] = []

    async def seed(n: int) -> None:
        while len(made) < n:
            made.append(await _threshold(admin, company, f"metric_{len(made):02d}"))

    await _same_for_5_and_50(statements, seed, THRESHOLDS, company=company)


# ------------------------------------------------------------------ alerts

ALERTS = """
query($first: Int!) {
  alerts(first: $first) {
    edges { node { id level threshold { id metricCode levels { name amount } } } }
  }
}"""


async def _alert(runtime: Any, threshold_id: str, company: str) -> None:
    """The threshold's first level, reached in January 2026."""
    async with runtime.pool.acquire() as conn:
        threshold = await alerts.threshold_by_id(conn, UUID(threshold_id))
        assert threshold is not None
        await alerts.insert_alert(
            conn,
            alerts.NewAlert(
                id=uuid7.uuid7(),
                threshold=threshold,
                company_id=UUID(company),
                start=datetime(2026, 1, 1, tzinfo=UTC),
                end=datetime(2026, 2, 1, tzinfo=UTC),
                level=threshold.levels[0],
                usage=Decimal(8),
                kind=AlertKind.CROSSING,
            ),
        )


async def test_a_page_of_alerts_with_their_thresholds(
    admin: Any, runtime: Any, statements: Count
) -> None:
    company = await create_company(admin, "alerted")
    made = 0

    async def seed(n: int) -> None:
        nonlocal made
        while made < n:
            threshold = await _threshold(admin, company, f"alerting_{made:02d}")
            await _alert(runtime, threshold, company)
            made += 1

    await _same_for_5_and_50(statements, seed, ALERTS)


# ------------------------------------------------------------------ what each parent gets

SCHEDULE_FOR = """
mutation($name: String!, $company: UUID) {
  createReportSchedule(name: $name, cron: "0 6 * * *", timeZone: "UTC",
                       criteria: {window: PREVIOUS_DAY, granularity: DAY, companyId: $company},
                       format: CSV, destination: {type: EMAIL, to: ["ops@example.com"]}) {
    ... on ReportSchedule { id }
  }
}"""

RUNS = """
{ reportSchedules { name newest: runs(last: 1) { scheduledFor }
                    runs(last: 3) { scheduledFor status error } } }
"""


async def test_each_schedule_gets_its_own_latest_runs_and_no_other_company_s(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    acme, other = await create_company(admin, "acme"), await create_company(admin, "other")
    made = {}
    for name, company in (("platform", None), ("acme", acme), ("other", other)):
        created = await admin(SCHEDULE_FOR, {"name": name, "company": company})
        made[name] = created["createReportSchedule"]["id"]
    await _runs(runtime, made["platform"], 2)
    await _runs(runtime, made["acme"], 4, error="mail server said no")

    listed = {s["name"]: s for s in (await admin(RUNS))["reportSchedules"]}
    assert [r["scheduledFor"] for r in listed["platform"]["runs"]] == [
        "2026-01-31T06:00:00+00:00",
        "2026-01-30T06:00:00+00:00",
    ]
    assert listed["platform"]["newest"] == [{"scheduledFor": "2026-01-31T06:00:00+00:00"}]
    assert [r["scheduledFor"][:10] for r in listed["acme"]["runs"]] == [
        "2026-01-31",
        "2026-01-30",
        "2026-01-29",
    ]
    assert {r["error"] for r in listed["acme"]["runs"]} == {"mail server said no"}
    assert (listed["other"]["runs"], listed["other"]["newest"]) == ([], [])

    # a company's keys see its own schedule, with errors for its admin only
    (managed,) = (await (await scoped("COMPANY_ADMIN", acme))(RUNS))["reportSchedules"]
    assert (managed["name"], len(managed["runs"])) == ("acme", 3)
    assert managed["runs"][0]["error"] == "mail server said no"
    (seen,) = (await (await scoped("VIEWER", acme))(RUNS))["reportSchedules"]
    assert [(r["status"], r["error"]) for r in seen["runs"]] == [("FAILED", None)] * 3


CREDIT = """
query($last: Int!) {
  companies(first: 10) {
    edges { node { externalKey creditBalances { currency amount }
                   creditEntries(last: $last) { source amount } } }
  }
}"""


async def _overpaid(admin: Any, runtime: Any, key: str, paid: str) -> str:
    """A company whose January invoice (100 units, 100.00 EUR) was paid ``paid``."""
    company = UUID(await create_company(admin, key))
    await contract_with(runtime, company)
    await store(runtime, [draft(company, datetime(2025, 1, 10, tzinfo=UTC), Decimal(100))])
    await invoicing.generate_invoices(
        runtime, now=datetime(2025, 2, 5, tzinfo=UTC), company_id=company
    )
    found = await admin(INVOICE_OF, {"company": str(company)})
    (invoice,) = found["invoices"]["edges"]
    await admin(PAY, {"id": invoice["node"]["id"], "amount": paid})
    return str(company)


INVOICE_OF = """
query($company: UUID!) {
  invoices(filter: {companyId: $company}, first: 5) { edges { node { id } } }
}"""

PAY = """
mutation($id: UUID!, $amount: Decimal!) {
  recordPayment(invoiceId: $id, amount: $amount, paidAt: "2025-02-20T10:00:00Z") { __typename }
}"""


async def test_each_company_in_a_page_gets_its_own_credit(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    acme = await _overpaid(admin, runtime, "acme", "250.00")
    await _overpaid(admin, runtime, "globex", "130.00")
    await create_company(admin, "initech")

    listed = {
        e["node"]["externalKey"]: e["node"]
        for e in (await admin(CREDIT, {"last": 5}))["companies"]["edges"]
    }
    assert {k: v["creditBalances"] for k, v in listed.items()} == {
        "acme": [{"currency": "EUR", "amount": "150.00"}],
        "globex": [{"currency": "EUR", "amount": "30.00"}],
        "initech": [],
    }
    assert {k: v["creditEntries"] for k, v in listed.items()} == {
        "acme": [{"source": "OVERPAYMENT", "amount": "150.00"}],
        "globex": [{"source": "OVERPAYMENT", "amount": "30.00"}],
        "initech": [],
    }

    # a company's key lists its own company and its own credit only
    viewer = await scoped("VIEWER", acme)
    (own,) = (await viewer(CREDIT, {"last": 5}))["companies"]["edges"]
    assert (own["node"]["externalKey"], own["node"]["creditBalances"]) == (
        "acme",
        [{"currency": "EUR", "amount": "150.00"}],
    )
    refused = await admin.post(CREDIT, {"last": 0})
    errors = refused.json()["errors"]
    assert {e["extensions"]["field"] for e in errors} == {"last"}


BILLED = """
{ invoices(first: 10) { edges { node { companyId contractId company { id externalKey }
                                       contract { id company { id } } } } } }
"""

SIMULATE = """
query($input: ContractInput!) {
  simulateContract(input: $input, periodStart: "2025-01-01T00:00:00Z") {
    ... on Invoice { companyId company { externalKey } contract { id } }
  }
}"""


async def test_each_invoice_names_its_own_company_and_contract(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    acme = await _overpaid(admin, runtime, "acme", "100.00")
    globex = await _overpaid(admin, runtime, "globex", "100.00")
    keys = {acme: "acme", globex: "globex"}

    listed = [e["node"] for e in (await admin(BILLED))["invoices"]["edges"]]
    assert sorted(i["company"]["externalKey"] for i in listed) == ["acme", "globex"]
    for invoice in listed:
        assert invoice["company"] == {
            "id": invoice["companyId"],
            "externalKey": keys[invoice["companyId"]],
        }
        assert invoice["contract"] == {
            "id": invoice["contractId"],
            "company": {"id": invoice["companyId"]},
        }

    (own,) = (await (await scoped("VIEWER", globex))(BILLED))["invoices"]["edges"]
    assert own["node"]["company"] == {"id": globex, "externalKey": "globex"}
    assert own["node"]["contract"]["company"] == {"id": globex}

    contracts = await admin(CONTRACTS, {"company": acme})
    assert [c["company"] for c in contracts["contracts"]] == [{"name": "acme"}]

    # a contract not made has no contract to name
    product = {"productCode": "API", "price": {"model": "PER_UNIT", "unitPrice": "1"}}
    draft_contract = {
        "companyId": acme,
        "currency": "EUR",
        "startDate": "2025-01-01",
        "products": [product],
    }
    simulated = (await admin(SIMULATE, {"input": draft_contract}))["simulateContract"]
    assert simulated == {"companyId": acme, "company": {"externalKey": "acme"}, "contract": None}


RAISED = """
{ alerts(first: 10) { edges { node { metricCode threshold { companyId metricCode limit } } } } }
"""


async def test_each_alert_names_its_own_threshold_a_default_one_included(
    admin: Any, runtime: Any, scoped: Any
) -> None:
    acme, globex = await create_company(admin, "acme"), await create_company(admin, "globex")
    await _alert(runtime, await _threshold(admin, acme, "acme_calls"), acme)
    await _alert(runtime, await _threshold(admin, globex, "globex_calls"), globex)
    default = await admin(
        CREATE_THRESHOLD,
        {
            "input": {
                "metricCode": "API_REQUESTS",
                "limit": "50",
                "levels": [
                    {"name": "HIGH", "kind": "ABSOLUTE", "value": "40", "channels": ["EMAIL"]}
                ],
            }
        },
    )
    await _alert(runtime, default["createThreshold"]["id"], acme)

    def shown(data: dict[str, Any]) -> list[tuple[str, Any]]:
        return sorted(
            (e["node"]["metricCode"], e["node"]["threshold"]) for e in data["alerts"]["edges"]
        )

    default_threshold = {"companyId": None, "metricCode": "API_REQUESTS", "limit": "50"}
    acme_threshold = {"companyId": acme, "metricCode": "acme_calls", "limit": "9"}
    assert shown(await admin(RAISED)) == [
        ("API_REQUESTS", default_threshold),
        ("acme_calls", acme_threshold),
        ("globex_calls", {"companyId": globex, "metricCode": "globex_calls", "limit": "9"}),
    ]
    # a company's key sees its alerts' thresholds: its own, and the default it is under
    assert shown(await (await scoped("VIEWER", acme))(RAISED)) == [
        ("API_REQUESTS", default_threshold),
        ("acme_calls", acme_threshold),
    ]


TWO_CREDIT_NOTES = """
mutation($invoice: UUID!) {
  first: issueCreditNote(input: {invoiceId: $invoice, amount: "10.00", reason: "outage"}) {
    ... on Invoice { creditNotes { amount } company { creditBalances { amount } } }
  }
  second: issueCreditNote(input: {invoiceId: $invoice, amount: "5.00", reason: "late"}) {
    ... on Invoice { creditNotes { amount } company { creditBalances { amount } } }
  }
}"""


async def test_each_mutation_of_a_document_reads_what_the_ones_before_it_wrote(
    admin: Any, runtime: Any
) -> None:
    company = await _overpaid(admin, runtime, "acme", "100.00")
    found = await admin(INVOICE_OF, {"company": company})
    (invoice,) = found["invoices"]["edges"]
    done = await admin(TWO_CREDIT_NOTES, {"invoice": invoice["node"]["id"]})
    # the paid invoice's credit notes become the company's credit
    assert done["first"] == {
        "creditNotes": [{"amount": "10.00"}],
        "company": {"creditBalances": [{"amount": "10.00"}]},
    }
    assert done["second"] == {
        "creditNotes": [{"amount": "10.00"}, {"amount": "5.00"}],
        "company": {"creditBalances": [{"amount": "15.00"}]},
    }
