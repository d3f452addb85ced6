// Thresholds as the console edits them: a form's drafts to ThresholdInput and back.

export type LevelKindName = "PERCENTAGE" | "ABSOLUTE";
export type ChannelName = "EMAIL" | "PLATFORM" | "SMS";
export type RecipientRoleName = "COMPANY_ADMIN" | "VIEWER";
export type PeriodName = "DAY" | "MONTH";

export const CHANNELS: readonly ChannelName[] = ["EMAIL", "PLATFORM", "SMS"];
export const RECIPIENT_ROLES: readonly RecipientRoleName[] = ["COMPANY_ADMIN", "VIEWER"];

export interface LevelDraft {
  name: string;
  kind: LevelKindName;
  value: string;
  channels: ChannelName[];
  roles: RecipientRoleName[];
}

export interface ThresholdDraft {
  metricCode: string;
  period: PeriodName;
  limit: string;
  levels: LevelDraft[];
}

export interface ThresholdLike {
  metricCode: string;
  period: PeriodName;
  limit?: string | null;
  levels: readonly {
    name: string;
    kind: LevelKindName;
    value: string;
    channels: readonly ChannelName[];
    roles: readonly RecipientRoleName[];
  }[];
}

export interface ThresholdInputShape {
  metricCode: string;
  companyId: string | null;
  period: PeriodName;
  limit: string | null;
  levels: {
    name: string;
    kind: LevelKindName;
    value: string;
    channels: ChannelName[];
    roles: RecipientRoleName[] | null;
  }[];
}

export function newLevel(position: number): LevelDraft {
  const name = position === 0 ? "WARNING" : position === 1 ? "CRITICAL" : "";
  return { name, kind: "PERCENTAGE", value: position === 0 ? "80" : "100", channels: ["PLATFORM"], roles: [] };
}

export function newThreshold(metricCode = ""): ThresholdDraft {
  return { metricCode, period: "MONTH", limit: "", levels: [newLevel(0), newLevel(1)] };
}

export function draftOf(threshold: ThresholdLike): ThresholdDraft {
  return {
    metricCode: threshold.metricCode,
    period: threshold.period,
    limit: threshold.limit ?? "",
    levels: threshold.levels.map((level) => ({
      name: level.name,
      kind: level.kind,
      value: level.value,
      channels: [...level.channels],
      roles: [...level.roles],
    })),
  };
}

/** The input the API takes; no roles ticked means every role's recipients. */
export function inputOf(draft: ThresholdDraft, companyId: string | null): ThresholdInputShape {
  const limit = draft.limit.trim();
  return {
    metricCode: draft.metricCode,
    companyId,
    period: draft.period,
    limit: limit === "" ? null : limit,
    levels: draft.levels.map((level) => ({
      name: level.name.trim(),
      kind: level.kind,
      value: level.value.trim(),
      channels: CHANNELS.filter((c) => level.channels.includes(c)),
      roles: level.roles.length === 0 ? null : RECIPIENT_ROLES.filter((r) => level.roles.includes(r)),
    })),
  };
}

/** Problems the browser can name before asking the server (numbers that are not numbers). */
export function localProblems(draft: ThresholdDraft): Record<string, string> {
  const found: Record<string, string> = {};
  const decimal = /^\d+(\.\d+)?$/;
  if (draft.metricCode === "") found.metricCode = "Choose a metric.";
  if (draft.limit.trim() !== "" && !decimal.test(draft.limit.trim())) found.limit = "Enter a number, e.g. 10000.";
  draft.levels.forEach((level, n) => {
    if (!decimal.test(level.value.trim())) found[`levels[${n}].value`] = "Enter a number, e.g. 80.";
  });
  return found;
}

/** A field's problem, whether the server named it with the `input.` prefix or not. */
export function problemAt(problems: Record<string, string>, field: string): string | undefined {
  return problems[`input.${field}`] ?? problems[field];
}

/** Toggle one member of a set kept as an array. */
export function toggled<T>(items: readonly T[], item: T, on: boolean): T[] {
  return on ? (items.includes(item) ? [...items] : [...items, item]) : items.filter((x) => x !== item);
}

/** Recipients typed one per line or separated by commas: trimmed, blank ones dropped, each once. */
export function parseAddresses(text: string): string[] {
  return [...new Set(text.split(/[\n,;]/).map((a) => a.trim()).filter((a) => a !== ""))];
}

/** The usage at which a level is reached, as words: "80 % of 10,000" or "5,000". */
export function levelAmount(kind: LevelKindName, value: string, limit: string | null | undefined): string {
  return kind === "PERCENTAGE" ? `${value} %${limit ? ` of ${limit}` : ""}` : value;
}
