"""GraphQL for cost records, cost allocation and profitability (ADMIN's: the platform's costs)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api import types as t
from api.context import Context
from api.errors import answer
from api.node import ID_DESCRIPTION, Node
from api.reports import AllocationGranularity
from domain import allocation as al
from domain import costs as dc
from domain.numbers import Money
from services import costs as svc


@strawberry.input(description="What a product cost in one UTC hour (HOURLY) or day (DAILY).")
class CostInput:
    product_code: str
    granularity: AllocationGranularity
    period_start: datetime
    amount: Decimal
    currency: str = "USD"

    def to_entry(self) -> dc.CostEntry:
        return dc.CostEntry(
            self.product_code,
            al.AllocationGranularity(self.granularity.value),
            self.period_start,
            self.amount,
            self.currency,
        )


@strawberry.type
class CostRecord(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    product_code: str
    granularity: AllocationGranularity
    period_start: datetime
    period_end: datetime
    amount: Money
    currency: str
    recorded_at: datetime
    replaced: bool = strawberry.field(description="True when it restated an earlier amount.")

    @classmethod
    def of(cls, r: dc.CostRecord) -> CostRecord:
        return cls(
            id=r.id,
            product_code=r.product_code,
            granularity=r.granularity,
            period_start=r.period_start,
            period_end=r.period_end,
            amount=Money(r.amount, r.currency),
            currency=r.currency,
            recorded_at=r.recorded_at,
            replaced=r.replaced,
        )


CostResult = Annotated[CostRecord | t.ValidationError, strawberry.union("CostResult")]


async def record_cost(ctx: Context, input: CostInput) -> CostResult:
    return await answer(
        svc.record_cost(
            ctx.runtime,
            ctx.principal,
            input.to_entry(),
            audit=ctx.change_audit("recordCost"),
        ),
        to=CostRecord.of,
    )


@strawberry.type(description="One customer's share of a product's cost in one period.")
class CostShare:
    product_code: str
    period_start: datetime
    period_end: datetime
    company_id: UUID | None = strawberry.field(description="None: nobody used it (unallocated).")
    company_key: str | None
    usage: Decimal
    total_usage: Decimal
    share_percent: Decimal
    amount: Money
    currency: str

    @classmethod
    def of(cls, s: al.AllocatedShare) -> CostShare:
        return cls(
            product_code=s.share.product_code,
            period_start=s.share.period_start,
            period_end=s.share.period_end,
            company_id=s.company_id,
            company_key=s.company_key,
            usage=s.share.usage,
            total_usage=s.share.total_usage,
            share_percent=(s.share.share * 100).quantize(Decimal("0.01")),
            amount=Money(s.share.amount, s.share.currency),
            currency=s.share.currency,
        )


@strawberry.type
class CustomerCost:
    company_id: UUID
    company_key: str
    currency: str
    amount: Money


@strawberry.type(description="The allocated window's cost in one currency.")
class CostTotal:
    currency: str = strawberry.field(description="The ISO 4217 code these amounts are in.")
    amount: Money = strawberry.field(description="Every cost of the window in this currency.")
    unallocated: Money = strawberry.field(description="The part of it that nobody used.")

    @classmethod
    def of(cls, t: al.CurrencyTotal) -> CostTotal:
        return cls(
            currency=t.currency,
            amount=Money(t.amount, t.currency),
            unallocated=Money(t.unallocated, t.currency),
        )


_ONE_CURRENCY = "Use totals: this is null when the window's costs are in several currencies."


@strawberry.type
class CostAllocation:
    from_: datetime = strawberry.field(name="from")
    to: datetime
    granularity: AllocationGranularity
    totals: list[CostTotal] = strawberry.field(
        description="The cost per currency (amounts in different currencies are never added)."
    )
    total_cost: Money | None = strawberry.field(
        description="The cost, when it is all in one currency (else null).",
        deprecation_reason=_ONE_CURRENCY,
    )
    unallocated: Money | None = strawberry.field(
        description="The cost nobody used, when it is all in one currency (else null).",
        deprecation_reason=_ONE_CURRENCY,
    )
    shares: list[CostShare]
    customers: list[CustomerCost] = strawberry.field(
        description="Each customer's allocated cost over the window."
    )

    @classmethod
    def of(cls, found: al.Allocation) -> CostAllocation:
        totals = [CostTotal.of(x) for x in found.totals()]
        only = totals[0] if len(totals) == 1 else None
        return cls(
            from_=found.from_,
            to=found.to,
            granularity=found.granularity,
            totals=totals,
            total_cost=only.amount if only else None,
            unallocated=only.unallocated if only else None,
            shares=[CostShare.of(s) for s in found.shares],
            customers=[
                CustomerCost(
                    company_id=cid, company_key=key, currency=cur, amount=Money(amount, cur)
                )
                for (cid, key, cur), amount in found.per_company().items()
            ],
        )


AllocationResult = Annotated[
    CostAllocation | t.ValidationError, strawberry.union("AllocationResult")
]


async def allocate_cost(
    ctx: Context,
    product: str | None,
    granularity: al.AllocationGranularity,
    from_: datetime,
    to: datetime,
) -> AllocationResult:
    return await answer(
        svc.allocate_cost(
            ctx.runtime,
            ctx.principal,
            product,
            al.AllocationGranularity(granularity.value),
            from_,
            to,
        ),
        to=CostAllocation.of,
    )


@strawberry.type(description="A customer's billing period: invoiced revenue against its cost.")
class ProfitabilityRow:
    company_id: UUID
    company_key: str
    period_start: datetime
    period_end: datetime
    currency: str
    revenue: Money
    cost: Money
    profit: Money
    margin_percent: Decimal | None
    finalized: bool = strawberry.field(description="False while an invoice is still a draft.")

    @classmethod
    def of(cls, r: dc.ProfitRow) -> ProfitabilityRow:
        return cls(
            company_id=r.company_id,
            company_key=r.company_key,
            period_start=r.period_start,
            period_end=r.period_end,
            currency=r.currency,
            revenue=Money(r.revenue, r.currency),
            cost=Money(r.cost, r.currency),
            profit=Money(r.profit, r.currency),
            margin_percent=r.margin_percent,
            finalized=r.finalized,
        )


@strawberry.type
class Profitability:
    rows: list[ProfitabilityRow]


ProfitabilityResult = Annotated[
    Profitability | t.ValidationError, strawberry.union("ProfitabilityResult")
]


def _profitability(rows: list[dc.ProfitRow]) -> Profitability:
    return Profitability(rows=[ProfitabilityRow.of(r) for r in rows])


async def profitability(
    ctx: Context, from_: datetime, to: datetime, company_id: UUID | None
) -> ProfitabilityResult:
    return await answer(
        svc.profitability(ctx.runtime, ctx.principal, from_, to, company_id), to=_profitability
    )
