"""GraphQL ``viewer``: who the request's credentials are, as the console needs it."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from api import types as t
from api.context import Context
from services import catalog


@strawberry.type(description="The caller: its key, role, company and (by cookie) session.")
class Viewer:
    key_id: UUID = strawberry.field(
        description="The id of the API key the request (or the console's session) is made with.",
    )
    role: t.Role = strawberry.field(description="What the key may do.")
    company_id: UUID | None = strawberry.field(description="None for ADMIN and SYSTEM keys.")
    session_expires_at: datetime | None = strawberry.field(
        description="When the console's session ends; None for a request with a Bearer key."
    )

    @strawberry.field(description="The company a scoped key belongs to; None for ADMIN, SYSTEM.")
    async def company(self, info: Info[Context, None]) -> t.Company | None:
        company = await catalog.own_company(info.context.runtime, info.context.principal)
        return t.Company.of(company) if company else None


def viewer(ctx: Context) -> Viewer:
    p = ctx.principal
    return Viewer(
        key_id=p.key_id,
        role=t.Role(p.role.value),
        company_id=p.company_id,
        session_expires_at=ctx.session_expires_at,
    )
