"""Loading simulated usage (``domain.simulation``) through the product's own paths.

The catalog, the companies and their contracts are made by the services an
ADMIN's requests use (what exists already is kept as it is), and the records
go through the batch ingest a ``batchRecordUsage`` request uses, month by
month in the order they arrive: a late record with a later month's batch, a
duplicate as a second send that the ingest recognises by its idempotency key.
Loading the same simulation again stores nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from uuid import UUID

from domain.access import Principal, Role
from domain.contracts import ContractDraft
from domain.errors import NotFound
from domain.pricing import Price
from domain.simulation import SimulatedCustomer, SimulatedRecord, Simulation, add_months
from domain.usage import Metric, UsageDraft
from services import audit
from services.audit import ChangeAudit
from services.catalog import NewCompany, company_named, create_company, define_metric, list_metrics
from services.contracts import create_contract, create_product, list_contracts, list_products
from services.ingest import record_usage_batch
from services.pipeline import BatchResult, Status
from services.runtime import Runtime

# A simulated contract's terms (the seed's customers A and B: Net 30, no late fee).
PAYMENT_TERMS_DAYS = 30
GRACE = timedelta(hours=24)
# How many refusals a load keeps the messages of.
MAX_ERRORS = 10
# The command line loads as an ADMIN with no key (its audit rows say "CLI").
OPERATOR = Principal(UUID(int=0), Role.ADMIN, None)


@dataclass(frozen=True)
class SimulatedProduct:
    code: str
    name: str
    metric_code: str


@dataclass(frozen=True)
class SimulationCatalog:
    """What the simulated customers use and what their contracts charge."""

    metrics: Sequence[Metric]
    products: Sequence[SimulatedProduct]
    # segment name → product code → price
    prices: Mapping[str, Mapping[str, Price]]
    # segment name → monthly minimum commitment
    minimums: Mapping[str, Decimal] = field(default_factory=dict)
    currency: str = "USD"


@dataclass
class SimulationLoad:
    """What a load did."""

    companies_created: int = 0
    contracts_created: int = 0
    sent: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    # late records stored by this load
    late_accepted: int = 0
    errors: list[str] = field(default_factory=list)


async def simulate_usage(
    rt: Runtime,
    principal: Principal,
    simulation: Simulation,
    catalog: SimulationCatalog,
    progress: Callable[[int], None] = lambda sent: None,
) -> SimulationLoad:
    """Make the simulation's catalog, companies and contracts where missing, then
    send its records in arrival order; ``progress`` hears how many each batch sent."""
    principal.require(Role.ADMIN)
    load = SimulationLoad()
    metrics = await _define_catalog(rt, principal, catalog, simulation)
    companies = await _companies(rt, principal, simulation.customers, load)
    await _contracts(rt, principal, simulation, catalog, companies, load)
    for batch in _batches(simulation.records, rt.settings.max_batch_size):
        drafts = [_draft(r, companies[r.customer], metrics[r.metric_code]) for r in batch]
        details = {"seed": simulation.plan.seed, "records": len(drafts)}
        result = await record_usage_batch(
            rt,
            principal,
            drafts,
            backfill=True,
            audit=audit.by_operator("simulateUsage", details),
        )
        _count(load, batch, result)
        progress(len(batch))
    return load


def _operator(action: str, details: Mapping[str, object]) -> ChangeAudit:
    return ChangeAudit(
        lambda answer: audit.by_operator(action, {**details, "answer": answer}), lambda: None
    )


async def _define_catalog(
    rt: Runtime, principal: Principal, catalog: SimulationCatalog, simulation: Simulation
) -> dict[str, Metric]:
    """Define the metrics and products the simulation uses that are missing; the
    metrics as defined (one defined before keeps its unit and types)."""
    wanted = set(simulation.plan.metrics)
    known = {m.code: m for m in await list_metrics(rt)}
    for metric in catalog.metrics:
        if metric.code in wanted and metric.code not in known:
            audited = _operator("defineMetric", {"code": metric.code})
            known[metric.code] = await define_metric(rt, principal, metric, audited)
    products = {p.code for p in await list_products(rt, principal)}
    for product in catalog.products:
        if product.metric_code in wanted and product.code not in products:
            audited = _operator("createProduct", {"code": product.code})
            await create_product(
                rt, principal, product.code, product.name, product.metric_code, audit=audited
            )
    return known


async def _companies(
    rt: Runtime,
    principal: Principal,
    customers: Sequence[SimulatedCustomer],
    load: SimulationLoad,
) -> dict[int, UUID]:
    """Each customer's company id, the company created when there is none."""
    ids = {}
    for customer in customers:
        try:
            ids[customer.index] = (await company_named(rt, customer.external_key)).id
            continue
        except NotFound:
            pass
        new = NewCompany(customer.external_key, customer.name)
        audited = _operator("createCompany", {"externalKey": customer.external_key})
        ids[customer.index] = (await create_company(rt, principal, new, audited)).id
        load.companies_created += 1
    return ids


