"""Thresholds, alerts and recipients: the product's commands and queries.

Each function checks the caller's role and company scope, owns its
transaction, and answers domain values. A threshold that breaks a rule is
refused with ``Rejected`` (each rule's field named); the changes write the
request's audit row in their own transaction (``services.audit.ChangeAudit``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import text
from domain import thresholds as th
from domain import usage as d
from domain.access import Principal, Role
from domain.archiving import archived_error
from domain.errors import Invalid, MetergraphError, NotFound, Rejected
from services import alert_watch
from services.audit import NOT_AUDITED, ChangeAudit
from services.runtime import Runtime
from storage import alerts, repos

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
EDITORS = (Role.ADMIN, Role.COMPANY_ADMIN)


@dataclass(frozen=True)
class ThresholdDraft:
    """A threshold as asked for, before its rules are checked."""

    metric_code: str
    company_id: UUID | None
    period: th.Period
    limit: Decimal | None
    levels: tuple[th.Level, ...]


async def _validated(rt: Runtime, principal: Principal, draft: ThresholdDraft) -> th.Threshold:
    principal.require(*EDITORS)
    # an ADMIN without a company sets the default; a scoped key, its own company's
    company = principal.company_filter(draft.company_id)
    errors = th.validate(draft.limit, draft.levels, max_name_length=rt.settings.max_name_length)
    async with rt.pool.acquire() as conn:
        metric = (await repos.all_metrics(conn)).get(draft.metric_code)
        if metric is None:
            errors.insert(
                0,
                d.FieldError(
                    "metricCode", d.ErrorCode.UNKNOWN_METRIC, f"no metric {draft.metric_code!r}"
                ),
            )
        elif metric.archived_at is not None:
            errors.insert(0, archived_error("metricCode", "metric", draft.metric_code))
        if company is not None and await repos.company_by_id(conn, company) is None:
            errors.insert(
                0, d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, f"no company {company}")
            )
    if errors:
        raise Rejected(errors)
    return th.Threshold(
        uuid7.uuid7(), company, draft.metric_code, draft.period, draft.limit, draft.levels
    )


async def create_threshold(
    rt: Runtime, principal: Principal, draft: ThresholdDraft, audit: ChangeAudit = NOT_AUDITED
) -> th.Threshold:
    threshold = await _validated(rt, principal, draft)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            created = await alerts.insert_threshold(conn, threshold)
            await audit.write(conn, "Threshold" if created else "ValidationError")
        audit.committed()
    if not created:
        raise Rejected(
            [
                d.FieldError(
                    "metricCode",
                    d.ErrorCode.ALREADY_EXISTS,
                    "this company (or the default) has a threshold for that metric and period"
                    " already",
                )
            ]
        )
    rt.thresholds.invalidate()
    return threshold


async def _own_threshold(
    rt: Runtime, principal: Principal, threshold_id: UUID
) -> th.Threshold | None:
    async with rt.pool.acquire() as conn:
        found = await alerts.threshold_by_id(conn, threshold_id)
    if found is None:
        return None
    if found.company_id is None:
        principal.require(Role.ADMIN)  # a default every company sees, only ADMIN changes
    elif not principal.may_see(found.company_id):
        return None  # another company's threshold does not exist for this key
    return found


async def update_threshold(
    rt: Runtime,
    principal: Principal,
    threshold_id: UUID,
    draft: ThresholdDraft,
    audit: ChangeAudit = NOT_AUDITED,
) -> th.Threshold:
    """Replace a threshold's limit and levels (its metric, company and period stay)."""
    current = await _own_threshold(rt, principal, threshold_id)
    if current is None:
        raise Rejected([d.FieldError("id", d.ErrorCode.NOT_FOUND, f"no threshold {threshold_id}")])
    replacement = await _validated(rt, principal, draft)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            await alerts.update_threshold(conn, threshold_id, replacement.limit, replacement.levels)
            await audit.write(conn, "Threshold")
        audit.committed()
    rt.thresholds.invalidate()
    return th.Threshold(
        threshold_id,
        current.company_id,
        current.metric_code,
        current.period,
        replacement.limit,
        replacement.levels,
    )


