"""aggregateUsage against PostgreSQL: rollups plus pending deltas plus the raw
tail plus raw edges.

``domain.aggregation.plan`` decides which source serves which piece of each
period; this module reads all pieces in one statement (one snapshot, so
neither the folder folding records nor the rollup job moving deltas can make
a row count twice or not at all) and combines the partial aggregates per
period, metric and group. A piece read from rollups also reads the deltas
not merged yet and the raw records not folded yet (those whose transaction
id is at or above the watermark; 0032_rollup_folder.sql says why that is
exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from domain.aggregation import (
    Criteria,
    Function,
    Granularity,
    GroupKey,
    Horizons,
    Partial,
    Piece,
    Reading,
    ResultKey,
    ResultRow,
    Source,
    buckets,
    plan,
    result_rows,
    sources_read,
    weighted_by_period,
)
from storage.queries import q

__all__ = ["ResultRow", "aggregate", "horizons", "stale_hours", "totals"]

ROLLUP_TABLES = {
    Source.HOUR: "usage_rollup_hour",
    Source.DAY: "usage_rollup_day",
    Source.MONTH: "usage_rollup_month",
}


class _Query:
    """The filters shared by every branch, as SQL with numbered parameters."""

    def __init__(self, criteria: Criteria, first_param: int) -> None:
        self.params: list[Any] = []
        self.conditions: list[str] = []
        self._next = first_param
        c = criteria
        if c.company_id is not None:
            self._add("company_id = ${}", c.company_id)
        if c.metric_codes:
            self._add("metric_code = ANY(${}::text[])", list(c.metric_codes))
        for column, value in (
            ("space_id", c.space_id),
            ("application_id", c.application_id),
            ("user_id", c.user_id),
            ("source", c.source),
            ("billable", c.billable),
        ):
            if value is not None:
                self._add(f"{column} = ${{}}", value)
        for name, values in c.property_filters:
            # ->> binds tighter than =: (properties ->> name) = ANY(values)
            name_param = self.param(name)
            self.conditions.append(
                f"properties ->> {name_param}::text = ANY(${self._next}::text[])"
            )
            self.params.append(list(values))
            self._next += 1

    def _add(self, template: str, value: Any) -> None:
        self.conditions.append(template.format(self._next))
        self.params.append(value)
        self._next += 1

    def param(self, value: Any) -> str:
        self.params.append(value)
        self._next += 1
        return f"${self._next - 1}"

    def where(self, alias: str) -> str:
        return "".join(f" AND {alias}.{c}" for c in self.conditions)


def _group_columns(criteria: Criteria, query: _Query, alias: str) -> list[str]:
    columns = [f"{alias}.{d.value}" for d in criteria.group_by]
    if criteria.group_by_property is not None:
        columns.append(f"({alias}.properties ->> {query.param(criteria.group_by_property)})")
    return columns


async def stale_hours(conn: asyncpg.Connection, criteria: Criteria) -> list[datetime]:
    # The stale table knows company and metric only; finer filters are left out
    # there, which can only send more hours to raw records, never fewer.
    query = _Query(
        replace(
            criteria,
            space_id=None,
            application_id=None,
            user_id=None,
            source=None,
            billable=None,
            property_filters=(),
        ),
        3,
    )
    rows = await conn.fetch(
        "SELECT DISTINCT s.bucket_start FROM usage_rollup_stale s"
        " WHERE s.bucket_start >= date_trunc('hour', $1::timestamptz, 'UTC')"
        f" AND s.bucket_start < $2{_stale_where(query)}",
        criteria.from_,
        criteria.to,
        *query.params,
    )
    return [r["bucket_start"] for r in rows]


async def horizons(conn: asyncpg.Connection, metric_codes: Sequence[str]) -> Horizons:
    """From when on each source holds every row of ``metric_codes`` (all metrics
    when empty): the latest horizon any of them has, per source."""
    rows = await conn.fetch(q("coverage_horizons"), list(metric_codes) or None)
    return {Source(r["source"]): r["complete_from"] for r in rows}


def _stale_where(query: _Query) -> str:
    return "".join(f" AND s.{c}" for c in query.conditions)


async def aggregate(
    conn: asyncpg.Connection, criteria: Criteria, *, raw_only: bool = False
) -> list[ResultRow]:
    """The answer to ``criteria``; with ``raw_only`` every piece is read from raw records.

    Its reads share one snapshot: its own REPEATABLE READ transaction, or the
    caller's (the invoice run's, a report's), which must be REPEATABLE READ
    too; no savepoint is taken in it (two round trips a call, and an invoice
    run makes one call per contract).
    """
    if conn.is_in_transaction():
        return await _answer(conn, criteria, raw_only)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _answer(conn, criteria, raw_only)


async def _answer(conn: asyncpg.Connection, criteria: Criteria, raw_only: bool) -> list[ResultRow]:
    periods = buckets(criteria.from_, criteria.to, criteria.granularity, criteria.time_zone)
    raw_only = raw_only or criteria.needs_raw
    stale: list[datetime] = []
    if not raw_only and criteria.needs_extremes:
        stale = await stale_hours(conn, criteria)
    held = await horizons(conn, criteria.metric_codes)
    pieces = plan(periods, raw_only=raw_only, stale_hours=stale, horizons=held)
    partials = await _partials(conn, criteria, pieces)
    weighted: dict[ResultKey, Decimal | None] = {}
    if criteria.time_weighted:
        weighted = await _time_weighted(conn, criteria, periods)
    return result_rows(criteria, periods, partials, weighted)


async def _partials(
    conn: asyncpg.Connection, criteria: Criteria, pieces: Sequence[Piece]
) -> dict[ResultKey, Partial]:
    """Each (period, metric, group)'s partial aggregate over the planned pieces."""
    if not pieces:
        return {}
    query = _Query(criteria, 5)
    raw_groups = _group_columns(criteria, query, "r")
    # only the sources some piece is planned on, each over no more time than its
    # pieces span: the raw record partitions outside it are left out when planning
    raw = [p for p in pieces if p.source is Source.RAW]
    rolled = [p for p in pieces if p.source is not Source.RAW]
    branches = []
    if raw:
        branches.append(_raw_branch(criteria, query, raw_groups, _span(query, raw)))
    if rolled:
        read = [s for s in sources_read(criteria) if any(p.source is s for p in rolled)]
        branches.extend(_rollup_branches(criteria, query, read, _span(query, rolled)))
    rows = await conn.fetch(
        _partials_sql(criteria, len(raw_groups), branches),
        [p.source.value for p in pieces],
        [p.start for p in pieces],
        [p.end for p in pieces],
        [p.bucket for p in pieces],
        *query.params,
    )
    width = len(raw_groups)
    return {
        (row["b"], row["metric_code"], tuple(row[f"g{n}"] for n in range(width))): _partial_of(
            row, criteria
        )
        for row in rows
    }