async def _contracts(
    rt: Runtime,
    principal: Principal,
    simulation: Simulation,
    catalog: SimulationCatalog,
    companies: Mapping[int, UUID],
    load: SimulationLoad,
) -> None:
    """A contract for each company that has none, covering the plan's months: no
    invoices for months nothing was simulated in. A company keeps the contract
    its first load made."""
    metric_of = {p.code: p.metric_code for p in catalog.products}
    plan = simulation.plan
    for customer in simulation.customers:
        company_id = companies[customer.index]
        if await list_contracts(rt, principal, company_id):
            continue
        segment = customer.segment.name
        prices = catalog.prices.get(segment, {})
        products = tuple(
            (code, price) for code, price in prices.items() if metric_of.get(code) in plan.metrics
        )
        if not products:
            continue
        draft = ContractDraft(
            company_id=company_id,
            currency=catalog.currency,
            start_date=plan.start,
            end_date=add_months(plan.start, plan.months) - timedelta(days=1),
            billing_day=1,
            payment_terms_days=PAYMENT_TERMS_DAYS,
            late_fee_percent_per_month=Decimal(0),
            minimum_commitment=catalog.minimums.get(segment),
            grace_hours=int(GRACE.total_seconds() // 3600),
            products=products,
        )
        await create_contract(rt, principal, draft, audit=_operator("createContract", {}))
        load.contracts_created += 1


def _batches(records: Sequence[SimulatedRecord], size: int) -> Iterator[Sequence[SimulatedRecord]]:
    """The records in batches of at most ``size``, a batch never spanning two arrival months."""
    start = 0
    while start < len(records):
        end = min(start + size, len(records))
        arrival = records[start].arrival
        while records[end - 1].arrival != arrival:
            end -= 1
        yield records[start:end]
        start = end


def _draft(record: SimulatedRecord, company_id: UUID, metric: Metric) -> UsageDraft:
    return UsageDraft(
        company_id=company_id,
        resource_type=metric.resource_type,
        metric_code=metric.code,
        timestamp=record.timestamp,
        value=record.value,
        unit=metric.unit,
        measurement_type=metric.measurement_type,
        source="simulation",
        idempotency_key=record.idempotency_key,
        properties=dict(record.properties),
    )


def _count(load: SimulationLoad, batch: Sequence[SimulatedRecord], result: BatchResult) -> None:
    load.sent += len(batch)
    load.accepted += result.accepted
    load.duplicates += result.duplicates
    load.rejected += result.rejected
    for outcome in result.outcomes:
        record = batch[outcome.index]
        if outcome.status is Status.ACCEPTED and record.late:
            load.late_accepted += 1
        for error in outcome.errors:
            if len(load.errors) < MAX_ERRORS:
                load.errors.append(f"{record.idempotency_key}: {error.field}: {error.message}")
