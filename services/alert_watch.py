"""Raising alerts: the check after each write, the sweep, and the live feed.

``check_usage`` runs after usage commits: it totals each touched company's
metric over the threshold's current period (rollup-backed, exact), and for
every level reached inserts the alert and its notifications in one
transaction. The alert's unique key makes the insert the arbiter: whatever
the concurrency, one alert per level, period and company, and its outbox
rows with it, or none. ``sweep`` does the same for every threshold and
company, and raises FORECAST alerts for the levels the period's pace will
reach. ``AlertHub`` hands each committed alert to this process's
subscribers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import thresholds as th
from services import webhook_events
from storage import alerts, repos
from storage.alert_hub import AlertListener

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Raised:
    alert_id: UUID
    company_id: UUID
    metric_code: str
    level: str


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


@dataclass(frozen=True)
class Reading:
    """A company's usage of a threshold's metric in one period, and the levels to raise."""

    threshold: th.Threshold
    company: UUID
    start: datetime
    end: datetime
    usage: Decimal
    levels: Sequence[th.Level]
    kind: th.AlertKind


def now_utc() -> datetime:
    return datetime.now(UTC)


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]


def _touched_periods(
    touched: Iterable[tuple[UUID, str, datetime]],
) -> dict[tuple[UUID, str], set[datetime]]:
    pairs: dict[tuple[UUID, str], set[datetime]] = {}
    for company, metric, ts in touched:
        pairs.setdefault((company, metric), set()).add(ts)
    return pairs


async def check_usage(
    pool: asyncpg.Pool, touched: Iterable[tuple[UUID, str, datetime]]
) -> list[Raised]:
    """Raise what ``touched`` (company, metric, a timestamp of new usage) has crossed."""
    pairs = _touched_periods(touched)
    if not pairs:
        return []
    raised: list[Raised] = []
    async with pool.acquire() as conn:
        stored = await alerts.thresholds_of_metrics(conn, {m for _, m in pairs})
        for bad in stored.unreadable:  # the sweep reports it; the others go on
            _log.error("threshold %s cannot be read", bad.threshold_id, exc_info=bad.error)
        for (company, metric), moments in pairs.items():
            candidates = [t for t in stored.thresholds if t.metric_code == metric]
            for threshold in th.applicable(candidates, company):
                periods = {th.period_of(ts, threshold.period) for ts in moments}
                for start, end in sorted(periods):
                    try:
                        raised += await _check(conn, threshold, company, start, end)
                    except Exception:  # one company's fault must not skip the others' checks
                        _log.exception(
                            "threshold %s for company %s not checked", threshold.id, company
                        )
    return raised


async def _check(
    conn: asyncpg.Connection,
    threshold: th.Threshold,
    company: UUID,
    start: datetime,
    end: datetime,
) -> list[Raised]:
    usage = await alerts.period_usage(conn, company, threshold.metric_code, start, end)
    levels = th.crossed(threshold, usage)
    return await _raise(
        conn, Reading(threshold, company, start, end, usage, levels, th.AlertKind.CROSSING)
    )


async def _raise(conn: asyncpg.Connection, reading: Reading) -> list[Raised]:
    """Insert each level's alert with its notifications, unless it exists already."""
    if not reading.levels:
        return []
    company = await repos.company_by_id(conn, reading.company)
    name = company.external_key if company is not None else None
    recipients = await alerts.recipients_of(conn, reading.company)
    raised = []
    for level in reading.levels:
        async with conn.transaction():
            alert = alerts.NewAlert(
                uuid7.uuid7(),
                reading.threshold,
                reading.company,
                reading.start,
                reading.end,
                level,
                reading.usage,
                reading.kind,
            )
            if not await alerts.insert_alert(conn, alert):
                continue  # raised already, by this check or a concurrent one
            await alerts.announce_alert(conn, alert.id, reading.company)
            notices = th.notices(
                reading.threshold,
                level,
                str(name),
                reading.usage,
                reading.start,
                reading.kind,
                recipients,
            )
            await alerts.insert_notifications(conn, alert.id, notices)
            await webhook_events.alert_raised(conn, reading.company, alert.id)
            raised.append(
                Raised(alert.id, reading.company, reading.threshold.metric_code, level.name)
            )
    return raised


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
        stored = await alerts.all_thresholds(conn)
        result.failures += [
            UnitFailure(bad.threshold_id, bad.company_id, _why(bad.error))
            for bad in stored.unreadable
        ]
        for threshold in stored.thresholds:
            try:
                await _sweep_threshold(conn, threshold, stored.thresholds, now, result)
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


async def _sweep_threshold(
    conn: asyncpg.Connection,
    threshold: th.Threshold,
    all_thresholds: list[th.Threshold],
    now: datetime,
    result: Sweep,
) -> None:
    start, end = th.period_of(now, threshold.period)
    usages = await alerts.usage_by_company(conn, threshold, start, min(now, end))
    own = th.replaced_defaults(threshold, all_thresholds)
    for company, usage in usages:
        if threshold.company_id is None and company in own:
            continue  # the company's own threshold replaces the default
        try:
            # a crossing whose check died with its process is caught here
            crossed = th.crossed(threshold, usage)
            result.raised += await _raise(
                conn,
                Reading(threshold, company, start, end, usage, crossed, th.AlertKind.CROSSING),
            )
            projected = th.projection(usage, start, end, now)
            levels = th.forecast(threshold, usage, projected)
            result.raised += await _raise(
                conn,
                Reading(threshold, company, start, end, projected, levels, th.AlertKind.FORECAST),
            )
        except Exception as exc:  # noqa: BLE001 - one company's fault is its own
            result.failures.append(UnitFailure(threshold.id, company, _why(exc)))


def touched_by(records: Sequence[Any], metrics: set[str]) -> set[tuple[UUID, str, datetime]]:
    """(company, metric, timestamp) of stored records of ``metrics``, for ``check_usage``."""
    return {
        (p.draft.company_id, p.draft.metric_code, p.draft.timestamp)
        for p in records
        if p.draft.metric_code in metrics
    }


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
                self._watched = await alerts.watched_metrics(conn)
            self._loaded_at = now
        return self._watched

    async def on_commit(self, records: Sequence[Any]) -> None:
        watched = await self.watched()
        if not watched:
            return
        touched = touched_by(records, watched)
        if touched:
            await check_usage(self._pool, touched)


class AlertHub(AlertListener):
    """Alerts as they are raised, pushed to this process's subscribers.

    Each subscriber has its own bounded queue; a slow one loses the oldest
    news rather than holding others up.
    """

    QUEUE_SIZE = 100

    def __init__(self, dsn: str) -> None:
        super().__init__(dsn)
        self._subscribers: dict[asyncio.Queue[UUID], UUID | None] = {}

    def alert_heard(self, alert_id: UUID, company_id: UUID) -> None:
        for queue, company in self._subscribers.items():
            if company is None or company == company_id:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(alert_id)

    @contextlib.asynccontextmanager
    async def subscribe(self, company_id: UUID | None) -> AsyncIterator[asyncio.Queue[UUID]]:
        """Alert ids as they commit: of one company, or (None) of all."""
        queue: asyncio.Queue[UUID] = asyncio.Queue(self.QUEUE_SIZE)
        self._subscribers[queue] = company_id
        try:
            yield queue
        finally:
            self._subscribers.pop(queue, None)
