// How a scheduled job's period is said.

const UNITS: [number, string][] = [
  [86_400, "day"],
  [3_600, "hour"],
  [60, "minute"],
  [1, "second"],
];

/** "every 5 minutes", "every hour", "every 90 seconds": the largest unit that divides it. */
export function everyText(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "not scheduled";
  for (const [size, name] of UNITS) {
    if (seconds % size === 0) {
      const n = seconds / size;
      return n === 1 ? `every ${name}` : `every ${n.toLocaleString()} ${name}s`;
    }
  }
  return `every ${seconds} seconds`;
}

/** How long a run took, "1.2 s" or "3 min 4 s"; null while it runs. */
export function runDuration(startedAt: string, finishedAt: string | null | undefined): string | null {
  if (!finishedAt) return null;
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (Number.isNaN(ms) || ms < 0) return null;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
