// Billing periods as contracts count them: from the billing day at 00:00 UTC
// to the same day a month later.

const pad = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM" of the last period that has closed by `now`, for a billing day. */
export function lastClosedMonth(billingDay: number, now: Date = new Date()): string {
  let year = now.getUTCFullYear();
  let month = now.getUTCMonth(); // 0-based: the month the current period started in…
  if (now.getUTCDate() < billingDay) month -= 1; // …or the one before
  month -= 1; // the period before the current one
  while (month < 0) {
    month += 12;
    year -= 1;
  }
  return `${year}-${pad(month + 1)}`;
}

/** The period start of "YYYY-MM" for a billing day, as an ISO instant. */
export function periodStartOf(month: string, billingDay: number): string {
  const [y, m] = month.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, billingDay)).toISOString();
}
