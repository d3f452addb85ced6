"""Jobs: build pending reports, and fire report schedules.

A schedule fires at the times of its cron expression in its time zone. The
``run-report-schedules`` job (under the job runner's advisory lock) walks
each schedule's fire times from its last run (or its creation) up to now:
every fire time gets exactly one run, claimed by a unique
``(schedule, scheduled_for)`` row inserted with its report, so a restart
catches up on the times it missed and two processes never make two reports.
The report is built, then sent to the destination: STORED keeps it for
download, EMAIL attaches it (through the SMTP settings alerts use), WEBHOOK
POSTs it signed like the SMS webhook. Each run's delivery is its own unit:
whatever fails (the destination, or the schedule's own data) is recorded on
that run, which waits 2, 4, 8 … seconds (at most an hour) before its next
try and is FAILED after five; other runs go on and a delivered run is never
sent again. A webhook's host is resolved before each POST and refused when
it is loopback, private, link-local, multicast or unspecified, unless
``METERGRAPH_ALLOW_PRIVATE_WEBHOOKS``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import re
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import httpx
import uuid_utils.compat as uuid7
from apscheduler.triggers.cron import CronTrigger

from domain.aggregation import zone
from domain.reports.criteria import ReportCriteria
from domain.reports.document import ReportFormat
from jobs.delivery import DeliveryError, describe, sign, smtp_send
from services.config import Settings
from services.runtime import Runtime
from storage.queries import q
from storage.reports import StoredReport, report_content, resolved

_log = logging.getLogger(__name__)

MAX_RUNS_PER_PASS = 50
MAX_DELIVERY_ATTEMPTS = 5
MAX_DELIVERIES_PER_PASS = 100
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekday_names(field: str) -> str:
    """Crontab day numbers (0 or 7 Sunday) as names, which APScheduler reads the same way."""
    return re.sub(r"(?<![/\d])([0-7])(?!\d)", lambda m: _DAYS[int(m.group(1))], field)


def cron_trigger(expression: str, time_zone: str) -> CronTrigger:
    """The trigger for a crontab expression: 5 fields, or 6 with seconds first.

    ValueError with a readable message when the expression or zone is wrong.
    """
    tz = zone(time_zone)
    fields = expression.split()
    if len(fields) not in (5, 6):
        raise ValueError(
            f"a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds"
            f" first), not {len(fields)}"
        )
    second = fields.pop(0) if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields
    try:
        return CronTrigger(
            second=second,
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_weekday_names(weekday),
            timezone=tz,
        )
    except ValueError as exc:
        raise ValueError(f"cron expression {expression!r}: {exc}") from None


def at_most_once_a_minute(expression: str) -> str | None:
    """Why ``expression`` may fire more than once a minute, or None when it cannot.

    With 5 fields a schedule fires at second 0; a 6th (seconds) field must
    be one second of the minute (``0`` to ``59``), not a list, range or step.
    """
    fields = expression.split()
    if len(fields) == 6 and not re.fullmatch(r"[0-5]?\d", fields[0]):
        return (
            f"a schedule fires at most once a minute: the seconds field must be one value"
            f" (0 to 59), not {fields[0][:20]!r}"
        )
    return None


def fire_times(
    trigger: CronTrigger, after: datetime, now: datetime, limit: int = MAX_RUNS_PER_PASS
) -> list[datetime]:
    """The trigger's fire times in ``(after, now]``, oldest first, at most ``limit``."""
    out: list[datetime] = []
    previous = after
    while len(out) < limit:
        following = trigger.get_next_fire_time(previous, previous)
        if following is None or following > now:
            break
        out.append(following.astimezone(UTC))
        previous = following
    return out


@dataclass(frozen=True)
class Destination:
    type: str  # STORED, EMAIL, WEBHOOK
    to: tuple[str, ...] = ()
    url: str | None = None
    secret: str | None = None

    @classmethod
    def of(cls, data: dict[str, Any]) -> Destination:
        return cls(data["type"], tuple(data.get("to") or ()), data.get("url"), data.get("secret"))

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "to": list(self.to), "url": self.url, "secret": self.secret}


