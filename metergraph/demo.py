"""The SMSWorld scenario: three customers, their contracts for 2024, their events.

``load_demo`` defines the metrics and products, imports the 64 events of the
simulation guide (three of them repeated), signs the three contracts and
generates the 2024 invoices; customer C pays each of its invoices on the due
date its Net 45 terms give. Running it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from uuid import UUID

import uuid_utils.compat as uuid7

from domain.invoicing import ContractProduct, ContractTerms
from domain.pricing import Price, PriceModel, Tier, TierBasis
from domain.usage import Aggregation, MeasurementType, Metric, ResourceType
from services.runtime import Runtime
from services.setup import ProductSpec, Scenario, ScenarioRun, load_scenario

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
# Customer C's written contract (seed customer-c-contract.md): Net 45, 1 % a month on
# overdue amounts, its id in StartupConnect's books. Customers A and B have no
# written contract: Net 30 and no late fee.
PAYMENT_TERMS_DAYS = {"customer_c": 45}
LATE_FEE_PERCENT = {"customer_c": Decimal(1)}
EXTERNAL_IDS = {"customer_c": "contract_customer_c_001"}
YEAR_START, YEAR_END = date(2024, 1, 1), date(2024, 12, 31)


# What a demo run did: events imported, contracts signed, invoices generated.
DemoRun = ScenarioRun


def _terms(key: str, prices: dict[str, Price], company_id: UUID) -> ContractTerms:
    metric_of = {code: metric for code, _, metric in PRODUCTS}
    return ContractTerms(
        id=uuid7.uuid7(),
        company_id=company_id,
        currency="USD",
        start_date=YEAR_START,
        end_date=YEAR_END,
        billing_day=1,
        payment_terms_days=PAYMENT_TERMS_DAYS.get(key, 30),
        minimum_commitment=MINIMUMS.get(key),
        grace=timedelta(hours=24),
        products=tuple(
            ContractProduct(code, metric_of[code], price) for code, price in prices.items()
        ),
        late_fee_percent_per_month=LATE_FEE_PERCENT.get(key, Decimal(0)),
    )


def scenario() -> Scenario:
    """SMSWorld: its metrics, products, the 64 events and the three 2024 contracts."""
    return Scenario(
        metrics=[
            Metric(
                code,
                name,
                ResourceType.API_CALLS,
                MeasurementType.COUNTER,
                "messages",
                Aggregation.SUM,
            )
            for code, name in METRICS
        ],
        products=[ProductSpec(code, name, metric) for code, name, metric in PRODUCTS],
        usage_csv=EVENTS.read_bytes(),
        contracts={key: partial(_terms, key, prices) for key, prices in PRICES.items()},
        external_ids=EXTERNAL_IDS,
        # the seed's totals carry no late fees: customer C pays on its due dates
        pays_on_time=frozenset({"customer_c"}),
    )


async def load_demo(runtime: Runtime, *, now: datetime | None = None) -> DemoRun:
    return await load_scenario(runtime, scenario(), now=now)