_NO_LATEST = "NULL::timestamptz, NULL::uuid, NULL::numeric"


def _span(query: _Query, pieces: Sequence[Piece]) -> str:
    """A condition on ``r.ts`` holding for every record of ``pieces``: it changes no
    result, but a bound the planner knows prunes the partitions outside it."""
    start = query.param(min(p.start for p in pieces))
    end = query.param(max(p.end for p in pieces))
    return f" AND r.ts >= {start}::timestamptz AND r.ts < {end}::timestamptz"


def _raw_branch(criteria: Criteria, query: _Query, raw_groups: list[str], span: str) -> str:
    """The pieces planned on raw records, one row per record."""
    unique_expr = "NULL::text"
    if Function.UNIQUE_COUNT in criteria.functions:
        if criteria.unique_of_property is not None:
            unique_expr = f"(r.properties ->> {query.param(criteria.unique_of_property)})"
        elif criteria.unique_of is not None:
            unique_expr = f"r.{criteria.unique_of.value}::text"
    group_select = "".join(f", {c} AS g{n}" for n, c in enumerate(raw_groups))
    latest_raw = "r.ts, r.id, r.value" if Function.LATEST in criteria.functions else _NO_LATEST
    return (
        f"SELECT p.b, r.metric_code{group_select}, 1::bigint AS records, r.value AS total,"
        f" r.value AS min_value, r.value AS max_value, {latest_raw}, {unique_expr} AS u"
        " FROM p JOIN usage_records r ON r.ts >= p.s AND r.ts < p.e"
        f" WHERE p.src = 'RAW'{span}{query.where('r')}"
    )


def _rollup_branches(
    criteria: Criteria, query: _Query, read: Sequence[Source], span: str
) -> list[str]:
    """The pieces planned on each rollup level, plus the deltas not yet merged
    into any level and the records not yet folded (they belong to every
    rollup-read piece; ``span`` bounds those)."""
    if not any(source in ROLLUP_TABLES for source in read):
        return []
    groups = "".join(f", x.{d.value} AS g{n}" for n, d in enumerate(criteria.group_by))
    latest = (
        "x.latest_ts, x.latest_id, x.latest_value"
        if Function.LATEST in criteria.functions
        else _NO_LATEST
    )
    select = (
        f"SELECT p.b, x.metric_code{groups}, x.records, x.total, x.min_value,"
        f" x.max_value, {latest}, NULL::text"
    )
    branches = [
        f"{select} FROM p JOIN {table} x"
        " ON x.bucket_start >= p.s AND x.bucket_start < p.e"
        f" WHERE p.src = '{source.value}'{query.where('x')}"
        for source, table in ROLLUP_TABLES.items()
        if source in read
    ]
    branches.append(
        f"{select} FROM p JOIN usage_rollup_deltas x"
        " ON x.bucket_start >= p.s AND x.bucket_start < p.e"
        f" WHERE p.src <> 'RAW'{query.where('x')}"
    )
    branches.append(_tail_branch(criteria, query, span))
    return branches


