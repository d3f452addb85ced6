"""Cost records, their allocation to customers by usage, and profitability.

A cost is what a product cost in one UTC hour or day. ``allocation`` splits
each period's cost between the companies by their usage of the product's
metric in that period (``domain.allocation``). ``profitability`` sets each
company's invoiced revenue per billing period against the cost allocated to
it over the same period.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import uuid_utils.compat as uuid7

from domain import aggregation as a
from domain import limits as lim
from domain.allocation import (
    ZERO,
    AllocationGranularity,
    CostPeriod,
    Share,
    allocate,
)
from domain.limits import DEFAULT as DEFAULT_LIMITS
from domain.limits import Limits
from domain.usage import ErrorCode, FieldError
from storage.aggregate import aggregate
from storage.queries import q

CURRENCY_LENGTH = 3
NO_COST = Decimal("0.00")
COST_CSV_COLUMNS = ("product_code", "granularity", "period_start", "amount", "currency")


@dataclass(frozen=True)
class CostRecord:
    id: UUID
    product_code: str
    granularity: AllocationGranularity
    period_start: datetime
    period_end: datetime
    amount: Decimal
    currency: str
    recorded_at: datetime
    replaced: bool = False

    @classmethod
    def of(cls, row: asyncpg.Record) -> CostRecord:
        return cls(
            id=row["id"],
            product_code=row["product_code"],
            granularity=AllocationGranularity(row["granularity"]),
            period_start=row["period_start"],
            period_end=row["period_end"],
            amount=row["amount"],
            currency=row["currency"],
            recorded_at=row["recorded_at"],
            replaced=row.get("replaced", False),
        )


def check_cost(
    product_code: str,
    granularity: AllocationGranularity,
    period_start: datetime,
    amount: Decimal,
    currency: str,
    products: Iterable[str],
    limits: Limits = DEFAULT_LIMITS,
) -> list[FieldError]:
    errors = lim.text_errors("productCode", product_code, limits.max_name_length)
    if not errors and product_code not in set(products):
        errors.append(
            FieldError("productCode", ErrorCode.UNKNOWN_PRODUCT, f"no product {product_code!r}")
        )
    if period_start.tzinfo is None:
        errors.append(
            FieldError(
                "periodStart",
                ErrorCode.TIMESTAMP_WITHOUT_OFFSET,
                "periodStart must carry a UTC offset",
            )
        )
    elif lim.date_errors("periodStart", period_start, limits):
        errors.extend(lim.date_errors("periodStart", period_start, limits))
    elif not granularity.is_boundary(period_start):
        unit = "hour" if granularity is AllocationGranularity.HOURLY else "day"
        errors.append(
            FieldError(
                "periodStart",
                ErrorCode.INVALID_FORMAT,
                f"a {granularity.value} cost starts on a whole UTC {unit}",
            )
        )
    if not amount.is_finite():
        errors.append(FieldError("amount", ErrorCode.VALUE_NOT_FINITE, "amount must be a number"))
    elif abs(amount) > limits.max_amount:
        errors.extend(lim.decimal_errors("amount", amount, limits.max_amount, 2))
    elif amount < 0:
        errors.append(FieldError("amount", ErrorCode.OUT_OF_RANGE, "a cost is not negative"))
    elif amount != amount.quantize(Decimal("0.01")):
        errors.append(
            FieldError("amount", ErrorCode.INVALID_FORMAT, "a cost is in whole cents (2 places)")
        )
    if len(currency) != CURRENCY_LENGTH or not currency.isalpha() or not currency.isupper():
        errors.append(
            FieldError("currency", ErrorCode.INVALID_FORMAT, "a currency is 3 capital letters")
        )
    return errors


async def product_metrics(conn: asyncpg.Connection) -> dict[str, str]:
    return {r["code"]: r["metric_code"] for r in await conn.fetch(q("products"))}


async def record_cost(
    conn: asyncpg.Connection,
    product_code: str,
    granularity: AllocationGranularity,
    period_start: datetime,
    amount: Decimal,
    currency: str,
    limits: Limits = DEFAULT_LIMITS,
) -> CostRecord | list[FieldError]:
    errors = check_cost(
        product_code,
        granularity,
        period_start,
        amount,
        currency,
        await product_metrics(conn),
        limits,
    )
    if errors:
        return errors
    start, end = granularity.period_of(period_start)
    row = await conn.fetchrow(
        q("upsert_cost"),
        uuid7.uuid7(),
        product_code,
        granularity.value,
        start,
        end,
        amount,
        currency,
    )
    return CostRecord.of(row)


@dataclass
class CostImportSummary:
    accepted: int = 0
    replaced: int = 0
    errors: list[tuple[int, FieldError]] = field(default_factory=list)


async def import_costs(
    conn: asyncpg.Connection, text: str, limits: Limits = DEFAULT_LIMITS
) -> CostImportSummary:
    """Cost records from CSV (``COST_CSV_COLUMNS``); each bad line is reported, the rest stored."""
    summary = CostImportSummary()
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c in COST_CSV_COLUMNS if c not in header]
    if missing:
        summary.errors.append(
            (
                1,
                FieldError(
                    "header",
                    ErrorCode.INVALID_FORMAT,
                    f"missing column(s) {', '.join(missing)}; expected "
                    + ",".join(COST_CSV_COLUMNS),
                ),
            )
        )
        return summary
    products = await product_metrics(conn)
    async with conn.transaction():
        for number, values in enumerate(reader, start=2):
            if not values or not "".join(values).strip():
                continue
            row = dict(zip(header, (v.strip() for v in values), strict=False))
            parsed = _cost_row(row)
            if isinstance(parsed, FieldError):
                summary.errors.append((number, parsed))
                continue
            product, granularity, start, amount, currency = parsed
            errors = check_cost(product, granularity, start, amount, currency, products, limits)
            if errors:
                summary.errors.append((number, errors[0]))
                continue
            begin, end = granularity.period_of(start)
            stored = await conn.fetchrow(
                q("upsert_cost"),
                uuid7.uuid7(),
                product,
                granularity.value,
                begin,
                end,
                amount,
                currency,
            )
            summary.accepted += 1
            summary.replaced += bool(stored["replaced"])
    return summary


def _cost_row(
    row: dict[str, str],
) -> tuple[str, AllocationGranularity, datetime, Decimal, str] | FieldError:
    try:
        granularity = AllocationGranularity(row.get("granularity", "").upper())
    except ValueError:
        return FieldError("granularity", ErrorCode.INVALID_FORMAT, "HOURLY or DAILY")
    try:
        start = datetime.fromisoformat(row.get("period_start", ""))
    except ValueError:
        return FieldError(
            "period_start", ErrorCode.INVALID_FORMAT, "period_start is not an ISO 8601 timestamp"
        )
    try:
        amount = Decimal(row.get("amount", ""))
    except InvalidOperation:
        return FieldError("amount", ErrorCode.INVALID_FORMAT, "amount is not a number")
    return row.get("product_code", ""), granularity, start, amount, row.get("currency") or "USD"


# ------------------------------------------------------------ allocation


@dataclass(frozen=True)
class AllocatedShare:
    share: Share
    company_id: UUID | None
    company_key: str | None


@dataclass
class Allocation:
    granularity: AllocationGranularity
    from_: datetime
    to: datetime
    shares: list[AllocatedShare]

    def per_company(self) -> dict[tuple[UUID, str, str], Decimal]:
        """Each company's allocated cost over the window, per currency."""
        out: dict[tuple[UUID, str, str], Decimal] = defaultdict(lambda: ZERO)
        for s in self.shares:
            if s.company_id is not None and s.company_key is not None:
                out[(s.company_id, s.company_key, s.share.currency)] += s.share.amount
        return dict(sorted(out.items(), key=lambda kv: kv[0][1]))


