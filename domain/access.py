"""Who may do what: roles and the company scope of a caller.

The rule lives here once. Every read and write of tenant data asks the
caller's ``Scope`` which company it may touch; resolvers never compare
company ids by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from uuid import UUID

from domain.errors import Forbidden


class Role(Enum):
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    VIEWER = "VIEWER"

    @property
    def scoped(self) -> bool:
        return self in (Role.COMPANY_ADMIN, Role.VIEWER)


class AccessDenied(Forbidden):
    """The caller's key does not allow this."""


@dataclass(frozen=True)
class Principal:
    key_id: UUID
    role: Role
    company_id: UUID | None

    def require(self, *roles: Role) -> None:
        if self.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise AccessDenied(f"this operation needs one of the roles {allowed}")

    @property
    def can_read_usage(self) -> bool:
        return self.role in (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)

    @property
    def can_record_usage(self) -> bool:
        return self.role in (Role.ADMIN, Role.SYSTEM, Role.COMPANY_ADMIN)

    def company_filter(self, requested: UUID | None) -> UUID | None:
        """The company a read is limited to (None = every company).

        A scoped key always reads its own company; asking for another one is
        refused rather than silently answered with its own data.
        """
        if not self.role.scoped:
            return requested
        if requested is not None and requested != self.company_id:
            raise AccessDenied("this API key is limited to its own company")
        return self.company_id

    def write_scope(self) -> UUID | None:
        """The only company this key may write for (None = any)."""
        return self.company_id if self.role.scoped else None

    def may_see(self, company_id: UUID) -> bool:
        return not self.role.scoped or company_id == self.company_id
