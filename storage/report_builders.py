"""Report documents built from the database: usage, cost allocation, profitability.

Each builder reads what its report needs (aggregations, gaps, contracts,
costs, invoices) and fills a ``ReportDocument``: the table the CSV holds, the
data the JSON holds (shape documented in the README), and the facts,
charts and extra tables of the PDF.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from domain import aggregation as a
from domain.allocation import ZERO
from domain.invoicing import LineKind, active_window, period_of
from domain.reports.criteria import ReportCriteria
from domain.reports.document import (
    Chart,
    ChartKind,
    ReportDocument,
    ReportKind,
    Series,
    Table,
)
from domain.thresholds import projection
from domain.usage import Aggregation, Metric
from storage import billing
from storage.aggregate import ResultRow, aggregate
from storage.costs import allocation, profitability
from storage.gaps import find_gaps
from storage.queries import q

ADDITIVE = (Aggregation.SUM, Aggregation.COUNT)
CONTEXTS = (a.Dimension.SPACE, a.Dimension.APPLICATION, a.Dimension.USER)
MAX_BILLING_PERIODS = 24
TWO = Decimal("0.01")


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


@dataclass(frozen=True)
class Scope:
    """Whose report: one company (its key for titles) or the platform."""

    company_id: UUID | None
    company_key: str | None

    @property
    def label(self) -> str:
        return self.company_key or "all companies"


async def company_keys(conn: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, str]:
    rows = await conn.fetch(q("company_keys"), list(set(ids)))
    return {r["id"]: r["external_key"] for r in rows}


def _criteria(
    c: ReportCriteria,
    scope: Scope,
    codes: Sequence[str],
    start: datetime,
    end: datetime,
    granularity: a.Granularity,
    group_by: Sequence[a.Dimension] = (),
) -> a.Criteria:
    return a.Criteria(
        from_=start,
        to=end,
        granularity=granularity,
        functions=(a.Function.SUM, a.Function.COUNT, a.Function.MIN, a.Function.MAX)
        + (a.Function.LATEST,),
        time_zone=a.zone(c.time_zone),
        company_id=scope.company_id,
        metric_codes=tuple(codes),
        group_by=tuple(group_by),
        space_id=c.space_id,
        application_id=c.application_id,
        user_id=c.user_id,
        source=c.source,
        billable=c.billable,
    )


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


def _label(moment: datetime, granularity: a.Granularity, c: ReportCriteria) -> str:
    local = moment.astimezone(a.zone(c.time_zone))
    if granularity is a.Granularity.HOUR:
        return local.strftime("%Y-%m-%d %H:00")
    if granularity is a.Granularity.MONTH:
        return local.strftime("%Y-%m")
    return local.strftime("%Y-%m-%d")


def _plain(value: Decimal | None) -> Decimal | None:
    """``value`` without trailing zeros (0.000000 is 0, 2.50 is 2.5)."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return None if whole == 0 else (part * 100 / whole).quantize(TWO)


