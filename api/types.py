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

from api import described as ds
from api.context import Context
from api.loaders import children
from api.node import ID_DESCRIPTION, Node
from domain import usage as d
from domain.bulk import plain_json
from domain.catalog import Company as StoredCompany
from domain.credits import CreditEntry as StoredCreditEntry
from domain.credits import CreditSource as StoredCreditSource
from domain.errors import Invalid
from domain.invoice_documents import BillingDetails as StoredBillingDetails
from domain.limits import unstorable
from domain.nodes import global_id
from domain.numbers import Money
from domain.privacy import RedactedProperty as StoredRedaction
from domain.privacy import RedactionAction as StoredRedactionAction
from domain.privacy import UserIdMode as StoredUserIdMode
from services import credits as svc_credits
from services.privacy import Erasure as Erased

ResourceType = ds.enum(
    d.ResourceType,
    {
        d.ResourceType.USER_COUNT: "Users: how many were active or seated.",
        d.ResourceType.STORAGE: "Data kept: a level of storage at an instant.",
        d.ResourceType.API_CALLS: "Requests made to an API.",
        d.ResourceType.DATA_TRANSFER: "Data moved in or out.",
    },
    description="What a usage record measures.",
)
MeasurementType = ds.enum(
    d.MeasurementType,
    {
        d.MeasurementType.COUNTER: "A count of what happened since the last record; never"
        " negative, records add up.",
        d.MeasurementType.GAUGE: "A level at the record's instant (users, GB kept); records"
        " are averaged or their maximum taken, not added.",
        d.MeasurementType.TIMER: "A duration that was used.",
    },
    description="How a usage record's value reads: a count, a level or a duration.",
)
Aggregation = ds.enum(
    d.Aggregation,
    {
        d.Aggregation.SUM: "The values added up.",
        d.Aggregation.COUNT: "How many records.",
        d.Aggregation.MAX: "The largest value.",
        d.Aggregation.MIN: "The smallest value.",
        d.Aggregation.AVG: "The mean of the values.",
        d.Aggregation.UNIQUE_COUNT: "How many distinct values of the query's uniqueOf or"
        " uniqueOfProperty.",
        d.Aggregation.LATEST: "The value of the latest record.",
    },
    description="How a metric's records add up when a query names no function.",
)
ReportingInterval = ds.enum(
    d.ReportingInterval,
    {
        d.ReportingInterval.HOURLY: "At least one record every UTC hour.",
        d.ReportingInterval.DAILY: "At least one record every UTC day.",
        d.ReportingInterval.MONTHLY: "At least one record every UTC month.",
    },
    description="How often a company is expected to report a metric: an interval without a"
    " record is a usage gap.",
)
ErrorCode = ds.enum(
    d.ErrorCode,
    {
        d.ErrorCode.REQUIRED: "The field is missing or blank.",
        d.ErrorCode.INVALID_FORMAT: "The field's text is not in the form it needs.",
        d.ErrorCode.UNKNOWN_COMPANY: "No company has this id.",
        d.ErrorCode.UNKNOWN_METRIC: "No metric has this code.",
        d.ErrorCode.RESOURCE_TYPE_MISMATCH: "The record's resource type is not its metric's.",
        d.ErrorCode.UNIT_MISMATCH: "The record's unit is not its metric's.",
        d.ErrorCode.MEASUREMENT_TYPE_MISMATCH: "The record's measurement type is not its metric's.",
        d.ErrorCode.VALUE_NOT_FINITE: "The value is NaN or infinite.",
        d.ErrorCode.NEGATIVE_COUNTER_VALUE: "A COUNTER metric's value is negative.",
        d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET: "An instant without its UTC offset.",
        d.ErrorCode.TIMESTAMP_IN_FUTURE: "The timestamp is more than 5 minutes ahead of the"
        " server's clock.",
        d.ErrorCode.TIMESTAMP_TOO_OLD: "The timestamp is older than the company's late-arrival"
        " window (an ADMIN may backfill).",
        d.ErrorCode.INVALID_BILLING_PERIOD: "The billing period does not end after it starts.",
        d.ErrorCode.IDEMPOTENCY_CONFLICT: "The idempotency key was stored with another metric,"
        " instant or value.",
        d.ErrorCode.FORBIDDEN: "The key's role may not do this.",
        d.ErrorCode.BATCH_TOO_LARGE: "More records than one batch may hold.",
        d.ErrorCode.ALREADY_EXISTS: "Something with this code, key or name already exists.",
        d.ErrorCode.NOT_FOUND: "Nothing with this id is visible to the key.",
        d.ErrorCode.INVALID_WINDOW: "A window whose start is not before its end, or too long,"
        " or with too many buckets.",
        d.ErrorCode.WINDOW_NOT_ANSWERABLE: "Retention has removed the detail the window needs.",
        d.ErrorCode.NEGATIVE_PRICE: "A price or fee below zero.",
        d.ErrorCode.PACKAGE_SIZE_NOT_POSITIVE: "A PACKAGE price's package size is not above zero.",
        d.ErrorCode.FIELD_NOT_APPLICABLE: "A field the rest of the input does not use (a"
        " price model's field it has no use for, a companyId a role refuses).",
        d.ErrorCode.TIERS_REQUIRED: "A tiered price without tiers.",
        d.ErrorCode.TIERS_UNORDERED: "Tier bounds that do not rise.",
        d.ErrorCode.UNBOUNDED_TIER_NOT_LAST: "A tier without an upper bound before the last.",
        d.ErrorCode.LAST_TIER_BOUNDED: "The last tier has an upper bound: some quantity would"
        " have no price.",
        d.ErrorCode.UNKNOWN_PRODUCT: "No product has this code.",
        d.ErrorCode.OUT_OF_RANGE: "A number or date outside the range the field accepts.",
        d.ErrorCode.NOT_PAYABLE: "The invoice is not finalized: only a finalized invoice takes"
        " payments.",
        d.ErrorCode.VALUE_OUT_OF_RANGE: "A value or amount beyond the server's limit.",
        d.ErrorCode.TOO_MANY_DECIMALS: "More decimal places than the field keeps.",
        d.ErrorCode.TOO_LONG: "Text or properties longer than the field's limit.",
        d.ErrorCode.INVALID_CHARACTER: "A control character, line break, NUL or lone surrogate"
        " where none may be.",
        d.ErrorCode.RETENTION_TOO_SHORT: "A retention period shorter than the level it"
        " summarises needs.",
        d.ErrorCode.KEY_REVOKED: "The API key is revoked.",
        d.ErrorCode.EXPIRES_IN_PAST: "An expiry that has already passed.",
        d.ErrorCode.USER_ID_MODE_LOCKED: "The company already has usage records: its user id"
        " mode is fixed.",
        d.ErrorCode.CONTRACT_ENDED: "The change would take effect after the contract's end.",
        d.ErrorCode.PERIOD_FINALIZED: "The change reaches into a finalized billing period.",
        d.ErrorCode.NOT_CREDITABLE: "The invoice is not finalized: only a finalized invoice"
        " gets credit notes.",
        d.ErrorCode.NOT_VOIDABLE: "The invoice is not finalized: only a finalized invoice is"
        " voided.",
        d.ErrorCode.ZERO_WIDTH_TIER_PRICED: "A first tier ending at 0 holds no units and may"
        " not carry a price.",
        d.ErrorCode.VALUE_PROPERTY_MISSING: "The record lacks the property its metric is"
        " measured by.",
        d.ErrorCode.VALUE_PROPERTY_NOT_NUMERIC: "The property its metric is measured by is not"
        " a JSON number.",
        d.ErrorCode.VALUE_PROPERTY_LOCKED: "The metric has usage: what it is measured by is fixed.",
        d.ErrorCode.ARCHIVED: "The company, metric or product named is archived: it takes no new"
        " usage, product, threshold or contract.",
        d.ErrorCode.IN_USE: "Something active depends on it (a contract in force, a product, a"
        " threshold): not archived.",
        d.ErrorCode.UNPAID_INVOICES: "The company owes a finalized invoice: not archived.",
        d.ErrorCode.HAS_USAGE: "The metric has usage: what its numbers mean (unit, resource type,"
        " measurement type, aggregation) is fixed.",
    },
    description="Machine-readable reason for a rejection.",
)
UserIdMode = ds.enum(
    StoredUserIdMode,
    {
        StoredUserIdMode.RAW: "User ids are stored as sent.",
        StoredUserIdMode.PSEUDONYMIZED: "User ids are replaced by a keyed hash before storage.",
    },
    description="How a company's usage records keep user ids: as sent (RAW), or replaced"
    " before storage by a keyed hash of the company's (PSEUDONYMIZED).",
)
RedactionAction = ds.enum(
    StoredRedactionAction,
    {
        StoredRedactionAction.DROP: "The property is removed before the record is stored.",
        StoredRedactionAction.HASH: 'The property\'s value is stored as a keyed hash ("psn_" +'
        " hex).",
    },
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


@strawberry.enum(description="What an API key may do.")
class Role(Enum):
    ADMIN = strawberry.enum_value("ADMIN", description="Everything, for every company.")
    SYSTEM = strawberry.enum_value("SYSTEM", description="Record usage for any company; no reads.")
    COMPANY_ADMIN = strawberry.enum_value(
        "COMPANY_ADMIN",
        description="Record and read its own company's usage, contracts and invoices.",
    )
    VIEWER = strawberry.enum_value(
        "VIEWER", description="Read its own company's usage, contracts and invoices."
    )


# `code` clashed with an object's own `code` (Metric, Product) in a result union.
ERROR_CODE_RENAMED = "Use errorCode; removed in the next release"


@strawberry.type(description="One problem with an input: the field at fault and why.")
class FieldError:
    field: str = strawberry.field(
        description="The input field at fault, as a path (`products[0].price`)."
    )
    code: ErrorCode = strawberry.field(
        description="Why; the same as errorCode.", deprecation_reason=ERROR_CODE_RENAMED
    )
    message: str = strawberry.field(description="What is wrong, for a person.")
    error_code: ErrorCode = strawberry.field(
        description="Why the field was refused, for a program."
    )


@strawberry.type(
    description="Input that could not be accepted; `field` and `errorCode` name the first"
    " problem, `errors` every one. A mutation's result union answers it for anything the"
    " client can fix by changing its input."
)
class ValidationError:
    field: str = strawberry.field(description="The input field of the first problem.")
    code: ErrorCode = strawberry.field(
        description="The first problem's code; the same as errorCode.",
        deprecation_reason=ERROR_CODE_RENAMED,
    )
    message: str = strawberry.field(description="The first problem, for a person.")
    errors: list[FieldError] = strawberry.field(description="Every problem found.")
    error_code: ErrorCode = strawberry.field(
        description="Why the first problem's field was refused, for a program."
    )

    @classmethod
    def of(cls, errors: list[d.FieldError]) -> ValidationError:
        first = errors[0]
        return cls(
            field=first.field,
            code=first.code,
            message=first.message,
            errors=[
                FieldError(field=e.field, code=e.code, message=e.message, error_code=e.code)
                for e in errors
            ],
            error_code=first.code,
        )

    @classmethod
    def single(cls, field: str, code: d.ErrorCode, message: str) -> ValidationError:
        return cls.of([d.FieldError(field, code, message)])


@strawberry.type(description="A company's credit in one currency, spent by its next invoices.")
class CreditBalance:
    currency: str = strawberry.field(description="The currency of the credit.")
    amount: Money = strawberry.field(description="The credit left to spend (never negative).")


CreditSource = ds.enum(
    StoredCreditSource,
    {
        StoredCreditSource.OVERPAYMENT: "A payment above what the invoice asked for.",
        StoredCreditSource.CREDIT_NOTE: "A credit note issued on an invoice.",
        StoredCreditSource.APPLIED: "Credit an invoice spent (a negative amount).",
    },
    description="OVERPAYMENT or CREDIT_NOTE (credit gained), APPLIED (spent by an invoice).",
)


@strawberry.type(description="One entry of a company's credit ledger.")
class CreditEntry(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
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


@strawberry.type(
    description="A customer whose usage is metered and billed; scoped keys see their own only."
)
class Company(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    external_key: str = strawberry.field(
        description="The company's key in your own systems; unique.",
    )
    name: str = strawberry.field(description="The company's display name.")
    late_arrival_days: int = strawberry.field(
        description="How many days back a usage record may be dated; older ones need a backfill.",
    )
    created_at: datetime = strawberry.field(description="When the company was created.")
    user_id_mode: UserIdMode = strawberry.field(
        description="How the company's usage records keep user ids."
    )
    redacted_properties: list[RedactedProperty] = strawberry.field(
        description="The usage properties dropped or hashed at ingest."
    )
    billing_details: BillingDetails = strawberry.field(
        description="Who the company's invoices are addressed to."
    )
    archived_at: datetime | None = strawberry.field(
        default=None,
        description="When the company was archived (no new usage or contract; its history"
        " stays readable and invoiceable); null: active.",
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
            archived_at=c.archived_at,
        )


@strawberry.type(
    description="What is metered: a usage record names its metric by code, and must match its"
    " resource type, unit and measurement type."
)
class Metric(Node):
    id: str = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    code: str = strawberry.field(
        description="The metric's code, as usage records and products name it (API_REQUESTS);"
        " unique.",
    )
    name: str = strawberry.field(description="The metric's display name.")
    resource_type: ResourceType = strawberry.field(description="What the metric's records measure.")
    measurement_type: MeasurementType = strawberry.field(
        description="How a record's value reads: a count, a level or a duration.",
    )
    unit: str = strawberry.field(
        description="The unit every record of the metric is sent in (requests, GB).",
    )
    aggregation: Aggregation = strawberry.field(
        description="How its records add up when a query names no function.",
    )
    interval: ReportingInterval | None = strawberry.field(
        description="How often a company is expected to report it; null: no expectation (no"
        " usage gaps).",
    )
    description: str | None = strawberry.field(description="What the metric counts, in words.")
    value_property: str | None = strawberry.field(
        description="The numeric property each record is measured by instead of its value"
        " (stored as the record's value at ingest); null: the value sent."
    )
    archived_at: datetime | None = strawberry.field(
        default=None,
        description="When the metric was archived (no new usage, product or threshold; its"
        " usage stays readable and invoiceable); null: in use.",
    )

    @classmethod
    def of(cls, m: d.Metric) -> Metric:
        return cls(
            id=global_id("Metric", m.code),
            code=m.code,
            name=m.name,
            resource_type=m.resource_type,
            measurement_type=m.measurement_type,
            unit=m.unit,
            aggregation=m.aggregation,
            interval=m.interval,
            description=m.description,
            value_property=m.value_property,
            archived_at=m.archived_at,
        )


@strawberry.type(
    description="The billing period a usage record was sent for: [startDate, endDate)."
)
class BillingPeriod:
    start_date: datetime = strawberry.field(description="The period's first instant.")
    end_date: datetime = strawberry.field(
        description="The instant the period ends (not part of it).",
    )


@strawberry.type(description="One measurement of a metric for a company at an instant, as stored.")
class UsageRecord(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    company_id: UUID = strawberry.field(description="The company the usage belongs to.")
    resource_type: ResourceType = strawberry.field(
        description="What the record measures (its metric's resource type).",
    )
    metric_code: str = strawberry.field(description="The metric measured.")
    timestamp: datetime = strawberry.field(description="When the usage happened.")
    value: Decimal = strawberry.field(description="The measured quantity, in unit.")
    unit: str = strawberry.field(description="The unit of value (its metric's unit).")
    measurement_type: MeasurementType = strawberry.field(
        description="How value reads: a count, a level or a duration.",
    )
    interval: str | None = strawberry.field(
        description="The reporting interval the record covers, as sent; null: none given.",
    )
    space_id: UUID | None = strawberry.field(
        description="The space the usage happened in, if sent.",
    )
    application_id: UUID | None = strawberry.field(
        description="The application that used it, if sent.",
    )
    user_id: UUID | None = strawberry.field(
        description="The user who used it, if sent (a hashed id for a PSEUDONYMIZED company).",
    )
    source: str | None = strawberry.field(description="Which system reported the usage, if sent.")
    subscription_id: UUID | None = strawberry.field(
        description="The subscription the usage falls under, if sent.",
    )
    billing_period: BillingPeriod | None = strawberry.field(
        description="The billing period the record was sent for, if one.",
    )
    billable: bool = strawberry.field(
        description="False when the usage is recorded but not charged.",
    )
    billing_category: str | None = strawberry.field(
        description="A free label to group charges by, if sent.",
    )
    idempotency_key: str | None = strawberry.field(
        description="The caller's event id the record was stored under, if sent.",
    )
    product_code: str | None = strawberry.field(
        description="The product the usage is for, if sent.",
    )
    properties: JSON | None = strawberry.field(
        description="Any further properties sent with the record (after redaction).",
    )
    recorded_at: datetime | None = strawberry.field(
        description="When the server stored it; null in a replay's answer.",
    )

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
    record: UsageRecord = strawberry.field(
        description="The stored record (a replay: the earlier record's id and what this call"
        " sent).",
    )
    duplicate: bool = strawberry.field(
        description="True when the idempotency key was already stored: nothing new was stored.",
    )


RecordUsageResult = Annotated[
    RecordedUsage | ValidationError,
    strawberry.union(
        "RecordUsageResult",
        description="The stored record (or the earlier one it replays), or why not.",
    ),
]


@strawberry.type(description="A record of a batch that was not stored, by its place in the batch.")
class BatchRecordError:
    index: int = strawberry.field(description="The record's position in the batch, from 0.")
    field: str = strawberry.field(
        description="The record's field at fault (timestamp, value, ...).",
    )
    code: ErrorCode = strawberry.field(
        description="Why the record was refused; the same as errorCode.",
        deprecation_reason=ERROR_CODE_RENAMED,
    )
    message: str = strawberry.field(description="The reason in words, for a person.")
    error_code: ErrorCode = strawberry.field(
        description="Why the record's field was refused, for a program."
    )


@strawberry.type(description="What a batch did: counts, and each rejected record by its index.")
class BatchUsageReport:
    accepted: int = strawberry.field(description="Records stored by this call.")
    duplicates: int = strawberry.field(
        description="Records whose idempotency key was already stored: not stored again.",
    )
    rejected: int = strawberry.field(description="Records refused; each is in errors.")
    rolled_back: bool = strawberry.field(
        description="True when an atomic batch was refused as a whole: nothing was stored."
    )
    errors: list[BatchRecordError] = strawberry.field(
        description="Every refused record, by its index in the batch.",
    )


BatchRecordUsageResult = Annotated[
    BatchUsageReport | ValidationError,
    strawberry.union(
        "BatchRecordUsageResult",
        description="What the batch did (each refused record by its index), or why the"
        " whole batch was refused.",
    ),
]
CreateCompanyResult = Annotated[
    Company | ValidationError,
    strawberry.union("CreateCompanyResult", description="The new company, or why not."),
]


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
DefineMetricResult = Annotated[
    Metric | ValidationError,
    strawberry.union("DefineMetricResult", description="The new metric, or why not."),
]


@strawberry.input(
    description="The billing period a usage record belongs to: [startDate, endDate), startDate"
    " first."
)
class BillingPeriodInput:
    start_date: datetime = strawberry.field(
        description="The period's first instant, with its UTC offset.",
    )
    end_date: datetime = strawberry.field(
        description="The instant the period ends (not part of it), with its UTC offset.",
    )


@strawberry.input(
    description="A usage record, field for field as the usage-record specification names it."
)
class UsageRecordInput:
    company_id: UUID = strawberry.field(description="The company the usage belongs to.")
    resource_type: ResourceType = strawberry.field(
        description="What the record measures: must be its metric's resource type.",
    )
    metric_code: str = strawberry.field(
        description="The metric measured (a defined metric's code).",
    )
    timestamp: datetime = strawberry.field(
        description="When the usage happened, with its UTC offset; not in the future, nor before"
        " the company's late-arrival window.",
    )
    value: Decimal = strawberry.field(
        description="The measured quantity, in unit; a COUNTER's is never negative.",
    )
    unit: str = strawberry.field(description="The unit of value: must be its metric's unit.")
    measurement_type: MeasurementType | None = strawberry.field(
        default=None,
        description="Must be its metric's measurement type; null: the metric's.",
    )
    interval: str | None = strawberry.field(
        default=None,
        description="The reporting interval the record covers; null: the metric's.",
    )
    space_id: UUID | None = strawberry.field(
        default=None,
        description="The space the usage happened in.",
    )
    application_id: UUID | None = strawberry.field(
        default=None,
        description="The application that used it.",
    )
    user_id: UUID | None = strawberry.field(
        default=None,
        description="The user who used it (hashed before storage for a PSEUDONYMIZED company).",
    )
    source: str | None = strawberry.field(
        default=None,
        description="Which system reports the usage.",
    )
    subscription_id: UUID | None = strawberry.field(
        default=None,
        description="The subscription the usage falls under.",
    )
    billing_period: BillingPeriodInput | None = strawberry.field(
        default=None,
        description="The billing period the usage belongs to.",
    )
    billable: bool = strawberry.field(
        default=True,
        description="False to record the usage without charging it.",
    )
    billing_category: str | None = strawberry.field(
        default=None,
        description="A free label to group charges by.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="The caller's event id: a replay with the same key is not stored twice.",
    )
    properties: JSON | None = strawberry.field(
        default=None,
        description="Further properties as a JSON object (a charge filter or a metric's"
        " valueProperty may read them).",
    )
    product_code: str | None = strawberry.field(
        default=None,
        description="The product the usage is for.",
    )

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


@strawberry.input(description="A company to create.")
class CompanyInput:
    external_key: str = strawberry.field(
        description="The company's key in your own systems, unique: letters, digits, _ . : -"
        " or single inner spaces, at most 128 characters."
    )
    name: str = strawberry.field(description="The company's display name.")
    late_arrival_days: int | None = strawberry.field(
        default=None,
        description="How many days back a usage record may be dated; null: the server's default"
        " (35).",
    )
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
    id: UUID | None = strawberry.field(
        default=None,
        description="The company; required (the mutation's `id` argument is deprecated).",
    )
    name: str | None = strawberry.field(default=None, description="Its new name.")
    late_arrival_days: int | None = strawberry.field(
        default=None, description="How many days late its usage may arrive (0..3650)."
    )
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


@strawberry.input(description="A metric to define.")
class MetricInput:
    code: str = strawberry.field(
        description="The metric's code (API_REQUESTS): unique; usage records and products name it.",
    )
    name: str = strawberry.field(description="The metric's display name.")
    resource_type: ResourceType = strawberry.field(description="What the metric's records measure.")
    measurement_type: MeasurementType = strawberry.field(
        description="How a record's value reads: a count, a level or a duration.",
    )
    unit: str = strawberry.field(
        description="The unit every record of the metric is sent in (requests, GB).",
    )
    aggregation: Aggregation = strawberry.field(
        description="How its records add up when a query names no function.",
    )
    interval: ReportingInterval | None = strawberry.field(
        default=None,
        description="How often a company should report it (usageGaps looks for missed"
        " intervals); null: no expectation.",
    )
    description: str | None = strawberry.field(
        default=None,
        description="What the metric counts, in words.",
    )
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


@strawberry.input(description="Which usage records to list; every field given must match.")
class UsageRecordFilter:
    company_id: UUID | None = strawberry.field(
        default=None,
        description="Only this company's records (a scoped key may name only its own).",
    )
    metric_codes: list[str] | None = strawberry.field(
        default=None,
        description="Only these metrics.",
    )
    resource_type: ResourceType | None = strawberry.field(
        default=None,
        description="Only records of this resource type.",
    )
    from_: datetime | None = strawberry.field(
        default=None, name="from", description="Only records from this instant on (inclusive)."
    )
    to: datetime | None = strawberry.field(
        default=None,
        description="Only records before this instant (exclusive).",
    )
    space_id: UUID | None = strawberry.field(default=None, description="Only this space's records.")
    application_id: UUID | None = strawberry.field(
        default=None,
        description="Only this application's records.",
    )
    user_id: UUID | None = strawberry.field(default=None, description="Only this user's records.")
    source: str | None = strawberry.field(
        default=None,
        description="Only records from this source.",
    )
    billable: bool | None = strawberry.field(
        default=None,
        description="Only billable (true) or only non-billable (false) records.",
    )


@strawberry.type(
    description="Where a page of a connection sits: whether items follow or precede it, and"
    " its first and last cursors."
)
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="True when more items follow this page (page on with `after: endCursor`)."
    )
    end_cursor: str | None = strawberry.field(
        description="The cursor of this page's last edge; null when the page is empty."
    )
    has_previous_page: bool = strawberry.field(
        default=False,
        description="True when items come before this page. A connection without `last`"
        " (read forward from the store) answers whether the page started `after` a cursor.",
    )
    start_cursor: str | None = strawberry.field(
        default=None,
        description="The cursor of this page's first edge; null when the page is empty.",
    )

    @classmethod
    def forward(cls, cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
        """A page read forward (first/after) of the items with these cursors."""
        return cls(
            has_next_page=has_next,
            end_cursor=cursors[-1] if cursors else None,
            has_previous_page=after is not None,
            start_cursor=cursors[0] if cursors else None,
        )


@strawberry.type(description="One usage record of a page and its cursor.")
class UsageRecordEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the usage records after this one."
    )
    node: UsageRecord = strawberry.field(description="The usage record.")


@strawberry.type(description="A page of usage records, in time order.")
class UsageRecordConnection:
    edges: list[UsageRecordEdge] = strawberry.field(
        description="The usage records of this page, in time order."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether later records follow (`after: endCursor`)."
    )


@strawberry.type(description="One company of a page and its cursor.")
class CompanyEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the companies after this one."
    )
    node: Company = strawberry.field(description="The company.")


@strawberry.type(description="A page of companies, ordered by external key.")
class CompanyConnection:
    edges: list[CompanyEdge] = strawberry.field(
        description="The companies of this page, ordered by external key."
    )
    page_info: PageInfo = strawberry.field(
        description="Whether more companies follow (`after: endCursor`)."
    )

    @classmethod
    def of(
        cls, companies: list[StoredCompany], has_next: bool, after: str | None = None
    ) -> CompanyConnection:
        edges = [
            CompanyEdge(cursor=encode_cursor(c.external_key), node=Company.of(c)) for c in companies
        ]
        cursors = [e.cursor for e in edges]
        return cls(edges=edges, page_info=PageInfo.forward(cursors, has_next, after))


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
