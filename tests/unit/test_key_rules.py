"""Who may manage which API key, and what a new key may be."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest

from domain.access import AccessDenied, Principal, Role
from domain.errors import Rejected
from domain.field_errors import ErrorCode
from domain.keys import ApiKey, new_key_errors, require_manager, require_unrevoked

ACME = UUID("0190c6c2-0000-7000-8000-00000000000a")
GLOBEX = UUID("0190c6c2-0000-7000-8000-00000000000b")
NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)


def principal(role: Role, company: UUID | None = None) -> Principal:
    return Principal(UUID(int=1), role, company)


@pytest.mark.parametrize(
    ("role", "company"),
    [(Role.ADMIN, None), (Role.SYSTEM, None), (Role.COMPANY_ADMIN, ACME), (Role.VIEWER, GLOBEX)],
)
def test_an_admin_manages_every_key(role: Role, company: UUID | None) -> None:
    require_manager(principal(Role.ADMIN), role, company)


def test_a_company_admin_manages_its_own_company_viewer_keys() -> None:
    require_manager(principal(Role.COMPANY_ADMIN, ACME), Role.VIEWER, ACME)


@pytest.mark.parametrize(
    ("caller", "role", "company"),
    [
        (principal(Role.COMPANY_ADMIN, ACME), Role.VIEWER, GLOBEX),
        (principal(Role.COMPANY_ADMIN, ACME), Role.COMPANY_ADMIN, ACME),
        (principal(Role.COMPANY_ADMIN, ACME), Role.ADMIN, None),
        (principal(Role.VIEWER, ACME), Role.VIEWER, ACME),
        (principal(Role.SYSTEM), Role.VIEWER, ACME),
    ],
)
def test_anyone_else_is_refused(caller: Principal, role: Role, company: UUID | None) -> None:
    with pytest.raises(AccessDenied):
        require_manager(caller, role, company)


def test_a_well_formed_key_has_no_errors() -> None:
    assert new_key_errors(Role.VIEWER, ACME, NOW + timedelta(days=1), NOW) == []
    assert new_key_errors(Role.ADMIN, None, None, NOW) == []


@pytest.mark.parametrize(
    ("role", "company", "expires", "field", "code"),
    [
        (Role.VIEWER, None, None, "companyId", ErrorCode.REQUIRED),
        (Role.SYSTEM, ACME, None, "companyId", ErrorCode.FIELD_NOT_APPLICABLE),
        (Role.ADMIN, None, NOW, "expiresAt", ErrorCode.EXPIRES_IN_PAST),
        (Role.ADMIN, None, NOW - timedelta(days=1), "expiresAt", ErrorCode.EXPIRES_IN_PAST),
        (Role.ADMIN, None, datetime(2030, 1, 1), "expiresAt", ErrorCode.TIMESTAMP_WITHOUT_OFFSET),
        (
            Role.ADMIN,
            None,
            datetime(9999, 12, 31, 23, 59, tzinfo=timezone(-timedelta(hours=14))),
            "expiresAt",
            ErrorCode.OUT_OF_RANGE,
        ),
    ],
)
def test_a_bad_key_names_its_field(
    role: Role, company: UUID | None, expires: datetime | None, field: str, code: ErrorCode
) -> None:
    [error] = new_key_errors(role, company, expires, NOW)
    assert (error.field, error.code) == (field, code)


def test_a_revoked_key_cannot_be_revoked_or_rotated_again() -> None:
    key = ApiKey(UUID(int=2), "k", Role.ADMIN, None, NOW, None, NOW, None)
    with pytest.raises(Rejected) as refused:
        require_unrevoked(key)
    assert (refused.value.field, refused.value.code) == ("id", "KEY_REVOKED")
    require_unrevoked(replace(key, revoked_at=None))