def _utc(granularity: AllocationGranularity, moment: datetime, *, ceil: bool) -> datetime:
    start, end = granularity.period_of(moment)
    return end if ceil and start != moment else start


async def _usage_by_period(
    conn: asyncpg.Connection,
    metric: str,
    granularity: a.Granularity,
    from_: datetime,
    to: datetime,
) -> dict[datetime, dict[str, Decimal]]:
    rows = await aggregate(
        conn,
        a.Criteria(
            from_=from_,
            to=to,
            granularity=granularity,
            functions=(a.Function.SUM,),
            time_zone=ZoneInfo("UTC"),
            metric_codes=(metric,),
            group_by=(a.Dimension.COMPANY,),
        ),
    )
    out: dict[datetime, dict[str, Decimal]] = defaultdict(dict)
    for r in rows:
        out[r.period_start][str(r.group["COMPANY"])] = r.partial.total
    return out


async def allocation(
    conn: asyncpg.Connection,
    product_codes: Sequence[str] | None,
    granularity: AllocationGranularity,
    from_: datetime,
    to: datetime,
    company_id: UUID | None = None,
) -> Allocation:
    """The window's costs (every product, or those named) split between companies by usage.

    The window is widened to whole UTC periods. HOURLY allocates hourly costs
    by each hour's usage and daily costs by their day's usage; DAILY adds a
    day's costs up and splits them by the day's usage. ``company_id`` keeps
    that company's shares only (the split still counts everyone's usage).
    """
    begin = _utc(AllocationGranularity.DAILY, from_, ceil=False)
    end = _utc(AllocationGranularity.DAILY, to, ceil=True)
    metrics = await product_metrics(conn)
    records = [
        CostRecord.of(r)
        for r in await conn.fetch(
            q("costs_in_window"), begin, end, list(product_codes) if product_codes else None
        )
    ]
    first = _utc(granularity, from_, ceil=False)
    last = _utc(granularity, to, ceil=True)
    # (product, start, end, currency) -> cost
    costs: dict[tuple[str, datetime, datetime, str], Decimal] = defaultdict(lambda: ZERO)
    for rec in records:
        start, finish = rec.period_start, rec.period_end
        if granularity is AllocationGranularity.DAILY:
            start, finish = AllocationGranularity.DAILY.period_of(rec.period_start)
        if start < first or start >= last:
            continue
        costs[(rec.product_code, start, finish, rec.currency)] += rec.amount
    usage_cache: dict[tuple[str, a.Granularity], dict[datetime, dict[str, Decimal]]] = {}
    periods: list[CostPeriod] = []
    for (product, start, finish, currency), cost in sorted(costs.items()):
        hourly = finish - start <= AllocationGranularity.HOURLY.length
        bucket = a.Granularity.HOUR if hourly else a.Granularity.DAY
        key = (metrics[product], bucket)
        if key not in usage_cache:
            # Whole UTC days for a daily cost, even in an hourly window that starts mid-day.
            lo, hi = (first, last) if hourly else (begin, end)
            usage_cache[key] = await _usage_by_period(conn, metrics[product], bucket, lo, hi)
        usage = usage_cache[key].get(start, {})
        periods.append(CostPeriod(product, start, finish, cost, currency, usage))
    shares = [s for p in periods for s in allocate(p)]
    ids = {UUID(s.customer) for s in shares if s.customer is not None}
    keys = {r["id"]: r["external_key"] for r in await conn.fetch(q("company_keys"), list(ids))}
    out = []
    for s in shares:
        cid = UUID(s.customer) if s.customer is not None else None
        if company_id is not None and cid != company_id:
            continue
        out.append(AllocatedShare(s, cid, keys.get(cid) if cid else None))
    return Allocation(granularity, first, last, out)


