"""What a bulk import reads besides the records: the catalogue of products."""

from __future__ import annotations

import asyncpg

from storage.queries import q


async def product_metrics(conn: asyncpg.Connection) -> dict[str, str]:
    """Each product's code -> the code of the metric it is measured by."""
    return {r["code"]: r["metric_code"] for r in await conn.fetch(q("product_metric_codes"))}
