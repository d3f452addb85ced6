"""Job: deliver pending notifications from the outbox, with retries (``services.delivery``)."""

from __future__ import annotations

from services.delivery import drain
from services.runtime import Runtime

__all__ = ["deliver_notifications", "drain"]


async def deliver_notifications(runtime: Runtime) -> int:
    return await drain(runtime)
