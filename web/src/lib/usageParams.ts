// An aggregateUsage query held in the URL's search parameters, so that a chart
// can be shared as a link and the browser's Back button restores it.
import { useCallback, useMemo } from "react";
import { useSearchParams } from "react-router-dom";

import type { AggregateFunction, GroupDimension, Granularity } from "../gql/graphql";
import { viewerTimeZone } from "./format";

export interface UsageParams {
  metrics: string[];
  granularity: Granularity;
  groupBy: GroupDimension | null;
  fn: AggregateFunction | null;
  timeZone: string;
  from: string; // ISO instant
  to: string;
  companyId: string | null;
}

const GRANULARITIES: Granularity[] = ["HOUR", "DAY", "MONTH", "TOTAL"];
const GROUPS: GroupDimension[] = ["COMPANY", "SPACE", "APPLICATION", "USER", "SOURCE", "BILLING_CATEGORY"];
const FUNCTIONS: AggregateFunction[] = ["SUM", "COUNT", "AVG", "MIN", "MAX", "UNIQUE_COUNT", "LATEST"];

const DAY = 86_400_000;

/** The default window: the last 30 whole UTC days up to tomorrow. */
export function defaultWindow(now: Date = new Date()): { from: string; to: string } {
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY;
  return { from: new Date(end - 30 * DAY).toISOString(), to: new Date(end).toISOString() };
}

function validInstant(text: string | null): string | null {
  if (!text) return null;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function parseUsageParams(search: URLSearchParams, now: Date = new Date()): UsageParams {
  const fallback = defaultWindow(now);
  const granularity = search.get("granularity") as Granularity | null;
  const groupBy = search.get("groupBy") as GroupDimension | null;
  const fn = search.get("fn") as AggregateFunction | null;
  return {
    metrics: search.getAll("metric").filter(Boolean),
    granularity: granularity && GRANULARITIES.includes(granularity) ? granularity : "DAY",
    groupBy: groupBy && GROUPS.includes(groupBy) ? groupBy : null,
    fn: fn && FUNCTIONS.includes(fn) ? fn : null,
    timeZone: search.get("tz") || viewerTimeZone(),
    from: validInstant(search.get("from")) ?? fallback.from,
    to: validInstant(search.get("to")) ?? fallback.to,
    companyId: search.get("company") || null,
  };
}

export function writeUsageParams(params: UsageParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const metric of params.metrics) out.append("metric", metric);
  out.set("granularity", params.granularity);
  if (params.groupBy) out.set("groupBy", params.groupBy);
  if (params.fn) out.set("fn", params.fn);
  out.set("tz", params.timeZone);
  out.set("from", params.from);
  out.set("to", params.to);
  if (params.companyId) out.set("company", params.companyId);
  return out;
}

export function useUsageParams(): [UsageParams, (change: Partial<UsageParams>) => void] {
  const [search, setSearch] = useSearchParams();
  const params = useMemo(() => parseUsageParams(search), [search]);
  const update = useCallback(
    (change: Partial<UsageParams>) => setSearch(writeUsageParams({ ...params, ...change }), { replace: false }),
    [params, setSearch],
  );
  return [params, update];
}

export { FUNCTIONS, GRANULARITIES, GROUPS };

/** `<input type="datetime-local">` value for an instant, in the viewer's zone. */
export function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fromLocalInput(value: string): string | null {
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