def _tail_branch(criteria: Criteria, query: _Query, span: str) -> str:
    """The records of rollup-read pieces not folded into any level yet, one row each."""
    groups = "".join(f", r.{d.value} AS g{n}" for n, d in enumerate(criteria.group_by))
    latest = "r.ts, r.id, r.value" if Function.LATEST in criteria.functions else _NO_LATEST
    return (
        f"SELECT p.b, r.metric_code{groups}, 1::bigint, r.value, r.value, r.value,"
        f" {latest}, NULL::text FROM p JOIN usage_records r ON r.ts >= p.s AND r.ts < p.e"
        " WHERE p.src <> 'RAW'"
        " AND r.xid >= (SELECT folded_below FROM usage_rollup_watermark)"
        f"{span}{query.where('r')}"
    )


_LATEST_AGG = (
    ", max(latest_ts) AS latest_ts,"
    " (array_agg(latest_id ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))[1]"
    " AS latest_id,"
    " (array_agg(latest_value ORDER BY latest_ts DESC NULLS LAST, latest_id DESC NULLS LAST))"
    "[1] AS latest_value"
)


def _partials_sql(criteria: Criteria, width: int, branches: Sequence[str]) -> str:
    """The pieces ($1-$4 as arrays) joined to their sources and combined per group."""
    group_names = "".join(f", g{n}" for n in range(width))
    latest_agg = _LATEST_AGG if Function.LATEST in criteria.functions else ""
    unique_agg = (
        ", count(DISTINCT u) AS uniques" if Function.UNIQUE_COUNT in criteria.functions else ""
    )
    return (
        "WITH p AS (SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[],"
        " $4::int[]) AS p(src, s, e, b)),"
        " parts (b, metric_code"
        + group_names
        + ", records, total, min_value, max_value, latest_ts, latest_id, latest_value, u) AS ("
        + " UNION ALL ".join(branches)
        + ") SELECT b, metric_code"
        + group_names
        + ", sum(records) AS records, sum(total) AS total, min(min_value) AS min_value,"
        " max(max_value) AS max_value"
        + latest_agg
        + unique_agg
        + " FROM parts GROUP BY b, metric_code"
        + group_names
        + " HAVING sum(records) > 0"
    )


def _partial_of(row: asyncpg.Record, criteria: Criteria) -> Partial:
    partial = Partial(
        records=int(row["records"]),
        total=row["total"],
        min_value=row["min_value"],
        max_value=row["max_value"],
    )
    if Function.LATEST in criteria.functions and row["latest_ts"] is not None:
        partial.latest = (row["latest_ts"], row["latest_id"], row["latest_value"])
    if Function.UNIQUE_COUNT in criteria.functions:
        partial.unique_count = int(row["uniques"])
    return partial


async def _time_weighted(
    conn: asyncpg.Connection,
    criteria: Criteria,
    periods: Sequence[tuple[datetime, datetime]],
) -> dict[ResultKey, Decimal | None]:
    """Each gauge reading holds until the next one; averaged over each period."""
    query = _Query(criteria, 3)
    groups = _group_columns(criteria, query, "r")
    group_select = "".join(f", {c} AS g{n}" for n, c in enumerate(groups))
    partition = ", ".join(["r.metric_code", *groups])
    readings = await conn.fetch(
        f"SELECT r.metric_code{group_select}, r.ts, r.value FROM usage_records r"
        f" WHERE r.ts >= $1 AND r.ts < $2{query.where('r')} ORDER BY r.ts, r.id",
        criteria.from_,
        criteria.to,
        *query.params,
    )
    held_rows = await conn.fetch(
        f"SELECT DISTINCT ON ({partition}) r.metric_code{group_select}, r.ts, r.value"
        f" FROM usage_records r WHERE r.ts < $1 AND $2::timestamptz IS NOT NULL"
        f"{query.where('r')} ORDER BY {partition}, r.ts DESC, r.id DESC",
        criteria.from_,
        criteria.to,
        *query.params,
    )
    width = len(groups)

    def key_of(row: asyncpg.Record) -> tuple[str, GroupKey]:
        return row["metric_code"], tuple(row[f"g{n}"] for n in range(width))

    series: dict[tuple[str, GroupKey], list[Reading]] = defaultdict(list)
    for row in readings:
        series[key_of(row)].append(Reading(row["ts"], row["value"]))
    held: dict[tuple[str, GroupKey], Reading] = {
        key_of(row): Reading(row["ts"], row["value"]) for row in held_rows
    }
    return weighted_by_period(series, held, periods)


async def totals(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    metric_codes: Sequence[str],
    from_: datetime,
    to: datetime,
    *,
    billable: bool | None = None,
    property_filters: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> dict[str, Decimal]:
    """Each metric's SUM over ``[from, to)``: what invoices and thresholds count.

    With ``property_filters`` only matching records count, read from raw
    records (rollups do not know properties): exact, or WindowNotAnswerable
    when retention has deleted raw records the window needs.
    """
    if not metric_codes or from_ >= to:
        return {}
    rows = await aggregate(
        conn,
        Criteria(
            from_=from_,
            to=to,
            granularity=Granularity.TOTAL,
            functions=(Function.SUM,),
            time_zone=ZoneInfo("UTC"),
            company_id=company_id,
            metric_codes=tuple(metric_codes),
            billable=billable,
            property_filters=property_filters,
        ),
    )
    return {r.metric_code: r.partial.total for r in rows}
