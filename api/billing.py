"""GraphQL for products, contracts and invoices."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import asyncpg
import strawberry
import uuid_utils.compat as uuid7
from graphql import GraphQLError

from api import guards, paging
from api import types as t
from api.context import Context
from domain import invoicing as inv
from domain import limits as lim
from domain import pricing as p
from domain import usage as d
from domain.access import Role
from domain.aggregation import WindowNotAnswerable
from storage import billing, repos
from storage.queries import q

PriceModel = strawberry.enum(p.PriceModel)
Rounding = strawberry.enum(p.Rounding, description="How a PACKAGE price counts a partial package.")
TierBasis = strawberry.enum(
    p.TierBasis, description="Which quantity picks the tier: the total or the billable part."
)
LineKind = strawberry.enum(inv.LineKind, name="InvoiceLineKind")
CURRENCY = re.compile(r"^[A-Z]{3}$")
# A monthly late fee above this is a typo, not a term anyone signs.
MAX_LATE_FEE_PERCENT = Decimal(100)
# Payments are in the invoice's currency, to the cent.
PAYMENT_DECIMALS = 2


# ---------------------------------------------------------------- inputs


@strawberry.input
class TierInput:
    up_to: Decimal | None = strawberry.field(
        default=None, description="Inclusive upper bound; null: no bound (the last tier)."
    )
    unit_price: Decimal | None = None
    flat_fee: Decimal | None = strawberry.field(
        default=None, description="Charged once when the tier is reached."
    )


@strawberry.input
class PriceInput:
    model: PriceModel
    unit_price: Decimal | None = None
    package_size: Decimal | None = None
    package_price: Decimal | None = None
    rounding: Rounding = p.Rounding.NONE
    tiers: list[TierInput] | None = None
    free_units: Decimal = Decimal(0)
    tier_basis: TierBasis = p.TierBasis.TOTAL

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


@strawberry.input
class ContractProductInput:
    product_code: str
    price: PriceInput


@strawberry.input
class ContractInput:
    company_id: UUID
    currency: str
    start_date: date
    end_date: date | None = None
    billing_day: int = 1
    payment_terms_days: int = 30
    late_fee_percent_per_month: Decimal = Decimal(0)
    minimum_commitment: Decimal | None = None
    grace_hours: int = strawberry.field(
        default=24, description="Hours after a period ends during which its invoice stays draft."
    )
    products: list[ContractProductInput]


# ---------------------------------------------------------------- outputs


@strawberry.type
class Product:
    code: str
    name: str
    metric_code: str


@strawberry.type
class Tier:
    up_to: Decimal | None
    unit_price: Decimal | None
    flat_fee: Decimal | None


@strawberry.type
class Price:
    model: PriceModel
    unit_price: Decimal | None
    package_size: Decimal | None
    package_price: Decimal | None
    rounding: Rounding
    tiers: list[Tier]
    free_units: Decimal
    tier_basis: TierBasis

    @classmethod
    def of(cls, price: p.Price) -> Price:
        return cls(
            model=price.model,
            unit_price=price.unit_price,
            package_size=price.package_size,
            package_price=price.package_price,
            rounding=price.rounding,
            tiers=[
                Tier(up_to=x.up_to, unit_price=x.unit_price, flat_fee=x.flat_fee)
                for x in price.tiers
            ],
            free_units=price.free_units,
            tier_basis=price.tier_basis,
        )


@strawberry.type
class ContractProduct:
    product_code: str
    metric_code: str
    price: Price


@strawberry.type
class Contract:
    id: UUID
    company_id: UUID
    currency: str
    start_date: date
    end_date: date | None
    billing_day: int
    payment_terms_days: int
    late_fee_percent_per_month: Decimal
    minimum_commitment: Decimal | None
    grace_hours: int
    products: list[ContractProduct]

    @classmethod
    def of(cls, c: billing.StoredContract) -> Contract:
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
            minimum_commitment=terms.minimum_commitment,
            grace_hours=int(terms.grace.total_seconds() // 3600),
            products=[
                ContractProduct(
                    product_code=x.product_code, metric_code=x.metric_code, price=Price.of(x.price)
                )
                for x in terms.products
            ],
        )


CENT = Decimal("0.01")


def _plain(quantity: Decimal) -> Decimal:
    """A quantity without trailing zeros (1000.000000 -> 1000)."""
    if quantity == quantity.to_integral_value():
        return quantity.quantize(Decimal(1))
    return quantity.normalize()


def _money(amount: Decimal) -> Decimal:
    """Cents when the exact amount has no finer part; the exact amount otherwise."""
    cents = amount.quantize(CENT)
    return cents if cents == amount else amount.normalize()


@strawberry.type(
    description="One tier's share of a line (tier 1 is the first): units in it, its price,"
    " its exact amount (the line's amount is rounded once, to the cent)."
)
class TierBreakdown:
    tier: int
    from_units: Decimal
    up_to: Decimal | None
    units: Decimal
    unit_price: Decimal
    flat_fee: Decimal
    amount: Decimal


@strawberry.type
class InvoiceLine:
    kind: LineKind
    product_code: str | None
    metric_code: str | None
    quantity: Decimal | None
    free_units_used: Decimal | None
    billable_quantity: Decimal | None
    tiers: list[TierBreakdown]
    amount: Decimal
    adjusts_period_start: datetime | None = strawberry.field(
        description="For an adjustment: the finalized period whose late usage it settles."
    )

    @classmethod
    def of(cls, line: inv.Line) -> InvoiceLine:
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
                    from_units=_plain(x.from_units),
                    up_to=_plain(x.up_to) if x.up_to is not None else None,
                    units=_plain(x.units),
                    unit_price=x.unit_price,
                    flat_fee=x.flat_fee,
                    amount=_money(x.amount),
                )
                for x in line.tiers
            ],
            amount=line.amount,
            adjusts_period_start=line.adjusts_period_start,
        )


@strawberry.type(description="An invoice, or what one would be (preview, simulation).")
class Invoice:
    id: UUID | None
    contract_id: UUID
    company_id: UUID
    status: str = strawberry.field(description="DRAFT, FINALIZED, or PREVIEW when not stored.")
    period_start: datetime
    period_end: datetime
    currency: str
    subtotal: Decimal
    minimum_true_up: Decimal
    adjustments: Decimal
    total: Decimal
    issue_date: date
    due_date: date
    lines: list[InvoiceLine]
    payment_status: str = strawberry.field(
        default="UNPAID", description="UNPAID, PAID or OVERDUE (past its due date, unpaid)."
    )
    paid_amount: Decimal = Decimal(0)

    @classmethod
    def of(
        cls,
        draft: inv.InvoiceDraft,
        *,
        contract_id: UUID,
        company_id: UUID,
        status: str,
        id: UUID | None = None,
    ) -> Invoice:
        return cls(
            id=id,
            contract_id=contract_id,
            company_id=company_id,
            status=status,
            period_start=draft.period_start,
            period_end=draft.period_end,
            currency=draft.currency,
            subtotal=draft.subtotal,
            minimum_true_up=draft.minimum_true_up,
            adjustments=draft.adjustments,
            total=draft.total,
            issue_date=draft.issue_date,
            due_date=draft.due_date,
            lines=[InvoiceLine.of(x) for x in draft.lines],
        )

    @classmethod
    def stored(cls, i: billing.StoredInvoice) -> Invoice:
        invoice = cls.of(
            i.draft, contract_id=i.contract_id, company_id=i.company_id, status=i.status, id=i.id
        )
        invoice.payment_status = i.payment_status
        invoice.paid_amount = i.paid_amount
        return invoice


@strawberry.type
class InvoiceEdge:
    cursor: str
    node: Invoice


@strawberry.type
class InvoiceConnection:
    edges: list[InvoiceEdge]
    page_info: t.PageInfo


@strawberry.input
class InvoiceFilter:
    company_id: UUID | None = None
    contract_id: UUID | None = None
    status: str | None = None


@strawberry.type
class InvoiceRun:
    created: int
    updated: int
    finalized: int


PaymentResult = Annotated[Invoice | t.ValidationError, strawberry.union("RecordPaymentResult")]
ProductResult = Annotated[Product | t.ValidationError, strawberry.union("CreateProductResult")]
ContractResult = Annotated[Contract | t.ValidationError, strawberry.union("CreateContractResult")]
InvoiceResult = Annotated[Invoice | t.ValidationError, strawberry.union("InvoicePreviewResult")]


# ---------------------------------------------------------------- resolvers


READERS = guards.READERS


def price_bounds(ctx: Context) -> p.PriceBounds:
    limits = ctx.runtime.settings.limits
    return p.PriceBounds(
        max_amount=limits.max_price,
        max_quantity=limits.max_usage_value,
        max_decimals=limits.max_price_decimals,
    )


def price_errors(price: p.Price, prefix: str, bounds: p.PriceBounds) -> list[d.FieldError]:
    out = []
    for error in p.price_errors(price, bounds):
        code = (
            d.ErrorCode.VALUE_NOT_FINITE
            if error.code is p.PricingErrorCode.NOT_FINITE
            else d.ErrorCode[error.code.name]
        )
        out.append(d.FieldError(f"{prefix}.{error.field}", code, error.message))
    return out


async def create_product(ctx: Context, code: str, name: str, metric_code: str) -> ProductResult:
    guards.require(ctx, Role.ADMIN)
    errors = []
    if not d.PRODUCT_CODE.match(code):
        errors.append(
            d.FieldError(
                "code",
                d.ErrorCode.INVALID_FORMAT,
                "a product code starts with a letter and holds letters, digits, '_', '.', ':',"
                " '-' or single inner spaces (at most 128)",
            )
        )
    if not name.strip():
        errors.append(d.FieldError("name", d.ErrorCode.REQUIRED, "a product needs a name"))
    errors.extend(lim.name_errors("name", name, ctx.runtime.settings.max_name_length))
    async with ctx.runtime.pool.acquire() as conn:
        metrics = await repos.all_metrics(conn)
        if metric_code not in metrics:
            errors.append(
                d.FieldError("metricCode", d.ErrorCode.UNKNOWN_METRIC, f"no metric {metric_code!r}")
            )
        if errors:
            return t.ValidationError.of(errors)
        async with ctx.writing("createProduct", "Product", conn):
            row = await conn.fetchrow(q("insert_product"), code, name.strip(), metric_code)
            if row is None:
                ctx.answered("createProduct", "ValidationError")
    if row is None:
        return t.ValidationError.single(
            "code", d.ErrorCode.ALREADY_EXISTS, f"product {code!r} exists already"
        )
    return Product(code=row["code"], name=row["name"], metric_code=row["metric_code"])


async def products(ctx: Context) -> list[Product]:
    guards.require(ctx, *READERS)
    async with ctx.runtime.pool.acquire() as conn:
        rows = await conn.fetch(q("products"))
    return [Product(code=r["code"], name=r["name"], metric_code=r["metric_code"]) for r in rows]


async def create_contract(ctx: Context, input: ContractInput) -> ContractResult:
    guards.require(ctx, Role.ADMIN)
    async with ctx.runtime.pool.acquire() as conn:
        checked = await _checked_terms(ctx, conn, input)
        if not isinstance(checked, inv.ContractTerms):
            return t.ValidationError.of(checked)
        async with ctx.writing("createContract", "Contract", conn):
            await billing.insert_contract(conn, checked, input.late_fee_percent_per_month)
        (stored,) = await billing.contracts(conn, None, checked.id)
    return Contract.of(stored)


async def simulate_contract(
    ctx: Context, input: ContractInput, period_start: datetime
) -> InvoiceResult:
    """The invoice a contract not yet made would give the period containing
    ``period_start``, from the usage already recorded; nothing is stored."""
    guards.require(ctx, Role.ADMIN)
    if period_start.tzinfo is None:
        return t.ValidationError.single(
            "periodStart", d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "periodStart needs an offset"
        )
    out_of_range = lim.date_errors("periodStart", period_start, ctx.runtime.settings.limits)
    if out_of_range:
        return t.ValidationError.of(out_of_range)
    async with ctx.runtime.pool.acquire() as conn:
        checked = await _checked_terms(ctx, conn, input)
        if not isinstance(checked, inv.ContractTerms):
            return t.ValidationError.of(checked)
        start, end = inv.period_of(period_start, checked.billing_day)
        try:
            draft = await billing.preview(conn, checked, start, end)
        except WindowNotAnswerable as gone:
            return t.ValidationError.of([gone.field_error("periodStart")])
    return Invoice.of(
        draft, contract_id=checked.id, company_id=checked.company_id, status="PREVIEW"
    )


async def _checked_terms(
    ctx: Context, conn: asyncpg.Connection, input: ContractInput
) -> inv.ContractTerms | list[d.FieldError]:
    """The terms ``input`` describes (with a new id), or every problem with it."""
    errors: list[d.FieldError] = []
    if not CURRENCY.match(input.currency):
        errors.append(
            d.FieldError("currency", d.ErrorCode.INVALID_FORMAT, "an ISO 4217 code such as EUR")
        )
    limits = ctx.runtime.settings.limits
    for field, day in (("startDate", input.start_date), ("endDate", input.end_date)):
        if day is not None:
            errors.extend(lim.date_errors(field, datetime.combine(day, time(0)), limits))
    if input.end_date is not None and input.end_date < input.start_date:
        errors.append(
            d.FieldError("endDate", d.ErrorCode.INVALID_WINDOW, "endDate is before startDate")
        )
    for field, value, low, high in (
        ("billingDay", input.billing_day, 1, 28),
        ("paymentTermsDays", input.payment_terms_days, 0, 3650),
        ("graceHours", input.grace_hours, 0, 24 * 90),
    ):
        if not low <= value <= high:
            errors.append(
                d.FieldError(field, d.ErrorCode.OUT_OF_RANGE, f"{field} must be {low} to {high}")
            )
    for field, amount, maximum in (
        ("lateFeePercentPerMonth", input.late_fee_percent_per_month, MAX_LATE_FEE_PERCENT),
        ("minimumCommitment", input.minimum_commitment, limits.max_amount),
    ):
        if amount is not None and (not amount.is_finite() or amount < 0):
            errors.append(
                d.FieldError(field, d.ErrorCode.NEGATIVE_PRICE, f"{field} must be 0 or more")
            )
        else:
            errors.extend(lim.decimal_errors(field, amount, maximum, limits.max_price_decimals))
    if not input.products:
        errors.append(
            d.FieldError("products", d.ErrorCode.REQUIRED, "a contract prices one product or more")
        )
    company = await repos.company_by_id(conn, input.company_id)
    if company is None:
        errors.append(
            d.FieldError("companyId", d.ErrorCode.UNKNOWN_COMPANY, f"no company {input.company_id}")
        )
    known = {r["code"]: r["metric_code"] for r in await conn.fetch(q("products"))}
    seen: set[str] = set()
    priced = []
    for n, item in enumerate(input.products):
        prefix = f"products[{n}]"
        if item.product_code not in known:
            errors.append(
                d.FieldError(
                    f"{prefix}.productCode",
                    d.ErrorCode.UNKNOWN_PRODUCT,
                    f"no product {item.product_code!r}",
                )
            )
            continue
        if item.product_code in seen:
            errors.append(
                d.FieldError(
                    f"{prefix}.productCode",
                    d.ErrorCode.ALREADY_EXISTS,
                    f"{item.product_code} is priced twice",
                )
            )
            continue
        seen.add(item.product_code)
        price = item.price.to_price()
        errors.extend(price_errors(price, f"{prefix}.price", price_bounds(ctx)))
        priced.append(inv.ContractProduct(item.product_code, known[item.product_code], price))
    if errors:
        return errors
    return inv.ContractTerms(
        id=uuid7.uuid7(),
        company_id=input.company_id,
        currency=input.currency,
        start_date=input.start_date,
        end_date=input.end_date,
        billing_day=input.billing_day,
        payment_terms_days=input.payment_terms_days,
        minimum_commitment=input.minimum_commitment,
        grace=timedelta(hours=input.grace_hours),
        products=tuple(priced),
    )


async def contracts(ctx: Context, company_id: UUID | None) -> list[Contract]:
    guards.require(ctx, *READERS)
    company = guards.company_filter(ctx, company_id)
    async with ctx.runtime.pool.acquire() as conn:
        return [Contract.of(c) for c in await billing.contracts(conn, company)]


async def _contract(ctx: Context, contract_id: UUID) -> billing.StoredContract | None:
    guards.require(ctx, *READERS)
    async with ctx.runtime.pool.acquire() as conn:
        found = await billing.contracts(conn, None, contract_id)
    if not found or not ctx.principal.may_see(found[0].terms.company_id):
        return None  # another company's contract does not exist for this key
    return found[0]


async def contract(ctx: Context, id: UUID) -> Contract | None:
    found = await _contract(ctx, id)
    return Contract.of(found) if found else None


async def invoices(
    ctx: Context, filter: InvoiceFilter | None, first: int, after: str | None
) -> InvoiceConnection:
    guards.require(ctx, *READERS)
    f = filter or InvoiceFilter()
    company = guards.company_filter(ctx, f.company_id)
    paging.page_size(ctx, first)
    position = paging.position(
        after, 2, lambda parts: (datetime.fromisoformat(parts[0]), UUID(parts[1]))
    )
    async with ctx.runtime.pool.acquire() as conn:
        rows = await billing.list_invoices(
            conn, company, f.contract_id, f.status, position, first + 1
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
        page_info=t.PageInfo(
            has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None
        ),
    )


async def invoice(ctx: Context, id: UUID) -> Invoice | None:
    guards.require(ctx, *READERS)
    async with ctx.runtime.pool.acquire() as conn:
        found = await billing.invoice_by_id(conn, id)
    if found is None or not ctx.principal.may_see(found.company_id):
        return None  # another company's invoice does not exist for this key
    return Invoice.stored(found)


async def preview_invoice(
    ctx: Context,
    contract_id: UUID,
    period_start: datetime,
    prices: list[ContractProductInput] | None = None,
) -> InvoiceResult:
    found = await _contract(ctx, contract_id)
    if found is None:
        return t.ValidationError.single(
            "contractId", d.ErrorCode.NOT_FOUND, f"no contract {contract_id}"
        )
    if period_start.tzinfo is None:
        return t.ValidationError.single(
            "periodStart", d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "periodStart needs an offset"
        )
    out_of_range = lim.date_errors("periodStart", period_start, ctx.runtime.settings.limits)
    if out_of_range:
        return t.ValidationError.of(out_of_range)
    terms = found.terms
    start, end = inv.period_of(period_start, terms.billing_day)
    overrides: dict[str, p.Price] = {}
    errors: list[d.FieldError] = []
    codes = {x.product_code for x in terms.products}
    for n, item in enumerate(prices or []):
        if item.product_code not in codes:
            errors.append(
                d.FieldError(
                    f"prices[{n}].productCode",
                    d.ErrorCode.UNKNOWN_PRODUCT,
                    f"the contract does not price {item.product_code!r}",
                )
            )
            continue
        price = item.price.to_price()
        errors.extend(price_errors(price, f"prices[{n}].price", price_bounds(ctx)))
        overrides[item.product_code] = price
    if errors:
        return t.ValidationError.of(errors)
    try:
        async with ctx.runtime.pool.acquire() as conn:
            draft = await billing.preview(conn, terms, start, end, overrides)
    except WindowNotAnswerable as gone:
        return t.ValidationError.of([gone.field_error("periodStart")])
    return Invoice.of(draft, contract_id=terms.id, company_id=terms.company_id, status="PREVIEW")


async def generate_invoices(ctx: Context, period_start: datetime | None) -> InvoiceRun:
    guards.require(ctx, Role.ADMIN)
    async with ctx.runtime.pool.acquire() as conn:
        run = await billing.generate_invoices(conn, period_start=_period_key(ctx, period_start))
    return InvoiceRun(created=run.created, updated=run.updated, finalized=run.finalized)


def _period_key(ctx: Context, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise GraphQLError(
            "periodStart needs a UTC offset",
            extensions={"code": "BAD_USER_INPUT", "field": "periodStart"},
        )
    for error in lim.date_errors("periodStart", moment, ctx.runtime.settings.limits):
        raise GraphQLError(
            error.message, extensions={"code": error.code.value, "field": "periodStart"}
        )
    return moment


async def record_payment(
    ctx: Context, invoice_id: UUID, amount: Decimal, paid_at: datetime
) -> PaymentResult:
    guards.require(ctx, Role.ADMIN)
    limits = ctx.runtime.settings.limits
    if not amount.is_finite() or amount <= 0:
        return t.ValidationError.single(
            "amount", d.ErrorCode.OUT_OF_RANGE, "a payment is a positive amount"
        )
    errors = lim.decimal_errors("amount", amount, limits.max_amount, PAYMENT_DECIMALS)
    if paid_at.tzinfo is None:
        errors.append(
            d.FieldError(
                "paidAt", d.ErrorCode.TIMESTAMP_WITHOUT_OFFSET, "paidAt needs a UTC offset"
            )
        )
    errors.extend(lim.date_errors("paidAt", paid_at, limits))
    if errors:
        return t.ValidationError.of(errors)
    async with ctx.runtime.pool.acquire() as conn:
        found = await billing.invoice_by_id(conn, invoice_id)
        if found is None:
            return t.ValidationError.single(
                "invoiceId", d.ErrorCode.NOT_FOUND, f"no invoice {invoice_id}"
            )
        if found.status != "FINALIZED":
            return t.ValidationError.single(
                "invoiceId",
                d.ErrorCode.NOT_PAYABLE,
                "a draft invoice can still change: pay it once it is finalized",
            )
        async with ctx.writing("recordPayment", "Invoice", conn):
            await billing.record_payment(conn, invoice_id, amount, paid_at)
        paid = await billing.invoice_by_id(conn, invoice_id)
    assert paid is not None
    return Invoice.stored(paid)
