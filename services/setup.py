"""Setting a database up: a scenario's catalog, usage and contracts, loaded at once.

The demo (``metergraph demo``) is one scenario. ``load_scenario`` defines
the metrics and products the database lacks, imports the usage (creating
the companies it names), signs a contract for each company that has none
and generates the invoices of every closed period. Running it again
changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.bulk import BulkFormat
from domain.invoicing import ContractTerms
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
    late_fee_percent_per_month: Decimal = Decimal(0)


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
        rt, scenario.contracts, scenario.late_fee_percent_per_month
    )
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
            await billing.insert_contract(conn, terms_for(company.id), late_fee_percent_per_month)
            created += 1
    return created


async def _chunks(content: bytes) -> AsyncIterator[bytes]:
    yield content