# --------------------------------------------------------- profitability


@dataclass(frozen=True)
class ProfitRow:
    company_id: UUID
    company_key: str
    period_start: datetime
    period_end: datetime
    currency: str
    revenue: Decimal
    cost: Decimal
    finalized: bool

    @property
    def profit(self) -> Decimal:
        return self.revenue - self.cost

    @property
    def margin_percent(self) -> Decimal | None:
        """Profit as a share of revenue, in percent to two places; None without revenue."""
        if self.revenue == 0:
            return None
        return (self.profit * 100 / self.revenue).quantize(Decimal("0.01"))


async def profitability(
    conn: asyncpg.Connection, company_id: UUID | None, from_: datetime, to: datetime
) -> list[ProfitRow]:
    """Per company and billing period starting in ``[from, to)``: revenue against allocated cost.

    Revenue is the invoices' totals (drafts included, marked not final); the
    cost is every product's cost allocated DAILY over the billing period, in
    the invoice's currency.
    """
    rows = await conn.fetch(q("invoice_revenue"), from_, to, company_id)
    if not rows:
        return []
    keys = {
        r["id"]: r["external_key"]
        for r in await conn.fetch(q("company_keys"), list({r["company_id"] for r in rows}))
    }
    allocations: dict[tuple[datetime, datetime], dict[tuple[UUID, str], Decimal]] = {}
    out = []
    for r in rows:
        window = (r["period_start"], r["period_end"])
        if window not in allocations:
            found = await allocation(conn, None, AllocationGranularity.DAILY, *window, company_id)
            per: dict[tuple[UUID, str], Decimal] = defaultdict(lambda: ZERO)
            for (cid, _key, currency), amount in found.per_company().items():
                per[(cid, currency)] += amount
            allocations[window] = per
        cost = allocations[window].get((r["company_id"], r["currency"]), NO_COST)
        out.append(
            ProfitRow(
                company_id=r["company_id"],
                company_key=keys[r["company_id"]],
                period_start=r["period_start"],
                period_end=r["period_end"],
                currency=r["currency"],
                revenue=r["revenue"],
                cost=cost,
                finalized=r["final"],
            )
        )
    return out
