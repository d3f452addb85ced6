import { useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useQuery, useSubscription } from "urql";

import { Empty, ErrorState, Loading } from "../components/states";
import { CalendarDate, Instant, Money, Quantity, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import { monthWindows, period } from "../lib/format";
import { MetricsQuery, nodesOf } from "../lib/queries";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";

const PeriodTotals = graphql(`
  query OverviewTotals($current: AggregationCriteria!, $previous: AggregationCriteria!, $byCompany: AggregationCriteria!) {
    current: aggregateUsage(criteria: $current) {
      __typename
      ... on AggregationResult {
        buckets {
          metricCode
          sum
        }
      }
      ... on ValidationError {
        message
      }
    }
    previous: aggregateUsage(criteria: $previous) {
      __typename
      ... on AggregationResult {
        buckets {
          metricCode
          sum
        }
      }
      ... on ValidationError {
        message
      }
    }
    byCompany: aggregateUsage(criteria: $byCompany) {
      __typename
      ... on AggregationResult {
        buckets {
          metricCode
          companyId
          sum
        }
      }
      ... on ValidationError {
        message
      }
    }
  }
`);

const OpenAlerts = graphql(`
  query OpenAlerts {
    alerts(filter: { acknowledged: false }, first: 10) {
      edges {
        node {
          id
          companyId
          metricCode
          kind
          level
          usage
          limit
          raisedAt
        }
      }
    }
    invoices(filter: { status: "FINALIZED" }, first: 50) {
      edges {
        node {
          id
          companyId
          periodStart
          periodEnd
          currency
          total
          paidAmount
          dueDate
          paymentStatus
        }
      }
    }
  }
`);

const AlertRaised = graphql(`
  subscription AlertRaised {
    alertRaised {
      id
      companyId
      metricCode
      kind
      level
      usage
      limit
      raisedAt
    }
  }
`);

type AlertRow = {
  id: string;
  companyId: string;
  metricCode: string;
  kind: string;
  level: string;
  usage: string;
  limit?: string | null;
  raisedAt: string;
};

export function OverviewPage() {
  const viewer = useViewer();
  const names = useCompanyNames();
  const windows = useMemo(() => monthWindows(), []);
  const [{ data: metricData }] = useQuery({ query: MetricsQuery });
  const units = new Map(nodesOf(metricData?.metricsConnection).map((m) => [m.code, m.unit]));
  const base = { companyId: viewer.companyId, granularity: "TOTAL" as const, functions: ["SUM" as const] };
  const [{ data, fetching, error }] = useQuery({
    query: PeriodTotals,
    variables: {
      current: { ...base, from: windows.current[0], to: windows.current[1] },
      previous: { ...base, from: windows.previous[0], to: windows.previous[1] },
      byCompany: { ...base, from: windows.current[0], to: windows.current[1], groupBy: ["COMPANY" as const] },
    },
  });
  const [{ data: alertData }] = useQuery({ query: OpenAlerts });
  const [live] = useSubscription({ query: AlertRaised }, (previous: AlertRow[] = [], event) => [
    event.alertRaised,
    ...previous,
  ]);
  const seen = new Set<string>();
  const alerts = [...(live.data ?? []), ...(alertData?.alerts.edges.map((e) => e.node) ?? [])].filter((a) => {
    if (seen.has(a.id)) return false;
    seen.add(a.id);
    return true;
  });
  const sums = (answer: NonNullable<typeof data>["current"] | undefined) => {
    const out = new Map<string, string>();
    if (answer?.__typename === "AggregationResult") for (const b of answer.buckets) out.set(b.metricCode, b.sum ?? "0");
    return out;
  };
  const current = sums(data?.current);
  const previous = sums(data?.previous);
  const metricCodes = [...new Set([...current.keys(), ...previous.keys()])].sort();
  const [topMetric, setTopMetric] = useState<string | null>(null);
  const top = topMetric ?? metricCodes[0] ?? null;
  const ranked =
    data?.byCompany?.__typename === "AggregationResult"
      ? data.byCompany.buckets
          .filter((b) => b.metricCode === top && b.companyId)
          .sort((a, b) => Number(b.sum) - Number(a.sum))
          .slice(0, 5)
      : [];
  const due = (alertData?.invoices.edges.map((e) => e.node) ?? []).filter((i) => i.paymentStatus !== "PAID");
  return (
    <>
      <div className="page-head">
        <h1>{viewer.companyName ? `${viewer.companyName}: overview` : "Overview"}</h1>
        <p className="subtle">
          This period is {period(windows.current[0], windows.current[1])} (UTC), compared with{" "}
          {period(windows.previous[0], windows.previous[1])}.
        </p>
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="usage-h">
          <h2 id="usage-h">Usage this period</h2>
          {error ? (
            <ErrorState error={error} />
          ) : fetching && !data ? (
            <Loading what="Loading usage" />
          ) : metricCodes.length === 0 ? (
            <Empty title="No usage recorded this period or the last." />
          ) : (
            <table className="data-table">
              <caption className="visually-hidden">Usage by metric, this period and the last</caption>
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col" className="num">
                    This period
                  </th>
                  <th scope="col" className="num">
                    Last period
                  </th>
                  <th scope="col" className="num">
                    Change
                  </th>
                </tr>
              </thead>
              <tbody>
                {metricCodes.map((code) => {
                  const now = Number(current.get(code) ?? 0);
                  const before = Number(previous.get(code) ?? 0);
                  const change = before === 0 ? null : ((now - before) / before) * 100;
                  return (
                    <tr key={code}>
                      <th scope="row">{code}</th>
                      <td className="num">
                        <Quantity value={current.get(code) ?? "0"} unit={units.get(code)} />
                      </td>
                      <td className="num">
                        <Quantity value={previous.get(code) ?? "0"} unit={units.get(code)} />
                      </td>
                      <td className="num">{change === null ? "—" : `${change >= 0 ? "+" : ""}${change.toFixed(1)} %`}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
        {isAdmin(viewer) ? (
          <section className="card" aria-labelledby="top-h">
            <h2 id="top-h">Top companies this period</h2>
            {metricCodes.length > 0 ? (
              <div className="toolbar">
                <label htmlFor="top-metric">Metric</label>
                <select id="top-metric" value={top ?? ""} onChange={(e) => setTopMetric(e.target.value)}>
                  {metricCodes.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </div>
            ) : null}
            {ranked.length === 0 ? (
              <p className="subtle">No usage this period.</p>
            ) : (
              <ol className="ranked">
                {ranked.map((b) => (
                  <li key={b.companyId}>
                    <Link to={`/companies/${b.companyId}`}>{names.get(b.companyId!)?.name ?? b.companyId}</Link>
                    <Quantity value={b.sum} unit={units.get(b.metricCode)} />
                  </li>
                ))}
              </ol>
            )}
          </section>
        ) : null}
      </div>
      <div className="grid-2">
        <section className="card" aria-labelledby="alerts-h" aria-live="polite">
          <h2 id="alerts-h">Open alerts</h2>
          {alerts.length === 0 ? (
            <p className="subtle">No open alerts. New ones appear here as they are raised.</p>
          ) : (
            <ul className="plain alerts" data-testid="open-alerts">
              {alerts.map((a) => (
                <li key={a.id}>
                  <StatusBadge status={a.level} /> <strong>{a.metricCode}</strong>{" "}
                  {isAdmin(viewer) ? <>for {names.get(a.companyId)?.name ?? a.companyId} </> : null}
                  at <Quantity value={a.usage} unit={units.get(a.metricCode)} />
                  {a.limit ? (
                    <>
                      {" "}
                      of <Quantity value={a.limit} />
                    </>
                  ) : null}{" "}
                  · <Instant iso={a.raisedAt} />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="due-h">
          <h2 id="due-h">Invoices due or overdue</h2>
          {due.length === 0 ? (
            <p className="subtle">Nothing is waiting for payment.</p>
          ) : (
            <ul className="plain">
              {due.slice(0, 10).map((i) => (
                <li key={i.id}>
                  <Link to={`/invoices/${i.id}`}>
                    {names.get(i.companyId)?.name ?? "Invoice"} · {period(i.periodStart, i.periodEnd)}
                  </Link>{" "}
                  <Money amount={i.total} currency={i.currency} /> <StatusBadge status={i.paymentStatus} /> due{" "}
                  <CalendarDate date={i.dueDate} />
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </>
  );
}
