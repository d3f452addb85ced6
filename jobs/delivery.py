"""Job: deliver pending notifications from the outbox, with retries (``services.delivery``)."""

from __future__ import annotations

from services.delivery import deliver_notifications, drain

__all__ = ["deliver_notifications", "drain"]
