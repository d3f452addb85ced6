// A usage file sent to POST /v1/usage-records:import with XMLHttpRequest, whose
// upload progress events say how many bytes have left the browser.
import { announceAuthFailure, authFailure, csrfHeaders } from "./session";

export type ImportFormat = "csv" | "ndjson";

export const CONTENT_TYPES: Record<ImportFormat, string> = {
  csv: "text/csv",
  ndjson: "application/x-ndjson",
};

export interface ImportOptions {
  format: ImportFormat;
  backfill: boolean;
  createCompanies: boolean;
}

export interface ImportLineError {
  line: number;
  field: string;
  code: string;
  message: string;
}

export interface ImportSummary {
  accepted: number;
  duplicates: number;
  rejected: number;
  companiesCreated: number;
  errors: ImportLineError[];
  errorsTruncated: boolean;
}

/** A refused import: the server's code and sentence (never a blank page). */
export class ImportFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** The format a file's name (or, failing that, its type) says it is in; null when neither says. */
export function formatOf(name: string, type = ""): ImportFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".ndjson") || lower.endsWith(".jsonl")) return "ndjson";
  const mime = type.split(";")[0].trim().toLowerCase();
  if (mime === "text/csv") return "csv";
  if (mime === "application/x-ndjson" || mime === "application/ndjson" || mime === "application/jsonl") {
    return "ndjson";
  }
  return null;
}

export function importUrl(options: ImportOptions): string {
  const query = new URLSearchParams({ format: options.format });
  if (options.backfill) query.set("backfill", "true");
  if (options.createCompanies) query.set("createCompanies", "true");
  return `/v1/usage-records:import?${query.toString()}`;
}

/** "12.3 of 2,048.0 kB": bytes sent of bytes to send, in kB (1 kB = 1,000 bytes). */
export function progressText(sent: number, total: number): string {
  const kb = (bytes: number) =>
    new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(bytes / 1000);
  return `${kb(sent)} of ${kb(total)} kB`;
}

const STATUS_MESSAGES: Record<number, string> = {
  400: "The server could not read the file.",
  401: "You are signed out. Sign in again and retry.",
  403: "Your key may not import usage.",
  413: "The file is larger than the server accepts (METERGRAPH_MAX_IMPORT_BYTES).",
  415: "The server does not accept this file type: choose CSV or NDJSON.",
  429: "Too many requests: wait a moment and try again.",
};

/** What the server answered, as a summary or an ImportFailure to throw. */
export function readImportAnswer(status: number, body: string): ImportSummary | ImportFailure {
  let parsed: unknown = null;
  try {
    parsed = body ? JSON.parse(body) : null;
  } catch {
    parsed = null;
  }
  if (status >= 200 && status < 300) {
    const answer = parsed as Partial<ImportSummary> | null;
    if (!answer || typeof answer.accepted !== "number") {
      return new ImportFailure("INVALID_ANSWER", "The server's answer could not be read.", status);
    }
    return {
      accepted: answer.accepted,
      duplicates: answer.duplicates ?? 0,
      rejected: answer.rejected ?? 0,
      companiesCreated: answer.companiesCreated ?? 0,
      errors: answer.errors ?? [],
      errorsTruncated: answer.errorsTruncated ?? false,
    };
  }
  const error = (parsed as { error?: { code?: string; message?: string; line?: number } } | null)?.error;
  const code = error?.code ?? `HTTP_${status}`;
  const fallback =
    STATUS_MESSAGES[status] ??
    (status >= 500 ? `The server could not take the file (HTTP ${status}). Try again shortly.` : `The import was refused (HTTP ${status}).`);
  return new ImportFailure(code, error?.message ?? fallback, status, error?.line ?? null);
}

export interface Upload {
  /** Resolves with the summary; rejects with an ImportFailure. */
  done: Promise<ImportSummary>;
  abort(): void;
}

/** Send `file`; `onProgress` hears the bytes sent so far and the total. */
export function uploadUsageFile(
  file: Blob,
  options: ImportOptions,
  onProgress: (sent: number, total: number) => void,
): Upload {
  const xhr = new XMLHttpRequest();
  const done = new Promise<ImportSummary>((resolve, reject) => {
    xhr.open("POST", importUrl(options));
    xhr.setRequestHeader("Content-Type", CONTENT_TYPES[options.format]);
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onload = () => {
      const answer = readImportAnswer(xhr.status, xhr.responseText);
      if (answer instanceof ImportFailure) {
        announceAuthFailure(authFailure(answer.status, answer.code));
        reject(answer);
      } else {
        onProgress(file.size, file.size);
        resolve(answer);
      }
    };
    xhr.onerror = () =>
      reject(new ImportFailure("NETWORK", "The upload was cut off: the server could not be reached.", 0));
    xhr.onabort = () => reject(new ImportFailure("ABORTED", "The upload was cancelled.", 0));
    onProgress(0, file.size);
    xhr.send(file);
  });
  return { done, abort: () => xhr.abort() };
}
