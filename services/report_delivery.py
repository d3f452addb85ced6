"""Where scheduled reports go, and when schedules fire.

A schedule fires at the times of its cron expression in its time zone
(``cron_trigger``, ``fire_times``). Its report goes to the destination:
STORED keeps it for download, EMAIL attaches it (through the SMTP settings
alerts use, or the reports' own), WEBHOOK POSTs it signed like the SMS
webhook. A webhook's host is resolved before each POST and refused when it
is loopback, private, link-local, multicast, reserved or unspecified, unless
``METERGRAPH_ALLOW_PRIVATE_WEBHOOKS``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import time
from datetime import UTC, datetime
from email.message import EmailMessage

import httpx
from apscheduler.triggers.cron import CronTrigger

from domain.aggregation import zone
from domain.reports.records import Destination, DestinationType, StoredReport
from services.config import Settings
from services.delivery import DeliveryError, sign, smtp_send

MAX_RUNS_PER_PASS = 50
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


def next_fire_time(cron: str, time_zone: str, now: datetime) -> datetime | None:
    following = cron_trigger(cron, time_zone).get_next_fire_time(None, now)
    return following.astimezone(UTC) if following else None


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


async def send_report(
    settings: Settings, destination: Destination, report: StoredReport, name: str, content: bytes
) -> None:
    """Send a built report where its schedule says (STORED: nothing to send)."""
    if destination.type is DestinationType.EMAIL:
        await send_report_email(settings.for_reports(), destination.to, report, name, content)
    elif destination.type is DestinationType.WEBHOOK:
        await post_report(settings, destination, report, content)
