"""Archiving companies, metrics and products, and changing a metric (ADMIN).

Each change locks the row it changes, checks what depends on it in the same
transaction, and commits with its audit row. Archiving an archived entry
answers it as it is. The ingest path's cached references are dropped once a
change commits, so that this process refuses usage for an archived company or
metric at once (others within the cache's few seconds).
"""

from __future__ import annotations

from functools import partial
from uuid import UUID

import asyncpg

from domain import limits as lim
from domain import usage as d
from domain.access import Principal, Role
from domain.archiving import (
    MetricChange,
    changed_metric,
    company_archive_errors,
    metric_archive_errors,
    metric_change_errors,
    product_archive_errors,
)
from domain.catalog import Company
from domain.contracts import Product
from domain.errors import Rejected
from domain.usage import Metric
from services.audit import ChangeAudit, audited_transaction
from services.catalog import MAX_DESCRIPTION
from services.runtime import Runtime
from storage import archiving, repos


def _unknown(field: str, code: d.ErrorCode, message: str) -> Rejected:
    return Rejected([d.FieldError(field, code, message)])


async def archive_company(
    rt: Runtime, principal: Principal, id: UUID, audit: ChangeAudit
) -> Company:
    """Archive company ``id`` (ADMIN): no new usage or contract for it; its
    usage and invoices stay readable. Refused while it owes an invoice or has a
    contract in force."""
    principal.require(Role.ADMIN)
    async with audited_transaction(rt.pool, partial(audit.row, "Company")) as conn:
        if not await repos.lock_company(conn, id):
            raise _unknown("id", d.ErrorCode.UNKNOWN_COMPANY, f"no company has id {id}")
        errors = company_archive_errors(
            "id",
            await archiving.company_unpaid_invoices(conn, id),
            await archiving.company_active_contracts(conn, id),
        )
        if errors:
            raise Rejected(errors)
        await archiving.archive_company(conn, id)
        company = await repos.company_by_id(conn, id)
        assert company is not None
    audit.committed()
    rt.references.invalidate()
    return company


async def _locked_metric(conn: asyncpg.Connection, code: str) -> Metric:
    metric = await repos.lock_metric(conn, code)
    if metric is None:
        raise _unknown("code", d.ErrorCode.UNKNOWN_METRIC, f"no metric {code!r}")
    return metric


async def archive_metric(
    rt: Runtime, principal: Principal, code: str, audit: ChangeAudit
) -> Metric:
    """Archive metric ``code`` (ADMIN): no new usage, product or threshold for
    it; its usage stays readable and invoiceable. Refused while a product not
    archived bills it or a threshold watches it."""
    principal.require(Role.ADMIN)
    async with audited_transaction(rt.pool, partial(audit.row, "Metric")) as conn:
        await _locked_metric(conn, code)
        errors = metric_archive_errors(
            "code",
            await archiving.metric_active_products(conn, code),
            await archiving.metric_thresholds(conn, code),
        )
        if errors:
            raise Rejected(errors)
        await archiving.archive_metric(conn, code)
        metric = await repos.lock_metric(conn, code)
        assert metric is not None
    audit.committed()
    rt.references.invalidate()
    return metric


def _change_errors(rt: Runtime, change: MetricChange) -> list[d.FieldError]:
    longest = rt.settings.max_name_length
    errors = []
    if change.name is not None:
        if not change.name.strip():
            errors.append(d.FieldError("name", d.ErrorCode.REQUIRED, "a metric needs a name"))
        errors += lim.name_errors("name", change.name, longest)
    if change.unit is not None:
        if not change.unit.strip():
            errors.append(d.FieldError("unit", d.ErrorCode.REQUIRED, "a metric needs a unit"))
        errors += lim.name_errors("unit", change.unit, longest)
    errors += lim.text_errors("description", change.description, MAX_DESCRIPTION)
    return errors


async def update_metric(
    rt: Runtime, principal: Principal, code: str, change: MetricChange, audit: ChangeAudit
) -> Metric:
    """Metric ``code`` with ``change`` made (ADMIN). Its name and description
    may always change; its unit, resource type, measurement type and
    aggregation only while no usage has been recorded for it. Refused for an
    archived metric."""
    principal.require(Role.ADMIN)
    errors = _change_errors(rt, change)
    if errors:
        raise Rejected(errors)
    async with audited_transaction(rt.pool, partial(audit.row, "Metric")) as conn:
        metric = await _locked_metric(conn, code)
        has_usage = await repos.metric_has_usage(conn, code)
        errors = metric_change_errors(metric, change, has_usage)
        if errors:
            raise Rejected(errors)
        metric = changed_metric(metric, change)
        await archiving.update_metric(conn, metric)
    audit.committed()
    rt.references.invalidate()
    return metric


async def archive_product(
    rt: Runtime, principal: Principal, code: str, audit: ChangeAudit
) -> Product:
    """Archive product ``code`` (ADMIN): no new contract may price it; the
    invoices that did stay readable. Refused while a contract in force prices it."""
    principal.require(Role.ADMIN)
    async with audited_transaction(rt.pool, partial(audit.row, "Product")) as conn:
        if await archiving.lock_product(conn, code) is None:
            raise _unknown("code", d.ErrorCode.UNKNOWN_PRODUCT, f"no product {code!r}")
        errors = product_archive_errors(
            "code", await archiving.product_active_contracts(conn, code)
        )
        if errors:
            raise Rejected(errors)
        product = await archiving.archive_product(conn, code)
    audit.committed()
    return product
