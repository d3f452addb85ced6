"""Changing and archiving companies, metrics and products: inputs, results, resolvers."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api import types as t
from api.billing import Product
from api.context import Context
from api.errors import answer
from domain import usage as d
from domain.archiving import MetricChange
from services import archiving, catalog


@strawberry.input(description="The company to archive.")
class ArchiveCompanyInput:
    id: UUID = strawberry.field(description="The company.")


@strawberry.input(description="The metric to archive.")
class ArchiveMetricInput:
    code: str = strawberry.field(description="The metric's code.")


@strawberry.input(description="The product to archive.")
class ArchiveProductInput:
    code: str = strawberry.field(description="The product's code.")


@strawberry.input(
    description="A metric's new name or description (always), or what its numbers mean (unit,"
    " resource type, measurement type, aggregation: only while it has no usage). Omitted"
    " fields are left as they are."
)
class UpdateMetricInput:
    code: str = strawberry.field(description="The metric to change (its code never changes).")
    name: str | None = strawberry.field(default=None, description="Its new name.")
    description: str | None = strawberry.field(default=None, description="Its new description.")
    unit: str | None = strawberry.field(
        default=None, description="Its new unit; refused once it has usage."
    )
    resource_type: t.ResourceType | None = strawberry.field(
        default=None, description="What it measures; refused once it has usage."
    )
    measurement_type: t.MeasurementType | None = strawberry.field(
        default=None, description="Counter or gauge; refused once it has usage."
    )
    aggregation: t.Aggregation | None = strawberry.field(
        default=None, description="How its values are summed up; refused once it has usage."
    )

    def to_change(self) -> MetricChange:
        return MetricChange(
            name=self.name,
            description=self.description,
            unit=self.unit,
            resource_type=d.ResourceType(self.resource_type.value) if self.resource_type else None,
            measurement_type=d.MeasurementType(self.measurement_type.value)
            if self.measurement_type
            else None,
            aggregation=d.Aggregation(self.aggregation.value) if self.aggregation else None,
        )


ArchiveCompanyResult = Annotated[
    t.Company | t.ValidationError,
    strawberry.union(
        "ArchiveCompanyResult",
        description="The archived company, or why not (UNKNOWN_COMPANY; UNPAID_INVOICES or"
        " IN_USE naming `id`).",
    ),
]
ArchiveMetricResult = Annotated[
    t.Metric | t.ValidationError,
    strawberry.union(
        "ArchiveMetricResult",
        description="The archived metric, or why not (UNKNOWN_METRIC; IN_USE naming `code`).",
    ),
]
UpdateMetricResult = Annotated[
    t.Metric | t.ValidationError,
    strawberry.union(
        "UpdateMetricResult",
        description="The changed metric, or why not (UNKNOWN_METRIC, ARCHIVED; HAS_USAGE naming"
        " the field that cannot change).",
    ),
]
ArchiveProductResult = Annotated[
    Product | t.ValidationError,
    strawberry.union(
        "ArchiveProductResult",
        description="The archived product, or why not (UNKNOWN_PRODUCT; IN_USE naming `code`).",
    ),
]


async def archive_company(ctx: Context, input: ArchiveCompanyInput) -> ArchiveCompanyResult:
    call = archiving.archive_company(
        ctx.runtime, ctx.principal, input.id, ctx.change_audit("archiveCompany")
    )
    return await answer(call, to=t.Company.of)


async def archive_metric(ctx: Context, input: ArchiveMetricInput) -> ArchiveMetricResult:
    call = archiving.archive_metric(
        ctx.runtime, ctx.principal, input.code, ctx.change_audit("archiveMetric")
    )
    return await answer(call, to=t.Metric.of)


async def update_metric(ctx: Context, input: UpdateMetricInput) -> UpdateMetricResult:
    call = archiving.update_metric(
        ctx.runtime, ctx.principal, input.code, input.to_change(), ctx.change_audit("updateMetric")
    )
    return await answer(call, to=t.Metric.of)


async def archive_product(ctx: Context, input: ArchiveProductInput) -> ArchiveProductResult:
    call = archiving.archive_product(
        ctx.runtime, ctx.principal, input.code, ctx.change_audit("archiveProduct")
    )
    return await answer(call, to=Product.of)


def company_change(input: t.UpdateCompanyInput) -> catalog.CompanyChange:
    """What ``updateCompany`` was asked to change."""
    return catalog.CompanyChange(
        name=input.name,
        late_arrival_days=input.late_arrival_days,
        user_id_mode=input.user_id_mode,
        redacted_properties=t.redactions(input.redacted_properties),
        billing=input.billing_details.to_details() if input.billing_details else None,
    )
