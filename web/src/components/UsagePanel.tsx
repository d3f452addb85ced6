// aggregateUsage as a form → a chart and a table; the URL holds the query.
import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";
import { useQuery } from "urql";

import { graphql } from "../gql";
import type { AggregateFunction, Aggregation } from "../gql/graphql";
import { download, toCsv } from "../lib/csv";
import { isValidationError } from "../lib/errors";
import { MetricsQuery, nodesOf } from "../lib/queries";
import { type BucketLike, fieldOf, toChartData } from "../lib/series";
import {
  FUNCTIONS,
  fromLocalInput,
  GRANULARITIES,
  GROUPS,
  toLocalInput,
  useUsageParams,
} from "../lib/usageParams";
import { DataTable } from "./DataTable";
import { Banner, Empty, ErrorState, Loading } from "./states";
import { Instant, Quantity } from "./values";
import { UsageChart } from "./UsageChart";

export const AggregateUsageQuery = graphql(`
  query AggregateUsage($criteria: AggregationCriteria!) {
    aggregateUsage(criteria: $criteria) {
      __typename
      ... on AggregationResult {
        from
        to
        granularity
        timeZone
        functions
        buckets {
          periodStart
          periodEnd
          metricCode
          companyId
          spaceId
          applicationId
          userId
          source
          billingCategory
          property
          sum
          count
          avg
          min
          max
          uniqueCount
          latest
        }
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

const GROUP_LABELS: Record<string, string> = {
  COMPANY: "Company",
  SPACE: "Space",
  APPLICATION: "Application",
  USER: "User",
  SOURCE: "Source",
  BILLING_CATEGORY: "Billing category",
};

/** The function a metric is billed by, as an aggregate function. */
function defaultFunction(aggregation: Aggregation | undefined): AggregateFunction {
  return (aggregation ?? "SUM") as AggregateFunction;
}

const COMMON_ZONES = ["UTC", "Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Tokyo"];

export function UsagePanel({ companyId, explorer = false }: { companyId?: string; explorer?: boolean }) {
  const [params, update] = useUsageParams();
  const [{ data: metricData }] = useQuery({ query: MetricsQuery });
  const metrics = nodesOf(metricData?.metricsConnection);
  const chosen = params.metrics.length > 0 ? params.metrics : metrics.slice(0, 1).map((m) => m.code);
  const first = metrics.find((m) => m.code === chosen[0]);
  const fn = params.fn ?? defaultFunction(first?.aggregation);
  const company = companyId ?? params.companyId;
  const groupBy = params.groupBy ? [params.groupBy] : null;
  const criteria = {
    from: params.from,
    to: params.to,
    companyId: company,
    metricCodes: chosen,
    granularity: params.granularity,
    groupBy,
    functions: [fn],
    timeZone: params.timeZone,
  };
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AggregateUsageQuery,
    variables: { criteria },
    pause: chosen.length === 0,
  });
  const answer = data?.aggregateUsage;
  const buckets = answer?.__typename === "AggregationResult" ? answer.buckets : [];
  const field = fieldOf(fn);
  const chart = useMemo(() => toChartData(buckets as BucketLike[], field), [buckets, field]);
  const unit = first?.unit ?? null;
  const zones = COMMON_ZONES.includes(params.timeZone) ? COMMON_ZONES : [params.timeZone, ...COMMON_ZONES];

  type Row = (typeof buckets)[number];
  const columns = useMemo<ColumnDef<Row, unknown>[]>(() => {
    const cols: ColumnDef<Row, unknown>[] = [
      {
        accessorKey: "periodStart",
        header: "Period start",
        cell: (c) => <Instant iso={c.getValue() as string} timeZone={params.timeZone} />,
      },
      { accessorKey: "metricCode", header: "Metric" },
    ];
    if (params.groupBy) {
      const key = { COMPANY: "companyId", SPACE: "spaceId", APPLICATION: "applicationId", USER: "userId", SOURCE: "source", BILLING_CATEGORY: "billingCategory" }[params.groupBy] as keyof Row;
      cols.push({ accessorKey: key as string, header: GROUP_LABELS[params.groupBy] });
    }
    cols.push({
      id: "value",
      accessorFn: (row) => Number((row as Record<string, unknown>)[field] ?? 0),
      header: `${fn.toLowerCase().replace("_", " ")}`,
      meta: { align: "right" },
      cell: (c) => <Quantity value={(c.row.original as Record<string, unknown>)[field] as string} unit={unit} />,
    });
    return cols;
  }, [params.groupBy, params.timeZone, field, fn, unit]);

  const downloadCsv = () => {
    const header = ["period_start", "period_end", "metric", ...(params.groupBy ? [params.groupBy.toLowerCase()] : []), fn.toLowerCase()];
    const rows = buckets.map((b) => {
      const record = b as Record<string, unknown>;
      const group = params.groupBy
        ? [record[{ COMPANY: "companyId", SPACE: "spaceId", APPLICATION: "applicationId", USER: "userId", SOURCE: "source", BILLING_CATEGORY: "billingCategory" }[params.groupBy]]]
        : [];
      return [b.periodStart, b.periodEnd, b.metricCode, ...group, record[field]];
    });
    download(`usage-${chosen.join("+")}-${params.from.slice(0, 10)}.csv`, toCsv(header, rows));
  };

  return (
    <section className="card usage-panel" aria-label="Usage">
      <form className="usage-form" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="usage-metric">Metric</label>
          <select
            id="usage-metric"
            multiple={explorer}
            value={explorer ? chosen : chosen[0] ?? ""}
            onChange={(e) =>
              update({ metrics: Array.from(e.target.selectedOptions).map((o) => o.value), fn: null })
            }
          >
            {metrics.map((m) => (
              <option key={m.code} value={m.code}>
                {m.name} ({m.code})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-granularity">Period</label>
          <select
            id="usage-granularity"
            value={params.granularity}
            onChange={(e) => update({ granularity: e.target.value as typeof params.granularity })}
          >
            {GRANULARITIES.filter((g) => explorer || g !== "TOTAL").map((g) => (
              <option key={g} value={g}>
                {g.charAt(0) + g.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-group">Group by</label>
          <select
            id="usage-group"
            value={params.groupBy ?? ""}
            onChange={(e) => update({ groupBy: (e.target.value || null) as typeof params.groupBy })}
          >
            <option value="">Nothing</option>
            {GROUPS.filter((g) => explorer || ["SPACE", "APPLICATION", "USER"].includes(g)).map((g) => (
              <option key={g} value={g}>
                {GROUP_LABELS[g]}
              </option>
            ))}
          </select>
        </div>
        {explorer ? (
          <div className="field">
            <label htmlFor="usage-fn">Function</label>
            <select id="usage-fn" value={fn} onChange={(e) => update({ fn: e.target.value as AggregateFunction })}>
              {FUNCTIONS.map((f) => (
                <option key={f} value={f}>
                  {f.replace("_", " ").toLowerCase()}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor="usage-tz">Time zone</label>
          <select id="usage-tz" value={params.timeZone} onChange={(e) => update({ timeZone: e.target.value })}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="usage-from">From</label>
          <input
            id="usage-from"
            type="datetime-local"
            value={toLocalInput(params.from)}
            onChange={(e) => {
              const iso = fromLocalInput(e.target.value);
              if (iso) update({ from: iso });
            }}
          />
        </div>
        <div className="field">
          <label htmlFor="usage-to">To (excluded)</label>
          <input
            id="usage-to"
            type="datetime-local"
            value={toLocalInput(params.to)}
            onChange={(e) => {
              const iso = fromLocalInput(e.target.value);
              if (iso) update({ to: iso });
            }}
          />
        </div>
      </form>
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : isValidationError(answer) ? (
        <Banner kind="error">
          <strong>{answer.field}</strong>: {answer.message}
        </Banner>
      ) : chosen.length === 0 ? (
        <Empty title="No metrics are defined yet." />
      ) : fetching && !data ? (
        <Loading what="Loading usage" />
      ) : buckets.length === 0 ? (
        <Empty title="No usage in this window.">Widen the window or pick another metric.</Empty>
      ) : (
        <>
          <UsageChart
            data={chart}
            title={`${chosen.join(", ")} by ${params.granularity.toLowerCase()}`}
            unit={unit}
            timeZone={params.timeZone}
            bars={params.granularity === "MONTH" || params.granularity === "TOTAL"}
          />
          <div className="toolbar">
            <span>{buckets.length.toLocaleString()} buckets</span>
            <button type="button" className="secondary" onClick={downloadCsv}>
              Download CSV
            </button>
          </div>
          {buckets.length <= 2000 ? (
            <DataTable caption="Usage buckets" columns={columns} rows={buckets} />
          ) : (
            <p className="help">The table shows up to 2,000 buckets; download the CSV for all {buckets.length.toLocaleString()}.</p>
          )}
        </>
      )}
    </section>
  );
}