class UnsafeWebhook(DeliveryError):
    """A webhook URL whose host is, or resolves to, an address that is not public."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address.is_loopback
        or address.is_link_local
        or address.is_private
        or address.is_unspecified
        or address.is_multicast
        or address.is_reserved
    )


RESOLVE_SECONDS = 10


async def check_webhook_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that is not http(s), or whose host resolves to a non-public address.

    Every address the host resolves to must be public (one private answer
    among public ones is refused too). ``UnsafeWebhook`` says why.
    """
    try:
        parts = httpx.URL(url) if url.startswith(("http://", "https://")) else None
    except httpx.InvalidURL:
        parts = None
    if parts is None or not parts.host:
        raise UnsafeWebhook("a webhook needs an http(s) URL with a host")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        async with asyncio.timeout(RESOLVE_SECONDS):
            infos = await asyncio.get_running_loop().getaddrinfo(
                parts.host, port, type=socket.SOCK_STREAM
            )
    except (OSError, UnicodeError, TimeoutError):
        raise UnsafeWebhook(f"the webhook host {parts.host!r} does not resolve") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if _refused(address):
            raise UnsafeWebhook(
                f"the webhook host {parts.host!r} resolves to {address}, which is not a public"
                " address (METERGRAPH_ALLOW_PRIVATE_WEBHOOKS allows it)"
            )


def redact(text: str, destination: Destination) -> str:
    """``text`` without the destination's secret, nor the URL's credentials or query.

    Parts shorter than four characters are left alone: replacing them would
    garble the message (our messages never quote the secret anyway).
    """
    parts = [destination.secret or ""]
    if destination.url:
        try:
            url = httpx.URL(destination.url)
        except httpx.InvalidURL:
            parts.append(destination.url)
        else:
            shown = str(url.copy_with(username=None, password=None, query=None, fragment=None))
            text = text.replace(destination.url, shown)
            parts += [url.query.decode(errors="replace"), url.userinfo.decode(errors="replace")]
    for part in sorted(parts, key=len, reverse=True):
        if len(part) >= 4:
            text = text.replace(part, "[redacted]")
    return text


async def send_report_email(
    settings: Settings, to: tuple[str, ...], report: StoredReport, name: str, content: bytes
) -> None:
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server is configured (METERGRAPH_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = ", ".join(to)
    message["Subject"] = f"Metergraph report: {name}"
    criteria = report.criteria
    message.set_content(
        f"The scheduled report {name!r} for {criteria['from']} to {criteria['to']} is attached"
        f" ({report.format.value}, {len(content)} bytes).\n"
    )
    maintype, subtype = report.format.media_type.split(";")[0].split("/")
    message.add_attachment(content, maintype=maintype, subtype=subtype, filename=report.file_name())
    await smtp_send(settings, message)


async def post_report(
    settings: Settings, destination: Destination, report: StoredReport, content: bytes
) -> None:
    assert destination.url is not None
    # checked again at each delivery: what a name resolves to may have changed
    await check_webhook_url(destination.url, settings.allow_private_webhooks)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": report.format.media_type,
        "Content-Disposition": f'attachment; filename="{report.file_name()}"',
        "X-Metergraph-Report-Id": str(report.id),
        "X-Metergraph-Scheduled-For": report.scheduled_for.isoformat()
        if report.scheduled_for
        else "",
        "X-Metergraph-Timestamp": timestamp,
    }
    if destination.secret:
        headers["X-Metergraph-Signature"] = sign(destination.secret, timestamp, content)
    try:
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds) as client:
            response = await client.post(destination.url, content=content, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"webhook answered {response.status_code}")


def delivery_backoff(attempts: int) -> timedelta:
    """How long a failed report delivery waits: 2, 4, 8 … s, at most an hour."""
    return timedelta(seconds=min(2**attempts, 3600))


