import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { Field } from "../components/Field";
import { Banner, ErrorState, Loading, NotFound } from "../components/states";
import { CalendarDate, Money, Quantity, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import type { InvoiceDetailQuery } from "../gql/graphql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { period } from "../lib/format";
import { isAdmin, useViewer } from "../lib/viewer";

const InvoiceQuery = graphql(`
  query InvoiceDetail($id: UUID!) {
    invoice(id: $id) {
      id
      companyId
      contractId
      status
      periodStart
      periodEnd
      currency
      subtotal
      minimumTrueUp
      adjustments
      total
      issueDate
      dueDate
      paymentStatus
      paidAmount
      creditedAmount
      amountDue
      number
      pdfUrl
      lines {
        kind
        productCode
        metricCode
        quantity
        freeUnitsUsed
        billableQuantity
        amount
        adjustsPeriodStart
        tiers {
          tier
          fromUnits
          upTo
          units
          unitPrice
          flatFee
          amount
        }
      }
    }
  }
`);

const RecordPayment = graphql(`
  mutation RecordPayment($input: RecordPaymentInput!) {
    recordPayment(input: $input) {
      __typename
      ... on Invoice {
        id
        paymentStatus
        paidAmount
      }
      ... on ValidationError {
        field
        errorCode
        message
        errors {
          field
          errorCode
          message
        }
      }
    }
  }
`);

const KIND_LABELS: Record<string, string> = {
  USAGE: "Usage",
  MINIMUM_TRUE_UP: "Minimum commitment true-up",
  ADJUSTMENT: "Adjustment",
  LATE_FEE: "Late fee",
  CREDIT_APPLIED: "Credit applied",
};

export function InvoicePage() {
  const { id = "" } = useParams();
  const viewer = useViewer();
  const [{ data, fetching, error }, refetch] = useQuery({ query: InvoiceQuery, variables: { id } });
  if (error) {
    if (error.graphQLErrors.some((e) => /UUID/i.test(e.message))) return <NotFound what="invoice" />;
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  }
  if (fetching && !data) return <Loading what="Loading the invoice" />;
  const invoice = data?.invoice;
  if (!invoice) return <NotFound what="invoice" />;
  const cur = invoice.currency;
  return (
    <>
      <div className="page-head">
        <p className="crumbs">
          <Link to="/invoices">Invoices</Link> /
        </p>
        <h1>Invoice for {period(invoice.periodStart, invoice.periodEnd)}</h1>
        <p className="subtle">
          {invoice.number ? <span data-testid="invoice-number">{invoice.number} · </span> : null}
          <StatusBadge status={invoice.status} /> <StatusBadge status={invoice.paymentStatus} /> · issued{" "}
          <CalendarDate date={invoice.issueDate} /> · due <CalendarDate date={invoice.dueDate} /> ·{" "}
          <Link to={`/companies/${invoice.companyId}`}>company</Link>
          {invoice.pdfUrl ? (
            <>
              {" "}
              ·{" "}
              <a href={invoice.pdfUrl} target="_blank" rel="noreferrer">
                PDF
              </a>
            </>
          ) : null}
        </p>
      </div>
      <section className="card" aria-labelledby="lines-h">
        <h2 id="lines-h">Lines</h2>
        <div className="table-wrap">
          <table className="data-table invoice-lines">
            <caption className="visually-hidden">Invoice lines</caption>
            <thead>
              <tr>
                <th scope="col">Line</th>
                <th scope="col" className="num">
                  Quantity
                </th>
                <th scope="col" className="num">
                  Free units
                </th>
                <th scope="col" className="num">
                  Billable
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {invoice.lines.map((line, i) => (
                <LineRows key={i} line={line} currency={cur} />
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={4}>
                  Subtotal
                </th>
                <td className="num">
                  <Money amount={invoice.subtotal} currency={cur} />
                </td>
              </tr>
              {invoice.minimumTrueUp !== "0" && Number(invoice.minimumTrueUp) !== 0 ? (
                <tr>
                  <th scope="row" colSpan={4}>
                    Minimum commitment true-up
                  </th>
                  <td className="num">
                    <Money amount={invoice.minimumTrueUp} currency={cur} />
                  </td>
                </tr>
              ) : null}
              {Number(invoice.adjustments) !== 0 ? (
                <tr>
                  <th scope="row" colSpan={4}>
                    Adjustments
                  </th>
                  <td className="num">
                    <Money amount={invoice.adjustments} currency={cur} />
                  </td>
                </tr>
              ) : null}
              <tr className="total">
                <th scope="row" colSpan={4}>
                  Total
                </th>
                <td className="num" data-testid="invoice-total">
                  <Money amount={invoice.total} currency={cur} />
                </td>
              </tr>
              <tr>
                <th scope="row" colSpan={4}>
                  Paid
                </th>
                <td className="num">
                  <Money amount={invoice.paidAmount} currency={cur} />
                </td>
              </tr>
              {Number(invoice.creditedAmount) !== 0 ? (
                <tr>
                  <th scope="row" colSpan={4}>
                    Credit notes
                  </th>
                  <td className="num">
                    <Money amount={invoice.creditedAmount} currency={cur} />
                  </td>
                </tr>
              ) : null}
              <tr>
                <th scope="row" colSpan={4}>
                  Amount due
                </th>
                <td className="num" data-testid="invoice-amount-due">
                  <Money amount={invoice.amountDue} currency={cur} />
                </td>
              </tr>
            </tfoot>
          </table>
        </div>
      </section>
      {isAdmin(viewer) && invoice.status === "FINALIZED" && invoice.paymentStatus !== "PAID" ? (
        <PaymentForm invoiceId={invoice.id!} currency={cur} />
      ) : null}
    </>
  );
}

type Line = NonNullable<InvoiceDetailQuery["invoice"]>["lines"][number];

function LineRows({ line, currency }: { line: Line; currency: string }) {
  const label = `${KIND_LABELS[line.kind] ?? line.kind}${line.productCode ? ` · ${line.productCode}` : ""}`;
  return (
    <>
      <tr>
        <th scope="row">
          {label}
          {line.adjustsPeriodStart ? <span className="subtle"> (for {line.adjustsPeriodStart.slice(0, 7)})</span> : null}
        </th>
        <td className="num">
          <Quantity value={line.quantity} />
        </td>
        <td className="num">
          <Quantity value={line.freeUnitsUsed} />
        </td>
        <td className="num">
          <Quantity value={line.billableQuantity} />
        </td>
        <td className="num">
          <Money amount={line.amount} currency={currency} />
        </td>
      </tr>
      {line.tiers.map((tier) => (
        <tr key={tier.tier} className="tier-row">
          <td>
            Tier {tier.tier}: {Number(tier.fromUnits).toLocaleString()} – {tier.upTo ? Number(tier.upTo).toLocaleString() : "∞"} at{" "}
            <Money amount={tier.unitPrice} currency={currency} />
            {Number(tier.flatFee) !== 0 ? (
              <>
                {" "}
                + <Money amount={tier.flatFee} currency={currency} /> flat
              </>
            ) : null}
          </td>
          <td className="num" colSpan={3}>
            <Quantity value={tier.units} />
          </td>
          <td className="num">
            <Money amount={tier.amount} currency={currency} />
          </td>
        </tr>
      ))}
    </>
  );
}

function PaymentForm({ invoiceId, currency }: { invoiceId: string; currency: string }) {
  const [amount, setAmount] = useState("");
  const [paidAt, setPaidAt] = useState(() => new Date().toISOString().slice(0, 10));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [{ fetching }, record] = useMutation(RecordPayment);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const result = await record({
      input: { invoiceId, amount: amount.trim(), paidAt: new Date(`${paidAt}T12:00:00Z`).toISOString() },
    });
    const answer = result.data?.recordPayment;
    if (result.error) setMessage({ kind: "error", text: describeError(result.error) ?? "Failed." });
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else {
      setProblems({});
      setAmount("");
      setMessage({ kind: "success", text: "Payment recorded." });
    }
  };
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Record a payment">
      <h2>Record a payment ({currency})</h2>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      <Field label={`Amount (${currency})`} error={problems.amount}>
        {(p) => <input {...p} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} required />}
      </Field>
      <Field label="Paid on" error={problems.paidAt}>
        {(p) => <input {...p} type="date" value={paidAt} onChange={(e) => setPaidAt(e.target.value)} required />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          Record payment
        </button>
      </div>
    </form>
  );
}