async def replace_threshold(
    rt: Runtime,
    principal: Principal,
    threshold_id: UUID,
    replacement: tuple[Decimal | None, tuple[th.Level, ...]],
    audit: ChangeAudit = NOT_AUDITED,
) -> th.Threshold:
    """Replace a threshold's limit and levels, given alone (``replaceThreshold``);
    Rejected with NOT_FOUND when this key sees no such threshold."""
    principal.require(*EDITORS)
    current = await _own_threshold(rt, principal, threshold_id)
    if current is None:
        raise Rejected([d.FieldError("id", d.ErrorCode.NOT_FOUND, f"no threshold {threshold_id}")])
    limit, levels = replacement
    draft = ThresholdDraft(current.metric_code, current.company_id, current.period, limit, levels)
    return await update_threshold(rt, principal, threshold_id, draft, audit)


async def delete_threshold(
    rt: Runtime, principal: Principal, threshold_id: UUID, audit: ChangeAudit = NOT_AUDITED
) -> bool:
    """Whether the threshold was there to delete (its alerts go with it)."""
    principal.require(*EDITORS)
    if await _own_threshold(rt, principal, threshold_id) is None:
        return False
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            deleted = await alerts.delete_threshold(conn, threshold_id)
            await audit.write(conn, "ok")
        audit.committed()
    rt.thresholds.invalidate()
    return deleted


async def list_thresholds(
    rt: Runtime, principal: Principal, company_id: UUID | None
) -> list[th.Threshold]:
    """A company's thresholds with the defaults that apply to it (ADMIN, no company: all)."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    return await rt.read(lambda conn: alerts.list_thresholds(conn, company, include_defaults=True))


async def thresholds_by_ids(
    rt: Runtime, principal: Principal, threshold_ids: Sequence[UUID]
) -> dict[UUID, th.Threshold]:
    """The thresholds of ``threshold_ids`` that still exist, by id, in one read: a
    company's own the caller may see, and the defaults (they apply to every company)."""
    principal.require(*READERS)
    found = await rt.read(lambda conn: alerts.thresholds_by_ids(conn, list(threshold_ids)))
    return {
        i: x for i, x in found.items() if x.company_id is None or principal.may_see(x.company_id)
    }


@dataclass(frozen=True)
class ThresholdPage:
    """A page of thresholds in (metric_code, id) order, whether more lie beyond it in
    the direction it was read, and how many there are in all."""

    thresholds: list[th.Threshold]
    has_more: bool
    total: int


async def threshold_page(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    page: Callable[[], tuple[int, tuple[str, UUID] | None]],
    backward: bool = False,
) -> ThresholdPage:
    """list_thresholds a page at a time: ``page()`` gives how many and from which
    (metric_code, id) on (read once the key may read thresholds); ``backward``: the ones
    before it."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    size, start = page()

    async def read(conn: asyncpg.Connection) -> tuple[list[th.Threshold], int]:
        found = await alerts.thresholds_page(conn, company, start, size + 1, backward)
        return found, await alerts.count_thresholds(conn, company)

    found, total = await rt.read(read)
    thresholds = found[:size]
    if backward:
        thresholds.reverse()  # read nearest first: the page is in the list's order
    return ThresholdPage(thresholds, has_more=len(found) > size, total=total)


@dataclass(frozen=True)
class AlertFilter:
    company_id: UUID | None = None
    metric_code: str | None = None
    acknowledged: bool | None = None


@dataclass(frozen=True)
class AlertPage:
    alerts: list[th.Alert]
    has_next_page: bool


def _page_size(rt: Runtime, first: int) -> int:
    limit = rt.settings.max_page_size
    if first < 1 or first > limit:
        raise Invalid(f"first must be between 1 and {limit}", code="BAD_USER_INPUT", field="first")
    return first


def _first_page() -> tuple[datetime, UUID] | None:
    return None


async def list_alerts(
    rt: Runtime,
    principal: Principal,
    filter: AlertFilter,
    first: int,
    start: Callable[[], tuple[datetime, UUID] | None] = _first_page,
) -> AlertPage:
    """Alerts, newest first: ``first`` of them, raised before where ``start`` says the
    page starts (raised at, id; None: the newest). ``start`` reads the caller's cursor
    once the caller is known to may list these alerts."""
    principal.require(*READERS)
    company = principal.company_filter(filter.company_id)
    _page_size(rt, first)
    before = start()
    found = await rt.read(
        lambda conn: alerts.list_alerts(
            conn, company, filter.metric_code, filter.acknowledged, before, first + 1
        )
    )
    return AlertPage(found[:first], has_next_page=len(found) > first)


async def acknowledge_alert(
    rt: Runtime, principal: Principal, alert_id: UUID, audit: ChangeAudit = NOT_AUDITED
) -> th.Alert | None:
    """The alert, acknowledged; None when this key cannot see it."""
    principal.require(*EDITORS)
    async with rt.pool.acquire() as conn:
        alert = await alerts.alert_by_id(conn, alert_id)
        if alert is None or not principal.may_see(alert.company_id):
            return None  # another company's alert does not exist for this key
        async with conn.transaction():
            acknowledged = await alerts.acknowledge_alert(conn, alert_id, principal.key_id)
            await audit.write(conn, "Alert")
        audit.committed()
    return acknowledged


def _checked_addresses(
    channel: th.Channel, addresses: list[str], max_name_length: int
) -> list[str]:
    if channel is th.Channel.PLATFORM:
        raise Invalid(
            "PLATFORM notifications go to the app; they have no recipients",
            code="BAD_USER_INPUT",
            field="channel",
        )
    cleaned = sorted({a.strip() for a in addresses if a.strip()})
    for address in cleaned:
        # addresses are written into mail headers and webhook bodies by the delivery job
        bad = (
            text.check_email("addresses", address)
            if channel is th.Channel.EMAIL
            else text.check_address("addresses", address, max_name_length)
        )
        if bad is not None:
            raise Invalid(bad.message, code="BAD_USER_INPUT", field=bad.field)
    return cleaned


async def set_recipients(
    rt: Runtime,
    principal: Principal,
    company_id: UUID,
    channel: th.Channel,
    addresses: list[str],
    role: th.RecipientRole = th.RecipientRole.COMPANY_ADMIN,
    audit: ChangeAudit = NOT_AUDITED,
) -> list[str]:
    """Replace who a company's ``channel`` notifications go to for ``role``; the addresses."""
    principal.require(*EDITORS)
    company = principal.company_filter(company_id)
    assert company is not None
    cleaned = _checked_addresses(channel, addresses, rt.settings.max_name_length)
    async with rt.pool.acquire() as conn:
        async with conn.transaction():
            if await repos.company_by_id(conn, company) is None:
                raise NotFound(f"no company {company}", field="companyId")
            await alerts.replace_recipients(conn, company, channel, role, cleaned)
            await audit.write(conn, "ok")
        audit.committed()
    return cleaned


