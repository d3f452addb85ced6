// Aggregation buckets → the columns a time-series chart draws.
//
// Buckets come from aggregateUsage: one per (period, metric, group). The chart
// wants one x axis (period starts, in seconds) and one y column per series
// (metric × group), with null where a series has no bucket for a period (a gap
// stays a gap; it is not drawn as zero).

export interface BucketLike {
  periodStart: string;
  metricCode: string;
  spaceId?: string | null;
  applicationId?: string | null;
  userId?: string | null;
  companyId?: string | null;
  source?: string | null;
  billingCategory?: string | null;
  property?: string | null;
  [value: string]: unknown;
}

export type ValueField = "sum" | "count" | "avg" | "min" | "max" | "uniqueCount" | "latest" | "timeWeightedAvg";

export interface Series {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  x: number[];
  series: Series[];
}

const GROUP_FIELDS = ["spaceId", "applicationId", "userId", "source", "billingCategory", "property"] as const;

/** The name of a bucket's series: its metric, and its group when grouped. */
export function seriesLabel(bucket: BucketLike, metricCount: number): string {
  const parts: string[] = [];
  if (metricCount > 1) parts.push(bucket.metricCode);
  for (const field of GROUP_FIELDS) {
    const value = bucket[field];
    if (value !== null && value !== undefined) parts.push(String(value));
  }
  return parts.length > 0 ? parts.join(" · ") : bucket.metricCode;
}

export function toChartData(buckets: readonly BucketLike[], field: ValueField): ChartData {
  const metrics = new Set(buckets.map((b) => b.metricCode));
  const xs = new Set<number>();
  const byLabel = new Map<string, Map<number, number>>();
  for (const bucket of buckets) {
    const x = Math.floor(Date.parse(bucket.periodStart) / 1000);
    xs.add(x);
    const label = seriesLabel(bucket, metrics.size);
    const raw = bucket[field];
    if (raw === null || raw === undefined) continue;
    const value = typeof raw === "number" ? raw : Number(raw);
    if (!Number.isFinite(value)) continue;
    let points = byLabel.get(label);
    if (!points) {
      points = new Map();
      byLabel.set(label, points);
    }
    points.set(x, (points.get(x) ?? 0) + value);
  }
  const x = [...xs].sort((a, b) => a - b);
  const series = [...byLabel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, points]) => ({ label, values: x.map((t) => points.get(t) ?? null) }));
  return { x, series };
}

/** The bucket field that holds a function's value. */
export function fieldOf(fn: string): ValueField {
  const map: Record<string, ValueField> = {
    SUM: "sum",
    COUNT: "count",
    AVG: "avg",
    MIN: "min",
    MAX: "max",
    UNIQUE_COUNT: "uniqueCount",
    LATEST: "latest",
  };
  return map[fn] ?? "sum";
}
