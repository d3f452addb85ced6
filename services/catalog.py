"""The catalog: companies and the metrics usage is recorded against.

Reads ask the caller's principal what it may see (a scoped key sees its own
company only); changes are ADMIN's and are audited with the change.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from uuid import UUID

import asyncpg
import uuid_utils.compat as uuid7

from domain import limits as lim
from domain import usage as d
from domain.access import Principal, Role
from domain.catalog import MAX_LATE_ARRIVAL_DAYS, Company
from domain.errors import NotFound, Rejected
from domain.invoice_documents import BillingDetails, billing_details_errors
from domain.privacy import SECRET_BYTES, RedactedProperty, UserIdMode
from domain.usage import Metric
from services.audit import ChangeAudit, audited_transaction
from services.runtime import Runtime
from storage import repos

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
# A metric's description is prose, longer than a name.
MAX_DESCRIPTION = 4_000
# How many property keys a company may redact.
MAX_REDACTED_PROPERTIES = 100


@dataclass(frozen=True)
class CompanyPage:
    companies: list[Company]
    has_next: bool


async def list_companies(
    rt: Runtime,
    principal: Principal,
    page: Callable[[], tuple[int, str | None]],
    include_archived: bool = False,
) -> CompanyPage:
    """The companies ``principal`` may see, by external key: ``page()`` gives how
    many and after which key, read once the caller may list companies at all;
    archived ones only when asked."""
    principal.require(*READERS)
    limit, after_key = page()
    only = principal.company_filter(None)
    async with rt.pool.acquire() as conn:
        found = await repos.list_companies(conn, only, after_key, limit + 1, include_archived)
    return CompanyPage(found[:limit], has_next=len(found) > limit)


async def find_company(rt: Runtime, principal: Principal, id: UUID) -> Company | None:
    """The company ``id``; None when there is none or ``principal`` may not see it."""
    principal.require(*READERS)
    if not principal.may_see(id):
        return None  # another company does not exist for this key
    async with rt.pool.acquire() as conn:
        return await repos.company_by_id(conn, id)


async def companies_by_ids(
    rt: Runtime, principal: Principal, ids: Sequence[UUID]
) -> dict[UUID, Company]:
    """The companies of ``ids`` that exist and ``principal`` may see, by id, in one read."""
    principal.require(*READERS)
    visible = [i for i in ids if principal.may_see(i)]
    if not visible:
        return {}
    return await rt.read(lambda conn: repos.companies_by_ids(conn, visible))


async def own_company(rt: Runtime, principal: Principal) -> Company | None:
    """The company a scoped key belongs to (None for ADMIN and SYSTEM keys)."""
    if principal.company_id is None:
        return None
    async with rt.pool.acquire() as conn:
        return await repos.company_by_id(conn, principal.company_id)


async def company_named(rt: Runtime, reference: str) -> Company:
    """The company ``reference`` names (its id or its external key), for the operator.

    Raises NotFound when there is none."""
    async with rt.pool.acquire() as conn:
        company = await repos.company_by_reference(conn, reference)
    if company is None:
        raise NotFound(f"no company {reference!r}")
    return company


async def list_metrics(rt: Runtime, include_archived: bool = False) -> list[Metric]:
    """Every defined metric, by code; archived ones only when asked."""
    async with rt.pool.acquire() as conn:
        found = (await repos.all_metrics(conn)).values()
    return [m for m in found if include_archived or m.archived_at is None]


def _company_errors(
    rt: Runtime, external_key: str, name: str, days: int | None
) -> list[d.FieldError]:
    errors = d.validate_company_key(external_key)
    if not name.strip():
        errors.append(d.FieldError("name", d.ErrorCode.REQUIRED, "a company needs a name"))
    errors.extend(lim.name_errors("name", name, rt.settings.max_name_length))
    if days is not None and not 0 <= days <= MAX_LATE_ARRIVAL_DAYS:
        message = f"lateArrivalDays must be 0..{MAX_LATE_ARRIVAL_DAYS}"
        errors.append(d.FieldError("lateArrivalDays", d.ErrorCode.INVALID_FORMAT, message))
    return errors


def _redaction_errors(rt: Runtime, rules: tuple[RedactedProperty, ...]) -> list[d.FieldError]:
    errors: list[d.FieldError] = []
    if len(rules) > MAX_REDACTED_PROPERTIES:
        message = f"at most {MAX_REDACTED_PROPERTIES} properties may be redacted"
        errors.append(d.FieldError("redactedProperties", d.ErrorCode.TOO_LONG, message))
    seen: set[str] = set()
    for n, rule in enumerate(rules):
        field = f"redactedProperties[{n}].key"
        if not rule.key.strip():
            errors.append(d.FieldError(field, d.ErrorCode.REQUIRED, "a redacted key is needed"))
        elif rule.key in seen:
            message = f"property {rule.key!r} is redacted twice"
            errors.append(d.FieldError(field, d.ErrorCode.ALREADY_EXISTS, message))
        seen.add(rule.key)
        errors.extend(lim.name_errors(field, rule.key, rt.settings.max_name_length))
    return errors


@dataclass(frozen=True)
class NewCompany:
    """What ``createCompany`` is given; ``late_arrival_days`` None: the configured default."""

    external_key: str
    name: str
    late_arrival_days: int | None = None
    user_id_mode: UserIdMode = UserIdMode.RAW
    redacted_properties: tuple[RedactedProperty, ...] = ()
    billing: BillingDetails | None = None


def _billing_errors(billing: BillingDetails | None) -> list[d.FieldError]:
    return [] if billing is None else billing_details_errors(billing, "billingDetails")


async def create_company(
    rt: Runtime, principal: Principal, new: NewCompany, audit: ChangeAudit
) -> Company:
    """A new company (ADMIN), with a fresh secret for its pseudonyms.

    Raises Rejected for an invalid input or an external key already taken.
    """
    principal.require(Role.ADMIN)
    errors = _company_errors(rt, new.external_key, new.name, new.late_arrival_days)
    errors += _redaction_errors(rt, new.redacted_properties)
    billing = new.billing.cleaned() if new.billing else None
    errors += _billing_errors(billing)
    if errors:
        raise Rejected(errors)
    days = rt.settings.late_arrival_days if new.late_arrival_days is None else new.late_arrival_days
    privacy = (new.user_id_mode, new.redacted_properties, secrets.token_bytes(SECRET_BYTES))
    async with audited_transaction(rt.pool, partial(audit.row, "Company")) as conn:
        company = await repos.insert_company(
            conn, uuid7.uuid7(), new.external_key, new.name.strip(), days, privacy
        )
        if company is None:
            message = f"a company with external key {new.external_key!r} exists already"
            raise Rejected([d.FieldError("externalKey", d.ErrorCode.ALREADY_EXISTS, message)])
        if billing is not None:
            company = await repos.set_billing_details(conn, company.id, billing) or company
    audit.committed()
    return company


@dataclass(frozen=True)
class CompanyChange:
    """What ``updateCompany`` is given; None: left as it is (billing details
    given replace all of them)."""

    name: str | None = None
    late_arrival_days: int | None = None
    user_id_mode: UserIdMode | None = None
    redacted_properties: tuple[RedactedProperty, ...] | None = None
    billing: BillingDetails | None = None


def _change_errors(rt: Runtime, change: CompanyChange) -> list[d.FieldError]:
    errors = _redaction_errors(rt, change.redacted_properties or ())
    if change.name is not None:
        if not change.name.strip():
            errors.append(d.FieldError("name", d.ErrorCode.REQUIRED, "a company needs a name"))
        errors.extend(lim.name_errors("name", change.name, rt.settings.max_name_length))
    days = change.late_arrival_days
    if days is not None and not 0 <= days <= MAX_LATE_ARRIVAL_DAYS:
        message = f"lateArrivalDays must be 0..{MAX_LATE_ARRIVAL_DAYS}"
        errors.append(d.FieldError("lateArrivalDays", d.ErrorCode.INVALID_FORMAT, message))
    return errors + _billing_errors(change.billing)


async def update_company(
    rt: Runtime, principal: Principal, id: UUID, change: CompanyChange, audit: ChangeAudit
) -> Company:
    """The company with ``change`` made (ADMIN).

    Raises Rejected for an unknown company, an invalid change, or a change of
    user id mode once the company has usage records (its stored ids would mix
    raw ids and pseudonyms).
    """
    principal.require(Role.ADMIN)
    change = replace(change, billing=change.billing.cleaned() if change.billing else None)
    errors = _change_errors(rt, change)
    if errors:
        raise Rejected(errors)
    async with audited_transaction(rt.pool, partial(audit.row, "Company")) as conn:
        if not await repos.lock_company(conn, id):
            message = f"no company has id {id}"
            raise Rejected([d.FieldError("id", d.ErrorCode.UNKNOWN_COMPANY, message)])
        current = await repos.company_by_id(conn, id)
        assert current is not None
        mode = change.user_id_mode
        if mode not in (None, current.user_id_mode) and await repos.company_has_records(conn, id):
            message = "the user id mode cannot change once the company has usage records"
            raise Rejected([d.FieldError("userIdMode", d.ErrorCode.USER_ID_MODE_LOCKED, message)])
        company = await _changed(conn, id, change)
    audit.committed()
    rt.references.invalidate()
    return company


async def _changed(conn: asyncpg.Connection, id: UUID, change: CompanyChange) -> Company:
    if change.name is not None:
        await repos.rename_company(conn, id, change.name.strip())
    if change.late_arrival_days is not None:
        await repos.set_late_arrival_days(conn, id, change.late_arrival_days)
    if change.billing is not None:
        await repos.set_billing_details(conn, id, change.billing)
    company = await repos.update_company_privacy(
        conn, id, change.user_id_mode, change.redacted_properties
    )
    assert company is not None
    return company


def _metric_errors(rt: Runtime, metric: Metric) -> list[d.FieldError]:
    longest = rt.settings.max_name_length
    errors = d.validate_metric(metric)
    errors += lim.name_errors("name", metric.name, longest)
    errors += lim.name_errors("unit", metric.unit, longest)
    errors += lim.text_errors("description", metric.description, MAX_DESCRIPTION)
    return errors


async def define_metric(
    rt: Runtime, principal: Principal, metric: Metric, audit: ChangeAudit
) -> Metric:
    """Define ``metric`` (ADMIN). Raises Rejected for an invalid one or a code in use."""
    principal.require(Role.ADMIN)
    errors = _metric_errors(rt, metric)
    if errors:
        raise Rejected(errors)
    async with audited_transaction(rt.pool, partial(audit.row, "Metric")) as conn:
        if not await repos.insert_metric(conn, metric):
            message = f"metric {metric.code!r} is defined already"
            raise Rejected([d.FieldError("code", d.ErrorCode.ALREADY_EXISTS, message)])
    audit.committed()
    rt.references.invalidate()
    return metric


async def change_value_property(
    rt: Runtime, principal: Principal, code: str, value_property: str | None, audit: ChangeAudit
) -> Metric:
    """Measure metric ``code`` by ``value_property`` from now on (ADMIN).

    Refused once the metric has usage: stored values, and the rollups summed
    from them, would mix the old measure with the new one.
    """
    principal.require(Role.ADMIN)
    async with audited_transaction(rt.pool, partial(audit.row, "Metric")) as conn:
        metric = await repos.lock_metric(conn, code)
        if metric is None:
            raise NotFound(f"no metric {code!r}")
        has_usage = await repos.metric_has_usage(conn, code)
        errors = d.value_property_change_errors(metric, value_property, has_usage)
        if errors:
            raise Rejected(errors)
        await repos.set_metric_value_property(conn, code, value_property)
    audit.committed()
    rt.references.invalidate()
    return replace(metric, value_property=value_property)
