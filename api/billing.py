"""GraphQL for products, contracts and invoices."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api import described as ds
from api import paging
from api import types as t
from api.context import Context
from api.errors import BadUserInput, answer
from api.invoice_files import pdf_url
from api.loaders import children, one
from api.node import ID_DESCRIPTION, Node
from domain import charge_filters as cf
from domain import contract_versions as cv
from domain import contracts as ct
from domain import credits as cr
from domain import invoicing as inv
from domain import limits as lim
from domain import pricing as p
from domain.access import Role
from domain.errors import Invalid, NotFound
from domain.nodes import global_id, preview_id
from domain.numbers import Money
from services import catalog as svc_catalog
from services import contracts as svc_contracts
from services import credits as svc_credits
from services import invoicing as svc_invoicing

PriceModel = ds.enum(
    p.PriceModel,
    {
        p.PriceModel.PER_UNIT: "Every unit at unitPrice.",
        p.PriceModel.PACKAGE: "A packagePrice for every packageSize units (rounding decides a"
        " partial package).",
        p.PriceModel.GRADUATED: "Each tier's units at that tier's price, plus the flat fee of"
        " every tier reached.",
        p.PriceModel.VOLUME: "Every unit at the price of the tier the quantity falls in, plus"
        " its flat fee.",
        p.PriceModel.FLAT_TIERED: "One flat fee: the one of the tier the quantity falls in.",
    },
    description="How a price turns a period's quantity into an amount.",
)
Rounding = ds.enum(
    p.Rounding,
    {
        p.Rounding.NONE: "A partial package is billed as its fraction.",
        p.Rounding.UP: "A partial package is billed as a whole one.",
        p.Rounding.DOWN: "A partial package is not billed.",
    },
    description="How a PACKAGE price counts a partial package.",
)
TierBasis = ds.enum(
    p.TierBasis,
    {
        p.TierBasis.TOTAL: "The whole period's quantity, free units included.",
        p.TierBasis.BILLABLE: "What is left once the free units are used up.",
    },
    description="Which quantity picks the tier: the total or the billable part.",
)
LineKind = ds.enum(
    inv.LineKind,
    {
        inv.LineKind.USAGE: "A product's usage in the period, priced.",
        inv.LineKind.MINIMUM_TRUE_UP: "What brings the period up to the minimum commitment.",
        inv.LineKind.ADJUSTMENT: "Late usage of a finalized period, re-rated.",
        inv.LineKind.LATE_FEE: "The late fee on earlier invoices still unpaid past their due date.",
        inv.LineKind.CREDIT_APPLIED: "The company's credit spent on this invoice (a negative"
        " amount).",
    },
    name="InvoiceLineKind",
    description="What an invoice line charges for.",
)
InvoiceStatus = ds.enum(
    inv.InvoiceStatus,
    {
        inv.InvoiceStatus.DRAFT: "Recomputed on every run until its grace period is over.",
        inv.InvoiceStatus.FINALIZED: "Issued: never changed again.",
        inv.InvoiceStatus.VOID: "A finalized invoice cancelled by a full credit note: it owes"
        " nothing.",
        inv.InvoiceStatus.PREVIEW: "What a period would get; stored nowhere (previews,"
        " simulations).",
    },
    description="Where an invoice stands.",
)
PaymentStatus = ds.enum(
    inv.PaymentStatus,
    {
        inv.PaymentStatus.UNPAID: "Not paid in full, not yet due.",
        inv.PaymentStatus.PAID: "Paid in full.",
        inv.PaymentStatus.OVERDUE: "Past its due date and not paid in full.",
    },
    description="Whether an invoice is paid.",
)


# ---------------------------------------------------------------- inputs


@strawberry.input(description="A tier of a tiered price.")
class TierInput:
    up_to: Decimal | None = strawberry.field(
        default=None, description="Inclusive upper bound; null: no bound (the last tier)."
    )
    unit_price: Decimal | None = strawberry.field(
        default=None,
        description="Price per unit in the tier (GRADUATED, VOLUME).",
    )
    flat_fee: Decimal | None = strawberry.field(
        default=None, description="Charged once when the tier is reached."
    )


@strawberry.input(
    description="A product's price in a contract: a model and the fields it uses (any other is"
    " refused)."
)
class PriceInput:
    model: PriceModel = strawberry.field(description="How a quantity is priced.")
    unit_price: Decimal | None = strawberry.field(
        default=None,
        description="Price per unit (PER_UNIT).",
    )
    package_size: Decimal | None = strawberry.field(
        default=None,
        description="Units per package (PACKAGE); above zero.",
    )
    package_price: Decimal | None = strawberry.field(
        default=None,
        description="Price per package (PACKAGE).",
    )
    rounding: Rounding = strawberry.field(
        default=p.Rounding.NONE,
        description="How a PACKAGE price counts a partly used package.",
    )
    tiers: list[TierInput] | None = strawberry.field(
        default=None,
        description="The tiers (GRADUATED, VOLUME, FLAT_TIERED), bounds rising, the last"
        " unbounded.",
    )
    free_units: Decimal = strawberry.field(
        default=Decimal(0),
        description="Units free each period before any is charged (pro-rated for a partial first"
        " period).",
    )
    tier_basis: TierBasis = strawberry.field(
        default=p.TierBasis.TOTAL,
        description="Which quantity picks the tier when there are free units.",
    )

    def to_price(self) -> p.Price:
        return p.Price(
            model=p.PriceModel(self.model.value),
            unit_price=self.unit_price,
            package_size=self.package_size,
            package_price=self.package_price,
            rounding=p.Rounding(self.rounding.value),
            tiers=tuple(p.Tier(x.up_to, x.unit_price, x.flat_fee) for x in self.tiers or ()),
            free_units=self.free_units,
            tier_basis=p.TierBasis(self.tier_basis.value),
        )


@strawberry.input(
    description="Count only the records whose property is one of the values (as text:"
    ' a number 5 is "5").'
)
class ChargeFilterInput:
    property: str = strawberry.field(description="The usage record property to look at.")
    values: list[str] = strawberry.field(description="The values a counted record may hold.")


@strawberry.input(description="A product a contract prices, and its price.")
class ContractProductInput:
    product_code: str = strawberry.field(description="The product (a defined product's code).")
    price: PriceInput = strawberry.field(description="Its price under the contract.")
    filters: list[ChargeFilterInput] | None = strawberry.field(
        default=None,
        description="Only records matching every filter count toward this price;"
        " none: every record of the product's metric. In simulateInvoice: the filters"
        " to try instead of the contract's (an empty list: none).",
    )

    def to_filters(self) -> tuple[cf.ChargeFilter, ...]:
        return tuple(cf.ChargeFilter(f.property, tuple(f.values)) for f in self.filters or ())


@strawberry.input(
    description="A contract to create: a company's prices and terms from a start date."
)
class ContractInput:
    company_id: UUID = strawberry.field(description="The company billed.")
    currency: str = strawberry.field(
        description="The ISO 4217 currency its invoices are in (USD, EUR, JPY).",
    )
    start_date: date = strawberry.field(description="The first day it is in force.")
    end_date: date | None = strawberry.field(
        default=None,
        description="The last day it is in force; null: open-ended.",
    )
    billing_day: int = strawberry.field(
        default=1,
        description="The day of the month each billing period starts (1-28).",
    )
    payment_terms_days: int = strawberry.field(
        default=30,
        description="Days from an invoice's issue to its due date.",
    )
    late_fee_percent_per_month: Decimal = strawberry.field(
        default=Decimal(0),
        description="Charged on overdue amounts, in percent per month (at most 100).",
    )
    minimum_commitment: Decimal | None = strawberry.field(
        default=None,
        description="The least each period is billed; a shortfall is a MINIMUM_TRUE_UP line.",
    )
    grace_hours: int = strawberry.field(
        default=24, description="Hours after a period ends during which its invoice stays draft."
    )
    products: list[ContractProductInput] = strawberry.field(
        description="The products it prices, each once.",
    )
    external_id: str | None = strawberry.field(
        default=None,
        description="The contract's id in your own systems (contract_customer_c_001);"
        " unique per company.",
    )

    def to_draft(self) -> ct.ContractDraft:
        return ct.ContractDraft(
            company_id=self.company_id,
            currency=self.currency,
            start_date=self.start_date,
            end_date=self.end_date,
            billing_day=self.billing_day,
            payment_terms_days=self.payment_terms_days,
            late_fee_percent_per_month=self.late_fee_percent_per_month,
            minimum_commitment=self.minimum_commitment,
            grace_hours=self.grace_hours,
            products=tuple((x.product_code, x.price.to_price()) for x in self.products),
            external_id=self.external_id,
            filters={x.product_code: x.to_filters() for x in self.products if x.filters},
        )


# ---------------------------------------------------------------- outputs


@strawberry.type(description="Something sold: a product prices the usage of one metric.")
class Product(Node):
    id: str = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    code: str = strawberry.field(
        description="The product's code, as contracts and usage records name it; unique.",
    )
    name: str = strawberry.field(description="The product's display name.")
    metric_code: str = strawberry.field(description="The metric whose usage it prices.")
    archived_at: datetime | None = strawberry.field(
        default=None,
        description="When the product was archived (no new contract may price it; the"
        " invoices that did stay readable); null: in use.",
    )

    @classmethod
    def of(cls, product: ct.Product) -> Product:
        return cls(
            id=global_id("Product", product.code),
            code=product.code,
            name=product.name,
            metric_code=product.metric_code,
            archived_at=product.archived_at,
        )


@strawberry.type(description="A tier of a tiered price.")
class Tier:
    up_to: Decimal | None = strawberry.field(
        description="Inclusive upper bound; null: no bound (the last tier).",
    )
    unit_price: Money | None = strawberry.field(
        description="Price per unit in the tier (GRADUATED, VOLUME).",
    )
    flat_fee: Money | None = strawberry.field(description="Charged once when the tier is reached.")


@strawberry.type(description="A product's price in a contract: a model and the fields it uses.")
class Price:
    model: PriceModel = strawberry.field(description="How a quantity is priced.")
    unit_price: Money | None = strawberry.field(description="Price per unit (PER_UNIT).")
    package_size: Decimal | None = strawberry.field(description="Units per package (PACKAGE).")
    package_price: Money | None = strawberry.field(description="Price per package (PACKAGE).")
    rounding: Rounding = strawberry.field(
        description="How a PACKAGE price counts a partly used package.",
    )
    tiers: list[Tier] = strawberry.field(
        description="The tiers, lowest first (GRADUATED, VOLUME, FLAT_TIERED).",
    )
    free_units: Decimal = strawberry.field(
        description="Units free each period before any is charged.",
    )
    tier_basis: TierBasis = strawberry.field(
        description="Which quantity picks the tier when there are free units.",
    )

    @classmethod
    def of(cls, price: p.Price, currency: str) -> Price:
        return cls(
            model=price.model,
            unit_price=_price(price.unit_price, currency),
            package_size=price.package_size,
            package_price=_price(price.package_price, currency),
            rounding=price.rounding,
            tiers=[
                Tier(
                    up_to=x.up_to,
                    unit_price=_price(x.unit_price, currency),
                    flat_fee=_price(x.flat_fee, currency),
                )
                for x in price.tiers
            ],
            free_units=price.free_units,
            tier_basis=price.tier_basis,
        )


@strawberry.type(description="A property and the values a record counted by a price holds.")
class ChargeFilter:
    property: str = strawberry.field(description="The usage record property looked at.")
    values: list[str] = strawberry.field(
        description="The values a counted record holds there (as text).",
    )


@strawberry.type(description="A product a contract prices, and its price.")
class ContractProduct:
    product_code: str = strawberry.field(description="The product.")
    metric_code: str = strawberry.field(description="The metric whose usage the product prices.")
    price: Price = strawberry.field(description="Its price under the contract.")
    filters: list[ChargeFilter] = strawberry.field(
        description="Only records matching every filter count toward the price; empty: all."
    )

    @classmethod
    def of(cls, x: inv.ContractProduct, currency: str) -> ContractProduct:
        return cls(
            product_code=x.product_code,
            metric_code=x.metric_code,
            price=Price.of(x.price, currency),
            filters=[ChargeFilter(property=f.property, values=list(f.values)) for f in x.filters],
        )


@strawberry.type(description="One version of a contract: every price and term it sets.")
class ContractVersion:
    number: int = strawberry.field(description="1: as signed; each amendment adds one.")
    effective_from: datetime = strawberry.field(
        description="In force from this instant; a billing period is priced by the version"
        " in force at its end."
    )
    products: list[ContractProduct] = strawberry.field(description="The prices it sets.")
    minimum_commitment: Money | None = strawberry.field(description="Per period, if any.")
    payment_terms_days: int = strawberry.field(description="Days from issue to due date.")
    late_fee_percent_per_month: Decimal = strawberry.field(
        description="Charged on overdue amounts, per month."
    )
    created_at: datetime | None = strawberry.field(description="When it was made.")

    @classmethod
    def of(cls, v: cv.Version, currency: str) -> ContractVersion:
        return cls(
            number=v.number,
            effective_from=v.effective_from,
            products=[ContractProduct.of(x, currency) for x in v.products],
            minimum_commitment=(
                None if v.minimum_commitment is None else Money(v.minimum_commitment, currency)
            ),
            payment_terms_days=v.payment_terms_days,
            late_fee_percent_per_month=v.late_fee_percent_per_month,
            created_at=v.created_at,
        )


@strawberry.type(
    description="A company's prices and terms from a start date: each billing period of it gets"
    " one invoice."
)
class Contract(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    company_id: UUID = strawberry.field(description="The company billed.")
    currency: str = strawberry.field(description="The ISO 4217 currency its invoices are in.")
    start_date: date = strawberry.field(description="The first day it is in force.")
    end_date: date | None = strawberry.field(
        description="The last day it is in force; null: open-ended.",
    )
    billing_day: int = strawberry.field(
        description="The day of the month each billing period starts (1-28).",
    )
    payment_terms_days: int = strawberry.field(
        description="Days from an invoice's issue to its due date.",
    )
    late_fee_percent_per_month: Decimal = strawberry.field(
        description="Charged on overdue amounts, in percent per month.",
    )
    minimum_commitment: Money | None = strawberry.field(
        description="The least each period is billed, if any.",
    )
    grace_hours: int = strawberry.field(
        description="Hours after a period ends during which its invoice stays draft.",
    )
    products: list[ContractProduct] = strawberry.field(description="The products it prices.")
    external_id: str | None = strawberry.field(
        description="The contract's id in the customer's own systems, unique per company."
    )
    versions: list[ContractVersion] = strawberry.field(
        description="Every version, version 1 (as signed) first. The fields above are"
        " version 1's terms."
    )

    @classmethod
    def of(cls, c: ct.StoredContract) -> Contract:
        terms = c.terms
        return cls(
            id=terms.id,
            company_id=terms.company_id,
            currency=terms.currency,
            start_date=terms.start_date,
            end_date=terms.end_date,
            billing_day=terms.billing_day,
            payment_terms_days=terms.payment_terms_days,
            late_fee_percent_per_month=c.late_fee_percent_per_month,
            minimum_commitment=(
                None
                if terms.minimum_commitment is None
                else Money(terms.minimum_commitment, terms.currency)
            ),
            grace_hours=int(terms.grace.total_seconds() // 3600),
            products=[ContractProduct.of(x, terms.currency) for x in terms.products],
            external_id=c.external_id,
            versions=[
                ContractVersion.of(v, terms.currency) for v in cv.versions(terms, c.created_at)
            ],
        )

    @strawberry.field(description="The company the contract is with.")
    async def company(self, info: strawberry.Info[Context, None]) -> t.Company:
        return await _company(info, self.company_id)


async def _company(info: strawberry.Info[Context, None], company_id: UUID) -> t.Company:
    """A contract's or invoice's company: the caller may see it, as it may see them."""
    ctx = info.context
    loader = one(
        info,
        "company",
        lambda ids: svc_catalog.companies_by_ids(ctx.runtime, ctx.principal, ids),
    )
    found = await loader.load(company_id)
    if found is None:
        raise NotFound(f"no company {company_id}")
    return t.Company.of(found)


def _price(amount: Decimal | None, currency: str) -> Money | None:
    return None if amount is None else Money.price(amount, currency)


@strawberry.type(
    description="One tier's share of a line (tier 1 is the first): units in it, its price,"
    " its exact amount (the line's amount is rounded once, to the cent)."
)
class TierBreakdown:
    tier: int = strawberry.field(description="The tier's number, from 1.")
    from_units: Decimal = strawberry.field(description="The quantity the tier starts after.")
    up_to: Decimal | None = strawberry.field(
        description="The tier's inclusive upper bound; null: none.",
    )
    units: Decimal = strawberry.field(description="Units of the line in this tier.")
    unit_price: Money = strawberry.field(description="The tier's price per unit.")
    flat_fee: Money = strawberry.field(description="The tier's flat fee, if reached.")
    amount: Money = strawberry.field(description="The tier's exact share of the line's amount.")


@strawberry.type(description="One charge on an invoice.")
class InvoiceLine:
    kind: LineKind = strawberry.field(description="What the line charges for.")
    product_code: str | None = strawberry.field(
        description="The product charged (USAGE and ADJUSTMENT lines).",
    )
    metric_code: str | None = strawberry.field(
        description="The product's metric (USAGE and ADJUSTMENT lines).",
    )
    quantity: Decimal | None = strawberry.field(
        description="The period's usage of the metric (USAGE lines).",
    )
    free_units_used: Decimal | None = strawberry.field(
        description="Free units the quantity used up.",
    )
    billable_quantity: Decimal | None = strawberry.field(
        description="The quantity charged: quantity less free units used.",
    )
    tiers: list[TierBreakdown] = strawberry.field(
        description="How a tiered price split the quantity; empty for other prices.",
    )
    amount: Money = strawberry.field(
        description="The line's amount, rounded half-up to the cent once.",
    )
    adjusts_period_start: datetime | None = strawberry.field(
        description="For an adjustment: the finalized period whose late usage it settles."
    )

    @classmethod
    def of(cls, line: inv.Line, currency: str) -> InvoiceLine:
        return cls(
            kind=line.kind,
            product_code=line.product_code,
            metric_code=line.metric_code,
            quantity=line.quantity,
            free_units_used=line.free_units_used,
            billable_quantity=line.billable_quantity,
            tiers=[
                TierBreakdown(
                    tier=x.tier + 1,
                    from_units=x.from_units,
                    up_to=x.up_to,
                    units=x.units,
                    unit_price=Money.price(x.unit_price, currency),
                    flat_fee=Money.price(x.flat_fee, currency),
                    amount=Money.price(x.amount, currency),
                )
                for x in line.tiers
            ],
            amount=Money(line.amount, currency),
            adjusts_period_start=line.adjusts_period_start,
        )


@strawberry.type(
    description="An amount taken off a finalized invoice; what exceeds the invoice's unpaid"
    " part becomes the company's credit."
)
class CreditNote(Node):
    id: UUID = strawberry.field(graphql_type=strawberry.ID, description=ID_DESCRIPTION)
    invoice_id: UUID = strawberry.field(description="The invoice it credits.")
    currency: str = strawberry.field(description="The invoice's currency.")
    amount: Money = strawberry.field(description="What it takes off the invoice.")
    reason: str = strawberry.field(description="Why it was issued.")
    voids: bool = strawberry.field(description="Issued by voiding the invoice.")
    created_at: datetime = strawberry.field(description="When it was issued.")

    @classmethod
    def of(cls, n: cr.CreditNote) -> CreditNote:
        return cls(
            id=n.id,
            invoice_id=n.invoice_id,
            currency=n.currency,
            amount=Money(n.amount, n.currency),
            reason=n.reason,
            voids=n.voids,
            created_at=n.created_at,
        )


@strawberry.input(description="A credit note to issue on a finalized invoice.")
class IssueCreditNoteInput:
    invoice_id: UUID = strawberry.field(description="A finalized invoice.")
    amount: Decimal = strawberry.field(
        description="In the invoice's currency, to the cent; at most its total less earlier"
        " credit notes."
    )
    reason: str = strawberry.field(description="Why, for the customer and the audit log.")


@strawberry.input(description="A finalized invoice to void.")
class VoidInvoiceInput:
    id: UUID = strawberry.field(description="A finalized invoice.")
    reason: str = strawberry.field(description="Why, for the customer and the audit log.")


@strawberry.type(description="An invoice, or what one would be (preview, simulation).")
class Invoice(Node):
    id: str = strawberry.field(
        graphql_type=strawberry.ID,
        description="The global id. A stored invoice's is its UUID, what invoice(id:) and"
        " node(id:) take. A preview's or a simulation's is new in every answer and names"
        " nothing stored: node(id:) answers null for it.",
    )
    stored_id: strawberry.Private[UUID | None] = None
    contract_id: UUID = strawberry.field(description="The contract invoiced.")
    company_id: UUID = strawberry.field(description="The company billed.")
    status: InvoiceStatus = strawberry.field(
        description="DRAFT, FINALIZED, VOID (cancelled by a full credit note), or PREVIEW"
        " when not stored."
    )
    period_start: datetime = strawberry.field(description="The billing period's first instant.")
    period_end: datetime = strawberry.field(
        description="The instant the billing period ends (not part of it).",
    )
    currency: str = strawberry.field(description="The contract's currency; every amount is in it.")
    subtotal: Money = strawberry.field(
        description="The lines' amounts added up, before the minimum-commitment true-up.",
    )
    minimum_true_up: Money = strawberry.field(
        description="What the minimum commitment adds to reach it; zero when met.",
    )
    adjustments: Money = strawberry.field(
        description="ADJUSTMENT lines added up: late usage of earlier, finalized periods.",
    )
    total: Money = strawberry.field(description="What the invoice bills.")
    issue_date: date = strawberry.field(description="The day it is issued (the period's end).")
    due_date: date = strawberry.field(
        description="The day payment is due: the issue date plus the contract's payment terms.",
    )
    lines: list[InvoiceLine] = strawberry.field(
        description="Its lines: usage, true-up, adjustments, late fees, credit applied.",
    )
    payment_status: PaymentStatus = strawberry.field(
        default=inv.PaymentStatus.UNPAID,
        description="UNPAID, PAID or OVERDUE (past its due date, unpaid).",
    )
    paid_amount: Money = strawberry.field(description="What payments have settled so far.")
    contract_version: int = strawberry.field(
        default=1, description="The number of the contract version that priced it."
    )
    amount_due: Money | None = strawberry.field(
        default=None,
        description="What is still owed: total less payments and credit notes, never below"
        " zero (an overpayment is the company's credit). A draft's is its total.",
    )
    credited_amount: Money | None = strawberry.field(
        default=None, description="The sum of the invoice's credit notes."
    )
    voided_at: datetime | None = strawberry.field(
        default=None, description="When the invoice was voided; null unless VOID."
    )

    @strawberry.field(description="The invoice's credit notes, oldest first.")
    async def credit_notes(self, info: strawberry.Info[Context, None]) -> list[CreditNote]:
        if self.stored_id is None:
            return []
        ctx = info.context
        loader = children(
            info,
            "Invoice.creditNotes",
            lambda ids: svc_credits.credit_notes(ctx.runtime, ctx.principal, ids),
        )
        return [CreditNote.of(n) for n in await loader.load(self.stored_id)]

    number: str | None = strawberry.field(
        default=None,
        description="The invoice number (INV-2024-000123), given when it is finalized;"
        " null for a draft or a preview.",
    )
    pdf_url: str | None = strawberry.field(
        default=None,
        description="Where the invoice's PDF is (GET, same API key or console session);"
        " null for a preview.",
    )

    @classmethod
    def of(
        cls,
        draft: inv.InvoiceDraft,
        *,
        contract_id: UUID,
        company_id: UUID,
        status: inv.InvoiceStatus,
        id: UUID | None = None,
    ) -> Invoice:
        return cls(
            id=str(id) if id is not None else preview_id(),
            stored_id=id,
            contract_id=contract_id,
            company_id=company_id,
            status=status,
            period_start=draft.period_start,
            period_end=draft.period_end,
            currency=draft.currency,
            subtotal=Money(draft.subtotal, draft.currency),
            minimum_true_up=Money(draft.minimum_true_up, draft.currency),
            adjustments=Money(draft.adjustments, draft.currency),
            total=Money(draft.total, draft.currency),
            issue_date=draft.issue_date,
            due_date=draft.due_date,
            lines=[InvoiceLine.of(x, draft.currency) for x in draft.lines],
            paid_amount=Money(Decimal(0), draft.currency),
            contract_version=draft.contract_version,
            amount_due=Money(draft.total, draft.currency),
            credited_amount=Money(Decimal(0), draft.currency),
        )

    @classmethod
    def stored(cls, i: inv.StoredInvoice) -> Invoice:
        invoice = cls.of(
            i.draft, contract_id=i.contract_id, company_id=i.company_id, status=i.status, id=i.id
        )
        invoice.payment_status = i.payment_status
        invoice.paid_amount = Money(i.paid_amount, i.draft.currency)
        invoice.amount_due = Money(i.amount_due, i.draft.currency)
        invoice.credited_amount = Money(i.credited_amount, i.draft.currency)
        invoice.voided_at = i.voided_at
        invoice.number = i.number
        invoice.pdf_url = pdf_url(i.id)
        return invoice

    @strawberry.field(description="The company the invoice bills.")
    async def company(self, info: strawberry.Info[Context, None]) -> t.Company:
        return await _company(info, self.company_id)

    @strawberry.field(
        description="The contract that priced the invoice; null for a contract not made"
        " (simulateContract)."
    )
    async def contract(self, info: strawberry.Info[Context, None]) -> Contract | None:
        ctx = info.context
        loader = one(
            info,
            "Invoice.contract",
            lambda ids: svc_contracts.contracts_by_ids(ctx.runtime, ctx.principal, ids),
        )
        found = await loader.load(self.contract_id)
        return Contract.of(found) if found is not None else None


@strawberry.type(description="One invoice of a page and its cursor.")
class InvoiceEdge:
    cursor: str = strawberry.field(
        description="Pass as `after` to read the invoices after this one."
    )
    node: Invoice = strawberry.field(description="The invoice.")


@strawberry.type(description="A page of invoices, by period.")
class InvoiceConnection:
    edges: list[InvoiceEdge] = strawberry.field(description="The invoices of this page, by period.")
    page_info: t.PageInfo = strawberry.field(
        description="Whether more invoices follow (`after: endCursor`)."
    )


@strawberry.input(description="Which invoices to list; every field given must match.")
class InvoiceFilter:
    company_id: UUID | None = strawberry.field(
        default=None,
        description="Only this company's invoices (a scoped key may name only its own).",
    )
    contract_id: UUID | None = strawberry.field(
        default=None,
        description="Only this contract's invoices.",
    )
    # text, not InvoiceStatus: documents that send it as a string stay valid
    status: str | None = strawberry.field(
        default=None,
        description="Only invoices with this status (DRAFT, FINALIZED, VOID).",
    )


@strawberry.type(description="What an invoice run did.")
class InvoiceRun:
    created: int = strawberry.field(description="Invoices created.")
    updated: int = strawberry.field(description="Draft invoices recomputed.")
    finalized: int = strawberry.field(
        description="Invoices finalized (their grace period is over).",
    )


PaymentResult = Annotated[
    Invoice | t.ValidationError,
    strawberry.union(
        "RecordPaymentResult", description="The invoice with the payment, or why not."
    ),
]
ProductResult = Annotated[
    Product | t.ValidationError,
    strawberry.union("CreateProductResult", description="The new product, or why not."),
]
ContractResult = Annotated[
    Contract | t.ValidationError,
    strawberry.union("CreateContractResult", description="The signed contract, or why not."),
]
InvoiceResult = Annotated[
    Invoice | t.ValidationError,
    strawberry.union("InvoicePreviewResult", description="The invoice as priced, or why not."),
]
CreditNoteResult = Annotated[
    Invoice | t.ValidationError,
    strawberry.union(
        "IssueCreditNoteResult", description="The invoice with its credit note, or why not."
    ),
]
VoidResult = Annotated[
    Invoice | t.ValidationError,
    strawberry.union(
        "VoidInvoiceResult", description="The voided invoice with its credit note, or why not."
    ),
]


# ---------------------------------------------------------------- resolvers


def _preview(found: svc_invoicing.Preview) -> Invoice:
    return Invoice.of(
        found.draft,
        contract_id=found.contract_id,
        company_id=found.company_id,
        status=inv.InvoiceStatus.PREVIEW,
    )


async def products(ctx: Context, include_archived: bool = False) -> list[Product]:
    found = await svc_contracts.list_products(ctx.runtime, ctx.principal, include_archived)
    return [Product.of(x) for x in found]


async def create_product(ctx: Context, code: str, name: str, metric_code: str) -> ProductResult:
    return await answer(
        svc_contracts.create_product(
            ctx.runtime,
            ctx.principal,
            code,
            name,
            metric_code,
            audit=ctx.change_audit("createProduct"),
        ),
        to=Product.of,
    )


async def create_contract(ctx: Context, input: ContractInput) -> ContractResult:
    return await answer(
        svc_contracts.create_contract(
            ctx.runtime,
            ctx.principal,
            input.to_draft(),
            audit=ctx.change_audit("createContract"),
        ),
        to=Contract.of,
    )


async def simulate_contract(
    ctx: Context, input: ContractInput, period_start: datetime
) -> InvoiceResult:
    """The invoice a contract not yet made would give the period containing
    ``period_start``, from the usage already recorded; nothing is stored."""
    return await answer(
        svc_contracts.simulate_contract(ctx.runtime, ctx.principal, input.to_draft(), period_start),
        to=_preview,
    )


async def contracts(
    ctx: Context, company_id: UUID | None, external_id: str | None = None
) -> list[Contract]:
    found = await svc_contracts.list_contracts(ctx.runtime, ctx.principal, company_id, external_id)
    return [Contract.of(c) for c in found]


async def contract(ctx: Context, id: UUID) -> Contract | None:
    found = await svc_contracts.find_contract(ctx.runtime, ctx.principal, id)
    return Contract.of(found) if found else None


async def invoices(
    ctx: Context, filter: InvoiceFilter | None, first: int, after: str | None
) -> InvoiceConnection:
    f = filter or InvoiceFilter()
    # checked here too: the key is refused before its arguments are read
    ctx.principal.require(*svc_invoicing.READERS)
    company = ctx.principal.company_filter(f.company_id)
    paging.page_size(ctx, first)
    position = paging.position(
        after, 2, lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1]))
    )
    rows = await svc_invoicing.list_invoices(
        ctx.runtime, ctx.principal, company, f.contract_id, f.status, position, first + 1
    )
    edges = [
        InvoiceEdge(
            cursor=t.encode_cursor(i.draft.period_start.isoformat(), str(i.id)),
            node=Invoice.stored(i),
        )
        for i in rows[:first]
    ]
    return InvoiceConnection(
        edges=edges,
        page_info=t.PageInfo.forward([e.cursor for e in edges], len(rows) > first, after),
    )


async def invoice(ctx: Context, id: UUID) -> Invoice | None:
    found = await svc_invoicing.find_invoice(ctx.runtime, ctx.principal, id)
    return Invoice.stored(found) if found else None


async def preview_invoice(
    ctx: Context,
    contract_id: UUID,
    period_start: datetime,
    prices: list[ContractProductInput] | None = None,
) -> InvoiceResult:
    overrides = [(x.product_code, x.price.to_price()) for x in prices or []]
    filters = {x.product_code: x.to_filters() for x in prices or [] if x.filters is not None}
    return await answer(
        svc_invoicing.preview_invoice(
            ctx.runtime, ctx.principal, contract_id, period_start, overrides, filters
        ),
        to=_preview,
    )


async def generate_invoices(ctx: Context, period_start: datetime | None) -> InvoiceRun:
    ctx.principal.require(Role.ADMIN)  # the run itself is every contract's: no principal
    run = await svc_invoicing.generate_invoices(
        ctx.runtime, period_start=_period_key(ctx, period_start)
    )
    return InvoiceRun(created=run.created, updated=run.updated, finalized=run.finalized)


def _period_key(ctx: Context, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise BadUserInput("periodStart needs a UTC offset", field="periodStart")
    for error in lim.date_errors("periodStart", moment, ctx.runtime.settings.limits):
        raise Invalid(error.message, code=error.code.value, field="periodStart")
    return moment


async def record_payment(
    ctx: Context, invoice_id: UUID, amount: Decimal, paid_at: datetime
) -> PaymentResult:
    return await answer(
        svc_invoicing.record_payment(
            ctx.runtime,
            ctx.principal,
            invoice_id,
            amount,
            paid_at,
            audit=ctx.change_audit("recordPayment"),
        ),
        to=Invoice.stored,
    )


async def issue_credit_note(ctx: Context, input: IssueCreditNoteInput) -> CreditNoteResult:
    return await answer(
        svc_credits.issue_credit_note(
            ctx.runtime,
            ctx.principal,
            input.invoice_id,
            input.amount,
            input.reason,
            audit=ctx.change_audit("issueCreditNote"),
        ),
        to=Invoice.stored,
    )


async def void_invoice(ctx: Context, input: VoidInvoiceInput) -> VoidResult:
    return await answer(
        svc_credits.void_invoice(
            ctx.runtime,
            ctx.principal,
            input.id,
            input.reason,
            audit=ctx.change_audit("voidInvoice"),
        ),
        to=Invoice.stored,
    )