async def list_deliveries(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    status: th.DeliveryStatus | None,
    first: int,
) -> list[th.Delivery]:
    """Notification deliveries, newest first, with their attempts."""
    principal.require(*EDITORS)
    company = principal.company_filter(company_id)
    _page_size(rt, first)
    async with rt.pool.acquire() as conn:
        return await alerts.list_deliveries(conn, company, status, first)


@dataclass(frozen=True)
class DeliveryPage:
    deliveries: list[th.Delivery]
    has_next_page: bool


async def deliveries_page(
    rt: Runtime,
    principal: Principal,
    company_id: UUID | None,
    status: th.DeliveryStatus | None,
    first: int,
    older_than: Callable[[], int | None],
) -> DeliveryPage:
    """``first`` notification deliveries, newest first, older than the one ``older_than``
    names (read once the key is known to read deliveries)."""
    principal.require(*EDITORS)
    company = principal.company_filter(company_id)
    _page_size(rt, first)
    start = older_than()
    async with rt.pool.acquire() as conn:
        found = await alerts.list_deliveries(conn, company, status, first + 1, start)
    return DeliveryPage(found[:first], has_next_page=len(found) > first)


async def alert_feed(
    rt: Runtime, principal: Principal, company_id: UUID | None
) -> AsyncGenerator[th.Alert, None]:
    """Each alert of the company (ADMIN: of one company or all) as it is raised."""
    principal.require(*READERS)
    company = principal.company_filter(company_id)
    async with rt.alert_hub.subscribe(company) as queue:
        while True:
            alert_id = await queue.get()
            async with rt.pool.acquire() as conn:
                alert = await alerts.alert_by_id(conn, alert_id)
            if alert is not None:
                yield alert


class ThresholdsNotChecked(MetergraphError):
    """Some thresholds could not be checked; the others were (their alerts stand)."""


async def raise_forecasts(rt: Runtime) -> int:
    """FORECAST alerts raised (and crossings no check raised); ``ThresholdsNotChecked``,
    naming them, when some units could not be checked (after every other one was)."""
    result = await alert_watch.sweep(rt.pool)
    if result.failures:
        shown = "; ".join(
            f"threshold {f.threshold_id} company {f.company_id}: {f.error}"
            for f in result.failures[:5]
        )
        raise ThresholdsNotChecked(
            f"{len(result.failures)} of the thresholds not checked ({len(result.raised)}"
            f" alerts raised): {shown}"
        )
    return len(result.raised)
