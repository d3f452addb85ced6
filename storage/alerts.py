"""Thresholds in PostgreSQL, the check that raises alerts, and the outbox.

``check_usage`` runs after usage commits: it totals each touched company's
metric over the threshold's current period (rollup-backed, exact), and for
every level reached inserts the alert and its notifications in one
transaction. The alert's unique key makes the insert the arbiter: whatever
the concurrency, one alert per level, period and company, and its outbox
rows with it, or none.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import uuid_utils.compat as uuid7

from domain import thresholds as th
from domain.aggregation import Criteria, Dimension, Function, Granularity
from storage.aggregate import aggregate, totals
from storage.queries import q

_log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
ALERT_CHANNEL = "metergraph_alerts"  # storage.alert_hub listens


def levels_to_json(levels: Iterable[th.Level]) -> list[dict[str, Any]]:
    return [
        {
            "name": lv.name,
            "kind": lv.kind.value,
            "value": str(lv.value),
            "channels": [c.value for c in lv.channels],
            "roles": [r.value for r in lv.roles],
        }
        for lv in levels
    ]


def threshold_of(row: asyncpg.Record) -> th.Threshold:
    return th.Threshold(
        id=row["id"],
        company_id=row["company_id"],
        metric_code=row["metric_code"],
        period=th.Period(row["period"]),
        limit=row["limit_value"],
        levels=tuple(
            th.Level(
                lv["name"],
                th.LevelKind(lv["kind"]),
                Decimal(lv["value"]),
                tuple(th.Channel(c) for c in lv["channels"]),
                tuple(th.RecipientRole(r) for r in lv.get("roles", ())),
            )
            for lv in row["levels"]
        ),
    )


async def insert_threshold(conn: asyncpg.Connection, t: th.Threshold) -> bool:
    """False when the company (or the default) has a threshold for that metric and period."""
    row = await conn.fetchrow(
        q("insert_threshold"),
        t.id,
        t.company_id,
        t.metric_code,
        t.period.value,
        t.limit,
        levels_to_json(t.levels),
    )
    return row is not None


async def list_thresholds(
    conn: asyncpg.Connection, company_id: UUID | None, include_defaults: bool
) -> list[th.Threshold]:
    rows = await conn.fetch(q("list_thresholds"), company_id, include_defaults)
    return [threshold_of(r) for r in rows]


async def delete_threshold(conn: asyncpg.Connection, threshold_id: UUID) -> bool:
    return await conn.fetchval(q("delete_threshold"), threshold_id) is not None


@dataclass(frozen=True)
class Raised:
    alert_id: UUID
    company_id: UUID
    metric_code: str
    level: str


async def check_usage(
    pool: asyncpg.Pool, touched: Iterable[tuple[UUID, str, datetime]]
) -> list[Raised]:
    """Raise what ``touched`` (company, metric, a timestamp of new usage) has crossed."""
    pairs: dict[tuple[UUID, str], set[datetime]] = {}
    for company, metric, ts in touched:
        pairs.setdefault((company, metric), set()).add(ts)
    if not pairs:
        return []
    raised: list[Raised] = []
    async with pool.acquire() as conn:
        rows = await conn.fetch(q("thresholds_for"), sorted({m for _, m in pairs}))
        by_metric: dict[str, list[th.Threshold]] = {}
        for row in rows:
            try:
                by_metric.setdefault(row["metric_code"], []).append(threshold_of(row))
            except Exception:  # a row no rule reads now: the sweep reports it; others go on
                _log.exception("threshold %s cannot be read", row["id"])
        for (company, metric), moments in pairs.items():
            candidates = by_metric.get(metric, [])
            own = [t for t in candidates if t.company_id == company]
            defaults = [t for t in candidates if t.company_id is None]
            # a company's own threshold for a period replaces the default one
            chosen = own + [d for d in defaults if d.period not in {t.period for t in own}]
            for threshold in chosen:
                periods = {th.period_of(ts, threshold.period) for ts in moments}
                for start, end in sorted(periods):
                    try:
                        raised += await _check(conn, threshold, company, start, end)
                    except Exception:  # one company's fault must not skip the others' checks
                        _log.exception(
                            "threshold %s for company %s not checked", threshold.id, company
                        )
    return raised


async def period_usage(
    conn: asyncpg.Connection, company: UUID, metric: str, start: datetime, end: datetime
) -> Decimal:
    found = await totals(conn, company, (metric,), start, end)
    return found.get(metric, Decimal(0))


async def _check(
    conn: asyncpg.Connection,
    threshold: th.Threshold,
    company: UUID,
    start: datetime,
    end: datetime,
) -> list[Raised]:
    usage = await period_usage(conn, company, threshold.metric_code, start, end)
    levels = th.crossed(threshold, usage)
    return await _raise(conn, threshold, company, start, end, usage, levels, "CROSSING")


async def _raise(
    conn: asyncpg.Connection,
    threshold: th.Threshold,
    company: UUID,
    start: datetime,
    end: datetime,
    usage: Decimal,
    levels: Sequence[th.Level],
    kind: str,
) -> list[Raised]:
    """Insert each level's alert with its notifications, unless it exists already."""
    if not levels:
        return []
    name = await conn.fetchval("SELECT external_key FROM companies WHERE id = $1", company)
    recipients = [
        (r["channel"], th.RecipientRole(r["role"]), r["address"])
        for r in await conn.fetch(q("recipients_of"), company)
    ]
    raised = []
    for level in levels:
        async with conn.transaction():
            alert_id = await conn.fetchval(
                q("insert_alert"),
                uuid7.uuid7(),
                threshold.id,
                company,
                threshold.metric_code,
                start,
                end,
                level.name,
                level.amount(threshold.limit),
                usage,
                threshold.limit,
                kind,
            )
            if alert_id is None:
                continue  # raised already, by this check or a concurrent one
            await conn.execute(
                "SELECT pg_notify($1, $2)",
                ALERT_CHANNEL,
                json.dumps({"alert": str(alert_id), "company": str(company)}),
            )
            for channel in level.channels:
                subject, body = th.message(
                    channel, name, threshold, level, usage, start, forecast=kind == "FORECAST"
                )
                targets = (
                    ["platform"]
                    if channel is th.Channel.PLATFORM
                    else sorted(
                        {
                            address
                            for kind, role, address in recipients
                            if kind == channel.value and level.notifies(role)
                        }
                    )
                )
                for target in targets:
                    await conn.execute(
                        q("insert_notification"), alert_id, channel.value, target, subject, body
                    )
            raised.append(Raised(alert_id, company, threshold.metric_code, level.name))
    return raised


