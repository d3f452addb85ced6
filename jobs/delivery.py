"""Job: deliver pending notifications from the outbox, with retries (services.delivery)."""

from __future__ import annotations

from services import delivery
from services.delivery import DeliveryError, describe, sign, smtp_send
from services.runtime import Runtime

# what the report deliveries share with the notifications'
__all__ = ["DeliveryError", "deliver_notifications", "describe", "sign", "smtp_send"]


async def deliver_notifications(runtime: Runtime) -> int:
    return await delivery.deliver_notifications(runtime)
