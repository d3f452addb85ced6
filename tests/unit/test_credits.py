"""Credits without a database: the plan spends credit, credit notes are bounded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain import credits as cr
from domain.field_errors import ErrorCode
from domain.invoice_plan import PlanInputs, plan_invoices
from domain.invoicing import InvoiceDraft, InvoiceStatus, LineKind, StoredInvoice, apply_credit
from domain.limits import DEFAULT
from tests.unit.test_invoice_plan import MARCH, one_product, stored

D = Decimal
FEBRUARY = MARCH.replace(month=2)
APRIL = datetime(2025, 4, 1, tzinfo=UTC)


def credit_lines(draft: InvoiceDraft) -> list[str]:
    return [str(x.amount) for x in draft.lines if x.kind is LineKind.CREDIT_APPLIED]


def test_credit_is_applied_up_to_the_total_and_the_rest_carries_over() -> None:
    terms = one_product()
    usage = {FEBRUARY: {"API": D(30)}, MARCH: {"API": D(50)}}
    plan = plan_invoices(PlanInputs(terms, APRIL + timedelta(days=2), {}, usage, credit=D(70)))
    february, march = (w.draft for w in plan.writes)
    assert (credit_lines(february), str(february.total), str(february.credit_applied)) == (
        ["-30.00"],
        "0.00",
        "30.00",
    )
    assert (credit_lines(march), str(march.total)) == (["-40.00"], "10.00")
    assert plan.credit_left == 0
    # the usage lines are what they were: the credit settles, it does not re-price
    assert (str(march.subtotal), str(march.charged)) == ("50.00", "50.00")


def test_a_draft_spends_no_credit_until_it_is_finalized() -> None:
    terms = one_product()
    plan = plan_invoices(
        PlanInputs(terms, MARCH + timedelta(hours=2), {}, {FEBRUARY: {"API": D(5)}}, credit=D(9))
    )
    (write,) = plan.writes
    assert (write.status, credit_lines(write.draft), plan.credit_left) == (
        InvoiceStatus.DRAFT,
        [],
        D(9),
    )


def test_an_invoice_of_nothing_spends_no_credit() -> None:
    draft, used = apply_credit(
        plan_invoices(PlanInputs(one_product(), MARCH + timedelta(days=2), {}, {FEBRUARY: {}}))
        .writes[0]
        .draft,
        D(5),
    )
    assert (credit_lines(draft), used) == ([], D("0.00"))


def test_a_finalized_or_void_invoice_is_never_rewritten_nor_spends_credit() -> None:
    terms = one_product()
    first = plan_invoices(
        PlanInputs(terms, MARCH + timedelta(days=2), {}, {FEBRUARY: {"API": D(5)}}, credit=D(2))
    )
    for status in (InvoiceStatus.FINALIZED, InvoiceStatus.VOID):
        invoice = replace(stored(first), status=status)
        again = plan_invoices(
            PlanInputs(terms, MARCH + timedelta(days=2), {FEBRUARY: invoice}, {}, credit=D(2))
        )
        assert (again.writes, again.credit_left) == ([], D(2))


def invoice(total: str, paid: str = "0", credited: str = "0") -> StoredInvoice:
    plan = plan_invoices(
        PlanInputs(one_product(), MARCH + timedelta(days=2), {}, {FEBRUARY: {"API": D(total)}})
    )
    return replace(stored(plan), paid_amount=D(paid), credited_amount=D(credited))


def test_a_credit_note_takes_off_at_most_what_earlier_ones_left() -> None:
    billed = invoice("300", credited="100")
    assert cr.credit_note_errors(billed, D("200.00"), "goodwill", DEFAULT) == []
    (too_much,) = cr.credit_note_errors(billed, D("200.01"), "goodwill", DEFAULT)
    assert (too_much.field, too_much.code) == ("amount", ErrorCode.OUT_OF_RANGE)
    assert "200.00 EUR left" in too_much.message
    for amount in (D(0), D(-1), D("NaN")):
        (bad,) = cr.credit_note_errors(billed, amount, "goodwill", DEFAULT)
        assert (bad.field, bad.code) == ("amount", ErrorCode.OUT_OF_RANGE)
    draft = replace(billed, status=InvoiceStatus.DRAFT)
    (refused,) = cr.credit_note_errors(draft, D(1), "goodwill", DEFAULT)
    assert (refused.field, refused.code) == ("invoiceId", ErrorCode.NOT_CREDITABLE)
    (voided,) = cr.void_errors(draft, "x")
    assert (voided.field, voided.code) == ("id", ErrorCode.NOT_VOIDABLE)


def test_what_a_credit_note_or_payment_gives_beyond_what_was_owed_becomes_credit() -> None:
    # 300 billed, 250 paid: 50 owed
    owed_50 = invoice("300", paid="250")
    assert (owed_50.amount_due, cr.unpaid(owed_50)) == (D("50.00"), D("50.00"))
    assert cr.credit_beyond_unpaid(owed_50, D("30")) == 0
    assert cr.credit_beyond_unpaid(owed_50, D("80")) == D(30)
    # voiding it: the whole 300 credited, the 250 paid come back as credit
    assert cr.credit_beyond_unpaid(owed_50, cr.creditable(owed_50)) == D(250)
    # a payment of 60 on it (paid then counts it): 10 beyond
    assert cr.overpaid(D(300), D(310), D(0), D(60)) == D(10)
    assert cr.overpaid(D(300), D(290), D(0), D(40)) == 0
    # a payment after an overpayment is all credit
    assert cr.overpaid(D(300), D(320), D(0), D(10)) == D(10)
    overpaid = invoice("300", paid="320")
    assert overpaid.amount_due == 0


def test_a_credit_note_lowers_the_late_fee_an_unpaid_invoice_accrues() -> None:
    terms = one_product(late_fee_percent_per_month=D(3))
    bill = stored(
        plan_invoices(PlanInputs(terms, MARCH + timedelta(days=2), {}, {FEBRUARY: {"API": D(300)}}))
    )
    usage = {FEBRUARY: {"API": D(300)}, MARCH: {}}
    for credited, fee in (("0", "6.00"), ("100", "4.00"), ("300", None)):
        existing = {FEBRUARY: replace(bill, credited_amount=D(credited))}
        plan = plan_invoices(PlanInputs(terms, APRIL + timedelta(days=2), existing, usage))
        fees = [str(x.amount) for x in plan.writes[0].draft.lines if x.kind is LineKind.LATE_FEE]
        # 20 overdue days of March at 3 % a month on what is still owed
        assert fees == ([fee] if fee else [])
