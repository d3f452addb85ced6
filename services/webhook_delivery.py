"""Sending webhook events from the notification outbox, with retries.

Each delivery is claimed with ``FOR UPDATE SKIP LOCKED`` in its own
transaction, POSTed, and marked in that transaction, as alert notifications
are (``services.delivery``). The body is the event's JSON, the same bytes on
every try; it is signed like the SMS and report webhooks: HMAC-SHA256 over
``"{timestamp}.{body}"`` with the endpoint's secret, in
``X-Metergraph-Signature: sha256=<hex>`` next to ``X-Metergraph-Timestamp``;
``X-Metergraph-Event-Id`` carries the event id a receiver dedups on. A 2xx
answer delivers it; anything else waits 2, 4, 8 … seconds (at most an
hour) and is FAILED after ``domain.thresholds.MAX_ATTEMPTS`` tries. A failed
try also holds the endpoint's other deliveries until its next one, so a
receiver that is down costs one request per backoff, and other companies'
deliveries go on.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import httpx

from domain import thresholds as th
from domain import webhooks as wh
from services import delivery
from services.config import Settings
from services.delivery import DeliveryError, describe, sign
from services.report_delivery import check_webhook_url
from services.runtime import Runtime
from storage import webhooks as store

_log = logging.getLogger(__name__)


class Refused(DeliveryError):
    """The receiver answered, but not with a 2xx."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"webhook answered {status_code}")
        self.status_code = status_code


def headers(outgoing: wh.Outgoing, timestamp: str) -> dict[str, str]:
    """The headers of one try: signature, event id and type, and which try it is."""
    return {
        "Content-Type": "application/json",
        "User-Agent": "Metergraph-Webhooks",
        "X-Metergraph-Event-Id": str(outgoing.event_id),
        "X-Metergraph-Event-Type": outgoing.event_type.value,
        "X-Metergraph-Delivery-Attempt": str(outgoing.attempts + 1),
        "X-Metergraph-Timestamp": timestamp,
        "X-Metergraph-Signature": sign(outgoing.secret, timestamp, outgoing.body.encode()),
    }


async def post(settings: Settings, outgoing: wh.Outgoing) -> int:
    """POST the event; the receiver's status code (``Refused`` when it is not 2xx)."""
    # checked again at each try: what a name resolves to may have changed
    await check_webhook_url(outgoing.url, settings.allow_private_webhooks)
    body = outgoing.body.encode()
    try:
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds) as client:
            response = await client.post(
                outgoing.url, content=body, headers=headers(outgoing, str(int(time.time())))
            )
    except httpx.HTTPError as exc:
        raise DeliveryError(f"webhook: {exc or type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise Refused(response.status_code)
    return response.status_code


async def _deliver_one(rt: Runtime, moment: datetime) -> bool | None:
    """Claim, send and mark the next due delivery in one transaction: whether it was
    delivered (None: nothing is due)."""
    async with rt.pool.acquire() as conn, conn.transaction():
        outgoing = await store.due_delivery(conn, moment)
        if outgoing is None:
            return None
        try:
            status_code = await post(rt.settings, outgoing)
        except Exception as exc:  # noqa: BLE001 - one delivery's fault is its own
            _log.warning("webhook delivery %d failed: %s", outgoing.id, describe(exc))
            retry = th.after_failure(outgoing.attempts, moment)
            code = exc.status_code if isinstance(exc, Refused) else None
            await store.record_failed_attempt(conn, outgoing, retry, describe(exc), code)
            return False
        await store.mark_delivered(conn, outgoing.id, moment, status_code)
        return True


async def drain(rt: Runtime, now: datetime | None = None) -> int:
    """Deliver the due webhook events, one per transaction; the number delivered
    (at most ``delivery.MAX_PER_PASS`` handled in a pass)."""
    delivered = 0
    for _ in range(delivery.MAX_PER_PASS):
        done = await _deliver_one(rt, now or datetime.now(UTC))
        if done is None:
            break
        delivered += done
    return delivered


async def deliver_outbox(rt: Runtime) -> int:
    """The delivery job's pass: alert notifications, then webhook events; how many
    were delivered."""
    return await delivery.deliver_notifications(rt) + await drain(rt)
