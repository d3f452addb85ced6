"""Repositories for companies, metrics and API keys.

Each function takes a connection: the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.access import Role
from domain.catalog import Company
from domain.invoice_documents import BillingDetails
from domain.keys import ApiKey
from domain.privacy import RedactedProperty, RedactionAction, UserIdMode
from domain.usage import Aggregation, MeasurementType, Metric, ReportingInterval, ResourceType
from storage.queries import q


def _company(row: asyncpg.Record) -> Company:
    return Company(
        id=row["id"],
        external_key=row["external_key"],
        name=row["name"],
        late_arrival_days=row["late_arrival_days"],
        created_at=row["created_at"],
        user_id_mode=UserIdMode(row["user_id_mode"]),
        redacted_properties=tuple(
            RedactedProperty(r["key"], RedactionAction(r["action"]))
            for r in row["redacted_properties"]
        ),
        secret=bytes(row["privacy_secret"]),
        billing=BillingDetails(
            legal_name=row["billing_legal_name"],
            address_lines=tuple(row["billing_address_lines"] or ()),
            city=row["billing_city"],
            postal_code=row["billing_postal_code"],
            country=row["billing_country"],
            tax_id=row["billing_tax_id"],
            email=row["billing_email"],
        ),
        archived_at=row["archived_at"],
    )


def _redactions(rules: tuple[RedactedProperty, ...] | None) -> list[dict[str, str]] | None:
    if rules is None:
        return None
    return [{"key": r.key, "action": r.action.value} for r in rules]


async def insert_company(
    conn: asyncpg.Connection,
    id: UUID,
    external_key: str,
    name: str,
    late_arrival_days: int,
    privacy: tuple[UserIdMode, tuple[RedactedProperty, ...], bytes | None] | None = None,
) -> Company | None:
    """The new company, or None when the external key is taken; ``privacy``
    is its user id mode, its redacted properties and its secret (None: raw
    ids, nothing redacted, a secret from the database's random source)."""
    mode, redactions, secret = privacy or (UserIdMode.RAW, (), None)
    row = await conn.fetchrow(
        q("insert_company"),
        id,
        external_key,
        name,
        late_arrival_days,
        mode.value,
        _redactions(redactions),
        secret,
    )
    return _company(row) if row else None


async def lock_company(conn: asyncpg.Connection, id: UUID) -> bool:
    """Lock the company's row until the transaction ends; False when there is none."""
    return await conn.fetchval(q("lock_company"), id) is not None


async def company_has_records(conn: asyncpg.Connection, id: UUID) -> bool:
    return bool(await conn.fetchval(q("company_has_records"), id))


async def update_company_privacy(
    conn: asyncpg.Connection,
    id: UUID,
    mode: UserIdMode | None,
    redactions: tuple[RedactedProperty, ...] | None,
) -> Company | None:
    """The company with the settings given changed (None: left as they are)."""
    row = await conn.fetchrow(
        q("update_company_privacy"), id, mode.value if mode else None, _redactions(redactions)
    )
    return _company(row) if row else None


async def set_billing_details(
    conn: asyncpg.Connection, id: UUID, details: BillingDetails
) -> Company | None:
    """The company with its billing details replaced by ``details``."""
    row = await conn.fetchrow(
        q("update_company_billing"),
        id,
        details.legal_name,
        list(details.address_lines) or None,
        details.city,
        details.postal_code,
        details.country,
        details.tax_id,
        details.email,
    )
    return _company(row) if row else None


async def company_by_id(conn: asyncpg.Connection, id: UUID) -> Company | None:
    row = await conn.fetchrow(q("company_by_id"), id)
    return _company(row) if row else None


async def companies_by_ids(conn: asyncpg.Connection, ids: list[UUID]) -> dict[UUID, Company]:
    """The companies of ``ids`` that exist, by id."""
    return {r["id"]: _company(r) for r in await conn.fetch(q("companies_by_ids"), ids)}


async def companies_by_external_keys(
    conn: asyncpg.Connection, keys: list[str]
) -> dict[str, Company]:
    rows = await conn.fetch(q("companies_by_external_keys"), keys)
    return {r["external_key"]: _company(r) for r in rows}


async def company_by_reference(conn: asyncpg.Connection, reference: str) -> Company | None:
    """The company ``reference`` names: its id, or else its external key."""
    try:
        id = UUID(reference)
    except ValueError:
        return (await companies_by_external_keys(conn, [reference])).get(reference)
    return await company_by_id(conn, id)


async def list_companies(
    conn: asyncpg.Connection,
    only: UUID | None,
    after_key: str | None,
    limit: int,
    include_archived: bool = False,
) -> list[Company]:
    rows = await conn.fetch(q("list_companies"), only, after_key, limit, include_archived)
    return [_company(r) for r in rows]


async def rename_company(conn: asyncpg.Connection, id: UUID, name: str) -> None:
    await conn.execute(q("rename_company"), id, name)


async def set_late_arrival_days(conn: asyncpg.Connection, id: UUID, days: int) -> Company | None:
    row = await conn.fetchrow(q("update_company_late_arrival"), id, days)
    return _company(row) if row else None


def _metric(row: asyncpg.Record) -> Metric:
    interval = row["reporting_interval"]
    return Metric(
        code=row["code"],
        name=row["name"],
        resource_type=ResourceType(row["resource_type"]),
        measurement_type=MeasurementType(row["measurement_type"]),
        unit=row["unit"],
        aggregation=Aggregation(row["aggregation"]),
        interval=ReportingInterval(interval) if interval else None,
        description=row["description"],
        value_property=row["value_property"],
        archived_at=row["archived_at"],
    )


async def insert_metric(conn: asyncpg.Connection, metric: Metric) -> bool:
    """False when a metric with that code exists already."""
    code = await conn.fetchval(
        q("insert_metric"),
        metric.code,
        metric.name,
        metric.resource_type.value,
        metric.measurement_type.value,
        metric.unit,
        metric.aggregation.value,
        metric.interval.value if metric.interval else None,
        metric.description,
        metric.value_property,
    )
    return code is not None


async def define_product(conn: asyncpg.Connection, code: str, name: str, metric_code: str) -> bool:
    """False when a product with that code exists already."""
    return await conn.fetchrow(q("insert_product"), code, name, metric_code) is not None


async def lock_metric(conn: asyncpg.Connection, code: str) -> Metric | None:
    """The metric, locked until the caller's transaction ends; None when unknown."""
    row = await conn.fetchrow(q("lock_metric"), code)
    return _metric(row) if row else None


async def metric_has_usage(conn: asyncpg.Connection, code: str) -> bool:
    """True when any record or rollup of the metric exists. No index leads with
    the metric code, so a metric without usage costs a scan: an operator's rare
    command, not a request path."""
    return bool(await conn.fetchval(q("metric_has_usage"), code))


async def set_metric_value_property(
    conn: asyncpg.Connection, code: str, value_property: str | None
) -> None:
    await conn.execute(q("set_metric_value_property"), code, value_property)


async def all_metrics(conn: asyncpg.Connection) -> dict[str, Metric]:
    return {r["code"]: _metric(r) for r in await conn.fetch(q("all_metrics"))}


@dataclass(frozen=True)
class StoredApiKey:
    id: UUID
    name: str
    role: str
    company_id: UUID | None
    # when the secret it was found by stops working (None: not before revoked)
    valid_until: datetime | None = None


async def insert_api_key(
    conn: asyncpg.Connection,
    id: UUID,
    name: str,
    role: str,
    company_id: UUID | None,
    key_hash: bytes,
    key_prefix: str,
    expires_at: datetime | None = None,
) -> None:
    await conn.execute(
        q("insert_api_key"), id, name, role, company_id, key_hash, key_prefix, expires_at
    )


async def api_key_by_hash(conn: asyncpg.Connection, key_hash: bytes) -> StoredApiKey | None:
    """The unrevoked, unexpired key whose secret (or previous secret, while its
    grace period lasts) hashes to ``key_hash``."""
    row = await conn.fetchrow(q("api_key_by_hash"), key_hash)
    if row is None:
        return None
    return StoredApiKey(row["id"], row["name"], row["role"], row["company_id"], row["valid_until"])


async def revoke_api_key(conn: asyncpg.Connection, id: UUID) -> bool:
    """False when no unrevoked key has that id."""
    return await conn.fetchval(q("revoke_api_key"), id) is not None


def _api_key(row: asyncpg.Record) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        company_id=row["company_id"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        last_used_at=row["last_used_at"],
        rotated_at=row["rotated_at"],
        previous_valid_until=row["previous_valid_until"],
    )


async def api_key_for_update(conn: asyncpg.Connection, id: UUID) -> ApiKey | None:
    """Key ``id``, locked until ``conn``'s transaction ends."""
    row = await conn.fetchrow(q("api_key_by_id"), id)
    return _api_key(row) if row is not None else None


async def list_api_keys(conn: asyncpg.Connection, company_id: UUID | None) -> list[ApiKey]:
    """Every key (``company_id`` None) or one company's, oldest first."""
    return [_api_key(r) for r in await conn.fetch(q("list_api_keys"), company_id)]


async def api_keys_page(
    conn: asyncpg.Connection,
    company_id: UUID | None,
    start: tuple[datetime, UUID] | None,
    limit: int,
    backward: bool = False,
) -> list[ApiKey]:
    """``limit`` keys (every one, or one company's) in (created_at, id) order after
    ``start`` (None: from the first); ``backward``: the ones before it, nearest first."""
    at, at_id = start if start is not None else (None, None)
    query = q("api_keys_before" if backward else "api_keys_after")
    return [_api_key(r) for r in await conn.fetch(query, company_id, at, at_id, limit)]


async def count_api_keys(conn: asyncpg.Connection, company_id: UUID | None) -> int:
    count: int = await conn.fetchval(q("count_api_keys"), company_id)
    return count


async def api_key_in_company(
    conn: asyncpg.Connection, key_id: UUID, company_id: UUID | None
) -> ApiKey | None:
    """Key ``key_id`` as listed (of ``company_id``, when given), unlocked."""
    row = await conn.fetchrow(q("api_key_in_company"), key_id, company_id)
    return _api_key(row) if row is not None else None


async def rotate_api_key(
    conn: asyncpg.Connection,
    id: UUID,
    key_hash: bytes,
    key_prefix: str,
    previous_valid_until: datetime,
) -> ApiKey | None:
    """Give unrevoked key ``id`` a new secret; None when there is no such key."""
    row = await conn.fetchrow(q("rotate_api_key"), id, key_hash, key_prefix, previous_valid_until)
    return _api_key(row) if row is not None else None


async def record_api_keys_used(conn: asyncpg.Connection, used: dict[UUID, datetime]) -> None:
    """Set each key's last_used_at to its time in ``used`` (never backwards)."""
    ids = list(used)
    await conn.execute(q("record_api_keys_used"), ids, [used[i] for i in ids])
