"""The usage report's figures and pages, from what was read: pure.

``metric_entry`` is one metric's part of the JSON document (total, change
on the previous period, trend, forecast, series, tops, gaps, billing);
``facts``, ``charts`` and ``sections`` lay those entries out for the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain import aggregation as a
from domain.allocation import ZERO
from domain.invoicing import ContractTerms, Line
from domain.numbers import Money, quantity_label
from domain.pricing import Price
from domain.reports.criteria import ReportCriteria
from domain.reports.document import Cell, Chart, ChartKind, Series, Table
from domain.thresholds import projection
from domain.usage import Aggregation, Metric

ADDITIVE = (Aggregation.SUM, Aggregation.COUNT)
CONTEXTS = (a.Dimension.SPACE, a.Dimension.APPLICATION, a.Dimension.USER)
TWO = Decimal("0.01")

Entry = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """Whose report: one company (its key for titles) or the platform."""

    company_id: UUID | None
    company_key: str | None

    @property
    def label(self) -> str:
        return self.company_key or "all companies"


def value_of(metric: Metric, p: a.Partial) -> Decimal | None:
    """A metric's own figure for a bucket (UNIQUE_COUNT metrics count records here)."""
    agg = metric.aggregation
    if agg is Aggregation.SUM:
        return p.total
    if agg in (Aggregation.COUNT, Aggregation.UNIQUE_COUNT):
        return Decimal(p.records)
    if agg is Aggregation.MAX:
        return p.max_value
    if agg is Aggregation.MIN:
        return p.min_value
    if agg is Aggregation.AVG:
        return a.average(p.total, p.records)
    return p.latest[2] if p.latest else None


def trend(values: Sequence[Decimal]) -> tuple[Decimal, str]:
    """Least-squares slope per bucket and its direction (UP, DOWN or FLAT within 2 %)."""
    n = len(values)
    if n < 2:
        return ZERO, "FLAT"
    mean_x = Decimal(n - 1) / 2
    mean_y = sum(values, ZERO) / n
    num = sum(((Decimal(i) - mean_x) * (v - mean_y) for i, v in enumerate(values)), ZERO)
    den = sum(((Decimal(i) - mean_x) ** 2 for i in range(n)), ZERO)
    slope = num / den
    if mean_y == 0 or abs(slope) <= abs(mean_y) * Decimal("0.02"):
        return slope.quantize(Decimal("0.0001")), "FLAT"
    return slope.quantize(Decimal("0.0001")), "UP" if slope > 0 else "DOWN"


def label(moment: datetime, granularity: a.Granularity, c: ReportCriteria) -> str:
    local = moment.astimezone(a.zone(c.time_zone))
    if granularity is a.Granularity.HOUR:
        return local.strftime("%Y-%m-%d %H:00")
    if granularity is a.Granularity.MONTH:
        return local.strftime("%Y-%m")
    return local.strftime("%Y-%m-%d")


def plain(value: Decimal | None) -> Decimal | None:
    """``value`` without trailing zeros (0.000000 is 0, 2.50 is 2.5)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else (part * 100 / whole).quantize(TWO)


def fmt(value: Decimal | Money | None) -> str:
    """A fact for people: a quantity grouped, money with its currency, ``-`` for nothing."""
    if value is None:
        return "-"
    return value.label() if isinstance(value, Money) else quantity_label(value)


def ranked(
    metric: Metric, items: list[tuple[Decimal, Any]], names: dict[Any, str], top: int
) -> list[Entry]:
    """The ``top`` largest of one metric's (value, key) pairs, with their share of the whole."""
    whole = sum((v for v, _ in items), ZERO)
    items = sorted(items, key=lambda item: (-item[0], str(item[1])))
    return [
        {
            "id": str(k),
            "name": names.get(k, str(k)),
            "value": v,
            "sharePercent": percent(v, whole) if metric.aggregation in ADDITIVE else None,
        }
        for v, k in items[:top]
    ]


def forecast(
    total: Decimal | None, additive: bool, start: datetime, end: datetime, now: datetime
) -> Entry:
    if start <= now < end and additive and total is not None:
        return {"basis": "PACE", "total": projection(total, start, end, now)}
    if now >= end:
        return {"basis": "COMPLETE", "total": total}
    return {"basis": "NOT_STARTED", "total": None}


@dataclass(frozen=True)
class MetricFigures:
    """What was read of one metric: its totals now and before, its buckets' values."""

    metric: Metric
    total: a.Partial | None
    previous: a.Partial | None
    values: list[Decimal | None]


def metric_entry(
    f: MetricFigures,
    periods: list[tuple[datetime, datetime]],
    window: tuple[datetime, datetime],
    now: datetime,
    extras: Entry,
) -> Entry:
    """One metric's part of the document; ``extras`` holds its top, gaps and billing."""
    start, end = window
    span = end - start
    metric = f.metric
    additive = metric.aggregation in ADDITIVE
    total = value_of(metric, f.total) if f.total is not None else None
    before = value_of(metric, f.previous) if f.previous is not None else None
    filled = (
        [v if v is not None else ZERO for v in f.values]
        if additive
        else [v for v in f.values if v is not None]
    )
    slope, direction = trend(filled)
    change = None if total is None or before is None else total - before
    return {
        "metricCode": metric.code,
        "name": metric.name,
        "unit": metric.unit,
        "aggregation": metric.aggregation.value,
        "total": total,
        "records": f.total.records if f.total is not None else 0,
        "previous": {
            "from": start - span,
            "to": start,
            "total": before,
            "change": change,
            "changePercent": percent(change, before)
            if change is not None and before is not None
            else None,
        },
        "trend": {"slopePerBucket": slope, "direction": direction},
        "forecast": {"periodEnd": end, **forecast(total, additive, start, end, now)},
        "series": [
            {"periodStart": p0, "periodEnd": p1, "value": v}
            for (p0, p1), v in zip(periods, f.values, strict=True)
        ],
        **extras,
    }