async def usage_document(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    metrics: dict[str, Metric],
    start: datetime,
    end: datetime,
    now: datetime,
) -> ReportDocument:
    codes = list(c.metric_codes) or sorted(metrics)
    granularity = c.granularity
    group_by = list(c.group_by)
    if scope.company_id is None and a.Dimension.COMPANY not in group_by:
        group_by.insert(0, a.Dimension.COMPANY)
    rows = await aggregate(conn, _criteria(c, scope, codes, start, end, granularity, group_by))
    series_rows = await aggregate(conn, _criteria(c, scope, codes, start, end, granularity))
    totals = await aggregate(conn, _criteria(c, scope, codes, start, end, a.Granularity.TOTAL))
    span = end - start
    previous = await aggregate(
        conn, _criteria(c, scope, codes, start - span, start, a.Granularity.TOTAL)
    )
    periods = a.buckets(start, end, granularity, a.zone(c.time_zone))
    total_by = {r.metric_code: r.partial for r in totals}
    prev_by = {r.metric_code: r.partial for r in previous}
    used = [code for code in codes if code in total_by or code in prev_by]

    tops: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for dim in (*CONTEXTS, *([a.Dimension.COMPANY] if scope.company_id is None else [])):
        ranked = await aggregate(
            conn, _criteria(c, scope, used, start, end, a.Granularity.TOTAL, [dim])
        )
        by_metric: dict[str, list[tuple[Decimal, Any]]] = defaultdict(list)
        for r in ranked:
            key = r.group.get(dim.name)
            value = value_of(metrics[r.metric_code], r.partial)
            if key is not None and value is not None:
                by_metric[r.metric_code].append((value, key))
        names = (
            await company_keys(conn, [k for v in by_metric.values() for _, k in v])
            if (dim is a.Dimension.COMPANY)
            else {}
        )
        for code, items in by_metric.items():
            whole = sum((v for v, _ in items), ZERO)
            items.sort(key=lambda item: (-item[0], str(item[1])))
            tops[code][dim.name.lower()] = [
                {
                    "id": str(k),
                    "name": names.get(k, str(k)),
                    "value": v,
                    "sharePercent": _percent(v, whole)
                    if metrics[code].aggregation in ADDITIVE
                    else None,
                }
                for v, k in items[: c.top]
            ]

    gaps = await find_gaps(
        conn,
        scope.company_id,
        [metrics[code] for code in codes if metrics[code].interval],
        start,
        end,
    )
    gap_keys = await company_keys(conn, [g.company_id for g in gaps])
    billed = await _billing(conn, scope, set(codes), start, end)
    billed_keys = await company_keys(conn, [b["companyId"] for b in billed])
    for b in billed:
        b["companyKey"] = billed_keys.get(b["companyId"])

    series_by: dict[str, dict[datetime, Decimal | None]] = defaultdict(dict)
    for r in series_rows:
        series_by[r.metric_code][r.period_start] = value_of(metrics[r.metric_code], r.partial)
    metric_data = []
    for code in used:
        metric = metrics[code]
        additive = metric.aggregation in ADDITIVE
        total = value_of(metric, total_by[code]) if code in total_by else None
        before = value_of(metric, prev_by[code]) if code in prev_by else None
        values = [series_by[code].get(p0) for p0, _ in periods]
        filled = (
            [v if v is not None else ZERO for v in values]
            if additive
            else [v for v in values if v is not None]
        )
        slope, direction = trend(filled)
        change = None if total is None or before is None else total - before
        if start <= now < end and additive and total is not None:
            forecast = {"basis": "PACE", "total": projection(total, start, end, now)}
        elif now >= end:
            forecast = {"basis": "COMPLETE", "total": total}
        else:
            forecast = {"basis": "NOT_STARTED", "total": None}
        metric_data.append(
            {
                "metricCode": code,
                "name": metric.name,
                "unit": metric.unit,
                "aggregation": metric.aggregation.value,
                "total": total,
                "records": total_by[code].records if code in total_by else 0,
                "previous": {
                    "from": start - span,
                    "to": start,
                    "total": before,
                    "change": change,
                    "changePercent": _percent(change, before)
                    if change is not None and before is not None
                    else None,
                },
                "trend": {"slopePerBucket": slope, "direction": direction},
                "forecast": {"periodEnd": end, **forecast},
                "series": [
                    {"periodStart": p0, "periodEnd": p1, "value": v}
                    for (p0, p1), v in zip(periods, values, strict=True)
                ],
                "top": tops.get(code, {}),
                "gaps": [
                    {
                        "companyId": g.company_id,
                        "companyKey": gap_keys.get(g.company_id),
                        "interval": g.interval.value,
                        "gapStart": g.start,
                        "gapEnd": g.end,
                        "missingIntervals": g.missing,
                    }
                    for g in gaps
                    if g.metric_code == code
                ],
                "billing": [b for b in billed if b["metricCode"] == code],
            }
        )

    row_keys = await company_keys(
        conn, [r.group["COMPANY"] for r in rows if r.group.get("COMPANY") is not None]
    )
    table = _usage_table(rows, group_by, metrics, row_keys, scope)
    data = {
        "kind": ReportKind.USAGE.value,
        "companyId": scope.company_id,
        "companyKey": scope.company_key,
        "from": start,
        "to": end,
        "granularity": granularity.value,
        "timeZone": c.time_zone,
        "generatedAt": now,
        "metrics": metric_data,
        "rows": [dict(zip(table.columns, row, strict=True)) for row in table.rows],
    }
    return ReportDocument(
        kind=ReportKind.USAGE,
        title=f"Usage report: {scope.label}",
        subtitle=f"{_label(start, a.Granularity.HOUR, c)} to {_label(end, a.Granularity.HOUR, c)}"
        f" ({c.time_zone}), by {granularity.value.lower()}",
        table=table,
        data=data,
        facts=_usage_facts(metric_data),
        charts=_usage_charts(metric_data, periods, granularity, c, tops),
        sections=_usage_sections(metric_data),
    )