@dataclass(frozen=True)
class UnitFailure:
    """A threshold (and company) the sweep could not check, and why."""

    threshold_id: UUID
    company_id: UUID | None
    error: str


@dataclass
class Sweep:
    raised: list[Raised]
    failures: list[UnitFailure]


async def forecast(pool: asyncpg.Pool, now: datetime | None = None) -> list[Raised]:
    """Raise FORECAST alerts for levels the current period's pace will reach.

    The projection is linear: usage so far divided by the share of the
    period that has passed. A level already crossed is not forecast; it is
    raised as a crossing if no check has raised it yet (a sweep behind the
    checks that run after each write).
    """
    return (await sweep(pool, now)).raised


async def sweep(pool: asyncpg.Pool, now: datetime | None = None) -> Sweep:
    """``forecast``, with the units that failed: each threshold, and each company under
    it, is checked on its own, so one that cannot be (a stored total no
    arithmetic can carry, a broken row) is reported and the others go on."""
    now = now or now_utc()
    result = Sweep([], [])
    async with pool.acquire() as conn:
        all_thresholds: list[th.Threshold] = []
        for r in await conn.fetch("SELECT * FROM thresholds"):
            try:
                all_thresholds.append(threshold_of(r))
            except Exception as exc:  # noqa: BLE001 - a row no rule accepts now: skip it
                result.failures.append(UnitFailure(r["id"], r["company_id"], _why(exc)))
        for threshold in all_thresholds:
            try:
                await _sweep_threshold(conn, threshold, all_thresholds, now, result)
            except Exception as exc:  # noqa: BLE001 - one threshold's fault is its own
                result.failures.append(UnitFailure(threshold.id, threshold.company_id, _why(exc)))
    for failure in result.failures:
        _log.warning(
            "threshold %s (company %s) not checked: %s",
            failure.threshold_id,
            failure.company_id,
            failure.error,
        )
    return result


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


