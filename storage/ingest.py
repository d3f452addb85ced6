"""The usage write path's own answer from the database: a month with no partition.

Retention in another process may drop a partition this process still lists
(``storage.partitions.PartitionCatalog``); an insert into it then fails. The
driver's error becomes ``PartitionMissing`` here, so that the write path can
create the partition and store again without depending on asyncpg.
"""

from __future__ import annotations

import asyncpg

from storage.errors import StorageError


class PartitionMissing(StorageError):
    """An insert found no partition of usage_records for a record's month."""

    default_code = "PARTITION_MISSING"


def missing_partition(exc: asyncpg.CheckViolationError) -> bool:
    """Whether an insert failed for want of a partition for its timestamp."""
    return "no partition of relation" in str(exc)
