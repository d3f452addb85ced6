"""Invoice run for 10,000 contracts of 3 products, against a baseline in the same run.

    python bench/invoices.py [--contracts 10000] [--events 10]

Starts PostgreSQL (embedded, in a temporary directory, unless DATABASE_URL is
set), creates ``--contracts`` companies each with a contract for three
products (per unit, package, graduated with a free allowance) starting last
month, stores ``--events`` usage records per company and product in last
month, runs the rollup job, then times the invoice run that invoices last
month for every contract. The baseline is the least any invoice run must
do: one SQL query summing last month's usage per company and metric.
SPEC.md's target: under 60 s.

Then renders ``--pdfs`` of those invoices as PDFs (read from the database
beforehand; the clock counts the rendering alone), against rendering a
one-line A4 page with the same library, in invoices per second.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate
from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uuid_utils.compat as uuid7  # noqa: E402
from support import postgres  # noqa: E402

from domain.access import Principal, Role  # noqa: E402
from domain.invoice_pdf import render_invoice_pdf  # noqa: E402
from domain.invoicing import ContractProduct, ContractTerms  # noqa: E402
from domain.pricing import Price, PriceModel, Tier  # noqa: E402
from domain.usage import (  # noqa: E402
    Aggregation,
    MeasurementType,
    Metric,
    ResourceType,
    UsageDraft,
)
from services import invoice_documents, invoicing  # noqa: E402
from services.config import Settings  # noqa: E402
from services.retention import roll_up  # noqa: E402
from services.runtime import (  # noqa: E402
    Runtime,
    ensure_database,
    open_runtime,
    prepare_database,
)
from storage import billing, repos  # noqa: E402
from storage.partitions import month_of  # noqa: E402
from storage.queries import q  # noqa: E402
from storage.usage import PendingRecord, store_usage  # noqa: E402

TARGET_SECONDS = 60.0
PRODUCTS = [
    ("B_SMS", "bench_sms", Price(PriceModel.PER_UNIT, unit_price=Decimal("0.01"))),
    (
        "B_CHAT",
        "bench_chat",
        Price(PriceModel.PACKAGE, package_size=Decimal(1000), package_price=Decimal("10.00")),
    ),
    (
        "B_AI",
        "bench_ai",
        Price(
            PriceModel.GRADUATED,
            tiers=(
                Tier(Decimal(1000), unit_price=Decimal("2.00")),
                Tier(None, unit_price=Decimal("1.00")),
            ),
            free_units=Decimal(100),
        ),
    ),
]


async def _catalogue(runtime: Runtime, count: int) -> tuple[dict[str, Metric], list[UUID]]:
    """The bench's metrics and products, and ``count`` companies."""
    metrics = {}
    async with runtime.pool.acquire() as conn:
        for code, metric_code, _ in PRODUCTS:
            metric = Metric(
                metric_code,
                metric_code,
                ResourceType.API_CALLS,
                MeasurementType.COUNTER,
                "events",
                Aggregation.SUM,
            )
            await repos.insert_metric(conn, metric)
            await conn.execute(q("insert_product"), code, code, metric_code)
            metrics[metric_code] = metric
        companies = [uuid7.uuid7() for _ in range(count)]
        await conn.copy_records_to_table(
            "companies",
            records=[(c, f"bench-{n}", f"Bench {n}") for n, c in enumerate(companies)],
            columns=("id", "external_key", "name"),
        )
    return metrics, companies


async def _contracts(runtime: Runtime, companies: list[UUID], start: datetime) -> None:
    """One contract per company, of the three products, from ``start``."""
    with tqdm(total=len(companies), unit="contract", desc="contracts") as bar:
        async with runtime.pool.acquire() as conn:
            for company in companies:
                terms = ContractTerms(
                    id=uuid7.uuid7(),
                    company_id=company,
                    currency="EUR",
                    start_date=start.date(),
                    end_date=None,
                    billing_day=1,
                    payment_terms_days=30,
                    minimum_commitment=Decimal("5.00"),
                    grace=timedelta(hours=0),
                    products=tuple(ContractProduct(c, m, p) for c, m, p in PRODUCTS),
                )
                await billing.insert_contract(conn, terms, Decimal(0))
                bar.update(1)


