"""Delivering pending notifications from the outbox, with retries.

EMAIL goes over SMTP (aiosmtplib); SMS goes to the provider's webhook as a
JSON POST signed with HMAC-SHA256 over ``"{timestamp}.{body}"`` (headers
``X-Metergraph-Timestamp`` and ``X-Metergraph-Signature: sha256=<hex>``);
PLATFORM notifications are shown in the app and need no sending. Each
delivery is claimed with ``FOR UPDATE SKIP LOCKED`` inside its own
transaction, sent, and marked DELIVERED in that transaction, so two
drainers never send one twice; any failure of one delivery (the server's,
or its own data's) is recorded on it and waits 2, 4, 8 … seconds (at most
an hour) before the next try, FAILED after the last
(``domain.thresholds.after_failure``); the others go on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import UTC, datetime
from email.message import EmailMessage

import aiosmtplib
import httpx

from domain import thresholds as th
from domain.errors import Unavailable
from services import metrics
from services.config import Settings
from services.runtime import Runtime
from storage import alerts

_log = logging.getLogger(__name__)

MAX_PER_PASS = 1_000


class DeliveryError(Unavailable):
    """A notification (or a report) could not be handed to its server."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


async def send_email(settings: Settings, n: th.Notification) -> None:
    if not settings.smtp_host:
        raise DeliveryError("no SMTP server is configured (METERGRAPH_SMTP_HOST)")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = n.recipient
    message["Subject"] = n.subject
    message.set_content(n.body)
    await smtp_send(settings, message)


async def smtp_send(settings: Settings, message: EmailMessage) -> None:
    """Send through the configured SMTP server; DeliveryError when it fails."""
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=settings.smtp_password,
            use_tls=settings.smtp_tls == "tls",
            start_tls=settings.smtp_tls == "starttls",
            timeout=settings.delivery_timeout_seconds,
        )
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP: {exc}") from exc


async def send_sms(settings: Settings, n: th.Notification) -> None:
    if not settings.sms_webhook_url or not settings.sms_webhook_secret:
        raise DeliveryError("no SMS webhook is configured (METERGRAPH_SMS_WEBHOOK_URL, _SECRET)")
    body = json.dumps({"to": n.recipient, "text": n.body, "alertId": str(n.alert_id)}).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Metergraph-Timestamp": timestamp,
        "X-Metergraph-Signature": sign(settings.sms_webhook_secret, timestamp, body),
    }
    try:
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds) as client:
            response = await client.post(settings.sms_webhook_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise DeliveryError(f"SMS webhook: {exc}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"SMS webhook answered {response.status_code}")


async def deliver(settings: Settings, n: th.Notification) -> None:
    if n.channel is th.Channel.EMAIL:
        await send_email(settings, n)
    elif n.channel is th.Channel.SMS:
        await send_sms(settings, n)
    # PLATFORM: the alert itself is the notification; nothing to send


def describe(exc: BaseException) -> str:
    """What a failed unit records: the delivery's own message, or the kind of fault."""
    if isinstance(exc, DeliveryError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


async def _deliver_one(rt: Runtime, moment: datetime) -> bool | None:
    """Claim, send and mark the next due notification in one transaction: whether it
    was delivered (None: nothing is due)."""
    async with rt.pool.acquire() as conn, conn.transaction():
        claimed = await alerts.due_notifications(conn, moment, 1)
        if not claimed:
            return None
        n = claimed[0]
        try:
            await deliver(rt.settings, n)
        except Exception as exc:  # noqa: BLE001 - one notification's fault is its own
            _log.warning("delivery %d (%s) failed: %s", n.id, n.channel.value, describe(exc))
            retry = th.after_failure(n.attempts, moment)
            await alerts.record_failed_attempt(conn, n.id, retry, describe(exc))
            metrics.count_delivery_failure(n.channel.value)
            return False
        await alerts.mark_delivered(conn, n.id, moment)
        return True


async def drain(rt: Runtime, now: datetime | None = None) -> int:
    """Deliver what is due, one notification per transaction; the number delivered.

    Each notification is its own unit: it is claimed, sent and marked in its
    own transaction, so a sent one is never sent again because a later one
    failed, and any fault of one (a refused header, a server error) is
    recorded on it (attempts, last error, next try after a backoff; FAILED
    after the last try) while the others go on. A pass handles at most
    ``MAX_PER_PASS``; the job's next pass takes the rest.
    """
    delivered = 0
    for _ in range(MAX_PER_PASS):
        done = await _deliver_one(rt, now or datetime.now(UTC))
        if done is None:
            break
        delivered += done
    return delivered


async def deliver_notifications(rt: Runtime) -> int:
    """The delivery job's pass: the number of notifications delivered."""
    return await drain(rt)
