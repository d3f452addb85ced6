"""What the usage write path needs to know of the database's own answers."""

from __future__ import annotations

import asyncpg


def missing_partition(exc: asyncpg.CheckViolationError) -> bool:
    """Whether an insert failed for want of a partition for its timestamp."""
    return "no partition of relation" in str(exc)
