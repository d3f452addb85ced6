// Cost allocation and profitability as the console shows them.
//
// Amounts arrive as exact decimal strings and are added as scaled integers,
// never as binary floats; amounts in different currencies are never added
// together: every total is per currency.
import type { ChartData } from "./series";

/** "12.5" + "0.25" = "12.75", exactly (any number of decimals). */
export function addDecimals(a: string, b: string): string {
  const scale = Math.max(decimals(a), decimals(b));
  const sum = scaled(a, scale) + scaled(b, scale);
  return unscaled(sum, scale);
}

/** The sum of decimal strings ("0" for none). */
export function sumDecimals(values: readonly string[]): string {
  return values.reduce((total, value) => addDecimals(total, value), "0");
}

function decimals(value: string): number {
  const dot = value.indexOf(".");
  return dot < 0 ? 0 : value.length - dot - 1;
}

function scaled(value: string, scale: number): bigint {
  const text = value.trim();
  if (!/^[+-]?\d+(\.\d+)?$/.test(text)) throw new Error(`not a decimal: ${value}`);
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = text.replace(/^[+-]/, "").split(".");
  const digits = BigInt(whole + fraction.padEnd(scale, "0"));
  return negative ? -digits : digits;
}

function unscaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

export interface CurrencyTotal {
  currency: string;
  amount: string;
}

/** One total per currency, currencies in alphabetical order. */
export function totalsByCurrency<T extends { currency: string }>(
  items: readonly T[],
  amountOf: (item: T) => string,
): CurrencyTotal[] {
  const totals = new Map<string, string>();
  for (const item of items) {
    totals.set(item.currency, addDecimals(totals.get(item.currency) ?? "0", amountOf(item)));
  }
  return [...totals.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, amount]) => ({ currency, amount }));
}

/** The currencies of some amounts, each once, in alphabetical order. */
export function currenciesOf(items: readonly { currency: string }[]): string[] {
  return [...new Set(items.map((i) => i.currency))].sort();
}

export interface ShareLike {
  periodStart: string;
  companyId?: string | null;
  companyKey?: string | null;
  amount: string;
  currency: string;
}

export const UNALLOCATED = "Unallocated";

/**
 * Amount per period per customer, in one currency: one x per period start
 * (seconds), one series per customer (its external key) and one for the cost
 * nobody used; a customer's shares of several products in a period add up.
 * A period where a customer had no share is a gap (null), not a zero.
 */
export function allocationChartData(
  shares: readonly ShareLike[],
  currency: string,
  periods: readonly number[] = [],
): ChartData {
  const xs = new Set<number>(periods);
  const byCustomer = new Map<string, Map<number, string>>();
  for (const share of shares) {
    if (share.currency !== currency) continue;
    const x = Math.floor(Date.parse(share.periodStart) / 1000);
    xs.add(x);
    const label = share.companyId ? (share.companyKey ?? share.companyId) : UNALLOCATED;
    let points = byCustomer.get(label);
    if (!points) {
      points = new Map();
      byCustomer.set(label, points);
    }
    points.set(x, addDecimals(points.get(x) ?? "0", share.amount));
  }
  const x = [...xs].sort((a, b) => a - b);
  const series = [...byCustomer.entries()]
    .sort(([a], [b]) => (a === UNALLOCATED ? 1 : b === UNALLOCATED ? -1 : a.localeCompare(b)))
    .map(([label, points]) => ({
      label,
      values: x.map((t) => {
        const amount = points.get(t);
        return amount === undefined ? null : Number(amount);
      }),
    }));
  return { x, series };
}

export type ProfitMeasure = "revenue" | "cost" | "profit";

export interface ProfitRowLike {
  companyId: string;
  companyKey: string;
  periodStart: string;
  currency: string;
  revenue: string;
  cost: string;
  profit: string;
}

/** One measure per billing period per company, in one currency, for a bar chart. */
export function profitabilityChartData(
  rows: readonly ProfitRowLike[],
  currency: string,
  measure: ProfitMeasure,
  periods: readonly number[] = [],
): ChartData {
  const xs = new Set<number>(periods);
  const byCompany = new Map<string, Map<number, string>>();
  for (const row of rows) {
    if (row.currency !== currency) continue;
    const x = Math.floor(Date.parse(row.periodStart) / 1000);
    xs.add(x);
    let points = byCompany.get(row.companyKey);
    if (!points) {
      points = new Map();
      byCompany.set(row.companyKey, points);
    }
    points.set(x, addDecimals(points.get(x) ?? "0", row[measure]));
  }
  const x = [...xs].sort((a, b) => a - b);
  const series = [...byCompany.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, points]) => ({
      label,
      values: x.map((t) => {
        const amount = points.get(t);
        return amount === undefined ? null : Number(amount);
      }),
    }));
  return { x, series };
}

/**
 * The starts (seconds) of every UTC hour or day in [from, to), so that a chart
 * shows the whole window, a period without cost as a gap. Capped at `limit`.
 */
export function periodStarts(from: string, to: string, granularity: "HOURLY" | "DAILY", limit = 2000): number[] {
  const step = granularity === "HOURLY" ? 3600 : 86400;
  const start = Math.ceil(Date.parse(from) / 1000 / step) * step;
  const end = Date.parse(to) / 1000;
  const found: number[] = [];
  for (let t = start; t < end && found.length < limit; t += step) found.push(t);
  return found;
}

/** The starts (seconds) of every UTC month beginning in [from, to), capped at `limit`. */
export function monthStarts(from: string, to: string, limit = 240): number[] {
  const first = new Date(from);
  const end = Date.parse(to);
  const found: number[] = [];
  let y = first.getUTCFullYear();
  let m = first.getUTCMonth();
  if (Date.UTC(y, m, 1) < first.getTime()) m += 1;
  for (let t = Date.UTC(y, m, 1); t < end && found.length < limit; t = Date.UTC(y, ++m, 1)) found.push(t / 1000);
  return found;
}

/** `<input type="datetime-local">` value read as a UTC instant (cost periods are UTC). */
export function fromUtcInput(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$/.test(value)) return null;
  const t = Date.parse(value.includes("T") ? `${value}Z` : `${value}T00:00Z`);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** An instant as a UTC `datetime-local` value ("2024-03-01T00:00"). */
export function toUtcInput(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16);
}

export interface CostImportSummary {
  accepted: number;
  replaced: number;
  rejected: number;
  errors: { line: number; field: string; code: string; message: string }[];
}

/** What POST /v1/costs:import answered, as a summary or one sentence. */
export function readCostImport(
  status: number,
  body: unknown,
): { ok: true; summary: CostImportSummary } | { ok: false; message: string } {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  if (status === 200 && body && typeof body === "object" && "accepted" in body) {
    const b = body as Partial<CostImportSummary>;
    return {
      ok: true,
      summary: {
        accepted: Number(b.accepted ?? 0),
        replaced: Number(b.replaced ?? 0),
        rejected: Number(b.rejected ?? 0),
        errors: Array.isArray(b.errors) ? b.errors : [],
      },
    };
  }
  if (error?.code === "FILE_TOO_LARGE") return { ok: false, message: "The file is too large: a cost file is at most 50 MB." };
  if (error?.code === "INVALID_FILE") return { ok: false, message: "The file is not UTF-8 text." };
  if (status === 403 && error?.code === "FORBIDDEN") return { ok: false, message: "Only an operator (ADMIN) may import costs." };
  if (error?.message) return { ok: false, message: error.message };
  return { ok: false, message: `The import failed (HTTP ${status}). Try again shortly.` };
}
