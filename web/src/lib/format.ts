// How numbers and instants are shown. Amounts arrive as exact decimal strings and
// are formatted from the string (Intl accepts decimal strings), never through a
// binary float, so 2035.00 shows as 2,035.00 and not 2,034.9999.

const LOCALE = undefined; // the viewer's

/**
 * An amount with its currency: "$2,035.00", "€12.50", "¥1,200". At least the
 * currency's own minor units (as the server writes them), and any finer digits
 * a unit price has ("$0.0035").
 */
export function money(amount: string | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  try {
    return new Intl.NumberFormat(LOCALE, {
      style: "currency",
      currency,
      maximumFractionDigits: 6,
    }).format(amount as unknown as number);
  } catch {
    return `${amount} ${currency}`;
  }
}

/** A quantity, grouped, with every decimal it has ("1E+4" becomes 10,000). */
export function quantity(value: string | number | null | undefined, unit?: string | null): string {
  if (value === null || value === undefined || value === "") return "—";
  const text = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 20 }).format(
    value as unknown as number,
  );
  return unit ? `${text} ${unit}` : text;
}

/** A percentage from a decimal string such as "12.5". */
export function percent(value: string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 }).format(value as unknown as number)} %`;
}

export function viewerTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** An instant in the viewer's time zone ("2 Jan 2024, 14:05"). */
export function localDateTime(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(LOCALE, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

/** A calendar date ("2024-02-15" → "15 Feb 2024"), not shifted by time zones. */
export function calendarDate(date: string): string {
  const [y, m, d] = date.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat(LOCALE, { dateStyle: "medium", timeZone: "UTC" }).format(
    new Date(Date.UTC(y, m - 1, d)),
  );
}

/** The UTC instant, for a hover title. */
export function utcInstant(iso: string): string {
  return `${new Date(iso).toISOString().replace(".000Z", "Z")} (UTC)`;
}

/** A billing period [start, end) as the month it covers when it is one ("Jan 2024"). */
export function period(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  const oneMonth =
    start.getUTCDate() === 1 &&
    end.getUTCDate() === 1 &&
    start.getUTCHours() === 0 &&
    (end.getUTCMonth() - start.getUTCMonth() + 12) % 12 === 1;
  const fmt = (d: Date, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(LOCALE, { ...opts, timeZone: "UTC" }).format(d);
  if (oneMonth) return fmt(start, { month: "short", year: "numeric" });
  const last = new Date(end.getTime() - 1);
  return `${fmt(start, { dateStyle: "medium" })} – ${fmt(last, { dateStyle: "medium" })}`;
}

/** Start of the current UTC month and of the one before, as ISO strings. */
export function monthWindows(now: Date = new Date()): { current: [string, string]; previous: [string, string] } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const iso = (yy: number, mm: number) => new Date(Date.UTC(yy, mm, 1)).toISOString();
  return {
    current: [iso(y, m), iso(y, m + 1)],
    previous: [iso(y, m - 1), iso(y, m)],
  };
}
