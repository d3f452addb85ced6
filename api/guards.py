"""Who may do what, as GraphQL errors, for resolvers that check it themselves.

The rules live in ``domain.access.Principal``: ``require`` checks the key's
role, ``company_filter`` turns a requested company into the one this key may
see (its own, for a scoped key, whatever it asked for). A refusal is
``AccessDenied``, answered as ``api.errors`` says (FORBIDDEN). Services ask
the principal themselves; their refusals reach the client the same way.
"""

from __future__ import annotations

from uuid import UUID

from graphql import GraphQLError

from api.context import Context
from api.errors import coded
from domain.access import AccessDenied, Role

READERS = (Role.ADMIN, Role.COMPANY_ADMIN, Role.VIEWER)
WRITERS = (Role.ADMIN, Role.SYSTEM, Role.COMPANY_ADMIN)


def forbidden(exc: AccessDenied) -> GraphQLError:
    """``exc`` as the client sees it, to raise from a resolver."""
    return coded(exc)


def require(ctx: Context, *roles: Role) -> None:
    try:
        ctx.principal.require(*roles)
    except AccessDenied as exc:
        raise forbidden(exc) from None


def company_filter(ctx: Context, requested: UUID | None) -> UUID | None:
    try:
        return ctx.principal.company_filter(requested)
    except AccessDenied as exc:
        raise forbidden(exc) from None
