import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery } from "urql";

import { Field } from "../components/Field";
import { Banner, Empty, ErrorState, Loading, NotFound } from "../components/states";
import { UsageChart } from "../components/UsageChart";
import { Instant, Money, Quantity } from "../components/values";
import { graphql } from "../gql";
import type { CostAllocationQuery, ProfitabilityReportQuery } from "../gql/graphql";
import {
  allocationChartData,
  type CostImportSummary,
  currenciesOf,
  fromUtcInput,
  monthStarts,
  periodStarts,
  type ProfitMeasure,
  profitabilityChartData,
  readCostImport,
  toUtcInput,
  totalsByCurrency,
} from "../lib/costing";
import { describeError, isValidationError, problemsByField, type ValidationLike } from "../lib/errors";
import { percent, period } from "../lib/format";
import { announceAuthFailure, authFailure, csrfHeaders } from "../lib/session";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";
import { nodesOf } from "../lib/queries";

const ProductsQuery = graphql(`
  query CostProducts {
    productsConnection(first: 500) {
      edges {
        node {
          code
          name
          metricCode
        }
      }
    }
  }
`);

const RecordCost = graphql(`
  mutation RecordCost($input: CostInput!) {
    recordCost(input: $input) {
      __typename
      ... on CostRecord {
        id
        productCode
        granularity
        periodStart
        periodEnd
        amount
        currency
        replaced
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

const AllocationQuery = graphql(`
  query CostAllocation($granularity: AllocationGranularity!, $from: DateTime!, $to: DateTime!, $product: String) {
    allocateCost(granularity: $granularity, from: $from, to: $to, product: $product) {
      __typename
      ... on CostAllocation {
        from
        to
        granularity
        totals {
          currency
          amount
          unallocated
        }
        shares {
          productCode
          periodStart
          periodEnd
          companyId
          companyKey
          usage
          totalUsage
          sharePercent
          amount
          currency
        }
        customers {
          companyId
          companyKey
          currency
          amount
        }
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

const ProfitabilityQuery = graphql(`
  query ProfitabilityReport($from: DateTime!, $to: DateTime!, $companyId: UUID) {
    profitability(from: $from, to: $to, companyId: $companyId) {
      __typename
      ... on Profitability {
        rows {
          companyId
          companyKey
          periodStart
          periodEnd
          currency
          revenue
          cost
          profit
          marginPercent
          finalized
        }
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

type Allocation = Extract<CostAllocationQuery["allocateCost"], { __typename: "CostAllocation" }>;
type ProfitRow = Extract<ProfitabilityReportQuery["profitability"], { __typename: "Profitability" }>["rows"][number];

const DAY_MS = 86_400_000;

function utcDay(offsetDays: number, now = Date.now()): string {
  return new Date(Math.floor(now / DAY_MS) * DAY_MS + offsetDays * DAY_MS).toISOString();
}

function utcMonth(offsetMonths: number, now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offsetMonths, 1)).toISOString();
}

const fieldOf = (problems: Record<string, string>, field: string) => problems[`input.${field}`] ?? problems[field];

export function CostsPage() {
  const viewer = useViewer();
  if (!isAdmin(viewer)) return <NotFound />;
  return (
    <>
      <div className="page-head">
        <h1>Costs</h1>
        <p className="subtle">
          What products cost per UTC hour or day, split between customers by their usage, and what each customer's
          billing periods earned against it. Amounts stay in their currency: totals are per currency.
        </p>
      </div>
      <div className="grid-2">
        <RecordCostForm />
        <ImportCosts />
      </div>
      <AllocationSection />
      <ProfitabilitySection />
    </>
  );
}

// ----------------------------------------------------------------- record

function ProductSelect({
  id,
  value,
  onChange,
  blank,
  ...rest
}: {
  id: string;
  value: string;
  onChange: (code: string) => void;
  blank: string | null;
  "aria-invalid"?: true;
  "aria-describedby"?: string;
}) {
  const [{ data, error }] = useQuery({ query: ProductsQuery });
  const products = nodesOf(data?.productsConnection);
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...rest}>
      {blank !== null ? <option value="">{blank}</option> : null}
      {error ? <option disabled>Products could not be loaded</option> : null}
      {products.map((p) => (
        <option key={p.code} value={p.code}>
          {p.name} ({p.code})
        </option>
      ))}
    </select>
  );
}

function RecordCostForm() {
  const [productCode, setProductCode] = useState("");
  const [granularity, setGranularity] = useState<"DAILY" | "HOURLY">("DAILY");
  const [periodStart, setPeriodStart] = useState(() => toUtcInput(utcDay(-1)));
  const [amount, setAmount] = useState("");
  const [currency, setCurrency] = useState("USD");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [{ fetching }, record] = useMutation(RecordCost);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setDone(null);
    const local: Record<string, string> = {};
    const start = fromUtcInput(periodStart);
    if (!productCode) local.productCode = "Choose a product.";
    if (!start) local.periodStart = "Enter the period's start (UTC).";
    if (!/^\d+(\.\d{1,2})?$/.test(amount.trim())) local.amount = "Enter an amount in whole cents, e.g. 125.50.";
    if (!/^[A-Za-z]{3}$/.test(currency.trim())) local.currency = "Enter a three-letter currency code, e.g. USD.";
    if (Object.keys(local).length > 0 || !start) {
      setProblems(local);
      return;
    }
    const result = await record({
      input: { productCode, granularity, periodStart: start, amount: amount.trim(), currency: currency.trim().toUpperCase() },
    });
    const answer = result.data?.recordCost;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "CostRecord") {
      setProblems({});
      setDone(
        `${answer.replaced ? "Restated" : "Recorded"}: ${answer.productCode}, ${answer.granularity === "HOURLY" ? "hour" : "day"} from ${new Date(answer.periodStart).toISOString().slice(0, 16).replace("T", " ")} UTC.`,
      );
    }
  };
  const err = (f: string) => fieldOf(problems, f);
  return (
    <form className="card form-grid cost-form" onSubmit={(e) => void submit(e)} aria-labelledby="record-cost-h" noValidate>
      <h2 id="record-cost-h">Record a cost</h2>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      {done ? <Banner kind="success">{done}</Banner> : null}
      <Field label="Product" error={err("productCode")}>
        {(p) => <ProductSelect {...p} value={productCode} onChange={setProductCode} blank="Choose a product" />}
      </Field>
      <Field label="Granularity" error={err("granularity")}>
        {(p) => (
          <select {...p} value={granularity} onChange={(e) => setGranularity(e.target.value as "DAILY" | "HOURLY")}>
            <option value="DAILY">Daily</option>
            <option value="HOURLY">Hourly</option>
          </select>
        )}
      </Field>
      <Field label="Period start (UTC)" error={err("periodStart")} help="The start of the UTC hour or day it cost.">
        {(p) => <input {...p} type="datetime-local" value={periodStart} onChange={(e) => setPeriodStart(e.target.value)} />}
      </Field>
      <Field label="Amount" error={err("amount")} help="Whole cents; recording a period again restates it.">
        {(p) => <input {...p} className="num" inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />}
      </Field>
      <Field label="Currency" error={err("currency")}>
        {(p) => <input {...p} value={currency} maxLength={3} onChange={(e) => setCurrency(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Recording…" : "Record cost"}
        </button>
      </div>
    </form>
  );
}

// ----------------------------------------------------------------- import

function ImportCosts() {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [summary, setSummary] = useState<CostImportSummary | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const file = input.current?.files?.[0];
    setFailure(null);
    setSummary(null);
    if (!file) {
      setFailure("Choose a CSV file first.");
      return;
    }
    setBusy(true);
    try {
      const response = await fetch("/v1/costs:import", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "text/csv", ...csrfHeaders() },
        body: file,
      });
      let body: unknown = null;
      try {
        body = await response.json();
      } catch {
        body = null;
      }
      const code = (body as { error?: { code?: string } } | null)?.error?.code;
      announceAuthFailure(authFailure(response.status, code));
      const answer = readCostImport(response.status, body);
      if (answer.ok) setSummary(answer.summary);
      else setFailure(answer.message);
    } catch {
      setFailure("The server could not be reached. Check your connection and try again.");
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="card form-grid cost-import" onSubmit={(e) => void submit(e)} aria-labelledby="import-costs-h">
      <h2 id="import-costs-h">Import a cost file</h2>
      <p className="wide subtle">
        A CSV with the header <code>product_code,granularity,period_start,amount,currency</code>; granularity is HOURLY or
        DAILY, period_start an ISO 8601 instant with its offset. Good lines are stored, bad ones listed.
      </p>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      <div className="field wide">
        <label htmlFor="cost-file">Cost file (CSV)</label>
        <input id="cost-file" ref={input} type="file" accept=".csv,text/csv" />
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Importing…" : "Import costs"}
        </button>
      </div>
      {summary ? (
        <div className="wide" role="status">
          <Banner kind={summary.rejected > 0 ? "info" : "success"}>
            {summary.accepted} line{summary.accepted === 1 ? "" : "s"} stored ({summary.replaced} restated an earlier
            amount), {summary.rejected} rejected.
          </Banner>
          {summary.errors.length > 0 ? (
            <div className="table-wrap">
              <table className="data-table">
                <caption>Rejected lines</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">
                      Line
                    </th>
                    <th scope="col">Field</th>
                    <th scope="col">Problem</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.errors.map((e, i) => (
                    <tr key={i}>
                      <td className="num">{e.line}</td>
                      <td>{e.field}</td>
                      <td>{e.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
        </div>
      ) : null}
    </form>
  );
}

// ------------------------------------------------------------- allocation

function CurrencyTotals({ label, totals }: { label: string; totals: { currency: string; amount: string }[] }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      {totals.length === 0 ? (
        <dd>—</dd>
      ) : (
        totals.map((t) => (
          <dd key={t.currency}>
            <Money amount={t.amount} currency={t.currency} />
          </dd>
        ))
      )}
    </div>
  );
}

/** The server's problems are shown beside their fields; the result area says so. */
function ProblemBanner({ error }: { error: ValidationLike }) {
  const count = Object.keys(problemsByField(error)).length;
  return <Banner kind="error">{count === 1 ? "Correct the field marked above." : "Correct the fields marked above."}</Banner>;
}

function AllocationSection() {
  const [granularity, setGranularity] = useState<"DAILY" | "HOURLY">("DAILY");
  const [from, setFrom] = useState(() => toUtcInput(utcDay(-7)));
  const [to, setTo] = useState(() => toUtcInput(utcDay(0)));
  const [product, setProduct] = useState("");
  const [asked, setAsked] = useState<{ granularity: "DAILY" | "HOURLY"; from: string; to: string; product: string | null } | null>(
    null,
  );
  const [asks, setAsks] = useState(0);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [answered, setAnswered] = useState<Record<string, string>>({});
  const err = (f: string) => problems[f] ?? answered[f];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const f = fromUtcInput(from);
    const t = fromUtcInput(to);
    const local: Record<string, string> = {};
    if (!f) local.from = "Enter the start (UTC).";
    if (!t) local.to = "Enter the end (UTC).";
    if (f && t && f >= t) local.to = "The end comes after the start.";
    setProblems(local);
    setAnswered({});
    if (f && t && Object.keys(local).length === 0) {
      setAsked({ granularity, from: f, to: t, product: product || null });
      setAsks((n) => n + 1);
    }
  };
  return (
    <section className="card" aria-labelledby="allocation-h">
      <h2 id="allocation-h">Cost allocation</h2>
      <form className="toolbar allocation-form" onSubmit={submit} aria-label="Allocation window" noValidate>
        <Field label="Allocate by" error={err("granularity")}>
          {(p) => (
            <select {...p} value={granularity} onChange={(e) => setGranularity(e.target.value as "DAILY" | "HOURLY")}>
              <option value="DAILY">Day</option>
              <option value="HOURLY">Hour</option>
            </select>
          )}
        </Field>
        <Field label="From (UTC)" error={err("from")}>
          {(p) => <input {...p} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field label="To (UTC)" error={err("to")}>
          {(p) => <input {...p} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Field label="Product" error={err("product")}>
          {(p) => <ProductSelect {...p} value={product} onChange={setProduct} blank="Every product" />}
        </Field>
        <div className="actions">
          <button type="submit">Allocate</button>
        </div>
      </form>
      {asked ? <AllocationResult key={asks} {...asked} onProblems={setAnswered} /> : <Empty title="Choose a window">Then Allocate to split its costs between customers.</Empty>}
    </section>
  );
}

function AllocationResult({
  onProblems,
  ...vars
}: {
  granularity: "DAILY" | "HOURLY";
  from: string;
  to: string;
  product: string | null;
  onProblems: (problems: Record<string, string>) => void;
}) {
  // each Allocate asks again: costs may have been recorded since
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AllocationQuery,
    variables: vars,
    requestPolicy: "network-only",
  });
  const answer = data?.allocateCost;
  useEffect(() => onProblems(isValidationError(answer) ? problemsByField(answer) : {}), [answer, onProblems]);
  if (error) return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  if (fetching && !data) return <Loading what="Allocating costs" />;
  if (!answer) return null;
  if (isValidationError(answer)) return <ProblemBanner error={answer} />;
  if (answer.__typename !== "CostAllocation") return null;
  return <AllocationView allocation={answer} from={vars.from} to={vars.to} />;
}

function AllocationView({ allocation, from, to }: { allocation: Allocation; from: string; to: string }) {
  const currencies = useMemo(() => currenciesOf(allocation.shares), [allocation]);
  const [picked, setPicked] = useState<string | null>(null);
  const currency = picked && currencies.includes(picked) ? picked : (currencies[0] ?? "USD");
  const chart = useMemo(
    () => allocationChartData(allocation.shares, currency, periodStarts(from, to, allocation.granularity)),
    [allocation, currency, from, to],
  );
  if (allocation.shares.length === 0) {
    return <Empty title="No costs in this window">Record a cost or import a cost file, then allocate again.</Empty>;
  }
  // The server's totals, one per currency: amounts in different currencies are never added.
  const total = allocation.totals.map((t) => ({ currency: t.currency, amount: t.amount }));
  const unallocated = allocation.totals
    .filter((t) => allocation.shares.some((s) => !s.companyId && s.currency === t.currency))
    .map((t) => ({ currency: t.currency, amount: t.unallocated }));
  const customers = [...allocation.customers].sort(
    (a, b) => a.currency.localeCompare(b.currency) || Number(b.amount) - Number(a.amount),
  );
  return (
    <>
      <dl className="figures">
        <CurrencyTotals label="Total cost" totals={total} />
        <CurrencyTotals label="Allocated" totals={totalsByCurrency(allocation.customers, (c) => c.amount)} />
        <CurrencyTotals label="Unallocated (no usage)" totals={unallocated} />
      </dl>
      {currencies.length > 1 ? (
        <div className="toolbar">
          <label htmlFor="allocation-currency">Allocation bars in</label>
          <select id="allocation-currency" value={currency} onChange={(e) => setPicked(e.target.value)}>
            {currencies.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
      ) : null}
      <UsageChart
        data={chart}
        title={`Allocated cost per ${allocation.granularity === "HOURLY" ? "hour" : "day"} per customer, ${currency}`}
        unit={currency}
        bars
        timeZone="UTC"
      />
      <div className="table-wrap">
        <table className="data-table">
          <caption>Per customer over the window</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col" className="num">
                Allocated
              </th>
            </tr>
          </thead>
          <tbody>
            {customers.map((c) => (
              <tr key={`${c.companyId}-${c.currency}`}>
                <th scope="row">{c.companyKey}</th>
                <td className="num">
                  <Money amount={c.amount} currency={c.currency} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <details>
        <summary>Shares per period ({allocation.shares.length})</summary>
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Each customer's share of each product's cost per period</caption>
            <thead>
              <tr>
                <th scope="col">Period (UTC)</th>
                <th scope="col">Product</th>
                <th scope="col">Customer</th>
                <th scope="col" className="num">
                  Usage
                </th>
                <th scope="col" className="num">
                  Total usage
                </th>
                <th scope="col" className="num">
                  Share
                </th>
                <th scope="col" className="num">
                  Amount
                </th>
              </tr>
            </thead>
            <tbody>
              {allocation.shares.map((s, i) => (
                <tr key={i}>
                  <td>
                    <Instant iso={s.periodStart} timeZone="UTC" />
                  </td>
                  <td>{s.productCode}</td>
                  <td>{s.companyKey ?? <em>unallocated</em>}</td>
                  <td className="num">
                    <Quantity value={s.usage} />
                  </td>
                  <td className="num">
                    <Quantity value={s.totalUsage} />
                  </td>
                  <td className="num">{percent(s.sharePercent)}</td>
                  <td className="num">
                    <Money amount={s.amount} currency={s.currency} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

// ---------------------------------------------------------- profitability

function ProfitabilitySection() {
  const names = useCompanyNames();
  const [from, setFrom] = useState(() => toUtcInput(utcMonth(-3)));
  const [to, setTo] = useState(() => toUtcInput(utcMonth(1)));
  const [companyId, setCompanyId] = useState("");
  const [asked, setAsked] = useState<{ from: string; to: string; companyId: string | null } | null>(null);
  const [asks, setAsks] = useState(0);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [answered, setAnswered] = useState<Record<string, string>>({});
  const err = (f: string) => problems[f] ?? answered[f];
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const f = fromUtcInput(from);
    const t = fromUtcInput(to);
    const local: Record<string, string> = {};
    if (!f) local.from = "Enter the start (UTC).";
    if (!t) local.to = "Enter the end (UTC).";
    if (f && t && f >= t) local.to = "The end comes after the start.";
    setProblems(local);
    setAnswered({});
    if (f && t && Object.keys(local).length === 0) {
      setAsked({ from: f, to: t, companyId: companyId || null });
      setAsks((n) => n + 1);
    }
  };
  return (
    <section className="card" aria-labelledby="profitability-h">
      <h2 id="profitability-h">Profitability</h2>
      <p className="subtle">Per customer and billing period starting in the window: invoiced revenue against allocated cost.</p>
      <form className="toolbar profitability-form" onSubmit={submit} aria-label="Profitability window" noValidate>
        <Field label="Periods from (UTC)" error={err("from")}>
          {(p) => <input {...p} type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />}
        </Field>
        <Field label="Periods to (UTC)" error={err("to")}>
          {(p) => <input {...p} type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />}
        </Field>
        <Field label="Customer" error={err("companyId")}>
          {(p) => (
            <select {...p} value={companyId} onChange={(e) => setCompanyId(e.target.value)}>
              <option value="">Every customer</option>
              {[...names.entries()].map(([id, c]) => (
                <option key={id} value={id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="submit">Show profitability</button>
        </div>
      </form>
      {asked ? <ProfitabilityResult key={asks} {...asked} onProblems={setAnswered} /> : <Empty title="Choose a window">Then Show profitability.</Empty>}
    </section>
  );
}

function ProfitabilityResult({
  onProblems,
  ...vars
}: {
  from: string;
  to: string;
  companyId: string | null;
  onProblems: (problems: Record<string, string>) => void;
}) {
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ProfitabilityQuery,
    variables: vars,
    requestPolicy: "network-only",
  });
  const answer = data?.profitability;
  useEffect(() => onProblems(isValidationError(answer) ? problemsByField(answer) : {}), [answer, onProblems]);
  if (error) return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  if (fetching && !data) return <Loading what="Computing profitability" />;
  if (!answer) return null;
  if (isValidationError(answer)) return <ProblemBanner error={answer} />;
  if (answer.__typename !== "Profitability") return null;
  if (answer.rows.length === 0) {
    return <Empty title="No billing periods">No invoice's period starts in this window.</Empty>;
  }
  return <ProfitabilityView rows={answer.rows} from={vars.from} to={vars.to} />;
}

const MEASURES: readonly [ProfitMeasure, string][] = [
  ["profit", "Profit"],
  ["revenue", "Revenue"],
  ["cost", "Cost"],
];

function ProfitabilityView({ rows, from, to }: { rows: ProfitRow[]; from: string; to: string }) {
  const currencies = useMemo(() => currenciesOf(rows), [rows]);
  const [picked, setPicked] = useState<string | null>(null);
  const [measure, setMeasure] = useState<ProfitMeasure>("profit");
  const currency = picked && currencies.includes(picked) ? picked : (currencies[0] ?? "USD");
  const chart = useMemo(
    () => profitabilityChartData(rows, currency, measure, monthStarts(from, to)),
    [rows, currency, measure, from, to],
  );
  const sorted = [...rows].sort(
    (a, b) => a.companyKey.localeCompare(b.companyKey) || a.periodStart.localeCompare(b.periodStart),
  );
  const totals = currencies.map((c) => {
    const mine = rows.filter((r) => r.currency === c);
    return {
      currency: c,
      revenue: totalsByCurrency(mine, (r) => r.revenue)[0]?.amount ?? "0",
      cost: totalsByCurrency(mine, (r) => r.cost)[0]?.amount ?? "0",
      profit: totalsByCurrency(mine, (r) => r.profit)[0]?.amount ?? "0",
    };
  });
  return (
    <>
      <div className="toolbar">
        <label htmlFor="profit-measure">Profitability bars show</label>
        <select id="profit-measure" value={measure} onChange={(e) => setMeasure(e.target.value as ProfitMeasure)}>
          {MEASURES.map(([m, label]) => (
            <option key={m} value={m}>
              {label}
            </option>
          ))}
        </select>
        {currencies.length > 1 ? (
          <>
            <label htmlFor="profit-currency">Profitability bars in</label>
            <select id="profit-currency" value={currency} onChange={(e) => setPicked(e.target.value)}>
              {currencies.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </>
        ) : null}
      </div>
      <UsageChart
        data={chart}
        title={`${MEASURES.find(([m]) => m === measure)?.[1]} per billing period per customer, ${currency}`}
        unit={currency}
        bars
        timeZone="UTC"
      />
      <div className="table-wrap">
        <table className="data-table">
          <caption>Revenue, cost and profit per customer and billing period</caption>
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Period</th>
              <th scope="col" className="num">
                Revenue
              </th>
              <th scope="col" className="num">
                Cost
              </th>
              <th scope="col" className="num">
                Profit
              </th>
              <th scope="col" className="num">
                Margin
              </th>
              <th scope="col">Invoice</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((r) => (
              <tr key={`${r.companyId}-${r.periodStart}-${r.currency}`}>
                <th scope="row">{r.companyKey}</th>
                <td>{period(r.periodStart, r.periodEnd)}</td>
                <td className="num">
                  <Money amount={r.revenue} currency={r.currency} />
                </td>
                <td className="num">
                  <Money amount={r.cost} currency={r.currency} />
                </td>
                <td className={`num${r.profit.startsWith("-") ? " negative" : ""}`}>
                  <Money amount={r.profit} currency={r.currency} />
                </td>
                <td className="num">{percent(r.marginPercent)}</td>
                <td>{r.finalized ? "final" : <span className="badge badge-draft">draft</span>}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            {totals.map((t) => (
              <tr key={t.currency} className="total">
                <th scope="row" colSpan={2}>
                  Total {t.currency}
                </th>
                <td className="num">
                  <Money amount={t.revenue} currency={t.currency} />
                </td>
                <td className="num">
                  <Money amount={t.cost} currency={t.currency} />
                </td>
                <td className="num">
                  <Money amount={t.profit} currency={t.currency} />
                </td>
                <td colSpan={2} />
              </tr>
            ))}
          </tfoot>
        </table>
      </div>
    </>
  );
}
