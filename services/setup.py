"""Setting a database up: a scenario's catalog, usage and contracts, loaded at once.

The demo (``metergraph demo``) is one scenario. ``load_scenario`` defines
the metrics and products the database lacks, imports the usage (creating
the companies it names), signs a contract for each company that has none
and generates the invoices of every closed period. Running it again
changes nothing.

Companies a scenario says pay on time pay each finalized invoice in full on
its due date; their invoices are then generated month by month, each month's
run seeing the payments made before it, so no late fee accrues on them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from domain.bulk import BulkFormat
from domain.invoicing import ContractTerms, InvoiceStatus, PaymentStatus
from domain.usage import Metric
from services import invoicing
from services.imports import ImportOptions, ImportSummary, UsageImporter
from services.runtime import Runtime
from storage import billing, repos


@dataclass(frozen=True)
class ProductSpec:
    code: str
    name: str
    metric_code: str


@dataclass(frozen=True)
class Scenario:
    metrics: Sequence[Metric]
    products: Sequence[ProductSpec]
    usage_csv: bytes
    # a company's external key → its contract's terms, given the company's id
    contracts: Mapping[str, Callable[[UUID], ContractTerms]]
    # for contracts whose terms set none
    late_fee_percent_per_month: Decimal = Decimal(0)
    # a company's external key → its contract's external id
    external_ids: Mapping[str, str] = field(default_factory=dict)
    # companies that pay every invoice in full on its due date
    pays_on_time: frozenset[str] = frozenset()


@dataclass
class ScenarioRun:
    imported: ImportSummary
    contracts_created: int
    invoices: invoicing.GenerationRun


async def load_scenario(
    rt: Runtime, scenario: Scenario, *, now: datetime | None = None
) -> ScenarioRun:
    """Load ``scenario`` and invoice every period closed at ``now``."""
    now = now or datetime.now(UTC)
    await define_catalog(rt, scenario.metrics, scenario.products)
    imported = await UsageImporter(rt.ingestor).run(
        _chunks(scenario.usage_csv),
        ImportOptions(BulkFormat.CSV, backfill=True, create_companies=True),
    )
    created = await sign_missing_contracts(
        rt, scenario.contracts, scenario.late_fee_percent_per_month, scenario.external_ids
    )
    if scenario.pays_on_time:
        invoices = await _invoice_month_by_month(rt, scenario.pays_on_time, now)
    else:
        invoices = await invoicing.generate_invoices(rt, now=now)
    return ScenarioRun(imported, created, invoices)


async def define_catalog(
    rt: Runtime, metrics: Sequence[Metric], products: Sequence[ProductSpec]
) -> None:
    """Define the metrics and products not defined yet (those that are stay as they are)."""
    async with rt.pool.acquire() as conn:
        for metric in metrics:
            await repos.insert_metric(conn, metric)
        for product in products:
            await repos.define_product(conn, product.code, product.name, product.metric_code)
    rt.references.invalidate()


async def sign_missing_contracts(
    rt: Runtime,
    contracts: Mapping[str, Callable[[UUID], ContractTerms]],
    late_fee_percent_per_month: Decimal,
    external_ids: Mapping[str, str] | None = None,
) -> int:
    """Sign a contract for each named company that has none; how many were signed."""
    created = 0
    async with rt.pool.acquire() as conn:
        companies = await repos.companies_by_external_keys(conn, sorted(contracts))
        signed = {c.terms.company_id for c in await billing.contracts(conn, None)}
        for key, terms_for in contracts.items():
            company = companies[key]
            if company.id in signed:
                continue
            terms = terms_for(company.id)
            await billing.insert_contract(
                conn,
                terms,
                terms.late_fee_percent_per_month or late_fee_percent_per_month,
                (external_ids or {}).get(key),
            )
            created += 1
    return created


async def _invoice_month_by_month(
    rt: Runtime, payers: frozenset[str], now: datetime
) -> invoicing.GenerationRun:
    """The invoice run once a month (the day after each 1st, when the month before
    is final), each followed by the payers' payments that are due by ``now``."""
    async with rt.pool.acquire() as conn:
        companies = await repos.companies_by_external_keys(conn, sorted(payers))
        contracts = await billing.contracts(conn, None)
    first = min(c.terms.start_date for c in contracts)
    last = max((c.terms.end_date or now.date() for c in contracts), default=now.date())
    total = invoicing.GenerationRun()
    payer_ids = {c.id for c in companies.values()}
    for step in _monthly(first, min(now, _moment(last) + timedelta(days=62))):
        run = await invoicing.generate_invoices(rt, now=step)
        total.created += run.created
        total.finalized += run.finalized
        await _pay_on_due_dates(rt, payer_ids, now)
    run = await invoicing.generate_invoices(rt, now=now)
    total.created += run.created
    total.updated += run.updated
    total.finalized += run.finalized
    await _pay_on_due_dates(rt, payer_ids, now)
    return total


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _monthly(first: date, until: datetime) -> list[datetime]:
    """The 2nd of each month after ``first``'s, up to ``until``."""
    steps, month = [], first.replace(day=1)
    while True:
        month = (month + timedelta(days=32)).replace(day=1)
        step = _moment(month) + timedelta(days=1)
        if step > until:
            return steps
        steps.append(step)


async def _pay_on_due_dates(rt: Runtime, company_ids: set[UUID], now: datetime) -> None:
    """Pay the companies' finalized, unpaid invoices due by ``now``, in full, on the due date."""
    async with rt.pool.acquire() as conn:
        for company_id in company_ids:
            for invoice in await billing.list_invoices(conn, company_id, None, None, None, 10_000):
                due = _moment(invoice.draft.due_date)
                if (
                    invoice.status is InvoiceStatus.FINALIZED
                    and invoice.payment_status is PaymentStatus.UNPAID
                    and invoice.draft.total > invoice.paid_amount
                    and due <= now
                ):
                    owed = invoice.draft.total - invoice.paid_amount
                    await billing.record_payment(conn, invoice.id, owed, due)


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content
