"""GraphQL for retention governance: the rules and legal holds (ADMIN)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api import types as t
from api.context import Context
from api.errors import answer
from domain import retention as rt
from services import retention


@strawberry.type(description="How long each level of a metric's usage is kept, in days.")
class RetentionRule:
    metric: str = strawberry.field(description="The metric's code, or `*` for the default rule.")
    raw_days: int = strawberry.field(description="Days raw usage records are kept.")
    hourly_days: int | None = strawberry.field(
        description="Days hourly rollups are kept; null: for ever."
    )
    daily_days: int | None = strawberry.field(
        description="Days daily rollups are kept; null: for ever."
    )
    monthly_days: int | None = strawberry.field(
        description="Days monthly rollups are kept; null: for ever."
    )

    @classmethod
    def of(cls, r: rt.Rule) -> RetentionRule:
        return cls(
            metric=r.metric_code,
            raw_days=r.raw_days,
            hourly_days=r.hour_days,
            daily_days=r.day_days,
            monthly_days=r.month_days,
        )


@strawberry.type(
    description="A company's legal hold: while held, retention deletes none of its usage."
)
class LegalHold:
    company_id: UUID = strawberry.field(description="The company.")
    held: bool = strawberry.field(description="Whether the company is under legal hold.")
    placed_at: datetime | None = strawberry.field(
        description="When the hold was placed; null when the company is not held."
    )

    @classmethod
    def of(cls, h: rt.LegalHold) -> LegalHold:
        return cls(company_id=h.company_id, held=True, placed_at=h.placed_at)

    @classmethod
    def after(cls, company_id: UUID, hold: rt.LegalHold | None) -> LegalHold:
        """A company's hold as a change left it (None: lifted)."""
        return cls.of(hold) if hold else cls(company_id=company_id, held=False, placed_at=None)


RetentionRuleResult = Annotated[
    RetentionRule | t.ValidationError,
    strawberry.union("RetentionRuleResult", description="The rule as it now stands, or why not."),
]
LegalHoldResult = Annotated[
    LegalHold | t.ValidationError,
    strawberry.union(
        "LegalHoldResult", description="The company's hold as it now stands, or why not."
    ),
]


async def retention_rules(ctx: Context) -> list[RetentionRule]:
    found = await retention.retention_rules(ctx.runtime, ctx.principal)
    return [RetentionRule.of(r) for r in found]


async def set_retention_rule(
    ctx: Context,
    metric: str,
    raw_days: int,
    hourly_days: int | None,
    daily_days: int | None,
    monthly_days: int | None,
) -> RetentionRuleResult:
    rule = rt.Rule(metric, raw_days, hourly_days, daily_days, monthly_days)
    changed = retention.set_retention_rule(
        ctx.runtime, ctx.principal, rule, ctx.change_audit("setRetentionRule")
    )
    return await answer(changed, to=RetentionRule.of)


async def legal_holds(ctx: Context) -> list[LegalHold]:
    return [LegalHold.of(h) for h in await retention.legal_holds(ctx.runtime, ctx.principal)]


async def set_legal_hold(ctx: Context, company_id: UUID, held: bool) -> LegalHoldResult:
    changed = retention.set_legal_hold(
        ctx.runtime, ctx.principal, company_id, held, ctx.change_audit("setLegalHold")
    )
    return await answer(changed, to=lambda hold: LegalHold.after(company_id, hold))