def _usage_table(
    rows: list[ResultRow],
    group_by: Sequence[a.Dimension],
    metrics: dict[str, Metric],
    keys: dict[UUID, str],
    scope: Scope,
) -> Table:
    group_columns = [d.name.lower() for d in group_by if d is not a.Dimension.COMPANY]
    columns = (
        "period_start",
        "period_end",
        "company",
        "metric_code",
        *group_columns,
        "aggregation",
        "value",
        "unit",
        "records",
    )
    out = []
    for r in rows:
        metric = metrics[r.metric_code]
        cid = r.group.get("COMPANY")
        company = keys.get(cid) if cid is not None else scope.company_key
        out.append(
            (
                r.period_start.isoformat(),
                r.period_end.isoformat(),
                company,
                r.metric_code,
                *(
                    None if r.group.get(d.name) is None else str(r.group[d.name])
                    for d in group_by
                    if d is not a.Dimension.COMPANY
                ),
                metric.aggregation.value,
                value_of(metric, r.partial),
                metric.unit,
                r.partial.records,
            )
        )
    return Table("Usage by period", columns, out)


def _usage_facts(metric_data: list[dict[str, Any]]) -> list[tuple[str, str]]:
    facts = []
    for m in metric_data:
        total = m["total"]
        change = m["previous"]["changePercent"]
        text = f"{_fmt(total)} {m['unit']}"
        if change is not None:
            text += f" ({'+' if change >= 0 else ''}{change} % on the previous period)"
        facts.append((m["metricCode"], text))
        facts.append(
            (
                f"{m['metricCode']} trend",
                f"{m['trend']['direction']}, forecast {_fmt(m['forecast']['total'])}"
                f" ({m['forecast']['basis'].lower()})",
            )
        )
    return facts


def _fmt(value: Decimal | None) -> str:
    return "-" if value is None else f"{value:,f}"


def _usage_charts(
    metric_data: list[dict[str, Any]],
    periods: list[tuple[datetime, datetime]],
    granularity: a.Granularity,
    c: ReportCriteria,
    tops: dict[str, dict[str, list[dict[str, Any]]]],
) -> list[Chart]:
    charts = []
    labels = [_label(p0, granularity, c) for p0, _ in periods]
    for m in metric_data:
        charts.append(
            Chart(
                f"{m['metricCode']} over time",
                ChartKind.LINE,
                labels,
                [Series(m["metricCode"], [s["value"] or ZERO for s in m["series"]])],
                m["unit"],
            )
        )
        for dim in ("company", "space", "application", "user"):
            ranked = tops.get(m["metricCode"], {}).get(dim)
            if ranked:
                charts.append(
                    Chart(
                        f"{m['metricCode']} by {dim} (top {len(ranked)})",
                        ChartKind.BAR,
                        [t["name"][:18] for t in ranked],
                        [Series(m["metricCode"], [t["value"] for t in ranked])],
                        m["unit"],
                    )
                )
                break
    return charts


