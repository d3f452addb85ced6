"""The SMSWorld scenario: three customers, their contracts for 2024, their events.

``load_demo`` defines the metrics and products, imports the 64 events of the
simulation guide (three of them repeated), signs the three contracts and
generates the 2024 invoices. Running it again changes nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import uuid_utils.compat as uuid7

from domain.bulk import BulkFormat
from domain.invoicing import ContractProduct, ContractTerms
from domain.pricing import Price, PriceModel, Tier, TierBasis
from domain.usage import Aggregation, MeasurementType, Metric, ResourceType
from services.imports import ImportOptions, ImportSummary, UsageImporter
from services.runtime import Runtime
from storage import billing, repos
from storage.queries import q

EVENTS = Path(__file__).parent / "demo_data" / "smsworld_usage_events.csv"

METRICS = [
    ("sms_delivered", "SMS delivered"),
    ("whatsapp_messages_sent", "WhatsApp messages sent"),
    ("ai_sms_processed", "AI SMS processed"),
]
PRODUCTS = [
    ("SMS_001", "SMS", "sms_delivered"),
    ("WHATSAPP_001", "WhatsApp", "whatsapp_messages_sent"),
    ("AI_SMS_001", "AI SMS", "ai_sms_processed"),
]


def per_unit(price: str) -> Price:
    return Price(PriceModel.PER_UNIT, unit_price=Decimal(price))


# The prices the seed's expected totals imply (SPEC.md, "The three seed customers").
PRICES: dict[str, dict[str, Price]] = {
    "customer_a": {
        "SMS_001": per_unit("0.01"),
        "WHATSAPP_001": Price(
            PriceModel.PACKAGE, package_size=Decimal(1000), package_price=Decimal("10.00")
        ),
        "AI_SMS_001": Price(
            PriceModel.GRADUATED,
            tiers=(
                Tier(Decimal(1000), unit_price=Decimal("2.00")),
                Tier(Decimal(2000), unit_price=Decimal("1.00")),
                Tier(None, unit_price=Decimal("0.50")),
            ),
        ),
    },
    "customer_b": {"SMS_001": per_unit("0.02"), "AI_SMS_001": per_unit("2.00")},
    "customer_c": {
        "SMS_001": per_unit("0.01"),
        "WHATSAPP_001": Price(
            PriceModel.FLAT_TIERED,
            tiers=(
                Tier(Decimal(999), flat_fee=Decimal("2.00")),
                Tier(Decimal(2000), flat_fee=Decimal("1.00")),
                Tier(None, flat_fee=Decimal("0.50")),
            ),
            free_units=Decimal(100),
            tier_basis=TierBasis.BILLABLE,
        ),
    },
}
MINIMUMS = {"customer_b": Decimal("100.00")}
YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)


@dataclass
class DemoRun:
    imported: ImportSummary
    contracts_created: int
    invoices: billing.GenerationRun


async def _file() -> AsyncIterator[bytes]:
    yield EVENTS.read_bytes()


async def load_demo(runtime: Runtime, *, now: datetime | None = None) -> DemoRun:
    now = now or datetime.now(UTC)
    async with runtime.pool.acquire() as conn:
        for code, name in METRICS:
            await repos.insert_metric(
                conn,
                Metric(
                    code,
                    name,
                    ResourceType.API_CALLS,
                    MeasurementType.COUNTER,
                    "messages",
                    Aggregation.SUM,
                ),
            )
        for code, name, metric in PRODUCTS:
            await conn.execute(q("insert_product"), code, name, metric)
    runtime.references.invalidate()
    imported = await UsageImporter(runtime.ingestor).run(
        _file(), ImportOptions(BulkFormat.CSV, backfill=True, create_companies=True)
    )
    created = 0
    async with runtime.pool.acquire() as conn:
        companies = await repos.companies_by_external_keys(conn, sorted(PRICES))
        existing = {c.terms.company_id for c in await billing.contracts(conn, None)}
        metric_of = {code: metric for code, _, metric in PRODUCTS}
        for key, prices in PRICES.items():
            company = companies[key]
            if company.id in existing:
                continue
            await billing.insert_contract(
                conn,
                ContractTerms(
                    id=uuid7.uuid7(),
                    company_id=company.id,
                    currency="USD",
                    start_date=YEAR_START,
                    end_date=YEAR_END,
                    billing_day=1,
                    payment_terms_days=30,
                    minimum_commitment=MINIMUMS.get(key),
                    grace=timedelta(hours=24),
                    products=tuple(
                        ContractProduct(code, metric_of[code], price)
                        for code, price in prices.items()
                    ),
                ),
                Decimal(0),  # the seed's totals carry no late fees
            )
            created += 1
        invoices = await billing.generate_invoices(conn, now=now)
    return DemoRun(imported, created, invoices)