async def _sweep_threshold(
    conn: asyncpg.Connection,
    threshold: th.Threshold,
    all_thresholds: list[th.Threshold],
    now: datetime,
    result: Sweep,
) -> None:
    start, end = th.period_of(now, threshold.period)
    rows = await aggregate(
        conn,
        Criteria(
            from_=start,
            to=min(now, end),
            granularity=Granularity.TOTAL,
            functions=(Function.SUM,),
            time_zone=ZoneInfo("UTC"),
            company_id=threshold.company_id,
            metric_codes=(threshold.metric_code,),
            group_by=(Dimension.COMPANY,),
        ),
    )
    own = {
        t.company_id
        for t in all_thresholds
        if t.company_id is not None
        and t.metric_code == threshold.metric_code
        and t.period is threshold.period
    }
    for row in rows:
        company = row.group["COMPANY"]
        if threshold.company_id is None and company in own:
            continue  # the company's own threshold replaces the default
        try:
            usage = row.partial.total
            # a crossing whose check died with its process is caught here
            result.raised += await _raise(
                conn,
                threshold,
                company,
                start,
                end,
                usage,
                th.crossed(threshold, usage),
                "CROSSING",
            )
            projected = th.projection(usage, start, end, now)
            levels = [
                lv for lv in threshold.levels if usage < lv.amount(threshold.limit) <= projected
            ]
            result.raised += await _raise(
                conn, threshold, company, start, end, projected, levels, "FORECAST"
            )
        except Exception as exc:  # noqa: BLE001 - one company's fault is its own
            result.failures.append(UnitFailure(threshold.id, company, _why(exc)))


@dataclass(frozen=True)
class Notification:
    id: int
    alert_id: UUID
    channel: str
    recipient: str
    subject: str
    body: str
    attempts: int


def backoff(attempts: int) -> timedelta:
    """How long a failed delivery waits before the next try: 2, 4, 8 … s, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


async def due_notifications(
    conn: asyncpg.Connection, now: datetime, limit: int
) -> list[Notification]:
    """Claim due deliveries (the caller's transaction keeps other drainers off them)."""
    rows = await conn.fetch(q("due_notifications"), now, limit)
    return [
        Notification(
            r["id"],
            r["alert_id"],
            r["channel"],
            r["recipient"],
            r["subject"],
            r["body"],
            r["attempts"],
        )
        for r in rows
    ]


async def mark_delivered(conn: asyncpg.Connection, notification_id: int, now: datetime) -> None:
    await conn.execute(q("mark_delivered"), notification_id, now)


async def mark_failed(conn: asyncpg.Connection, n: Notification, error: str, now: datetime) -> None:
    attempts = n.attempts + 1
    status = "FAILED" if attempts >= MAX_ATTEMPTS else "PENDING"
    await conn.execute(
        q("mark_attempt_failed"), n.id, attempts, status, now + backoff(attempts), error[:1000]
    )


def touched_by(records: Sequence[Any], metrics: set[str]) -> set[tuple[UUID, str, datetime]]:
    """(company, metric, timestamp) of stored records of ``metrics``, for ``check_usage``."""
    return {
        (p.draft.company_id, p.draft.metric_code, p.draft.timestamp)
        for p in records
        if p.draft.metric_code in metrics
    }


def now_utc() -> datetime:
    return datetime.now(UTC)


class ThresholdWatch:
    """Checks thresholds after each committed write, cheaply when none apply.

    Which metrics have thresholds is cached for a few seconds (and dropped
    at once when this process changes thresholds), so writes of metrics
    nobody watches cost no query.
    """

    TTL = timedelta(seconds=5)

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._watched: set[str] | None = None
        self._loaded_at = datetime.min.replace(tzinfo=UTC)

    def invalidate(self) -> None:
        self._watched = None

    async def watched(self) -> set[str]:
        now = now_utc()
        if self._watched is None or now - self._loaded_at > self.TTL:
            async with self._pool.acquire() as conn:
                rows = await conn.fetch("SELECT DISTINCT metric_code FROM thresholds")
            self._watched = {r["metric_code"] for r in rows}
            self._loaded_at = now
        return self._watched

    async def on_commit(self, records: Sequence[Any]) -> None:
        watched = await self.watched()
        if not watched:
            return
        touched = touched_by(records, watched)
        if touched:
            await check_usage(self._pool, touched)
