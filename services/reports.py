"""Reports: ask for one, read them, schedule them; and the jobs that fire and deliver them.

Reports are built in the background (``services.report_runner``):
``generate_report`` stores a PENDING request and starts it. Usage reports
are for a company (a company admin: only their own) or, for ADMIN, the
platform; cost allocation and profitability speak of the platform's costs,
so they are ADMIN's.

A schedule fires at the times of its cron expression in its time zone. The
``run-report-schedules`` job (under the job runner's advisory lock) walks
each schedule's fire times from its last run (or its creation) up to now:
every fire time gets exactly one run, claimed by a unique
``(schedule, scheduled_for)`` row inserted with its report, so a restart
catches up on the times it missed and two processes never make two reports.
The report is built, then sent to the destination (``services.report_delivery``).
Each run's delivery is its own unit: whatever fails (the destination, or the
schedule's own data) is recorded on that run, which waits 2, 4, 8 … seconds
(at most an hour) before its next try and is FAILED after five; other runs
go on and a delivered run is never sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

import asyncpg

from domain import text
from domain.access import Principal, Role
from domain.errors import Conflict, NotFound, Rejected
from domain.limits import date_errors
from domain.reports import criteria as rc
from domain.reports.document import ReportFormat, ReportKind
from domain.reports.records import (
    MAX_DELIVERY_ATTEMPTS,
    DeliveryStatus,
    Destination,
    DestinationType,
    ReportSchedule,
    ReportStatus,
    ScheduleRun,
    StoredReport,
    delivery_backoff,
)
from domain.usage import ErrorCode, FieldError
from services.audit import NOT_AUDITED, ChangeAudit
from services.delivery import describe
from services.report_delivery import (
    UnsafeWebhook,
    at_most_once_a_minute,
    check_webhook_url,
    cron_trigger,
    fire_times,
    next_fire_time,
    redact,
    send_report,
)
from services.runtime import Runtime
from services.usage import page_size
from storage import costs, repos
from storage import reports as store

_log = logging.getLogger(__name__)

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
MANAGERS = (Role.ADMIN, Role.COMPANY_ADMIN)
MAX_REPORT_RECIPIENTS = 50
MAX_URL_LENGTH = 2_048
MAX_DELIVERIES_PER_PASS = 100


def _visible(principal: Principal, company_id: UUID | None) -> bool:
    return not principal.role.scoped or (
        company_id is not None and company_id == principal.company_id
    )


def scoped_criteria(principal: Principal, c: rc.ReportCriteria) -> rc.ReportCriteria:
    """``c`` for the company this key may report on; other kinds than USAGE are ADMIN's."""
    if c.kind is not ReportKind.USAGE:
        principal.require(Role.ADMIN)
    return replace(c, company_id=principal.company_filter(c.company_id))


async def check_criteria(rt: Runtime, c: rc.ReportCriteria, prefix: str) -> list[FieldError]:
    """What is wrong with ``c`` (each error's field under ``prefix``), or nothing."""
    errors = rc.validate(c, datetime.now(UTC))
    if c.from_ is not None and c.to is not None and not errors:
        limits = rt.settings.limits
        errors += date_errors("from", c.from_, limits) + date_errors("to", c.to, limits)
    async with rt.pool.acquire() as conn:
        metrics = await repos.all_metrics(conn)
        products = await costs.product_metrics(conn)
        if c.company_id is not None and await repos.company_by_id(conn, c.company_id) is None:
            errors.append(
                FieldError("companyId", ErrorCode.UNKNOWN_COMPANY, f"no company {c.company_id}")
            )
    errors += [
        FieldError("metricCodes", ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}")
        for code in c.metric_codes
        if code not in metrics
    ]
    errors += [
        FieldError("productCodes", ErrorCode.UNKNOWN_PRODUCT, f"no product {code!r}")
        for code in c.product_codes
        if code not in products
    ]
    return [FieldError(prefix + e.field, e.code, e.message) for e in errors]


