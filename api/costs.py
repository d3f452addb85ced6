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
    product_code: str = strawberry.field(description="The product that cost it.")
    granularity: AllocationGranularity = strawberry.field(
        description="Whether the amount is one UTC hour's (HOURLY) or one UTC day's (DAILY).",
    )
    period_start: datetime = strawberry.field(
        description="The hour's or day's first instant (UTC, on its boundary).",
    )
    amount: Decimal = strawberry.field(
        description="What it cost in currency, to its minor unit (the cent; the yen for"
        " JPY); not negative.",
    )
    currency: str = strawberry.field(default="USD", description="The ISO 4217 currency of amount.")

    def to_entry(self) -> dc.CostEntry:
        return dc.CostEntry(
            self.product_code,
            al.AllocationGranularity(self.granularity.value),
            self.period_start,
            self.amount,
            self.currency,
        )


@strawberry.type(description="What a product cost in one UTC hour or day, as recorded.")
class CostRecord(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    product_code: str = strawberry.field(description="The product that cost it.")
    granularity: AllocationGranularity = strawberry.field(
        description="Whether it is one hour's or one day's cost.",
    )
    period_start: datetime = strawberry.field(description="The period's first instant.")
    period_end: datetime = strawberry.field(
        description="The instant the period ends (not part of it).",
    )
    amount: Money = strawberry.field(description="What the product cost in the period.")
    currency: str = strawberry.field(description="The ISO 4217 currency of amount.")
    recorded_at: datetime = strawberry.field(description="When it was recorded.")
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


CostResult = Annotated[
    CostRecord | t.ValidationError,
    strawberry.union("CostResult", description="The cost recorded, or why not."),
]


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
    product_code: str = strawberry.field(description="The product whose cost is shared.")
    period_start: datetime = strawberry.field(description="The period's first instant.")
    period_end: datetime = strawberry.field(
        description="The instant the period ends (not part of it).",
    )
    company_id: UUID | None = strawberry.field(description="None: nobody used it (unallocated).")
    company_key: str | None = strawberry.field(
        description="The company's external key; null: unallocated.",
    )
    usage: Decimal = strawberry.field(
        description="The company's usage of the product's metric in the period.",
    )
    total_usage: Decimal = strawberry.field(
        description="Every company's usage of the metric in the period.",
    )
    share_percent: Decimal = strawberry.field(
        description="The company's usage / totalUsage, in percent (two decimals).",
    )
    amount: Money = strawberry.field(
        description="The company's share of the cost, cut to the minor unit.",
    )
    currency: str = strawberry.field(description="The ISO 4217 currency of amount.")

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


@strawberry.type(description="A customer's allocated cost over the whole window, in one currency.")
class CustomerCost:
    company_id: UUID = strawberry.field(description="The company.")
    company_key: str = strawberry.field(description="The company's external key.")
    currency: str = strawberry.field(description="The ISO 4217 currency of amount.")
    amount: Money = strawberry.field(
        description="The sum of the company's shares in this currency.",
    )


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


@strawberry.type(
    description="A window's costs split between the companies by their usage of each product's"
    " metric."
)
class CostAllocation:
    from_: datetime = strawberry.field(name="from", description="The window's start (inclusive).")
    to: datetime = strawberry.field(description="The window's end (exclusive).")
    granularity: AllocationGranularity = strawberry.field(
        description="HOURLY: each hour's cost by the hour's usage; DAILY: each day's by the day's.",
    )
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
    shares: list[CostShare] = strawberry.field(
        description="Each company's share per product and period; companyId null for the part"
        " nobody used.",
    )
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
    CostAllocation | t.ValidationError,
    strawberry.union("AllocationResult", description="The allocation, or why the window fails."),
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
    company_id: UUID = strawberry.field(description="The company.")
    company_key: str = strawberry.field(description="The company's external key.")
    period_start: datetime = strawberry.field(description="The billing period's first instant.")
    period_end: datetime = strawberry.field(
        description="The instant the billing period ends (not part of it).",
    )
    currency: str = strawberry.field(
        description="The ISO 4217 currency of every amount in the row.",
    )
    revenue: Money = strawberry.field(
        description="What the company's invoices for the period bill in this currency.",
    )
    cost: Money = strawberry.field(
        description="The cost allocated to the company over the period (DAILY), in this currency.",
    )
    profit: Money = strawberry.field(description="Revenue less cost.")
    margin_percent: Decimal | None = strawberry.field(
        description="Profit / revenue, in percent; null without revenue.",
    )
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


@strawberry.type(description="Revenue against cost per company and billing period.")
class Profitability:
    rows: list[ProfitabilityRow] = strawberry.field(
        description="One row per company, billing period and currency.",
    )


ProfitabilityResult = Annotated[
    Profitability | t.ValidationError,
    strawberry.union("ProfitabilityResult", description="The rows, or why the window fails."),
]


def _profitability(rows: list[dc.ProfitRow]) -> Profitability:
    return Profitability(rows=[ProfitabilityRow.of(r) for r in rows])


async def profitability(
    ctx: Context, from_: datetime, to: datetime, company_id: UUID | None
) -> ProfitabilityResult:
    return await answer(
        svc.profitability(ctx.runtime, ctx.principal, from_, to, company_id), to=_profitability
    )