def _usage_sections(metric_data: list[dict[str, Any]]) -> list[Table]:
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
    sections = [summary]
    top_rows = [
        (m["metricCode"], dim, t["name"], t["value"], t["sharePercent"])
        for m in metric_data
        for dim, ranked in m["top"].items()
        for t in ranked
    ]
    if top_rows:
        sections.append(
            Table("Top contexts", ("metric", "by", "name", "value", "share %"), top_rows)
        )
    billing_rows = [
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
        sections.append(
            Table(
                "Billing: tier reached and free allowance",
                ("company", "product", "period", "quantity", "free", "free used", "tier", "amount"),
                billing_rows,
            )
        )
    gap_rows = [
        (g["companyKey"], m["metricCode"], g["gapStart"].isoformat(), g["missingIntervals"])
        for m in metric_data
        for g in m["gaps"]
    ]
    if gap_rows:
        sections.append(Table("Gaps", ("company", "metric", "from", "missing intervals"), gap_rows))
    return sections


async def _billing(
    conn: asyncpg.Connection, scope: Scope, codes: set[str], start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """Per contract product and billing period overlapping the window: tier and allowance."""
    out: list[dict[str, Any]] = []
    for contract in await billing.contracts(conn, scope.company_id):
        terms = contract.terms
        products = {p.product_code: p for p in terms.products if p.metric_code in codes}
        if not products:
            continue
        p_start, p_end = period_of(start, terms.billing_day)
        for _ in range(MAX_BILLING_PERIODS):
            if p_start >= end:
                break
            begin, finish = active_window(terms, p_start, p_end)
            if begin < finish:
                draft = await billing.preview(conn, terms, p_start, p_end)
                for line in draft.lines:
                    if line.kind is not LineKind.USAGE or line.product_code not in products:
                        continue
                    if not line.quantity and not line.amount:
                        continue  # nothing used, nothing charged
                    price = products[line.product_code].price
                    reached = [t for t in line.tiers if t.units > 0]
                    top = reached[-1] if reached else None
                    out.append(
                        {
                            "companyId": terms.company_id,
                            "contractId": terms.id,
                            "productCode": line.product_code,
                            "metricCode": line.metric_code,
                            "periodStart": p_start,
                            "periodEnd": p_end,
                            "quantity": line.quantity,
                            "freeUnits": price.free_units,
                            "freeUnitsUsed": _plain(line.free_units_used),
                            "freeUnitsUsedPercent": _percent(
                                line.free_units_used or ZERO, price.free_units
                            ),
                            "tierReached": None
                            if top is None
                            else {
                                "tier": top.tier + 1,  # numbered from 1, as on invoices
                                "fromUnits": top.from_units,
                                "upTo": top.up_to,
                                "unitPrice": top.unit_price,
                            },
                            "tiers": [
                                {"tier": t.tier + 1, "units": t.units, "amount": t.amount}
                                for t in line.tiers
                            ],
                            "amount": line.amount,
                            "currency": terms.currency,
                        }
                    )
            p_start, p_end = period_of(p_end, terms.billing_day)
    return out


async def allocation_document(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ReportDocument:
    found = await allocation(
        conn, list(c.product_codes) or None, c.allocation_granularity, start, end, scope.company_id
    )
    columns = (
        "period_start",
        "period_end",
        "product_code",
        "company",
        "usage",
        "total_usage",
        "share_percent",
        "allocated",
        "currency",
    )
    rows = [
        (
            s.share.period_start.isoformat(),
            s.share.period_end.isoformat(),
            s.share.product_code,
            s.company_key,
            s.share.usage,
            s.share.total_usage,
            (s.share.share * 100).quantize(TWO),
            s.share.amount,
            s.share.currency,
        )
        for s in found.shares
    ]
    per_company = found.per_company()
    unallocated = sum((s.share.amount for s in found.shares if s.company_id is None), ZERO)
    total = sum((s.share.amount for s in found.shares), ZERO)
    data = {
        "kind": ReportKind.COST_ALLOCATION.value,
        "companyId": scope.company_id,
        "granularity": c.allocation_granularity.value,
        "from": found.from_,
        "to": found.to,
        "generatedAt": now,
        "totalCost": total,
        "unallocated": unallocated,
        "customers": [
            {"companyId": cid, "companyKey": key, "currency": cur, "allocated": amount}
            for (cid, key, cur), amount in per_company.items()
        ],
        "shares": [dict(zip(columns, row, strict=True)) for row in rows],
    }
    chart = Chart(
        "Allocated cost by customer",
        ChartKind.BAR,
        [key for (_, key, _) in per_company],
        [Series("allocated", list(per_company.values()))],
        "cost",
    )
    return ReportDocument(
        kind=ReportKind.COST_ALLOCATION,
        title=f"Cost allocation: {scope.label}",
        subtitle=f"{found.from_.isoformat()} to {found.to.isoformat()},"
        f" {c.allocation_granularity.value.lower()}",
        table=Table("Allocated cost by period", columns, rows),
        data=data,
        facts=[("Cost", _fmt(total)), ("Unallocated", _fmt(unallocated))],
        charts=[chart] if per_company else [],
        sections=[
            Table(
                "Per customer",
                ("company", "currency", "allocated"),
                [(key, cur, amount) for (_, key, cur), amount in per_company.items()],
            )
        ],
    )


async def profitability_document(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ReportDocument:
    found = await profitability(conn, scope.company_id, start, end)
    columns = (
        "period_start",
        "period_end",
        "company",
        "currency",
        "revenue",
        "cost",
        "profit",
        "margin_percent",
        "final",
    )
    rows = [
        (
            r.period_start.isoformat(),
            r.period_end.isoformat(),
            r.company_key,
            r.currency,
            r.revenue,
            r.cost,
            r.profit,
            r.margin_percent,
            "true" if r.finalized else "false",
        )
        for r in found
    ]
    by_company: dict[str, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for r in found:
        by_company[r.company_key][0] += r.revenue
        by_company[r.company_key][1] += r.cost
    names = sorted(by_company)
    return ReportDocument(
        kind=ReportKind.PROFITABILITY,
        title=f"Profitability: {scope.label}",
        subtitle=f"billing periods starting {start.isoformat()} to {end.isoformat()}",
        table=Table("Revenue, cost and margin", columns, rows),
        data={
            "kind": ReportKind.PROFITABILITY.value,
            "companyId": scope.company_id,
            "from": start,
            "to": end,
            "generatedAt": now,
            "rows": [dict(zip(columns, row, strict=True)) for row in rows],
        },
        facts=[
            ("Revenue", _fmt(sum((r.revenue for r in found), ZERO))),
            ("Cost", _fmt(sum((r.cost for r in found), ZERO))),
        ],
        charts=[
            Chart(
                "Revenue and cost by customer",
                ChartKind.BAR,
                names,
                [
                    Series("revenue", [by_company[n][0] for n in names]),
                    Series("cost", [by_company[n][1] for n in names]),
                ],
            )
        ]
        if names
        else [],
    )