async def generate_report(
    rt: Runtime,
    principal: Principal,
    criteria: rc.ReportCriteria,
    fmt: ReportFormat,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> StoredReport:
    """Store a request for a report and start building it; ``audit`` commits with it."""
    principal.require(*MANAGERS)
    c = scoped_criteria(principal, criteria)
    errors = await check_criteria(rt, c, "criteria.")
    if errors:
        raise Rejected(errors)
    cap = rt.settings.max_pending_reports_per_company
    async with rt.pool.acquire() as conn, conn.transaction():
        # one company's queue is bounded, so it cannot hold back everyone's reports
        if await store.pending_reports(conn, c.company_id) >= cap:
            raise Rejected(
                [
                    FieldError(
                        "criteria.companyId",
                        ErrorCode.OUT_OF_RANGE,
                        f"this company has {cap} reports waiting or being built already"
                        " (METERGRAPH_MAX_PENDING_REPORTS_PER_COMPANY); try again when they"
                        " are done",
                    )
                ]
            )
        report = await store.create_report(
            conn, c, fmt, datetime.now(UTC), created_by=principal.key_id
        )
        await audit.write(conn, "Report")
    audit.committed()
    rt.reports.start(report.id)
    return report


async def find_report(rt: Runtime, principal: Principal, report_id: UUID) -> StoredReport | None:
    """The report, if this key may see it (another company's does not exist for it)."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        found = await store.report_by_id(conn, report_id)
    return found if found is not None and _visible(principal, found.company_id) else None


async def list_reports(
    rt: Runtime,
    principal: Principal,
    *,
    schedule_id: UUID | None,
    first: int,
    start: Callable[[], tuple[datetime, UUID] | None],
) -> list[StoredReport]:
    """Reports this key may see, newest first: up to ``first`` + 1 (the one more says
    a next page exists), created before where ``start`` says the page starts (None:
    the newest). ``start`` reads the caller's cursor once the caller may list reports."""
    principal.require(*READERS)
    company = principal.company_id if principal.role.scoped else None
    page_size(rt, first)
    after = start()
    async with rt.pool.acquire() as conn:
        return await store.list_reports(
            conn, company, schedule_id=schedule_id, after=after, limit=first + 1
        )


@dataclass(frozen=True)
class ReportFile:
    report: StoredReport
    content: bytes


class ReportNotReady(Conflict):
    """The report is not built: it waits, is being built, or failed."""

    default_code = "NOT_READY"

    def __init__(self, report: StoredReport) -> None:
        super().__init__(
            f"the report is {report.status.value}" + (f": {report.error}" if report.error else "")
        )


async def report_file(rt: Runtime, principal: Principal, report_id: UUID) -> ReportFile:
    """The built report and its bytes.

    ``NotFound`` when it does not exist for this key (another company's is
    answered like a missing one), ``ReportNotReady`` until it is built.
    """
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        meta = await store.report_by_id(conn, report_id)
        if meta is None or not _visible(principal, meta.company_id):
            raise NotFound("no such report")
        if meta.status is not ReportStatus.SUCCEEDED:
            raise ReportNotReady(meta)
        content = await store.report_bytes(conn, report_id)
    assert content is not None
    return ReportFile(meta, content)


# ------------------------------------------------------------- schedules


@dataclass(frozen=True)
class DestinationRequest:
    """Where a new schedule's reports should go, as asked."""

    type: DestinationType
    to: tuple[str, ...] = ()
    url: str | None = None
    secret: str | None = None


@dataclass(frozen=True)
class ScheduleView:
    """A schedule as this key sees it (a VIEWER does not see the webhook URL)."""

    schedule: ReportSchedule
    next_run_at: datetime | None
    url: str | None


def _view(principal: Principal, schedule: ReportSchedule) -> ScheduleView:
    now = datetime.now(UTC)
    following = next_fire_time(schedule.cron, schedule.time_zone, now) if schedule.active else None
    url = None if principal.role is Role.VIEWER else schedule.destination.url
    return ScheduleView(schedule, following, url)


def _email_destination(asked: DestinationRequest) -> Destination | FieldError:
    to = tuple(x.strip() for x in asked.to if x.strip())
    if not to or len(to) > MAX_REPORT_RECIPIENTS:
        return FieldError(
            "destination.to",
            ErrorCode.INVALID_FORMAT,
            f"EMAIL needs 1 to {MAX_REPORT_RECIPIENTS} e-mail addresses",
        )
    for address in to:
        bad = text.check_email("destination.to", address)
        if bad is not None:
            return bad
    return Destination(DestinationType.EMAIL, to=to)


async def _webhook_destination(rt: Runtime, asked: DestinationRequest) -> Destination | FieldError:
    url = (asked.url or "").strip()
    if not url.startswith(("http://", "https://")):
        return FieldError(
            "destination.url", ErrorCode.INVALID_FORMAT, "WEBHOOK needs an http(s) URL"
        )
    if len(url) > MAX_URL_LENGTH or text.has_control(url) or " " in url:
        return FieldError(
            "destination.url",
            ErrorCode.INVALID_FORMAT,
            f"a webhook URL has no spaces nor control characters, {MAX_URL_LENGTH} at most",
        )
    secret = asked.secret or None
    if secret is not None and (text.has_control(secret) or len(secret) > MAX_URL_LENGTH):
        return FieldError(
            "destination.secret", ErrorCode.INVALID_FORMAT, "the secret is not usable"
        )
    try:
        await check_webhook_url(url, rt.settings.allow_private_webhooks)
    except UnsafeWebhook as exc:
        return FieldError("destination.url", ErrorCode.INVALID_FORMAT, str(exc))
    return Destination(DestinationType.WEBHOOK, url=url, secret=secret)


async def _destination(rt: Runtime, asked: DestinationRequest) -> Destination | FieldError:
    if asked.type is DestinationType.EMAIL:
        return _email_destination(asked)
    if asked.type is DestinationType.WEBHOOK:
        return await _webhook_destination(rt, asked)
    return Destination(DestinationType.STORED)


def _timing_errors(cron: str, time_zone: str) -> list[FieldError]:
    try:
        cron_trigger(cron, time_zone)
    except ValueError as exc:
        field = "timeZone" if "zone" in str(exc).lower() else "cron"
        return [FieldError(field, ErrorCode.INVALID_FORMAT, str(exc))]
    too_often = at_most_once_a_minute(cron)
    return [] if too_often is None else [FieldError("cron", ErrorCode.OUT_OF_RANGE, too_often)]


async def create_report_schedule(
    rt: Runtime,
    principal: Principal,
    *,
    name: str,
    cron: str,
    time_zone: str,
    criteria: rc.ReportCriteria,
    fmt: ReportFormat,
    destination: DestinationRequest,
    audit: ChangeAudit = NOT_AUDITED,
) -> ScheduleView:
    """Run a report on a cron schedule; ``audit`` commits with it."""
    principal.require(*MANAGERS)
    c = scoped_criteria(principal, criteria)
    errors = await check_criteria(rt, c, "criteria.")
    # the name becomes an e-mail subject: no line breaks, a bounded length
    bad_name = text.check_name("name", name, rt.settings.max_name_length)
    if bad_name is not None:
        errors.append(bad_name)
    errors += _timing_errors(cron, time_zone)
    dest = await _destination(rt, destination)
    if isinstance(dest, FieldError):
        errors.append(dest)
    if errors:
        raise Rejected(errors)
    assert isinstance(dest, Destination)
    async with rt.pool.acquire() as conn, conn.transaction():
        schedule = await store.insert_schedule(
            conn,
            company_id=c.company_id,
            name=name.strip(),
            cron=" ".join(cron.split()),
            time_zone=time_zone,
            criteria=c.to_json(),
            fmt=fmt,
            destination=dest,
            created_by=principal.key_id,
        )
        await audit.write(conn, "ReportSchedule")
    audit.committed()
    return _view(principal, schedule)


async def _own_schedule(
    conn: asyncpg.Connection, principal: Principal, schedule_id: UUID
) -> ReportSchedule | None:
    found = await store.schedule_by_id(conn, schedule_id)
    return found if found is not None and _visible(principal, found.company_id) else None


async def find_report_schedule(
    rt: Runtime, principal: Principal, schedule_id: UUID
) -> ScheduleView | None:
    """The schedule, if this key may see it (another company's does not exist for it)."""
    principal.require(*READERS)
    async with rt.pool.acquire() as conn:
        found = await _own_schedule(conn, principal, schedule_id)
    return _view(principal, found) if found is not None else None


async def list_report_schedules(rt: Runtime, principal: Principal) -> list[ScheduleView]:
    """Report schedules this key may see."""
    principal.require(*READERS)
    company = principal.company_id if principal.role.scoped else None
    async with rt.pool.acquire() as conn:
        return [_view(principal, s) for s in await store.list_schedules(conn, company)]


@dataclass(frozen=True)
class SchedulePage:
    """A page of schedules in (created_at, id) order, whether more lie beyond it in the
    direction it was read, and how many this key may see in all."""

    schedules: list[ScheduleView]
    has_more: bool
    total: int


async def report_schedule_page(
    rt: Runtime,
    principal: Principal,
    page: Callable[[], tuple[int, tuple[datetime, UUID] | None]],
    backward: bool = False,
) -> SchedulePage:
    """The schedules this key may see, a page at a time: ``page()`` gives how many and
    from which (created_at, id) on (read once the key may read schedules at all);
    ``backward``: the ones before it."""
    principal.require(*READERS)
    company = principal.company_id if principal.role.scoped else None
    size, start = page()
    async with rt.pool.acquire() as conn:
        found = await store.schedules_page(conn, company, start, size + 1, backward)
        total = await store.count_schedules(conn, company)
    schedules = found[:size]
    if backward:
        schedules.reverse()  # read nearest first: the page is in the list's order
    views = [_view(principal, s) for s in schedules]
    return SchedulePage(views, has_more=len(found) > size, total=total)


async def set_report_schedule_active(
    rt: Runtime,
    principal: Principal,
    schedule_id: UUID,
    active: bool,
    *,
    audit: ChangeAudit = NOT_AUDITED,
) -> ScheduleView:
    """Pause or resume a schedule; ``audit`` commits with it."""
    principal.require(*MANAGERS)
    async with rt.pool.acquire() as conn:
        if await _own_schedule(conn, principal, schedule_id) is None:
            raise Rejected(
                [FieldError("id", ErrorCode.NOT_FOUND, f"no report schedule {schedule_id}")]
            )
        async with conn.transaction():
            schedule = await store.set_schedule_active(conn, schedule_id, active)
            await audit.write(conn, "ReportSchedule")
    audit.committed()
    return _view(principal, schedule)


async def delete_report_schedule(
    rt: Runtime, principal: Principal, schedule_id: UUID, *, audit: ChangeAudit = NOT_AUDITED
) -> bool:
    """Remove a schedule (its reports stay); False when this key has no such schedule."""
    principal.require(*MANAGERS)
    async with rt.pool.acquire() as conn:
        if await _own_schedule(conn, principal, schedule_id) is None:
            return False
        async with conn.transaction():
            await store.delete_schedule(conn, schedule_id)
            await audit.write(conn, "ok")
    audit.committed()
    return True


async def schedule_runs(
    rt: Runtime, principal: Principal, schedules: Sequence[ReportSchedule], last: int
) -> dict[UUID, list[ScheduleRun]]:
    """Each schedule's latest runs, newest first, in one read for them all; a
    schedule this key may not see has none, and a VIEWER sees no delivery errors.

    A delivery error speaks of the destination (its host, its answers): admins only,
    and without the destination's secrets.
    """
    principal.require(*READERS)
    visible = {s.id: s for s in schedules if _visible(principal, s.company_id)}
    if not visible:
        return {}
    limit = max(1, min(last, 1000))
    found = await rt.read(lambda conn: store.schedule_runs(conn, list(visible), limit))
    shows_errors = principal.role is not Role.VIEWER
    return {
        schedule_id: [
            replace(
                run,
                error=redact(run.error, visible[schedule_id].destination)
                if shows_errors and run.error
                else None,
            )
            for run in runs
        ]
        for schedule_id, runs in found.items()
    }


# ------------------------------------------------------------------ jobs


async def claim_runs(rt: Runtime, now: datetime) -> list[UUID]:
    """Claim every due fire time of every active schedule; the new runs' report ids."""
    claimed: list[UUID] = []
    async with rt.pool.acquire() as conn:
        for schedule in await store.active_schedules(conn):
            try:
                claimed += await _claim(conn, schedule, now)
            except Exception as exc:  # noqa: BLE001 - one schedule's fault stays its own
                _log.warning("schedule %s: %s", schedule.id, describe(exc))
    return claimed


async def _claim(conn: asyncpg.Connection, s: ReportSchedule, now: datetime) -> list[UUID]:
    trigger = cron_trigger(s.cron, s.time_zone)
    criteria = rc.ReportCriteria.from_json(s.criteria)
    claimed: list[UUID] = []
    for moment in fire_times(trigger, s.last_scheduled_for or s.created_at, now):
        async with conn.transaction():
            report = await store.create_report(
                conn,
                criteria,
                s.format,
                moment,
                created_by=s.created_by,
                schedule_id=s.id,
                scheduled_for=moment,
            )
            if not await store.claim_schedule_run(conn, s.id, moment, report.id, now):
                # another process has this run: drop our report
                await store.delete_report(conn, report.id)
                continue
        claimed.append(report.id)
    return claimed


async def _deliver(rt: Runtime, run: ScheduleRun, now: datetime) -> bool:
    """Send one run's report; record the outcome on that run only. True when delivered."""
    status, error = DeliveryStatus.DELIVERED, None
    destination: Destination | None = None
    try:
        assert run.report_id is not None
        async with rt.pool.acquire() as conn:
            schedule = await store.schedule_by_id(conn, run.schedule_id)
            report = await store.report_by_id(conn, run.report_id)
            content = await store.report_bytes(conn, run.report_id)
        assert schedule is not None and report is not None
        if run.report_status is ReportStatus.FAILED:
            status, error = DeliveryStatus.FAILED, f"the report failed: {report.error}"
        else:
            destination = schedule.destination
            await send_report(rt.settings, destination, report, schedule.name, content or b"")
    except Exception as exc:  # noqa: BLE001 - one run's fault is recorded on that run
        last = run.attempts + 1 >= MAX_DELIVERY_ATTEMPTS
        status = DeliveryStatus.FAILED if last else DeliveryStatus.PENDING
        error = describe(exc)
        if destination is not None:
            error = redact(error, destination)
        _log.warning("report run of schedule %s failed: %s", run.schedule_id, error)
    async with rt.pool.acquire() as conn:
        await store.finish_schedule_run(
            conn,
            run,
            status,
            error[:1000] if error else None,
            now + delivery_backoff(run.attempts + 1),
        )
    return status is DeliveryStatus.DELIVERED


async def fire_report_schedules(rt: Runtime, now: datetime | None = None) -> int:
    """Fire what is due, build those reports, deliver finished ones; the runs delivered."""
    moment = now or datetime.now(UTC)
    for report_id in await claim_runs(rt, moment):
        await rt.reports.run(report_id)
    async with rt.pool.acquire() as conn:
        pending = await store.undelivered_runs(conn, moment, MAX_DELIVERIES_PER_PASS)
    delivered = 0
    for run in pending:
        delivered += await _deliver(rt, run, moment)
    return delivered


async def generate_pending_reports(rt: Runtime) -> int:
    """Build reports left pending (a process that stopped before building them)."""
    return await rt.reports.run_pending()