def facts(metric_data: list[Entry]) -> list[tuple[str, str]]:
    out = []
    for m in metric_data:
        change = m["previous"]["changePercent"]
        text = f"{fmt(m['total'])} {m['unit']}"
        if change is not None:
            text += f" ({'+' if change >= 0 else ''}{change} % on the previous period)"
        out.append((m["metricCode"], text))
        out.append(
            (
                f"{m['metricCode']} trend",
                f"{m['trend']['direction']}, forecast {fmt(m['forecast']['total'])}"
                f" ({m['forecast']['basis'].lower()})",
            )
        )
    return out


def charts(
    metric_data: list[Entry],
    periods: list[tuple[datetime, datetime]],
    granularity: a.Granularity,
    c: ReportCriteria,
) -> list[Chart]:
    out = []
    labels = [label(p0, granularity, c) for p0, _ in periods]
    for m in metric_data:
        out.append(
            Chart(
                f"{m['metricCode']} over time",
                ChartKind.LINE,
                labels,
                [Series(m["metricCode"], [s["value"] or ZERO for s in m["series"]])],
                m["unit"],
            )
        )
        for dim in ("company", "space", "application", "user"):
            top = m["top"].get(dim)
            if top:
                out.append(
                    Chart(
                        f"{m['metricCode']} by {dim} (top {len(top)})",
                        ChartKind.BAR,
                        [t["name"][:18] for t in top],
                        [Series(m["metricCode"], [t["value"] for t in top])],
                        m["unit"],
                    )
                )
                break
    return out


def sections(metric_data: list[Entry]) -> list[Table]:
    summary = Table(
        "Totals and period-over-period change",
        ("metric", "total", "previous", "change", "change %", "trend", "forecast"),
        [
            (
                m["metricCode"],
                m["total"],
                m["previous"]["total"],
                m["previous"]["change"],
                m["previous"]["changePercent"],
                m["trend"]["direction"],
                m["forecast"]["total"],
            )
            for m in metric_data
        ],
    )
    out = [summary]
    top_rows: list[tuple[Cell, ...]] = [
        (m["metricCode"], dim, t["name"], t["value"], t["sharePercent"])
        for m in metric_data
        for dim, top in m["top"].items()
        for t in top
    ]
    if top_rows:
        out.append(Table("Top contexts", ("metric", "by", "name", "value", "share %"), top_rows))
    billing_rows: list[tuple[Cell, ...]] = [
        (
            b["companyKey"],
            b["productCode"],
            b["periodStart"].date().isoformat(),
            b["quantity"],
            b["freeUnits"],
            b["freeUnitsUsed"],
            b["tierReached"]["tier"] if b["tierReached"] else None,
            b["amount"],
        )
        for m in metric_data
        for b in m["billing"]
    ]
    if billing_rows:
        out.append(
            Table(
                "Billing: tier reached and free allowance",
                ("company", "product", "period", "quantity", "free", "free used", "tier", "amount"),
                billing_rows,
            )
        )
    gap_rows: list[tuple[Cell, ...]] = [
        (g["companyKey"], m["metricCode"], g["gapStart"].isoformat(), g["missingIntervals"])
        for m in metric_data
        for g in m["gaps"]
    ]
    if gap_rows:
        out.append(Table("Gaps", ("company", "metric", "from", "missing intervals"), gap_rows))
    return out


def billing_entry(
    terms: ContractTerms, line: Line, price: Price, period: tuple[datetime, datetime]
) -> Entry | None:
    """A usage line of a billing period: the tier it reached and the allowance it used.

    None for a line with nothing used and nothing charged.
    """
    if not line.quantity and not line.amount:
        return None
    reached = [t for t in line.tiers if t.units > 0]
    top = reached[-1] if reached else None
    return {
        "companyId": terms.company_id,
        "contractId": terms.id,
        "productCode": line.product_code,
        "metricCode": line.metric_code,
        "periodStart": period[0],
        "periodEnd": period[1],
        "quantity": line.quantity,
        "freeUnits": price.free_units,
        "freeUnitsUsed": plain(line.free_units_used),
        "freeUnitsUsedPercent": percent(line.free_units_used or ZERO, price.free_units),
        "tierReached": None
        if top is None
        else {
            "tier": top.tier + 1,  # numbered from 1, as on invoices
            "fromUnits": top.from_units,
            "upTo": top.up_to,
            "unitPrice": Money.price(top.unit_price, terms.currency),
        },
        "tiers": [
            {"tier": t.tier + 1, "units": t.units, "amount": Money.price(t.amount, terms.currency)}
            for t in line.tiers
        ],
        "amount": Money(line.amount, terms.currency),
        "currency": terms.currency,
    }
