// Report requests and schedules as the console builds them.

export type ReportKindName = "USAGE" | "COST_ALLOCATION" | "PROFITABILITY";
export type ReportFormatName = "CSV" | "JSON" | "PDF";
export type GranularityName = "HOUR" | "DAY" | "MONTH";
export type AllocationGranularityName = "HOURLY" | "DAILY";
export type DestinationName = "STORED" | "EMAIL" | "WEBHOOK";
export type RelativeWindowName =
  | "PREVIOUS_HOUR"
  | "PREVIOUS_DAY"
  | "PREVIOUS_WEEK"
  | "PREVIOUS_MONTH"
  | "MONTH_TO_DATE"
  | "LAST_7_DAYS"
  | "LAST_30_DAYS";

export const WINDOWS: readonly [RelativeWindowName, string][] = [
  ["PREVIOUS_HOUR", "Previous hour"],
  ["PREVIOUS_DAY", "Previous day"],
  ["PREVIOUS_WEEK", "Previous week"],
  ["PREVIOUS_MONTH", "Previous month"],
  ["MONTH_TO_DATE", "Month to date"],
  ["LAST_7_DAYS", "Last 7 days"],
  ["LAST_30_DAYS", "Last 30 days"],
];

export const KIND_LABELS: Record<ReportKindName, string> = {
  USAGE: "Usage",
  COST_ALLOCATION: "Cost allocation",
  PROFITABILITY: "Profitability",
};

export interface CriteriaDraft {
  kind: ReportKindName;
  /** "relative": `window`; "fixed": `from`/`to` (ISO instants). */
  span: "relative" | "fixed";
  window: RelativeWindowName;
  from: string | null;
  to: string | null;
  granularity: GranularityName;
  allocationGranularity: AllocationGranularityName;
  /** "" = the key's own company, or (ADMIN) the whole platform. */
  companyId: string;
  metricCodes: string;
  productCodes: string;
}

export interface CriteriaInputShape {
  kind: ReportKindName;
  window: RelativeWindowName | null;
  from: string | null;
  to: string | null;
  granularity: GranularityName;
  allocationGranularity: AllocationGranularityName;
  companyId: string | null;
  metricCodes: string[] | null;
  productCodes: string[] | null;
}

export function newCriteria(): CriteriaDraft {
  return {
    kind: "USAGE",
    span: "relative",
    window: "PREVIOUS_MONTH",
    from: null,
    to: null,
    granularity: "DAY",
    allocationGranularity: "DAILY",
    companyId: "",
    metricCodes: "",
    productCodes: "",
  };
}

/** Codes typed as a comma separated list, each once; none → null (every one). */
export function codes(text: string): string[] | null {
  const found = [...new Set(text.split(/[\s,]+/).filter((c) => c !== ""))];
  return found.length > 0 ? found : null;
}

/** ReportCriteriaInput from the form: a window or a fixed span, never both. */
export function criteriaInput(draft: CriteriaDraft): CriteriaInputShape {
  const relative = draft.span === "relative";
  return {
    kind: draft.kind,
    window: relative ? draft.window : null,
    from: relative ? null : draft.from,
    to: relative ? null : draft.to,
    granularity: draft.granularity,
    allocationGranularity: draft.allocationGranularity,
    companyId: draft.companyId === "" ? null : draft.companyId,
    metricCodes: draft.kind === "USAGE" ? codes(draft.metricCodes) : null,
    productCodes: draft.kind === "COST_ALLOCATION" ? codes(draft.productCodes) : null,
  };
}

/** Problems the browser can name itself, keyed like the server's (`criteria.from`). */
export function criteriaProblems(draft: CriteriaDraft): Record<string, string> {
  if (draft.span === "relative") return {};
  const found: Record<string, string> = {};
  if (!draft.from) found["criteria.from"] = "Enter the start of the window.";
  if (!draft.to) found["criteria.to"] = "Enter the end of the window.";
  if (draft.from && draft.to && Date.parse(draft.from) >= Date.parse(draft.to)) {
    found["criteria.to"] = "The end comes after the start.";
  }
  return found;
}

/** A report is still being built: its row keeps asking. */
export function inProgress(status: string): boolean {
  return status === "PENDING" || status === "RUNNING";
}

/** A file size in words: "512 B", "1.5 KB", "2.3 MB". */
export function fileSize(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return "—";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** What stored criteria (the API's JSON) cover, in a few words. */
export function describeCriteria(criteria: unknown): string {
  if (!criteria || typeof criteria !== "object") return "—";
  const c = criteria as Record<string, unknown>;
  const parts: string[] = [];
  const windowLabel = WINDOWS.find(([w]) => w === c.window)?.[1];
  if (windowLabel) parts.push(windowLabel);
  else if (typeof c.from === "string" && typeof c.to === "string") parts.push(`${c.from.slice(0, 10)} – ${c.to.slice(0, 10)}`);
  if (c.kind === "COST_ALLOCATION" && typeof c.allocationGranularity === "string") {
    parts.push(c.allocationGranularity.toLowerCase());
  } else if (c.kind !== "PROFITABILITY" && typeof c.granularity === "string") {
    parts.push(`by ${c.granularity.toLowerCase()}`);
  }
  const metrics = Array.isArray(c.metricCodes) ? (c.metricCodes as string[]) : [];
  if (metrics.length > 0) parts.push(metrics.join(", "));
  const products = Array.isArray(c.productCodes) ? (c.productCodes as string[]) : [];
  if (products.length > 0) parts.push(products.join(", "));
  return parts.join(" · ") || "—";
}

export interface DestinationDraft {
  type: DestinationName;
  to: string;
  url: string;
  secret: string;
}

export interface DestinationInputShape {
  type: DestinationName;
  to: string[] | null;
  url: string | null;
  secret: string | null;
}

/** ReportDestinationInput: only the fields of its type. */
export function destinationInput(draft: DestinationDraft): DestinationInputShape {
  if (draft.type === "EMAIL") {
    const to = [...new Set(draft.to.split(/[\n,;]/).map((a) => a.trim()).filter((a) => a !== ""))];
    return { type: "EMAIL", to, url: null, secret: null };
  }
  if (draft.type === "WEBHOOK") {
    return { type: "WEBHOOK", to: null, url: draft.url.trim(), secret: draft.secret === "" ? null : draft.secret };
  }
  return { type: "STORED", to: null, url: null, secret: null };
}
