"""Report documents: read what a report needs, then lay it out (``domain.reports.usage``).

Each builder reads what its report needs (aggregations, gaps, contracts,
costs, invoices) and fills a ``ReportDocument``: the table the CSV holds, the
data the JSON holds (shape documented in the README), and the facts,
charts and extra tables of the PDF.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from domain import aggregation as a
from domain.allocation import ZERO, Allocation
from domain.invoicing import LineKind, active_window, period_of
from domain.numbers import Money
from domain.reports import usage as u
from domain.reports.criteria import ReportCriteria
from domain.reports.document import (
    Cell,
    Chart,
    ChartKind,
    ReportDocument,
    ReportKind,
    Series,
    Table,
)
from domain.reports.usage import CONTEXTS, TWO, Entry, Scope, value_of
from domain.usage import Metric
from services.allocation import allocation_in, profitability_in
from services.invoice_drafts import preview_draft
from storage import billing, repos
from storage.aggregate import ResultRow, aggregate
from storage.gaps import find_gaps
from storage.reports import company_keys

MAX_BILLING_PERIODS = 24


async def build_document(
    conn: asyncpg.Connection, criteria: ReportCriteria, now: datetime
) -> ReportDocument:
    """The document for resolved ``criteria`` (a fixed window)."""
    assert criteria.from_ is not None and criteria.to is not None
    start, end = criteria.from_, criteria.to
    key = None
    if criteria.company_id is not None:
        company = await repos.company_by_id(conn, criteria.company_id)
        key = company.external_key if company else str(criteria.company_id)
    scope = Scope(criteria.company_id, key)
    if criteria.kind is ReportKind.COST_ALLOCATION:
        return await allocation_document(conn, criteria, scope, start, end, now)
    if criteria.kind is ReportKind.PROFITABILITY:
        return await profitability_document(conn, criteria, scope, start, end, now)
    metrics = await repos.all_metrics(conn)
    return await usage_document(conn, criteria, scope, metrics, start, end, now)


def _criteria(
    c: ReportCriteria,
    scope: Scope,
    codes: Sequence[str],
    window: tuple[datetime, datetime],
    granularity: a.Granularity,
    group_by: Sequence[a.Dimension] = (),
) -> a.Criteria:
    return a.Criteria(
        from_=window[0],
        to=window[1],
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
    window = (start, end)
    rows = await aggregate(conn, _criteria(c, scope, codes, window, granularity, group_by))
    periods = a.buckets(start, end, granularity, a.zone(c.time_zone))
    figures = await _figures(conn, c, scope, metrics, codes, window, periods)
    extras = await _extras(conn, c, scope, metrics, codes, [f.metric.code for f in figures], window)
    metric_data = [u.metric_entry(f, periods, window, now, extras[f.metric.code]) for f in figures]
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
    hour = a.Granularity.HOUR
    return ReportDocument(
        kind=ReportKind.USAGE,
        title=f"Usage report: {scope.label}",
        subtitle=f"{u.label(start, hour, c)} to {u.label(end, hour, c)}"
        f" ({c.time_zone}), by {granularity.value.lower()}",
        table=table,
        data=data,
        facts=u.facts(metric_data),
        charts=u.charts(metric_data, periods, granularity, c),
        sections=u.sections(metric_data),
    )


async def _figures(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    metrics: dict[str, Metric],
    codes: list[str],
    window: tuple[datetime, datetime],
    periods: list[tuple[datetime, datetime]],
) -> list[u.MetricFigures]:
    """Each metric used in the window or the one before: totals and bucket values."""
    start, end = window
    before = (start - (end - start), start)
    series_rows = await aggregate(conn, _criteria(c, scope, codes, window, c.granularity))
    totals = await aggregate(conn, _criteria(c, scope, codes, window, a.Granularity.TOTAL))
    previous = await aggregate(conn, _criteria(c, scope, codes, before, a.Granularity.TOTAL))
    total_by = {r.metric_code: r.partial for r in totals}
    prev_by = {r.metric_code: r.partial for r in previous}
    series_by: dict[str, dict[datetime, Decimal | None]] = defaultdict(dict)
    for r in series_rows:
        series_by[r.metric_code][r.period_start] = value_of(metrics[r.metric_code], r.partial)
    return [
        u.MetricFigures(
            metrics[code],
            total_by.get(code),
            prev_by.get(code),
            [series_by[code].get(p0) for p0, _ in periods],
        )
        for code in codes
        if code in total_by or code in prev_by
    ]


async def _extras(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    metrics: dict[str, Metric],
    codes: list[str],
    used: list[str],
    window: tuple[datetime, datetime],
) -> dict[str, Entry]:
    """Per metric used: its top contexts, its gaps, its billing."""
    tops = await _tops(conn, c, scope, metrics, used, window)
    gaps = await _gaps(conn, scope, [metrics[code] for code in codes], window)
    billed = await _billing(conn, scope, set(codes), window)
    return {
        code: {
            "top": tops.get(code, {}),
            "gaps": [entry for metric_code, entry in gaps if metric_code == code],
            "billing": [b for b in billed if b["metricCode"] == code],
        }
        for code in used
    }


async def _tops(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    metrics: dict[str, Metric],
    used: list[str],
    window: tuple[datetime, datetime],
) -> dict[str, dict[str, list[Entry]]]:
    """Per metric and context (space, application, user; company for the platform): the top."""
    tops: dict[str, dict[str, list[Entry]]] = defaultdict(dict)
    for dim in (*CONTEXTS, *([a.Dimension.COMPANY] if scope.company_id is None else [])):
        ranked = await aggregate(
            conn, _criteria(c, scope, used, window, a.Granularity.TOTAL, [dim])
        )
        by_metric: dict[str, list[tuple[Decimal, Any]]] = defaultdict(list)
        for r in ranked:
            key = r.group.get(dim.name)
            value = value_of(metrics[r.metric_code], r.partial)
            if key is not None and value is not None:
                by_metric[r.metric_code].append((value, key))
        names: dict[Any, str] = {}
        if dim is a.Dimension.COMPANY:
            names = dict(await company_keys(conn, [k for v in by_metric.values() for _, k in v]))
        for code, items in by_metric.items():
            tops[code][dim.name.lower()] = u.ranked(metrics[code], items, names, c.top)
    return tops


async def _gaps(
    conn: asyncpg.Connection,
    scope: Scope,
    metrics: list[Metric],
    window: tuple[datetime, datetime],
) -> list[tuple[str, Entry]]:
    """(metric code, gap) of every interval metric."""
    gaps = await find_gaps(
        conn, scope.company_id, [m for m in metrics if m.interval], window[0], window[1]
    )
    keys = await company_keys(conn, [g.company_id for g in gaps])
    return [
        (
            g.metric_code,
            {
                "companyId": g.company_id,
                "companyKey": keys.get(g.company_id),
                "interval": g.interval.value,
                "gapStart": g.start,
                "gapEnd": g.end,
                "missingIntervals": g.missing,
            },
        )
        for g in gaps
    ]


async def _billing(
    conn: asyncpg.Connection, scope: Scope, codes: set[str], window: tuple[datetime, datetime]
) -> list[Entry]:
    """Per contract product and billing period overlapping the window: tier and allowance."""
    start, end = window
    out: list[Entry] = []
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
                draft = await preview_draft(conn, terms, p_start, p_end)
                for line in draft.lines:
                    if line.kind is not LineKind.USAGE or line.product_code not in products:
                        continue
                    price = products[line.product_code].price
                    entry = u.billing_entry(terms, line, price, (p_start, p_end))
                    if entry is not None:
                        out.append(entry)
            p_start, p_end = period_of(p_end, terms.billing_day)
    keys = await company_keys(conn, [b["companyId"] for b in out])
    for b in out:
        b["companyKey"] = keys.get(b["companyId"])
    return out


def _usage_table(
    rows: list[ResultRow],
    group_by: Sequence[a.Dimension],
    metrics: dict[str, Metric],
    keys: dict[Any, str],
    scope: Scope,
) -> Table:
    groups = [d for d in group_by if d is not a.Dimension.COMPANY]
    columns = (
        "period_start",
        "period_end",
        "company",
        "metric_code",
        *(d.name.lower() for d in groups),
        "aggregation",
        "value",
        "unit",
        "records",
    )
    out = []
    for r in rows:
        metric = metrics[r.metric_code]
        cid = r.group.get("COMPANY")
        out.append(
            (
                r.period_start.isoformat(),
                r.period_end.isoformat(),
                keys.get(cid) if cid is not None else scope.company_key,
                r.metric_code,
                *(None if r.group.get(d.name) is None else str(r.group[d.name]) for d in groups),
                metric.aggregation.value,
                value_of(metric, r.partial),
                metric.unit,
                r.partial.records,
            )
        )
    return Table("Usage by period", columns, out)


ALLOCATION_COLUMNS = (
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


def _per_currency(amounts: Iterable[Money]) -> str:
    """Amounts in several currencies side by side, never added (``300.00 USD; 50.00 EUR``)."""
    return "; ".join(m.label() for m in amounts) or "-"


def _currency_label(word: str, currencies: Iterable[str]) -> str:
    return f"{word} ({', '.join(sorted(set(currencies)))})"


def _totals(amounts: Iterable[tuple[str, Decimal]]) -> list[Money]:
    """The amounts added up per currency, by currency."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for currency, amount in amounts:
        out[currency] += amount
    return [Money(out[c], c) for c in sorted(out)]


