"""GraphQL for contract versions: amending a contract and ending it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api import types as t
from api.billing import Contract, ContractProductInput
from api.context import Context
from api.errors import answer
from domain import contract_versions as cv
from services import contract_versions as svc


@strawberry.input(description="What an amendment changes; a field left out stays as it was.")
class ContractChangesInput:
    prices: list[ContractProductInput] = strawberry.field(
        default_factory=list,
        description="A new price for a product the contract prices, or a product added.",
    )
    remove_products: list[str] = strawberry.field(
        default_factory=list, description="Product codes the new version no longer prices."
    )
    minimum_commitment: Decimal | None = strawberry.field(
        default=None, description="The new minimum commitment per period."
    )
    clear_minimum_commitment: bool = strawberry.field(
        default=False, description="Drop the minimum commitment."
    )
    payment_terms_days: int | None = strawberry.field(
        default=None, description="Days from issue to due date."
    )
    late_fee_percent_per_month: Decimal | None = strawberry.field(
        default=None, description="Charged on overdue amounts, per month."
    )

    def to_changes(self) -> cv.ContractChanges:
        return cv.ContractChanges(
            prices=tuple((x.product_code, x.price.to_price()) for x in self.prices),
            remove_products=tuple(self.remove_products),
            minimum_commitment=self.minimum_commitment,
            clear_minimum_commitment=self.clear_minimum_commitment,
            payment_terms_days=self.payment_terms_days,
            late_fee_percent_per_month=self.late_fee_percent_per_month,
        )


@strawberry.input(description="A new version of a contract, in force from an instant.")
class AmendContractInput:
    id: UUID = strawberry.field(description="The contract.")
    effective_from: datetime = strawberry.field(
        description="In force from this instant (with an offset), no earlier than the end of"
        " the last finalized period. The version in force at a period's end prices that"
        " whole period."
    )
    changes: ContractChangesInput = strawberry.field(description="What the new version changes.")


@strawberry.input(description="The last day of a contract.")
class EndContractInput:
    id: UUID = strawberry.field(description="The contract.")
    end_date: date = strawberry.field(
        description="Its last day: no period after it is invoiced (late usage of its periods"
        " still is, on an adjustment invoice)."
    )


AmendContractResult = Annotated[
    Contract | t.ValidationError,
    strawberry.union(
        "AmendContractResult", description="The contract with its new version, or why not."
    ),
]
EndContractResult = Annotated[
    Contract | t.ValidationError,
    strawberry.union(
        "EndContractResult", description="The contract with its end date, or why not."
    ),
]


async def amend_contract(ctx: Context, input: AmendContractInput) -> AmendContractResult:
    return await answer(
        svc.amend_contract(
            ctx.runtime,
            ctx.principal,
            input.id,
            input.effective_from,
            input.changes.to_changes(),
            audit=ctx.change_audit("amendContract"),
        ),
        to=Contract.of,
    )


async def end_contract(ctx: Context, input: EndContractInput) -> EndContractResult:
    return await answer(
        svc.end_contract(
            ctx.runtime,
            ctx.principal,
            input.id,
            input.end_date,
            audit=ctx.change_audit("endContract"),
        ),
        to=Contract.of,
    )