async def _usage(
    runtime: Runtime,
    companies: list[UUID],
    metrics: dict[str, Metric],
    events: int,
    start: datetime,
    end: datetime,
) -> int:
    """``events`` usage records per company and product in ``[start, end)``; how many."""
    span = int((end - start).total_seconds())
    total = len(companies) * len(PRODUCTS) * events
    with tqdm(total=total, unit="rec", desc="usage") as bar:
        pending: list[PendingRecord] = []
        n = 0
        for company in companies:
            for _, metric_code, _ in PRODUCTS:
                for _ in range(events):
                    n += 1
                    draft = UsageDraft(
                        company_id=company,
                        resource_type=ResourceType.API_CALLS,
                        metric_code=metric_code,
                        timestamp=start + timedelta(seconds=(n * 7919) % span),
                        value=Decimal(n % 300),
                        unit="events",
                    )
                    pending.append(
                        PendingRecord(len(pending), uuid7.uuid7(), draft, metrics[metric_code])
                    )
                    if len(pending) == 50_000:
                        await _store(runtime, pending, bar)
                        pending = []
        if pending:
            await _store(runtime, pending, bar)
    return total


async def _store(runtime: Runtime, pending: list[PendingRecord], bar: tqdm) -> None:
    async with runtime.pool.acquire() as conn, conn.transaction():
        await store_usage(conn, pending)
    bar.update(len(pending))


async def run(args: argparse.Namespace, dsn: str) -> None:
    await ensure_database(dsn)
    await prepare_database(dsn)
    settings = runtime_settings(dsn)
    this_month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    async with open_runtime(settings, dsn, run_migrations=False) as runtime:
        await runtime.partitions.ensure(runtime.pool, [month_of(last_month)])
        metrics, companies = await _catalogue(runtime, args.contracts)
        await _contracts(runtime, companies, last_month)
        total = await _usage(runtime, companies, metrics, args.events, last_month, this_month)
        async with runtime.pool.acquire() as conn:
            await roll_up(conn)
            await conn.execute("VACUUM ANALYZE")

            began = time.perf_counter()
            sums = await conn.fetch(
                "SELECT company_id, metric_code, sum(value) FROM usage_records"
                " WHERE ts >= $1 AND ts < $2 GROUP BY 1, 2",
                last_month,
                this_month,
            )
            baseline = time.perf_counter() - began

        began = time.perf_counter()
        result = await invoicing.generate_invoices(runtime, now=this_month + timedelta(hours=1))
        elapsed = time.perf_counter() - began
        async with runtime.pool.acquire() as conn:
            count = await conn.fetchval("SELECT count(*) FROM invoices")
    assert result.created == args.contracts == count, (result, count)
    assert len(sums) == args.contracts * len(PRODUCTS)
    print(f"\n{'invoice run, ' + f'{args.contracts:,} contracts x 3 products':<52} {'s':>8}")
    print(f"{'baseline: one GROUP BY of the month':<52} {baseline:>8.2f}")
    print(f"{'invoice run (finalized invoices)':<52} {elapsed:>8.2f}")
    print(
        f"\nratio to baseline: {elapsed / baseline:.1f}x;"
        f" share of the {TARGET_SECONDS:.0f} s target: {elapsed / TARGET_SECONDS:.2f}"
    )
    print(f"{total:,} usage records; {count:,} invoices")
    blank, rendered = await _pdf_rates(runtime_settings(dsn), dsn, args.pdfs)
    print(f"\n{'invoice PDFs, ' + f'{args.pdfs:,} invoices':<52} {'/s':>8}")
    print(f"{'baseline: a one-line A4 page':<52} {blank:>8.1f}")
    print(f"{'invoice PDF (issuer, billed-to, 3 lines with tiers)':<52} {rendered:>8.1f}")
    print(f"\nratio to baseline: {blank / rendered:.1f}x the time of a one-line page")


def runtime_settings(dsn: str) -> Settings:
    return Settings(database_url=dsn, scheduler_enabled=False, issuer_name="Metergraph Bench Ltd")


def _blank_page() -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4).build([Paragraph("Invoice", ParagraphStyle("p"))])
    return out.getvalue()


async def _pdf_rates(settings: Settings, dsn: str, count: int) -> tuple[float, float]:
    """One-line pages per second, and invoice PDFs per second over ``count`` invoices."""
    admin = Principal(uuid7.uuid7(), Role.ADMIN, None)
    async with open_runtime(settings, dsn, run_migrations=False) as runtime:
        async with runtime.pool.acquire() as conn:
            ids = await conn.fetch("SELECT id FROM invoices ORDER BY id LIMIT $1", count)
        documents = [await invoice_documents.invoice_document(runtime, admin, r["id"]) for r in ids]
    began = time.perf_counter()
    for _ in documents:
        _blank_page()
    blank = len(documents) / (time.perf_counter() - began)
    began = time.perf_counter()
    for document in tqdm(documents, unit="pdf", desc="pdfs"):
        assert render_invoice_pdf(document).startswith(b"%PDF")
    return blank, len(documents) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contracts", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=10)
    parser.add_argument("--pdfs", type=int, default=500)
    args = parser.parse_args()
    with postgres() as dsn:
        asyncio.run(run(args, dsn))


if __name__ == "__main__":
    main()
