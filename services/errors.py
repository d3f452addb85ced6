"""What may escape a service besides ``domain.errors``: the database going away.

Storage turns the driver's failures to connect into ``DatabaseUnavailable``
(a ``domain.errors.Unavailable``); a connection that breaks under a query
may still raise the driver's own error. ``is_unavailable`` recognises both,
so that callers answer them alike without depending on the driver.
"""

from __future__ import annotations

from storage.db import UNAVAILABLE_MESSAGE, is_unavailable

__all__ = ["UNAVAILABLE_MESSAGE", "is_unavailable"]
