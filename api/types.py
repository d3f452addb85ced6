"""GraphQL object, input and enum types (code-first, strawberry)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import strawberry
from strawberry.scalars import JSON

from api.context import Context
from api.loaders import children
from domain import usage as d
from domain.bulk import plain_json
from domain.catalog import Company as StoredCompany
from domain.credits import CreditEntry as StoredCreditEntry
from domain.credits import CreditSource as StoredCreditSource
from domain.errors import Invalid
from domain.invoice_documents import BillingDetails as StoredBillingDetails
from domain.limits import unstorable
from domain.numbers import Money
from domain.privacy import RedactedProperty as StoredRedaction
from domain.privacy import RedactionAction as StoredRedactionAction
from domain.privacy import UserIdMode as StoredUserIdMode
from services import credits as svc_credits
from services.privacy import Erasure as Erased

ResourceType = strawberry.enum(d.ResourceType, description="What a usage record measures.")
MeasurementType = strawberry.enum(d.MeasurementType)
Aggregation = strawberry.enum(d.Aggregation)
ReportingInterval = strawberry.enum(d.ReportingInterval)
ErrorCode = strawberry.enum(d.ErrorCode, description="Machine-readable reason for a rejection.")
UserIdMode = strawberry.enum(
    StoredUserIdMode,
    description="How a company's usage records keep user ids: as sent (RAW), or replaced"
    " before storage by a keyed hash of the company's (PSEUDONYMIZED).",
)
RedactionAction = strawberry.enum(
    StoredRedactionAction,
    description="What ingest does with a redacted property: drops it, or replaces its value"
    ' by a keyed hash ("psn_" + hex).',
)


@strawberry.type(description="A usage property a company redacts at ingest.")
class RedactedProperty:
    key: str = strawberry.field(description="The property's key (top level of properties).")
    action: RedactionAction = strawberry.field(description="Drop it or hash its value.")


@strawberry.input(description="A usage property to redact at ingest.")
class RedactedPropertyInput:
    key: str = strawberry.field(description="The property's key (top level of properties).")
    action: RedactionAction = strawberry.field(description="Drop it or hash its value.")


def redactions(given: list[RedactedPropertyInput] | None) -> tuple[StoredRedaction, ...] | None:
    """The redactions as the catalog keeps them (None: not given)."""
    if given is None:
        return None
    return tuple(StoredRedaction(r.key, r.action) for r in given)


@strawberry.enum
class Role(Enum):
    ADMIN = "ADMIN"
    SYSTEM = "SYSTEM"
    COMPANY_ADMIN = "COMPANY_ADMIN"
    VIEWER = "VIEWER"


@strawberry.type
class FieldError:
    field: str
    code: ErrorCode
    message: str


@strawberry.type(
    description="Input that could not be accepted; `field` and `code` name the first problem."
)
class ValidationError:
    field: str
    code: ErrorCode
    message: str
    errors: list[FieldError]

    @classmethod
    def of(cls, errors: list[d.FieldError]) -> ValidationError:
        first = errors[0]
        return cls(
            field=first.field,
            code=first.code,
            message=first.message,
            errors=[FieldError(field=e.field, code=e.code, message=e.message) for e in errors],
        )

    @classmethod
    def single(cls, field: str, code: d.ErrorCode, message: str) -> ValidationError:
        return cls.of([d.FieldError(field, code, message)])


@strawberry.type(description="A company's credit in one currency, spent by its next invoices.")
class CreditBalance:
    currency: str = strawberry.field(description="The currency of the credit.")
    amount: Money = strawberry.field(description="The credit left to spend (never negative).")


CreditSource = strawberry.enum(
    StoredCreditSource,
    description="OVERPAYMENT or CREDIT_NOTE (credit gained), APPLIED (spent by an invoice).",
)


@strawberry.type(description="One entry of a company's credit ledger.")
class CreditEntry:
    id: UUID = strawberry.field(description="The entry's id.")
    currency: str = strawberry.field(description="The currency of the credit.")
    amount: Money = strawberry.field(
        description="Positive: credit gained; negative: credit an invoice applied."
    )
    source: CreditSource = strawberry.field(description="What gave or spent the credit.")
    invoice_id: UUID = strawberry.field(
        description="The invoice overpaid, credited, or that applied the credit."
    )
    payment_id: UUID | None = strawberry.field(description="The overpayment, if one.")
    credit_note_id: UUID | None = strawberry.field(description="The credit note, if one.")
    created_at: datetime = strawberry.field(description="When it was entered.")

    @classmethod
    def of(cls, e: StoredCreditEntry) -> CreditEntry:
        return cls(
            id=e.id,
            currency=e.currency,
            amount=Money(e.amount, e.currency),
            source=e.source,
            invoice_id=e.invoice_id,
            payment_id=e.payment_id,
            credit_note_id=e.credit_note_id,
            created_at=e.created_at,
        )


@strawberry.type(description="Who a company's invoices are addressed to; every part optional.")
class BillingDetails:
    legal_name: str | None = strawberry.field(
        description="The name invoices are billed to; null: the company's name."
    )
    address_lines: list[str] = strawberry.field(description="Street address, up to 4 lines.")
    city: str | None = strawberry.field(description="City.")
    postal_code: str | None = strawberry.field(description="Postal code.")
    country: str | None = strawberry.field(description="ISO 3166 two-letter country code.")
    tax_id: str | None = strawberry.field(description="Tax (VAT) identification number.")
    email: str | None = strawberry.field(description="Where invoices are sent.")

    @classmethod
    def of(cls, b: StoredBillingDetails) -> BillingDetails:
        return cls(
            legal_name=b.legal_name,
            address_lines=list(b.address_lines),
            city=b.city,
            postal_code=b.postal_code,
            country=b.country,
            tax_id=b.tax_id,
            email=b.email,
        )


@strawberry.input(description="A company's billing details; a part left out or blank is cleared.")
class BillingDetailsInput:
    legal_name: str | None = strawberry.field(
        default=None, description="The name invoices are billed to (at most 200 characters)."
    )
    address_lines: list[str] = strawberry.field(
        default_factory=list, description="Street address, up to 4 lines of 200 characters."
    )
    city: str | None = strawberry.field(default=None, description="City.")
    postal_code: str | None = strawberry.field(default=None, description="Postal code.")
    country: str | None = strawberry.field(
        default=None, description="ISO 3166 two-letter country code (GB, DE, US ...)."
    )
    tax_id: str | None = strawberry.field(
        default=None, description="Tax (VAT) identification number (at most 50 characters)."
    )
    email: str | None = strawberry.field(default=None, description="Where invoices are sent.")

    def to_details(self) -> StoredBillingDetails:
        return StoredBillingDetails(
            legal_name=self.legal_name,
            address_lines=tuple(self.address_lines),
            city=self.city,
            postal_code=self.postal_code,
            country=self.country,
            tax_id=self.tax_id,
            email=self.email,
        )


@strawberry.type
class Company:
    id: UUID
    external_key: str
    name: str
    late_arrival_days: int
    created_at: datetime
    user_id_mode: UserIdMode = strawberry.field(
        description="How the company's usage records keep user ids."
    )
    redacted_properties: list[RedactedProperty] = strawberry.field(
        description="The usage properties dropped or hashed at ingest."
    )
    billing_details: BillingDetails = strawberry.field(
        description="Who the company's invoices are addressed to."
    )

    @strawberry.field(
        description="The company's credit per currency (overpayments and credit notes, less"
        " what invoices applied); each the sum of its ledger entries."
    )
    async def credit_balances(self, info: strawberry.Info[Context, None]) -> list[CreditBalance]:
        ctx = info.context
        loader = children(
            info,
            "Company.creditBalances",
            lambda ids: svc_credits.credit_balances(ctx.runtime, ctx.principal, ids),
        )
        found = await loader.load(self.id)
        return [
            CreditBalance(currency=b.currency, amount=Money(b.amount, b.currency)) for b in found
        ]

    @strawberry.field(
        description="The company's credit ledger, newest first: what each overpayment and"
        " credit note gave, and each invoice applied; the balances are its sums."
    )
    async def credit_entries(
        self,
        info: strawberry.Info[Context, None],
        last: Annotated[int, strawberry.argument(description="How many, at most.")] = 100,
    ) -> list[CreditEntry]:
        ctx = info.context
        loader = children(
            info,
            f"Company.creditEntries(last: {last})",
            lambda ids: svc_credits.credit_entries(ctx.runtime, ctx.principal, ids, last),
        )
        return [CreditEntry.of(e) for e in await loader.load(self.id)]

    @classmethod
    def of(cls, c: StoredCompany) -> Company:
        return cls(
            id=c.id,
            external_key=c.external_key,
            name=c.name,
            late_arrival_days=c.late_arrival_days,
            created_at=c.created_at,
            user_id_mode=c.user_id_mode,
            redacted_properties=[
                RedactedProperty(key=r.key, action=r.action) for r in c.redacted_properties
            ],
            billing_details=BillingDetails.of(c.billing),
        )


@strawberry.type
class Metric:
    code: str
    name: str
    resource_type: ResourceType
    measurement_type: MeasurementType
    unit: str
    aggregation: Aggregation
    interval: ReportingInterval | None
    description: str | None
    value_property: str | None = strawberry.field(
        description="The numeric property each record is measured by instead of its value"
        " (stored as the record's value at ingest); null: the value sent."
    )

    @classmethod
    def of(cls, m: d.Metric) -> Metric:
        return cls(
            code=m.code,
            name=m.name,
            resource_type=m.resource_type,
            measurement_type=m.measurement_type,
            unit=m.unit,
            aggregation=m.aggregation,
            interval=m.interval,
            description=m.description,
            value_property=m.value_property,
        )


@strawberry.type
class BillingPeriod:
    start_date: datetime
    end_date: datetime


@strawberry.type
class UsageRecord:
    id: UUID
    company_id: UUID
    resource_type: ResourceType
    metric_code: str
    timestamp: datetime
    value: Decimal
    unit: str
    measurement_type: MeasurementType
    interval: str | None
    space_id: UUID | None
    application_id: UUID | None
    user_id: UUID | None
    source: str | None
    subscription_id: UUID | None
    billing_period: BillingPeriod | None
    billable: bool
    billing_category: str | None
    idempotency_key: str | None
    product_code: str | None
    properties: JSON | None
    recorded_at: datetime | None

    @classmethod
    def from_row(cls, r: asyncpg.Record) -> UsageRecord:
        start, end = r["billing_period_start"], r["billing_period_end"]
        return cls(
            id=r["id"],
            company_id=r["company_id"],
            resource_type=d.ResourceType(r["resource_type"]),
            metric_code=r["metric_code"],
            timestamp=r["ts"],
            value=r["value"],
            unit=r["unit"],
            measurement_type=d.MeasurementType(r["measurement_type"]),
            interval=r["reporting_interval"],
            space_id=r["space_id"],
            application_id=r["application_id"],
            user_id=r["user_id"],
            source=r["source"],
            subscription_id=r["subscription_id"],
            billing_period=BillingPeriod(start_date=start, end_date=end) if start else None,
            billable=r["billable"],
            billing_category=r["billing_category"],
            idempotency_key=r["idempotency_key"],
            product_code=r["product_code"],
            properties=r["properties"],
            recorded_at=r["recorded_at"],
        )


def replayed_record(record_id: UUID, draft: d.UsageDraft, metric: d.Metric) -> UsageRecord:
    """A replay's answer: the id the key was first stored under, and what this
    request sent (the same metric, instant and value, or it would be a conflict).

    Nothing else is read back: a replaying key learns nothing it did not send
    (a SYSTEM key reads no records), and the answer is the same whether the
    first record still stands or was voided or corrected since.
    """
    start, end = draft.billing_period_start, draft.billing_period_end
    return UsageRecord(
        id=record_id,
        company_id=draft.company_id,
        resource_type=draft.resource_type,
        metric_code=draft.metric_code,
        timestamp=draft.timestamp,
        value=draft.value,
        unit=draft.unit,
        measurement_type=metric.measurement_type,
        interval=draft.interval
        if draft.interval is not None
        else (metric.interval.value if metric.interval else None),
        space_id=draft.space_id,
        application_id=draft.application_id,
        user_id=draft.user_id,
        source=draft.source,
        subscription_id=draft.subscription_id,
        billing_period=BillingPeriod(start_date=start, end_date=end) if start and end else None,
        billable=draft.billable,
        billing_category=draft.billing_category,
        idempotency_key=draft.idempotency_key,
        product_code=draft.product_code,
        properties=draft.properties,
        recorded_at=None,
    )


@strawberry.type(
    description=(
        "A usage record as stored; `duplicate` is true when this call replayed an earlier one:"
        " then `record` holds the earlier record's id and what this call sent (`recordedAt`"
        " null), whether the earlier record still stands or was voided or corrected since."
    )
)
class RecordedUsage:
    record: UsageRecord
    duplicate: bool


RecordUsageResult = Annotated[
    RecordedUsage | ValidationError, strawberry.union("RecordUsageResult")
]


@strawberry.type
class BatchRecordError:
    index: int
    field: str
    code: ErrorCode
    message: str


@strawberry.type(description="What a batch did: counts, and each rejected record by its index.")
class BatchUsageReport:
    accepted: int
    duplicates: int
    rejected: int
    rolled_back: bool = strawberry.field(
        description="True when an atomic batch was refused as a whole: nothing was stored."
    )
    errors: list[BatchRecordError]


BatchRecordUsageResult = Annotated[
    BatchUsageReport | ValidationError, strawberry.union("BatchRecordUsageResult")
]
CreateCompanyResult = Annotated[Company | ValidationError, strawberry.union("CreateCompanyResult")]


@strawberry.type(
    description="What an erasure re-keyed to its tombstone id (zeros: nothing stored)."
)
class Erasure:
    company_id: UUID = strawberry.field(description="The company the user's usage was in.")
    records: int = strawberry.field(description="Raw usage records re-keyed.")
    rollup_groups: int = strawberry.field(
        description="Rollup groups re-keyed (hour, day, month and pending deltas)."
    )
    corrections: int = strawberry.field(description="Copies kept by voids and corrections.")

    @classmethod
    def of(cls, e: Erased) -> Erasure:
        return cls(
            company_id=e.company_id,
            records=e.records,
            rollup_groups=e.rollup_groups,
            corrections=e.corrections,
        )


EraseUserResult = Annotated[
    Erasure | ValidationError,
    strawberry.union("EraseUserResult", description="The erasure's counts, or why not."),
]
UpdateCompanyResult = Annotated[
    Company | ValidationError,
    strawberry.union("UpdateCompanyResult", description="The changed company, or why not."),
]
DefineMetricResult = Annotated[Metric | ValidationError, strawberry.union("DefineMetricResult")]


@strawberry.input
class BillingPeriodInput:
    start_date: datetime
    end_date: datetime


@strawberry.input(
    description="A usage record, field for field as the usage-record specification names it."
)
class UsageRecordInput:
    company_id: UUID
    resource_type: ResourceType
    metric_code: str
    timestamp: datetime
    value: Decimal
    unit: str
    measurement_type: MeasurementType | None = None
    interval: str | None = None
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    subscription_id: UUID | None = None
    billing_period: BillingPeriodInput | None = None
    billable: bool = True
    billing_category: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="The caller's event id: a replay with the same key is not stored twice.",
    )
    properties: JSON | None = None
    product_code: str | None = None

    def to_draft(self) -> d.UsageDraft:
        period = self.billing_period
        return d.UsageDraft(
            company_id=self.company_id,
            resource_type=d.ResourceType(self.resource_type.value),
            metric_code=self.metric_code,
            timestamp=self.timestamp,
            value=self.value,
            unit=self.unit,
            measurement_type=(
                d.MeasurementType(self.measurement_type.value) if self.measurement_type else None
            ),
            interval=self.interval,
            space_id=self.space_id,
            application_id=self.application_id,
            user_id=self.user_id,
            source=self.source,
            subscription_id=self.subscription_id,
            billing_period_start=period.start_date if period else None,
            billing_period_end=period.end_date if period else None,
            billable=self.billable,
            billing_category=self.billing_category,
            idempotency_key=self.idempotency_key,
            properties=_properties(self.properties),
            product_code=self.product_code,
        )


def _properties(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    value = plain_json(value)  # numbers arrive as exact Decimals; JSON keeps plain numbers
    if isinstance(value, dict):
        return value
    # A non-object JSON value is kept under one key rather than refused.
    return {"value": value}


@strawberry.input
class CompanyInput:
    external_key: str
    name: str
    late_arrival_days: int | None = None
    user_id_mode: UserIdMode = strawberry.field(
        default=StoredUserIdMode.RAW,
        description="How usage records keep user ids; fixed once the company has records.",
    )
    redacted_properties: list[RedactedPropertyInput] = strawberry.field(
        default_factory=list, description="Usage properties to drop or hash at ingest."
    )
    billing_details: BillingDetailsInput | None = strawberry.field(
        default=None, description="Who the company's invoices are addressed to."
    )


@strawberry.input(description="A company's settings to change; a field left out stays as it is.")
class UpdateCompanyInput:
    user_id_mode: UserIdMode | None = strawberry.field(
        default=None,
        description="How usage records keep user ids; refused once the company has records.",
    )
    redacted_properties: list[RedactedPropertyInput] | None = strawberry.field(
        default=None, description="Usage properties to drop or hash at ingest (all of them)."
    )
    billing_details: BillingDetailsInput | None = strawberry.field(
        default=None, description="Who the company's invoices are addressed to (all parts)."
    )


@strawberry.input
class MetricInput:
    code: str
    name: str
    resource_type: ResourceType
    measurement_type: MeasurementType
    unit: str
    aggregation: Aggregation
    interval: ReportingInterval | None = None
    description: str | None = None
    value_property: str | None = strawberry.field(
        default=None,
        description="Measure each record by this numeric property instead of its value: a"
        " record without it, or with a value there that is not a JSON number, is refused.",
    )

    def to_metric(self) -> d.Metric:
        return d.Metric(
            code=self.code,
            name=self.name,
            resource_type=d.ResourceType(self.resource_type.value),
            measurement_type=d.MeasurementType(self.measurement_type.value),
            unit=self.unit,
            aggregation=d.Aggregation(self.aggregation.value),
            interval=d.ReportingInterval(self.interval.value) if self.interval else None,
            description=self.description,
            value_property=self.value_property,
        )


@strawberry.input
class UsageRecordFilter:
    company_id: UUID | None = None
    metric_codes: list[str] | None = None
    resource_type: ResourceType | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    space_id: UUID | None = None
    application_id: UUID | None = None
    user_id: UUID | None = None
    source: str | None = None
    billable: bool | None = None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class UsageRecordEdge:
    cursor: str
    node: UsageRecord


@strawberry.type
class UsageRecordConnection:
    edges: list[UsageRecordEdge]
    page_info: PageInfo


@strawberry.type
class CompanyEdge:
    cursor: str
    node: Company


@strawberry.type
class CompanyConnection:
    edges: list[CompanyEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, companies: list[StoredCompany], has_next: bool) -> CompanyConnection:
        edges = [
            CompanyEdge(cursor=encode_cursor(c.external_key), node=Company.of(c)) for c in companies
        ]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=has_next, end_cursor=end))


class BadCursor(Invalid):
    """A cursor this API did not hand out."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field="after")


def encode_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode("|".join(parts).encode()).decode()


def decode_cursor(cursor: str, count: int) -> list[str]:
    try:
        parts = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise BadCursor("the cursor is not one this API returned") from exc
    if len(parts) != count or any(unstorable(p) for p in parts):
        raise BadCursor("the cursor is not one this API returned")
    return parts