async def _deliver(runtime: Runtime, run: Any, now: datetime) -> bool:
    """Send one run's report; record the outcome on that run only. True when delivered."""
    status, error = "DELIVERED", None
    destination: Destination | None = None
    try:
        async with runtime.pool.acquire() as conn:
            schedule = await conn.fetchrow(q("schedule_by_id"), run["schedule_id"])
            row = await conn.fetchrow(q("report_by_id"), run["report_id"])
            stored = await report_content(conn, run["report_id"])
        report = StoredReport.of(row)
        if run["report_status"] == "FAILED":
            status, error = "FAILED", f"the report failed: {report.error}"
        else:
            destination = Destination.of(json.loads(schedule["destination"]))
            if destination.type == "EMAIL":
                await send_report_email(
                    runtime.settings.for_reports(),
                    destination.to,
                    report,
                    schedule["name"],
                    stored["content"],
                )
            elif destination.type == "WEBHOOK":
                await post_report(runtime.settings, destination, report, stored["content"])
    except Exception as exc:  # noqa: BLE001 - one run's fault is recorded on that run
        last = run["attempts"] + 1 >= MAX_DELIVERY_ATTEMPTS
        status, error = ("FAILED" if last else "PENDING"), describe(exc)
        if destination is not None:
            error = redact(error, destination)
        _log.warning("report run of schedule %s failed: %s", run["schedule_id"], error)
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            q("finish_schedule_run"),
            run["schedule_id"],
            run["scheduled_for"],
            status,
            error[:1000] if error else None,
            now + delivery_backoff(run["attempts"] + 1),
        )
    return status == "DELIVERED"


async def claim_runs(runtime: Runtime, now: datetime) -> list[UUID]:
    """Claim every due fire time of every active schedule; the new runs' report ids."""
    claimed: list[UUID] = []
    async with runtime.pool.acquire() as conn:
        schedules = await conn.fetch(q("active_schedules"))
        for s in schedules:
            try:
                claimed += await _claim(conn, s, now)
            except Exception as exc:  # noqa: BLE001 - one schedule's fault stays its own
                _log.warning("schedule %s: %s", s["id"], describe(exc))
    return claimed


async def _claim(conn: Any, s: Any, now: datetime) -> list[UUID]:
    trigger = cron_trigger(s["cron"], s["time_zone"])
    criteria = ReportCriteria.from_json(json.loads(s["criteria"]))
    after = s["last_scheduled_for"] or s["created_at"]
    claimed: list[UUID] = []
    for moment in fire_times(trigger, after, now):
        async with conn.transaction():
            report_id = uuid7.uuid7()
            await conn.execute(
                q("insert_report"),
                report_id,
                s["company_id"],
                criteria.kind.value,
                ReportFormat(s["format"]).value,
                json.dumps(resolved(criteria, moment)),
                s["id"],
                moment,
                s["created_by"],
            )
            won = await conn.fetchval(q("claim_schedule_run"), s["id"], moment, report_id, now)
            if won is None:  # another process has this run: drop our report
                await conn.execute("DELETE FROM reports WHERE id = $1", report_id)
                continue
        claimed.append(report_id)
    return claimed


async def run_report_schedules(runtime: Runtime, now: datetime | None = None) -> int:
    """Fire what is due, build those reports, deliver finished ones; the runs delivered."""
    moment = now or datetime.now(UTC)
    for report_id in await claim_runs(runtime, moment):
        await runtime.reports.run(report_id)
    delivered = 0
    async with runtime.pool.acquire() as conn:
        pending = await conn.fetch(q("undelivered_runs"), moment, MAX_DELIVERIES_PER_PASS)
    for run in pending:
        delivered += await _deliver(runtime, run, moment)
    return delivered


async def generate_reports(runtime: Runtime) -> int:
    """Build reports left pending (a process that stopped before building them)."""
    return await runtime.reports.run_pending()
