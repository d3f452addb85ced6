"""GraphQL for managing API keys: list, create, revoke, rotate.

A key's secret appears only in ``IssuedApiKey.secret``, the answer of the
mutation that made it; ``ApiKey`` never carries it nor its hash.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api import types as t
from api.context import Context
from api.errors import answer
from domain import keys as k
from domain.access import Role
from services import keys


@strawberry.type(description="An API key as listed: never its secret.")
class ApiKey:
    id: UUID = strawberry.field(description="The key's id.")
    name: str = strawberry.field(description="A label for the key.")
    role: t.Role = strawberry.field(description="What the key may do.")
    company_id: UUID | None = strawberry.field(
        description="The company a COMPANY_ADMIN or VIEWER key belongs to."
    )
    created_at: datetime = strawberry.field(description="When the key was made.")
    expires_at: datetime | None = strawberry.field(
        description="When the key stops working (null: not before it is revoked)."
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked; null: not revoked.",
    )
    last_used_at: datetime | None = strawberry.field(
        description="When the key was last used, to within about a minute."
    )
    rotated_at: datetime | None = strawberry.field(
        description="When it was last given a new secret."
    )
    previous_secret_valid_until: datetime | None = strawberry.field(
        description="Until when the secret it had before its last rotation still works."
    )

    @classmethod
    def of(cls, key: k.ApiKey) -> ApiKey:
        return cls(
            id=key.id,
            name=key.name,
            role=t.Role(key.role.value),
            company_id=key.company_id,
            created_at=key.created_at,
            expires_at=key.expires_at,
            revoked_at=key.revoked_at,
            last_used_at=key.last_used_at,
            rotated_at=key.rotated_at,
            previous_secret_valid_until=key.previous_valid_until,
        )


@strawberry.type(description="A key just made or rotated, with its secret: shown this once.")
class IssuedApiKey:
    key: ApiKey = strawberry.field(description="The key, as lists show it.")
    secret: str = strawberry.field(
        description="The bearer token; it is not stored and cannot be shown again."
    )

    @classmethod
    def of(cls, issued: k.IssuedKey) -> IssuedApiKey:
        return cls(key=ApiKey.of(issued.key), secret=issued.secret)


IssueApiKeyResult = Annotated[
    IssuedApiKey | t.ValidationError,
    strawberry.union("IssueApiKeyResult", description="The new secret, or why there is none."),
]
RevokeApiKeyResult = Annotated[
    ApiKey | t.ValidationError,
    strawberry.union("RevokeApiKeyResult", description="The revoked key, or why it was not."),
]


async def api_keys(ctx: Context, company_id: UUID | None) -> list[ApiKey]:
    found = await keys.api_keys(ctx.runtime, ctx.principal, company_id)
    return [ApiKey.of(key) for key in found]


async def create_api_key(
    ctx: Context,
    role: t.Role,
    company_id: UUID | None,
    name: str | None,
    expires_at: datetime | None,
) -> IssueApiKeyResult:
    created = keys.create_key(
        ctx.runtime,
        ctx.principal,
        Role(role.value),
        company_id,
        name,
        expires_at,
        ctx.change_audit("createApiKey"),
    )
    return await answer(created, to=IssuedApiKey.of)


async def revoke_api_key(ctx: Context, id: UUID) -> RevokeApiKeyResult:
    revoked = keys.revoke_key(ctx.runtime, ctx.principal, id, ctx.change_audit("revokeApiKey"))
    return await answer(revoked, to=ApiKey.of)


async def rotate_api_key(ctx: Context, id: UUID) -> IssueApiKeyResult:
    rotated = keys.rotate_key(ctx.runtime, ctx.principal, id, ctx.change_audit("rotateApiKey"))
    return await answer(rotated, to=IssuedApiKey.of)
