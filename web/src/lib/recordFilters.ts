// The usage-records list's filter, held in the URL's search parameters so that a
// filtered list can be shared as a link and Back restores it.
import type { UsageRecordFilter } from "../gql/graphql";

export interface RecordFilters {
  companyId: string;
  metric: string;
  from: string; // ISO instant or ""
  to: string;
  userId: string;
  spaceId: string;
  applicationId: string;
  source: string;
  billable: "" | "true" | "false";
}

export const EMPTY_FILTERS: RecordFilters = {
  companyId: "",
  metric: "",
  from: "",
  to: "",
  userId: "",
  spaceId: "",
  applicationId: "",
  source: "",
  billable: "",
};

/** The URL parameter each filter is kept under. */
const PARAMS: Record<keyof RecordFilters, string> = {
  companyId: "company",
  metric: "metric",
  from: "from",
  to: "to",
  userId: "user",
  spaceId: "space",
  applicationId: "application",
  source: "source",
  billable: "billable",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (text: string): boolean => UUID.test(text.trim());

function instant(text: string | null): string {
  if (!text) return "";
  const t = Date.parse(text);
  return Number.isNaN(t) ? "" : new Date(t).toISOString();
}

export function parseRecordFilters(search: URLSearchParams): RecordFilters {
  const get = (key: keyof RecordFilters) => (search.get(PARAMS[key]) ?? "").trim();
  const billable = get("billable");
  return {
    companyId: get("companyId"),
    metric: get("metric"),
    from: instant(get("from")),
    to: instant(get("to")),
    userId: get("userId"),
    spaceId: get("spaceId"),
    applicationId: get("applicationId"),
    source: get("source"),
    billable: billable === "true" || billable === "false" ? billable : "",
  };
}

export function writeRecordFilters(filters: RecordFilters): URLSearchParams {
  const out = new URLSearchParams();
  for (const key of Object.keys(PARAMS) as (keyof RecordFilters)[]) {
    const value = filters[key].trim();
    if (value) out.set(PARAMS[key], value);
  }
  return out;
}

/** Problems a filter has before it is sent, by filter name. */
export function filterProblems(filters: RecordFilters): Partial<Record<keyof RecordFilters, string>> {
  const problems: Partial<Record<keyof RecordFilters, string>> = {};
  for (const key of ["companyId", "userId", "spaceId", "applicationId"] as const) {
    if (filters[key] && !isUuid(filters[key])) problems[key] = "Enter a full id (a UUID).";
  }
  if (filters.from && filters.to && Date.parse(filters.from) >= Date.parse(filters.to)) {
    problems.to = "“To” must be after “From”.";
  }
  return problems;
}

/** The GraphQL filter for a valid set of filters (filters with problems are left out). */
export function toUsageRecordFilter(filters: RecordFilters): UsageRecordFilter {
  const problems = filterProblems(filters);
  const keep = (key: keyof RecordFilters) => (filters[key] && !problems[key] ? filters[key] : null);
  return {
    companyId: keep("companyId"),
    metricCodes: filters.metric ? [filters.metric] : null,
    from: filters.from || null,
    to: keep("to"),
    userId: keep("userId"),
    spaceId: keep("spaceId"),
    applicationId: keep("applicationId"),
    source: filters.source || null,
    billable: filters.billable === "" ? null : filters.billable === "true",
  };
}

/** How many filters are set (for "N filters" on the page). */
export function activeFilterCount(filters: RecordFilters): number {
  return (Object.keys(PARAMS) as (keyof RecordFilters)[]).filter((k) => filters[k] !== "").length;
}
