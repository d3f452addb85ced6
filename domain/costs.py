"""Cost records and profitability: what a cost may be, a cost file, revenue against cost.

Pure. A cost is what a product cost in one UTC hour or day, in whole minor units
of its currency (cents; yen for JPY).
A cost file is CSV with ``COST_CSV_COLUMNS``; each bad line is reported and
the others are kept. Profitability sets a customer's invoiced revenue for a
billing period against the cost allocated to it over the same period.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from uuid import UUID

from domain import aggregation as a
from domain import limits as lim
from domain.allocation import ZERO, AllocationGranularity
from domain.numbers import minor_units
from domain.usage import ErrorCode, FieldError

CURRENCY_LENGTH = 3
NO_COST = Decimal("0.00")
COST_CSV_COLUMNS = ("product_code", "granularity", "period_start", "amount", "currency")


@dataclass(frozen=True)
class CostEntry:
    """A cost as given: not checked yet, not stored."""

    product_code: str
    granularity: AllocationGranularity
    period_start: datetime
    amount: Decimal
    currency: str


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


def cost_errors(
    cost: CostEntry, products: Iterable[str], limits: lim.Limits = lim.DEFAULT
) -> list[FieldError]:
    """Every problem with ``cost``, given the known product codes."""
    errors = lim.text_errors("productCode", cost.product_code, limits.max_name_length)
    if not errors and cost.product_code not in set(products):
        errors.append(
            FieldError(
                "productCode", ErrorCode.UNKNOWN_PRODUCT, f"no product {cost.product_code!r}"
            )
        )
    return errors + _period_errors(cost, limits) + _amount_errors(cost, limits)


def _period_errors(cost: CostEntry, limits: lim.Limits) -> list[FieldError]:
    start, granularity = cost.period_start, cost.granularity
    if start.tzinfo is None:
        return [
            FieldError(
                "periodStart",
                ErrorCode.TIMESTAMP_WITHOUT_OFFSET,
                "periodStart must carry a UTC offset",
            )
        ]
    out_of_range = lim.date_errors("periodStart", start, limits)
    if out_of_range:
        return out_of_range
    if not granularity.is_boundary(start):
        unit = "hour" if granularity is AllocationGranularity.HOURLY else "day"
        return [
            FieldError(
                "periodStart",
                ErrorCode.INVALID_FORMAT,
                f"a {granularity.value} cost starts on a whole UTC {unit}",
            )
        ]
    return []


def _amount_errors(cost: CostEntry, limits: lim.Limits) -> list[FieldError]:
    amount, currency = cost.amount, cost.currency
    errors: list[FieldError] = []
    if not amount.is_finite():
        errors.append(FieldError("amount", ErrorCode.VALUE_NOT_FINITE, "amount must be a number"))
    elif abs(amount) > limits.max_amount:
        errors.extend(lim.decimal_errors("amount", amount, limits.max_amount, 2))
    elif amount < 0:
        errors.append(FieldError("amount", ErrorCode.OUT_OF_RANGE, "a cost is not negative"))
    if len(currency) != CURRENCY_LENGTH or not currency.isalpha() or not currency.isupper():
        errors.append(
            FieldError("currency", ErrorCode.INVALID_FORMAT, "a currency is 3 capital letters")
        )
    elif not errors and amount != amount.quantize(Decimal(1).scaleb(-minor_units(currency))):
        places = minor_units(currency)
        message = f"a {currency} cost is in whole minor units ({places} places)"
        errors.append(FieldError("amount", ErrorCode.INVALID_FORMAT, message))
    return errors


@dataclass
class CostFile:
    """A cost file read: the costs to keep, by line, and each bad line's first problem."""

    costs: list[tuple[int, CostEntry]] = field(default_factory=list)
    errors: list[tuple[int, FieldError]] = field(default_factory=list)


@dataclass
class CostImportSummary:
    accepted: int = 0
    replaced: int = 0
    errors: list[tuple[int, FieldError]] = field(default_factory=list)


def read_cost_file(
    text: str, products: Iterable[str], limits: lim.Limits = lim.DEFAULT
) -> CostFile:
    """The costs of a CSV file (``COST_CSV_COLUMNS``); line numbers count the header as 1."""
    read = CostFile()
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().lstrip("\ufeff") for h in next(reader, [])]
    missing = [c for c in COST_CSV_COLUMNS if c not in header]
    if missing:
        message = f"missing column(s) {', '.join(missing)}; expected " + ",".join(COST_CSV_COLUMNS)
        read.errors.append((1, FieldError("header", ErrorCode.INVALID_FORMAT, message)))
        return read
    known = set(products)
    for number, values in enumerate(reader, start=2):
        if not values or not "".join(values).strip():
            continue
        parsed = _cost_row(dict(zip(header, (v.strip() for v in values), strict=False)))
        if isinstance(parsed, FieldError):
            read.errors.append((number, parsed))
            continue
        errors = cost_errors(parsed, known, limits)
        if errors:
            read.errors.append((number, errors[0]))
        else:
            read.costs.append((number, parsed))
    return read