def _allocation_rows(found: Allocation) -> list[tuple[Cell, ...]]:
    return [
        (
            s.share.period_start.isoformat(),
            s.share.period_end.isoformat(),
            s.share.product_code,
            s.company_key,
            s.share.usage,
            s.share.total_usage,
            (s.share.share * 100).quantize(TWO),
            Money(s.share.amount, s.share.currency),
            s.share.currency,
        )
        for s in found.shares
    ]


async def allocation_document(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ReportDocument:
    found = await allocation_in(
        conn, list(c.product_codes) or None, c.allocation_granularity, start, end, scope.company_id
    )
    rows = _allocation_rows(found)
    per_company = found.per_company()
    totals = found.totals()
    customers: list[tuple[Cell, ...]] = [
        (key, cur, Money(amount, cur)) for (_, key, cur), amount in per_company.items()
    ]
    data = {
        "kind": ReportKind.COST_ALLOCATION.value,
        "companyId": scope.company_id,
        "granularity": c.allocation_granularity.value,
        "from": found.from_,
        "to": found.to,
        "generatedAt": now,
        "totals": [
            {
                "currency": t.currency,
                "totalCost": Money(t.amount, t.currency),
                "unallocated": Money(t.unallocated, t.currency),
            }
            for t in totals
        ],
        "customers": [
            {"companyId": cid, "companyKey": key, "currency": cur, "allocated": Money(amount, cur)}
            for (cid, key, cur), amount in per_company.items()
        ],
        "shares": [dict(zip(ALLOCATION_COLUMNS, row, strict=True)) for row in rows],
    }
    chart = Chart(
        "Allocated cost by customer",
        ChartKind.BAR,
        [f"{key} ({cur})" for (_, key, cur) in per_company],
        [Series("allocated", list(per_company.values()))],
        _currency_label("cost", (t.currency for t in totals)),
    )
    return ReportDocument(
        kind=ReportKind.COST_ALLOCATION,
        title=f"Cost allocation: {scope.label}",
        subtitle=f"{found.from_.isoformat()} to {found.to.isoformat()},"
        f" {c.allocation_granularity.value.lower()}",
        table=Table("Allocated cost by period", ALLOCATION_COLUMNS, rows),
        data=data,
        facts=[
            ("Cost", _per_currency(Money(t.amount, t.currency) for t in totals)),
            ("Unallocated", _per_currency(Money(t.unallocated, t.currency) for t in totals)),
        ],
        charts=[chart] if per_company else [],
        sections=[Table("Per customer", ("company", "currency", "allocated"), customers)],
    )


PROFITABILITY_COLUMNS = (
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


async def profitability_document(
    conn: asyncpg.Connection,
    c: ReportCriteria,
    scope: Scope,
    start: datetime,
    end: datetime,
    now: datetime,
) -> ReportDocument:
    found = await profitability_in(conn, scope.company_id, start, end)
    rows = [
        (
            r.period_start.isoformat(),
            r.period_end.isoformat(),
            r.company_key,
            r.currency,
            Money(r.revenue, r.currency),
            Money(r.cost, r.currency),
            Money(r.profit, r.currency),
            r.margin_percent,
            "true" if r.finalized else "false",
        )
        for r in found
    ]
    # Per customer and currency: a customer billed in two currencies has two bars.
    by_company: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for r in found:
        by_company[(r.company_key, r.currency)][0] += r.revenue
        by_company[(r.company_key, r.currency)][1] += r.cost
    names = sorted(by_company)
    chart = Chart(
        "Revenue and cost by customer",
        ChartKind.BAR,
        [f"{key} ({currency})" for key, currency in names],
        [
            Series("revenue", [by_company[n][0] for n in names]),
            Series("cost", [by_company[n][1] for n in names]),
        ],
        _currency_label("amount", (currency for _, currency in names)),
    )
    return ReportDocument(
        kind=ReportKind.PROFITABILITY,
        title=f"Profitability: {scope.label}",
        subtitle=f"billing periods starting {start.isoformat()} to {end.isoformat()}",
        table=Table("Revenue, cost and margin", PROFITABILITY_COLUMNS, rows),
        data={
            "kind": ReportKind.PROFITABILITY.value,
            "companyId": scope.company_id,
            "from": start,
            "to": end,
            "generatedAt": now,
            "rows": [dict(zip(PROFITABILITY_COLUMNS, row, strict=True)) for row in rows],
        },
        facts=[
            ("Revenue", _per_currency(_totals((r.currency, r.revenue) for r in found))),
            ("Cost", _per_currency(_totals((r.currency, r.cost) for r in found))),
            ("Profit", _per_currency(_totals((r.currency, r.profit) for r in found))),
        ],
        charts=[chart] if names else [],
    )
