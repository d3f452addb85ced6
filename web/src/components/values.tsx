// Amounts, quantities and instants as the console shows them.
import { calendarDate, localDateTime, money, quantity, utcInstant } from "../lib/format";

export function Money({ amount, currency }: { amount: string | null | undefined; currency: string }) {
  return <span className="num">{money(amount, currency)}</span>;
}

export function Quantity({ value, unit }: { value: string | number | null | undefined; unit?: string | null }) {
  return <span className="num">{quantity(value, unit)}</span>;
}

/** An instant in the viewer's time zone; the UTC instant on hover. */
export function Instant({ iso, timeZone }: { iso: string | null | undefined; timeZone?: string }) {
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={utcInstant(iso)}>
      {localDateTime(iso, timeZone)}
    </time>
  );
}

export function CalendarDate({ date }: { date: string | null | undefined }) {
  if (!date) return <span>—</span>;
  return <time dateTime={date}>{calendarDate(date)}</time>;
}

export function StatusBadge({ status }: { status: string }) {
  const tone = status.toLowerCase().replace(/[^a-z_]/g, "");
  return <span className={`badge badge-${tone}`}>{status.replace(/_/g, " ").toLowerCase()}</span>;
}