def _cost_row(row: dict[str, str]) -> CostEntry | FieldError:
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
    return CostEntry(
        row.get("product_code", ""), granularity, start, amount, row.get("currency") or "USD"
    )


def window_error(from_: datetime, to: datetime, limits: lim.Limits) -> FieldError | None:
    """The first problem with the window ``[from_, to)`` of an allocation or profitability."""
    for name, value in (("from", from_), ("to", to)):
        if value.tzinfo is None:
            return FieldError(
                name, ErrorCode.TIMESTAMP_WITHOUT_OFFSET, f"{name} must carry a UTC offset"
            )
    for error in lim.date_errors("from", from_, limits) + lim.date_errors("to", to, limits):
        return error
    if from_ >= to or to - from_ > a.MAX_SPAN:
        return FieldError(
            "from",
            ErrorCode.INVALID_WINDOW,
            f"from must be before to, at most {a.MAX_SPAN.days} days apart",
        )
    return None


def allocation_window_error(
    granularity: AllocationGranularity, from_: datetime, to: datetime, limits: lim.Limits
) -> FieldError | None:
    """``window_error``, or too many periods of ``granularity`` in the window."""
    bad = window_error(from_, to, limits)
    if bad is None and (to - from_) / granularity.length > a.MAX_BUCKETS:
        bad = FieldError(
            "granularity", ErrorCode.INVALID_WINDOW, f"at most {a.MAX_BUCKETS} periods"
        )
    return bad


# (product, period start, period end, currency)
CostKey = tuple[str, datetime, datetime, str]


def costs_by_period(
    records: Iterable[CostRecord],
    granularity: AllocationGranularity,
    first: datetime,
    last: datetime,
) -> dict[CostKey, Decimal]:
    """The records' costs per product and period of ``[first, last)``, oldest first.

    HOURLY keeps hourly and daily costs in their own periods; DAILY adds a
    day's costs up.
    """
    costs: dict[CostKey, Decimal] = defaultdict(lambda: ZERO)
    for rec in records:
        start, finish = rec.period_start, rec.period_end
        if granularity is AllocationGranularity.DAILY:
            start, finish = AllocationGranularity.DAILY.period_of(rec.period_start)
        if start < first or start >= last:
            continue
        costs[(rec.product_code, start, finish, rec.currency)] += rec.amount
    return dict(sorted(costs.items()))


def usage_bucket(start: datetime, finish: datetime) -> a.Granularity:
    """The usage a cost of ``[start, finish)`` is split by: its hour's, or its day's."""
    hourly = finish - start <= AllocationGranularity.HOURLY.length
    return a.Granularity.HOUR if hourly else a.Granularity.DAY


@dataclass(frozen=True)
class Revenue:
    """A company's invoiced total for one billing period, in one currency."""

    company_id: UUID
    period_start: datetime
    period_end: datetime
    currency: str
    amount: Decimal
    # False while an invoice of the period is still a draft
    final: bool


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


# Per billing period (start, end): each (company, currency)'s allocated cost.
PeriodCosts = Mapping[tuple[datetime, datetime], Mapping[tuple[UUID, str], Decimal]]


def profit_rows(
    revenues: Iterable[Revenue], costs: PeriodCosts, keys: Mapping[UUID, str]
) -> list[ProfitRow]:
    """Each period's revenue against its cost, one row per currency.

    Amounts in different currencies are never set against each other: a cost
    in a currency the company was not invoiced in that period is its own row
    (revenue 0), not converted and not dropped.
    """
    revenues = list(revenues)
    out: list[ProfitRow] = []
    seen = {(r.company_id, r.period_start, r.currency) for r in revenues}
    for r in revenues:
        window = (r.period_start, r.period_end)
        allocated = costs.get(window, {})
        out.append(profit_row(r, keys[r.company_id], allocated.get((r.company_id, r.currency))))
        for (company_id, currency), amount in sorted(allocated.items(), key=lambda kv: kv[0][1]):
            if company_id != r.company_id or (company_id, r.period_start, currency) in seen:
                continue
            seen.add((company_id, r.period_start, currency))
            unbilled = Revenue(company_id, *window, currency, ZERO, r.final)
            out.append(profit_row(unbilled, keys[company_id], amount))
    return out


def profit_row(revenue: Revenue, company_key: str, cost: Decimal | None) -> ProfitRow:
    """A period's revenue against the cost allocated to the company (none: no cost)."""
    return ProfitRow(
        company_id=revenue.company_id,
        company_key=company_key,
        period_start=revenue.period_start,
        period_end=revenue.period_end,
        currency=revenue.currency,
        revenue=revenue.amount,
        cost=NO_COST if cost is None else cost,
        finalized=revenue.final,
    )
