"""API keys as their owners manage them: who may manage which key, what a new
key may be, and how long a rotated key's old secret still works.

    ADMIN          every key
    COMPANY_ADMIN  its own company's VIEWER keys only
    anyone else    none (AccessDenied)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.access import AccessDenied, Principal, Role
from domain.errors import Rejected
from domain.field_errors import ErrorCode, FieldError


@dataclass(frozen=True)
class ApiKey:
    """A key as listed: never its secret nor the secret's hash."""

    id: UUID
    name: str
    role: Role
    company_id: UUID | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    rotated_at: datetime | None = None
    # until when the secret it had before its last rotation still works
    previous_valid_until: datetime | None = None


@dataclass(frozen=True)
class IssuedKey:
    """A key just made or rotated, with the only clear copy of its secret."""

    key: ApiKey
    secret: str


def require_manager(principal: Principal, role: Role, company_id: UUID | None) -> None:
    """Refuse unless ``principal`` may manage a ``role`` key of ``company_id``."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is Role.COMPANY_ADMIN:
        if role is not Role.VIEWER:
            raise AccessDenied("a COMPANY_ADMIN key manages VIEWER keys only")
        if company_id != principal.company_id:
            raise AccessDenied("this API key is limited to its own company")
        return
    raise AccessDenied("this operation needs one of the roles ADMIN, COMPANY_ADMIN")


def _storable(moment: datetime) -> bool:
    """Whether ``moment`` is still before year 10000 in UTC (9999-12-31T23:59-14:00 is not)."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return False
    return True


def new_key_errors(
    role: Role, company_id: UUID | None, expires_at: datetime | None, now: datetime
) -> list[FieldError]:
    """What is wrong with a key asked for (empty: nothing)."""
    errors = []
    if role.scoped and company_id is None:
        errors.append(
            FieldError("companyId", ErrorCode.REQUIRED, f"a {role.value} key needs a company")
        )
    if not role.scoped and company_id is not None:
        errors.append(
            FieldError(
                "companyId",
                ErrorCode.FIELD_NOT_APPLICABLE,
                f"a {role.value} key is not tied to a company",
            )
        )
    if expires_at is not None:
        if expires_at.tzinfo is None:
            errors.append(
                FieldError(
                    "expiresAt", ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "expiresAt needs an offset"
                )
            )
        elif expires_at <= now:
            errors.append(
                FieldError("expiresAt", ErrorCode.EXPIRES_IN_PAST, "expiresAt is not in the future")
            )
        elif not _storable(expires_at):
            errors.append(
                FieldError("expiresAt", ErrorCode.OUT_OF_RANGE, "expiresAt is after 9999 in UTC")
            )
    return errors


def require_unrevoked(key: ApiKey) -> None:
    """Refuse to revoke or rotate a key that is already revoked."""
    if key.revoked_at is not None:
        raise Rejected([FieldError("id", ErrorCode.KEY_REVOKED, f"key {key.id} is revoked")])


def old_secret_valid_until(now: datetime, grace: timedelta) -> datetime:
    """Until when a rotated key's old secret still works."""
    return now + grace
